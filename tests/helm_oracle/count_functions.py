"""Count the template function names that charts call (what the function library must cover).

    python -m tests.helm_oracle.count_functions DIR...

Counts identifiers inside ``{{ }}`` actions of files under a ``templates/`` folder (comments
skipped), one column per DIR. Identifiers that are not functions (keywords, words inside
non-Helm ``{{ }}`` such as Grafana dashboards) are counted too: filter with a list of names."""

from __future__ import annotations

import collections
import pathlib
import re
import sys

ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`|\'(?:\\.|[^\'\\])*\'|\$[A-Za-z0-9_]*|\.[A-Za-z0-9_.]+'
                   r"|[A-Za-z_][A-Za-z0-9_]*|\S")
KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue",
            "nil", "true", "false"}
SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")


def count(root: str) -> collections.Counter:
    found: collections.Counter = collections.Counter()
    for path in pathlib.Path(root).rglob("*"):
        if "/templates/" not in path.as_posix() or not path.is_file() or path.suffix not in SUFFIXES:
            continue
        for match in ACTION.finditer(path.read_text(errors="replace")):
            body = match.group(1)
            if body.lstrip().startswith("/*"):
                continue
            for token in TOKEN.findall(body):
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token) and token not in KEYWORDS:
                    found[token] += 1
    return found


def main(roots: list[str]) -> int:
    per = {root: count(root) for root in roots}
    total: collections.Counter = collections.Counter()
    for counts in per.values():
        total.update(counts)
    for name, n in total.most_common():
        print(f"{n:6d} {name:22s} " + " ".join(str(per[r][name]) for r in roots))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
