"""A manifest file's documents: composed whole, or one by one when one is broken or when some
are CustomResourceDefinitions.

A CRD declares an API's schema, never a port, and CRD bundles are most of many installs' bytes
(argo-cd's ``install.yaml``: 1.9 MB, nearly all schema). Its documents are not composed: the file
is cut at its ``---`` lines (a line starting ``---`` ends any scalar, so the cut is exact), and
the other documents are composed alone, their marks moved to their place in the file.
"""

from __future__ import annotations

import re
from typing import Any

from portlint.readers import _yaml

MAX_BROKEN_DOCUMENTS = 100  # a file with more is not read further (a note says so)
_DOCUMENT_START = re.compile(r"^(---|\.\.\.)(?=[ \t\r]|$)", re.MULTILINE)
# a document's own top-level kind (column 0): nested ``kind:`` keys are indented
_CRD_KIND = re.compile(r"^kind:[ \t]*[\"']?CustomResourceDefinition[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)
_CRD_GROUP = re.compile(r"^apiVersion:[ \t]*[\"']?apiextensions\.k8s\.io/", re.MULTILINE)


def compose(text: str) -> tuple[list[Any], list[_yaml.YamlError]]:
    """Compose every document but CRDs; when one is broken, still compose the others (one
    error each)."""
    if "CustomResourceDefinition" in text and _CRD_KIND.search(text):
        return _compose_each(text, None, skip=_is_crd)
    try:
        return _yaml.compose_documents(text), []
    except _yaml.YamlError as exc:
        return _compose_each(text, exc)


def _is_crd(chunk: str) -> bool:
    return _CRD_KIND.search(chunk) is not None and _CRD_GROUP.search(chunk) is not None


def _compose_each(text: str, first: _yaml.YamlError | None, skip=None) -> tuple[list[Any], list[_yaml.YamlError]]:
    """Compose each ``---`` document on its own (after ``first`` failed the whole text, or to
    leave out the documents ``skip`` names).

    Linear in the file: each document is composed once, then its marks are moved to its lines.
    """
    chunks = _document_chunks(text)
    if first is not None and len(chunks) < 2:
        return [], [first]
    documents: list[Any] = []
    errors: list[_yaml.YamlError] = []
    for start_line, offset, chunk in chunks:
        if skip is not None and skip(chunk):
            continue
        if len(errors) == MAX_BROKEN_DOCUMENTS:
            errors.append(_yaml.CutShort(f"skipped from here: more than {MAX_BROKEN_DOCUMENTS} broken documents in "
                                         "this file", start_line + 1, 1))
            break
        try:
            composed = _yaml.compose_documents(chunk)
        except _yaml.YamlError as exc:  # a fresh error: the traceback would pin the parser's buffers
            errors.append(_yaml.YamlError(exc.message, exc.line + start_line, exc.column))
            continue
        _yaml.shift_lines(composed, start_line, offset)
        documents.extend(composed)
    if first is not None and not errors:
        errors = [first]
    return documents, errors


def _document_chunks(text: str) -> list[tuple[int, int, str]]:
    """Split at ``---``/``...`` lines: (0-based first line, offset, text) per document."""
    starts = [0] + [m.start() for m in _DOCUMENT_START.finditer(text) if m.start() > 0]
    chunks: list[tuple[int, int, str]] = []
    pending = 0
    line = 0  # lines before ``pending``
    for i in range(len(starts)):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        body = text[pending:end]
        if i + 1 < len(starts) and not _has_content(body):
            continue  # directives or comments only: they belong to the next document
        chunks.append((line, pending, body))
        line += body.count("\n")
        pending = end
    return chunks


def _has_content(chunk: str) -> bool:
    for line in chunk.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%", "---", "...")):
            return True
    return False
