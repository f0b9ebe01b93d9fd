"""
## What it does
Reports a `portlint: ignore[...]` comment that is malformed: it names no rule, gives no reason
after `--`, has an `until=` that is not a date, or its `until=` date has passed. A comment without
a reason still suppresses its finding (the intent is clear) and this warning asks for the reason;
the other kinds suppress nothing.

## Why is this bad
A suppression is a promise that someone looked at the finding and decided. Without a reason the
next reader cannot tell whether that decision still holds; past its expiry date the decision was
meant to be revisited.

## Example
```yaml
ports:
  - containerPort: 8001  # portlint: ignore[PL101]
  - containerPort: 9000  # portlint: ignore[PL104] until=2024-01-31 -- until the migration
```

## Use instead
```yaml
ports:
  - containerPort: 8001  # portlint: ignore[PL101] -- metrics sidecar, not routed by the Service
  - containerPort: 9000  # portlint: ignore[PL104] until=2027-01-31 -- migration moved to Q1
```
Comment form, the same in YAML, HCL, Python, TypeScript, Dockerfiles and `.env` files (`#` or
`//`): `portlint: ignore[RULE[,RULE…]] [until=YYYY-MM-DD] -- reason`, on the line of the finding
or the line above it.
"""

ID = "PL004"
NAME = "invalid-suppression"
SEVERITY = "warning"
GROUP = "consistency"
SUMMARY = "A portlint: ignore[...] comment is malformed or past its expiry date"
TAGS = ("suppressions",)
ENGINE = True  # findings come from the engine's suppression pass, not from check()


def check(ctx):
    return iter(())
