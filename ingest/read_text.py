"""Readers for plain scraped text pages and `# key = value` header files (dantri)."""
from __future__ import annotations

import re
from typing import Iterator

from vankien.ingest.model import RawDocument
from vankien.ingest.normalize import normalize_line, normalize_text

# `# key = value`. Possessive runs and no `(.*?)\s*$` (quadratic on a long value with many
# spaces): the value is the rest of the line, stripped in code.
_HEADER_LINE = re.compile(r"#\s*+([A-Za-z_][\w-]*+)\s*+=\s*+")
# Every line boundary `str.splitlines` knows, so lines here are the lines it would give.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Header keys whose meaning is clear; others are kept under their own (lower-case) name.
_HEADER_KEYS = {"url": "url", "link": "url", "date": "date", "doc_id": "doc_id",
                "title": "title", "source": "outlet", "outlet": "outlet", "author": "author"}
_TITLE_MAX_CHARS = 200
_SENTENCE_END = re.compile(r"[.!?…:;]$")


def is_header_format(text: str) -> bool:
    """True if the file opens with `# key = value` lines (at least two of them)."""
    lines = [line for line, _ in _lines(text.lstrip("\ufeff"), 2)]
    return len(lines) == 2 and all(_HEADER_LINE.match(line) for line in lines)


def read_text_page(source_path: str, text: str, raw_hash: str) -> RawDocument:
    """A scraped text page: normalised text, no metadata (clean_page finds title and dates)."""
    return RawDocument(source_path, normalize_text(text), "text", raw_hash)


def read_header_file(source_path: str, text: str, raw_hash: str) -> RawDocument:
    """A `# key = value` header file: header lines become fields, the rest is the text."""
    fields: dict[str, str] = {}
    text = text.lstrip("\ufeff")
    body_start = len(text)
    for line, start in _lines(text):
        match = _HEADER_LINE.match(line)
        if not match:
            body_start = start
            break
        key = match.group(1).lower()
        fields[_HEADER_KEYS.get(key, key)] = normalize_line(line[match.end():].rstrip())
    # One pass instead of splitting the whole body into a list of lines and joining it.
    body = normalize_text(_LINE_BREAK.sub("\n", text[body_start:]))
    title = first_line_title(body)
    if title and "title" not in fields:
        fields["title"] = title
    return RawDocument(source_path, body, "header", raw_hash, fields=fields)


def _lines(text: str, limit: int | None = None) -> Iterator[tuple[str, int]]:
    """(line, offset) of the first `limit` lines (all if None), as `str.splitlines` splits them.

    Reads only as far as needed: a header check looks at two lines, not the whole file.
    """
    start, count = 0, 0
    while start < len(text) and (limit is None or count < limit):
        m = _LINE_BREAK.search(text, start)
        end = m.start() if m else len(text)
        yield text[start:end], start
        start = m.end() if m else len(text)
        count += 1


def first_line_title(body: str) -> str:
    """The first line if it looks like a headline (short, no final punctuation), else ""."""
    cut = body.find("\n")
    first = (body if cut < 0 else body[:cut]).strip()
    if not first or len(first) > _TITLE_MAX_CHARS or _SENTENCE_END.search(first):
        return ""
    return first
