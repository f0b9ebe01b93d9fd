"""Helm charts rendered the way ``helm template`` renders them, in Python.

- :mod:`portlint.helm.lexer`, :mod:`portlint.helm.parser` — Go ``text/template`` syntax;
- :mod:`portlint.helm.exec` — the executor; :mod:`portlint.helm.output` — its output and source
  map; :mod:`portlint.helm.functions_engine` — functions that need the executor (``include``,
  ``tpl``, ``required``, ``lookup``, lazy ``and``/``or``); :mod:`portlint.helm.values` — the
  unknown marker and values traced to their values-file line;
- :mod:`portlint.helm.chart` — charts, values files, environments and subcharts;
  :mod:`portlint.helm.builtins` — ``.Release``, ``.Chart``, ``.Capabilities``, ``.Files``;
  :mod:`portlint.helm.render` — what the Kubernetes reader calls;
- :mod:`portlint.helm.functions` — sprig and Helm's pure functions;
- :mod:`portlint.helm.gofmt` — Go's printing of values; :mod:`portlint.helm.errors`.

Nothing from the scanned tree is ever executed: templates are interpreted, functions are ours.
"""
