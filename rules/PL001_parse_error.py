"""
## What it does
Reports a file that portlint could not read: invalid YAML, HCL, Python or TypeScript, text that
is not UTF-8, a YAML alias bomb or custom tag, a file over `max-file-size`, a binary file where a
readable one was expected.

## Why is this bad
A file that cannot be parsed hides every port in it. Its mismatches stay invisible to portlint
and, usually, the tool that deploys it fails later and further from the cause.

## Example
```yaml
# deploy/service.yaml
spec:
  ports:
    - port: 80
     targetPort: 8000   # indentation breaks the mapping
```

## Use instead
```yaml
spec:
  ports:
    - port: 80
      targetPort: 8000
```
Oversized files are reported as notes; raise `max-file-size` in `.portlint.toml` to read them.
"""

from __future__ import annotations

from collections.abc import Iterator

from portlint.model import Problem, Severity

ID = "PL001"
NAME = "parse-error"
SEVERITY = "error"
GROUP = "consistency"
SUMMARY = "A file could not be parsed, so its ports were not checked"
TAGS = ("robustness",)


def check(ctx) -> Iterator[Problem]:
    for failure in ctx.graph.failures:
        yield Problem(
            location=failure.location,
            message=f"cannot read ({failure.reader}): {failure.message}",
            related=failure.related,
            fix=_fix(failure),
            severity=failure.severity,
            key=failure.message,
        )


def _fix(failure) -> str:
    if failure.severity == Severity.NOTE:  # a bound cut the input short (size, time, aliases, ...)
        return ("nothing to fix if the file is meant to be this way; where the note names a limit, raising "
                "it has the file read (docs/configuration.md, Limits)")
    return "fix the syntax so the file parses; portlint checks the rest of the tree meanwhile"
