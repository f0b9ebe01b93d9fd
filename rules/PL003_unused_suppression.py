"""
## What it does
Reports a `portlint: ignore[RULE]` comment that silences nothing: no finding of the rules it
names sits on its line or the next one (nor, for a cross-file finding, on any of the finding's
other locations). Reported only when every rule it names ran, so `--select` never makes other
rules' suppressions look unused.

## Why is this bad
A stale suppression hides the next real problem on that line, and it tells readers something
is wrong here when it no longer is.

## Example
```yaml
ports:
  - containerPort: 8000  # portlint: ignore[PL101] -- sidecar listens on 8001 (no longer true)
```

## Use instead
```yaml
ports:
  - containerPort: 8000
```
This check is carried out by the engine after every other rule (like ruff's unused-noqa).
"""

ID = "PL003"
NAME = "unused-suppression"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A portlint: ignore[...] comment suppresses no finding"
TAGS = ("suppressions",)
ENGINE = True  # findings come from the engine's suppression pass, not from check()


def check(ctx):
    return iter(())
