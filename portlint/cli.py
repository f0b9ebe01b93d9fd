"""The ``portlint`` command line. Subcommands live in :mod:`portlint.commands`, one module each.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or config error.
No traceback reaches a user (set ``PORTLINT_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sys

from portlint import __version__

# argparse and importlib are imported where used: `portlint --version` needs neither

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how portlint was called (exit 2)."""


def _parser_class():
    import argparse

    class _Formatter(argparse.HelpFormatter):
        """argparse's help layout, with the terminal's width found without importing shutil
        (argparse makes a formatter for every argument it adds; shutil and the compression
        modules it imports were ~4 ms of every run)."""

        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: int | None = None) -> None:
            super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)

    class _Parser(argparse.ArgumentParser):
        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("formatter_class", _Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str):  # argparse exits 2 on usage errors already; keep its message short
            self.print_usage(sys.stderr)
            self.exit(EXIT_USAGE, f"portlint: error: {message}\n")

    return _Parser


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it: $COLUMNS, else stdout's
    terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def build_parser(only: str | None = None):
    """The parser (an ``argparse.ArgumentParser``); with ``only``, just that subcommand's module is
    imported (start-up stays cheap: ``portlint rules`` never imports the engine or a parser)."""
    import importlib

    import portlint.commands as commands

    _Parser = _parser_class()

    parser = _Parser(prog="portlint", description="Lint ports across a whole monorepo.")
    parser.add_argument("--version", "-V", action="version", version=f"portlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in command_names():
        if only is not None and name != only:
            continue
        module = importlib.import_module(f"{commands.__name__}.{name}")
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


def command_names() -> list[str]:
    """Subcommand module names (a module's NAME is its file name), without importing them."""
    import portlint.commands as commands
    from portlint._modules import module_names

    return module_names(commands.__path__)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["--version"], ["-V"]) and len(argv) == 1:
        print(f"portlint {__version__}")
        return EXIT_CLEAN
    from portlint import _compiled, collector

    _compiled.install()  # before any module defines a dataclass
    collector.tune()  # a run keeps most of what it allocates, start-up included
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=first if first in command_names() else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from portlint.config import ConfigError
    from portlint.registry import RuleLoadError
    from portlint.validate import SelectorError

    try:
        return args.handler(args)
    except (ConfigError, RuleLoadError, UsageError, SelectorError) as exc:
        print(f"portlint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("portlint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_FINDINGS
    except Exception as exc:  # the promise: no traceback reaches a user
        if os.environ.get("PORTLINT_DEBUG"):
            import traceback

            traceback.print_exc()
        print(f"portlint: internal error: {type(exc).__name__}: {exc} "
              "(run with PORTLINT_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return EXIT_USAGE


def entry() -> None:
    hard_exit(main())


def hard_exit(code: int) -> None:
    """Exit without tearing down the heap, as mypy does: a run ends holding every fact, link and
    finding it made, and freeing them one by one took ~75 ms of a 200-service check. Output is
    flushed and exit handlers (portlint's helper process, kept code) run first; every file
    portlint writes is closed before this point."""
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is None or sys.getprofile() or sys.gettrace():  # not CPython, or a profiler or
        sys.exit(code)  # debugger that reports when the program returns: leave the normal way
    run_handlers()
    os._exit(code)


if __name__ == "__main__":
    entry()
