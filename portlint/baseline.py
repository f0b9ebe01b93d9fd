"""Baselines: record today's findings so that only new ones fail.

A finding's fingerprint is its rule, its file and its *key* — the words that identify it without
line numbers (rules give one; otherwise the message with every ``file:line`` reference reduced to
the file). Moving lines, adding lines above, or editing the other side's file does not change it.
Matching counts duplicates: two identical fingerprints in the baseline absorb two findings.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from portlint import safe_io
from portlint.model import Finding

BASELINE_VERSION = 1
BASELINE_LIMIT = 256 * 1024 * 1024  # bytes; a baseline is never near this, /dev/zero is
_LINE_REF = re.compile(r"(\.[A-Za-z0-9_]+|\b[A-Za-z0-9_.-]+):\d+(?::\d+)?\b")


class BaselineError(Exception):
    """A baseline file that cannot be read (exit 2)."""


def fingerprint(finding: Finding) -> str:
    basis = finding.key or _LINE_REF.sub(r"\1", finding.message)
    digest = hashlib.sha256("\0".join([finding.rule_id, finding.location.path, basis]).encode("utf-8"))
    return digest.hexdigest()[:32]


def write_baseline(findings: list[Finding], path: Path) -> None:
    entries = sorted(
        ({"rule": f.rule_id, "path": f.location.path, "fingerprint": fingerprint(f), "message": f.message}
         for f in findings),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    document = {"version": BASELINE_VERSION, "tool": "portlint", "findings": entries}
    safe_io.write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def load_baseline(path: Path) -> Counter:
    try:
        document = json.loads(safe_io.read_text(path, limit=BASELINE_LIMIT))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except safe_io.UnsafeFile as exc:
        raise BaselineError(f"{path}: baseline not read: {exc.reason}") from None
    except OSError as exc:
        raise BaselineError(f"{path}: baseline not read: {exc.strerror or exc}") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a portlint baseline: nested too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a portlint baseline: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a portlint baseline of version {BASELINE_VERSION}")
    entries = document.get("findings", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "fingerprint" in e for e in entries):
        raise BaselineError(f"{path}: findings must be a list of objects with a fingerprint")
    return Counter(e["fingerprint"] for e in entries)


def split_new(findings: list[Finding], baseline: Counter) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings already in the baseline)."""
    remaining = Counter(baseline)
    new, known = [], []
    for finding in findings:
        fp = fingerprint(finding)
        if remaining[fp] > 0:
            remaining[fp] -= 1
            known.append(finding)
        else:
            new.append(finding)
    return new, known
