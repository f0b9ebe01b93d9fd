"""JSON output with the ``services`` model: every logical service, its members and their port
facts (docs/json-output.md). ``--format json`` leaves the model out: it is larger than the
findings and most callers only read the findings."""

from __future__ import annotations

from portlint.report import json as _json

FORMAT = "json-full"


def render(result, opts) -> str:
    return _json.render(result, opts, with_services=True)
