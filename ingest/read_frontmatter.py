"""Reader for Markdown/HTML files that open with a front-matter block.

Two shapes: `---json {…} ---` (daksong/content) and YAML-ish `---` / `key: value` / `---`
with simple scalar values. The body is HTML (entities and all) or Markdown-ish text.
"""
from __future__ import annotations

import json
import re

from vankien.ingest.html_text import html_to_text, looks_like_html
from vankien.ingest.model import RawDocument
from vankien.ingest.normalize import normalize_line, normalize_text

_JSON_BLOCK = re.compile(r"\A\ufeff?---json[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_YAML_BLOCK = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
# `key: value`. Was `…\s*(.*?)\s*$`, quadratic on a long value with many spaces; the
# value is now the rest of the line, right-stripped in code (`_parse_yaml_scalars`).
_YAML_LINE = re.compile(r"([A-Za-z_][\w-]*+)\s*+:\s*+")
# Source key → canonical field (see RawDocument). Order matters where two keys share a
# target: the first non-empty one wins.
_FIELD_MAP = (
    ("title", "title"), ("date", "date"), ("publishDate", "date"),
    ("description", "description"), ("trich_yeu", "description"),
    ("category", "category"), ("so_hieu", "doc_number"),
    ("co_quan_ban_hanh", "issuer"), ("ngay_ban_hanh", "issued_date"),
    ("hinh_thuc_van_ban", "doc_type"), ("loai_van_ban", "doc_type"),
    ("nguoi_ky", "signer"), ("tai_lieu_dinh_kem", "attachment"), ("url", "url"),
    ("author", "author"), ("outlet", "outlet"), ("source", "outlet"),
    ("province", "province"), ("doc_type", "doc_type"),
)


class FrontMatterError(ValueError):
    """The front-matter block is present but cannot be parsed."""


def has_front_matter(text: str) -> bool:
    """True if the text opens with a `---json` block or a YAML-ish `---` block."""
    if _JSON_BLOCK.match(text):
        return True
    match = _YAML_BLOCK.match(text)
    return bool(match) and any(_YAML_LINE.match(l) for l in match.group(1).splitlines())


def read_front_matter_file(source_path: str, text: str, raw_hash: str) -> RawDocument:
    """Parse front matter into canonical fields and the body into text blocks.

    Raises FrontMatterError for a malformed JSON block (the caller reports it).
    """
    meta, body = split_front_matter(text)
    body_text = html_to_text(body) if looks_like_html(body) else normalize_text(body)
    return RawDocument(source_path, body_text, "frontmatter", raw_hash,
                       fields=canonical_fields(meta))


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front-matter mapping, body) for either front-matter shape."""
    match = _JSON_BLOCK.match(text)
    if match:
        try:
            meta = json.loads(match.group(1))
        except json.JSONDecodeError as exc:
            raise FrontMatterError(f"bad JSON front matter: {exc.msg} at line {exc.lineno}") from exc
        if not isinstance(meta, dict):
            raise FrontMatterError("JSON front matter is not an object")
        return meta, text[match.end():]
    match = _YAML_BLOCK.match(text)
    if not match:
        return {}, text
    return _parse_yaml_scalars(match.group(1)), text[match.end():]


def _parse_yaml_scalars(block: str) -> dict[str, str]:
    """`key: value` lines with simple scalars; quotes stripped, other lines ignored."""
    meta: dict[str, str] = {}
    for line in block.splitlines():
        match = _YAML_LINE.match(line)
        if match:
            value = line[match.end():].rstrip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[match.group(1)] = value
    return meta


def canonical_fields(meta: dict) -> dict[str, str]:
    """Map source keys to canonical field names, keeping non-empty string values only."""
    fields: dict[str, str] = {}
    for key, target in _FIELD_MAP:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = normalize_line(str(value))
            if value and target not in fields:
                fields[target] = value
    return fields
