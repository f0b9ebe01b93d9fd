from portlint.cli import entry

entry()
