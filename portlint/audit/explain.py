"""The text of ``portlint explain RULE`` (Markdown) as escaped HTML for the audit page.

Only what rule documentation uses: ``##`` headings, fenced code, ``-`` lists, tables (shown as
preformatted text), paragraphs with inline code and bold. Everything is escaped first, so a rule
from a ``rules-dir`` cannot put markup on the page.
"""

from __future__ import annotations

import re
from html import escape

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def inline(text: str) -> str:
    """One line of Markdown prose as HTML: escaped, with `code` and **bold**."""
    out = escape(text)
    out = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", out)
    return _BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", out)


def explain_html(markdown: str) -> str:
    """The rule's documentation as HTML; the leading ``# ID name`` title is left out."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre><code>{escape(chr(10).join(block))}</code></pre>")
        elif stripped.startswith("|"):
            flush()
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(lines[i].strip())
                i += 1
            out.append(f"<pre>{escape(chr(10).join(block))}</pre>")
            continue
        elif stripped.startswith("#"):
            flush()
            out.append(f"<h4>{inline(stripped.lstrip('#').strip())}</h4>")
        elif stripped.startswith(("- ", "* ")):
            flush()
            items = []
            while i < len(lines) and lines[i].strip().startswith(("- ", "* ")):
                item = [lines[i].strip()[2:]]
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() \
                        and not lines[i].strip().startswith(("- ", "* ", "```")):
                    item.append(lines[i].strip())
                    i += 1
                items.append(f"<li>{inline(' '.join(item))}</li>")
            out.append(f"<ul>{''.join(items)}</ul>")
            continue
        elif not stripped:
            flush()
        else:
            para.append(stripped)
        i += 1
    flush()
    return "".join(out)
