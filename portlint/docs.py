"""Rule documentation as Markdown: what ``portlint explain`` prints and ``docs/rules/`` holds."""

from __future__ import annotations

from pathlib import Path

from portlint.registry import DEFAULT_GROUP, Rule


def rule_markdown(rule: Rule) -> str:
    options = ""
    if rule.options:
        rows = "\n".join(f"| `{k}` | `{v!r}` |" for k, v in sorted(rule.options.items()))
        options = f"\n\n## Options\n\n| option | default |\n| --- | --- |\n{rows}"
    return (f"# {rule.id} {rule.name}\n\n"
            f"Default severity: **{rule.severity.value}**. Group: **{rule.group}**"
            f"{' (on by default)' if rule.group == DEFAULT_GROUP else ' (opt-in: `--extend-select ' + rule.group + '`)'}."
            f" {rule.summary}.\n\n"
            f"{rule.doc.strip()}{options}\n")


def write_rule_docs(rules: list[Rule], directory: Path) -> list[Path]:
    """Write one page per rule and an index; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in rules:
        page = directory / f"{rule.id}.md"
        page.write_text(rule_markdown(rule), encoding="utf-8")
        written.append(page)
    index = directory / "README.md"
    lines = ["# Rules", "", "`consistency` rules run by default; `hygiene` rules are opt-in "
             "(`extend-select = [\"hygiene\"]` in the config, or `--extend-select hygiene`).", "",
             "| id | name | severity | group | summary |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| [{r.id}]({r.id}.md) | {r.name} | {r.severity.value} | {r.group} | {r.summary} |" for r in rules]
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(index)
    return written


if __name__ == "__main__":
    from portlint.registry import load_rules

    root = Path(__file__).resolve().parent.parent
    for path in write_rule_docs([r for r in load_rules() if r.builtin], root / "docs" / "rules"):
        print(path.relative_to(root))
