"""Helm charts rendered the way ``helm template`` renders them, in Python.

- :mod:`portlint.helm.lexer`, :mod:`portlint.helm.parser` — Go ``text/template`` syntax;
- :mod:`portlint.helm.exec` — the executor, with the source map of its output;
- :mod:`portlint.helm.chart` — charts, values files, environments and subcharts;
- :mod:`portlint.helm.functions` — sprig and Helm's pure functions;
- :mod:`portlint.helm.gofmt` — Go's printing of values; :mod:`portlint.helm.errors`.

Nothing from the scanned tree is ever executed: templates are interpreted, functions are ours.
"""
