"""Rule documentation as Markdown: what ``portlint explain`` prints and ``docs/rules/`` holds."""

from __future__ import annotations

from pathlib import Path

from portlint.options import Option, short_type
from portlint.registry import DEFAULT_GROUP, Rule
from portlint.settings import toml_value


def _option_row(name: str, option: Option) -> str:
    meaning = option.doc.replace("|", "\\|")
    if option.minimum is not None:
        meaning += f" (at least {option.minimum})"
    if option.choices:
        meaning += f" (each one of: {', '.join(option.choices)})"
    return f"| `{name}` | `{short_type(option.type)}` | `{toml_value(option.default)}` | {meaning} |"


def rule_markdown(rule: Rule) -> str:
    options = ""
    if rule.options:
        rows = "\n".join(_option_row(name, option) for name, option in sorted(rule.options.items()))
        options = (f"\n\n## Options\n\nSet in `.portlint.toml` under `[rules.{rule.id}]`; a value of another type "
                   f"is a config error.\n\n| option | type | default | meaning |\n| --- | --- | --- | --- |\n{rows}")
    fix = (f"\n\n## Fix\n\nFixable by `portlint fix` (see [fix.md](../fix.md)): {rule.fix}" if rule.fix else "")
    return (f"# {rule.id} {rule.name}\n\n"
            f"Default severity: **{rule.severity.value}**. Group: **{rule.group}**"
            f"{' (on by default)' if rule.group == DEFAULT_GROUP else ' (opt-in: `--extend-select ' + rule.group + '`)'}."
            f" {rule.summary}.\n\n"
            f"{rule.doc.strip()}{options}{fix}\n")


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
             "`portlint fix` repairs the findings of the rules marked *fix* when exactly one side is wrong "
             "([fix.md](../fix.md)).", "",
             "| id | name | severity | group | fix | summary |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| [{r.id}]({r.id}.md) | {r.name} | {r.severity.value} | {r.group} | {'fix' if r.fix else ''} | {r.summary} |"
              for r in rules]
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(index)
    return written


if __name__ == "__main__":
    from portlint.registry import load_rules

    root = Path(__file__).resolve().parent.parent
    for path in write_rule_docs([r for r in load_rules() if r.builtin], root / "docs" / "rules"):
        print(path.relative_to(root))
