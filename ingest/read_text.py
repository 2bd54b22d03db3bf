"""Readers for plain scraped text pages and `# key = value` header files (dantri)."""
from __future__ import annotations

import re

from vankien.ingest.model import RawDocument
from vankien.ingest.normalize import normalize_line, normalize_text

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$")
# Header keys whose meaning is clear; others are kept under their own (lower-case) name.
_HEADER_KEYS = {"url": "url", "link": "url", "date": "date", "doc_id": "doc_id",
                "title": "title", "source": "outlet", "outlet": "outlet", "author": "author"}
_TITLE_MAX_CHARS = 200
_SENTENCE_END = re.compile(r"[.!?…:;]$")


def is_header_format(text: str) -> bool:
    """True if the file opens with `# key = value` lines (at least two of them)."""
    lines = text.lstrip("\ufeff").splitlines()[:2]
    return len(lines) == 2 and all(_HEADER_LINE.match(line) for line in lines)


def read_text_page(source_path: str, text: str, raw_hash: str) -> RawDocument:
    """A scraped text page: normalised text, no metadata (clean_page finds title and dates)."""
    return RawDocument(source_path, normalize_text(text), "text", raw_hash)


def read_header_file(source_path: str, text: str, raw_hash: str) -> RawDocument:
    """A `# key = value` header file: header lines become fields, the rest is the text."""
    fields: dict[str, str] = {}
    lines = text.lstrip("\ufeff").splitlines()
    start = 0
    for start, line in enumerate(lines):
        match = _HEADER_LINE.match(line)
        if not match:
            break
        key = match.group(1).lower()
        fields[_HEADER_KEYS.get(key, key)] = normalize_line(match.group(2))
    else:
        start = len(lines)
    body = normalize_text("\n".join(lines[start:]))
    title = first_line_title(body)
    if title and "title" not in fields:
        fields["title"] = title
    return RawDocument(source_path, body, "header", raw_hash, fields=fields)


def first_line_title(body: str) -> str:
    """The first line if it looks like a headline (short, no final punctuation), else ""."""
    first = body.split("\n", 1)[0].strip()
    if not first or len(first) > _TITLE_MAX_CHARS or _SENTENCE_END.search(first):
        return ""
    return first
