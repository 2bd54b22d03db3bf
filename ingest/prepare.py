"""One document's processing: clean → metadata → paragraphs, and the digests that identify it.

`prepare` is a pure function of a RawDocument; the ingest workers run it in a child process
(see worker.py), so nothing here touches the store.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import asdict, dataclass

from .clean import clean_page
from .metadata import extract_metadata
from .model import Metadata, Paragraph, RawDocument
from .normalize import fold
from .paragraphs import split_paragraphs
from .store import sha256

_SPACES = re.compile(r"\s+")
SHORT_BODY = 200        # below this many characters the body alone does not identify a document
_PAGE_PROBE = 60        # characters of a paragraph looked up in the raw text to find its page


@dataclass
class Prepared:
    """A document ready to be written: where it came from, metadata, text, paragraphs, identities."""

    input_key: str          # absolute identity of the input (path, '#row')
    source_path: str        # path relative to the ingested root
    row: int | None
    raw_hash: str
    meta: Metadata
    text: str
    extra: dict
    paragraphs: list[Paragraph]
    identity: str           # content identity: copies of one article share it
    digest: str             # hash of the whole output: unchanged output, unchanged digest
    notes: list[str]

    @property
    def doc_key(self) -> str:
        """The document's key: its canonical URL when known, else the input."""
        return self.meta.url or self.input_key


def prepare(raw: RawDocument) -> Prepared:
    """Run cleaning, metadata extraction and paragraph splitting on one raw document."""
    cleaned = clean_page(raw.text, raw.fields.get("title", ""))
    meta = extract_metadata(raw, cleaned)
    notes = list(raw.notes)
    if meta.url and not meta.url.lower().startswith(("http://", "https://")):
        # Only web addresses are a document's URL (and become links): a "javascript:" or
        # "file:" value stays in the fields as found, never in citations.
        notes.append(f"URL {meta.url[:60]!r} is not http(s): kept in the fields, not used")
        meta.url = ""
    paragraphs = [title_unit(meta)] + split_paragraphs(cleaned.text)
    if raw.page_starts or raw.provenance.get("ocr_pages"):
        assign_pages(raw.text, raw.page_starts, paragraphs)
        scanned = set(raw.provenance.get("ocr_pages") or [])
        for p in paragraphs:
            p.ocr = p.page in scanned
    extra = {"recipients": cleaned.recipients, "signature": cleaned.signature, "byline": cleaned.byline,
             "format": raw.format, "fields": raw.fields, "provenance": raw.provenance}
    identity = content_identity(meta, cleaned.text)
    return Prepared(raw.input_key, raw.source_path, raw.row, raw.raw_hash, meta, cleaned.text, extra,
                    paragraphs, identity, output_digest(meta, cleaned.text, extra, paragraphs), notes)


def title_unit(meta: Metadata) -> Paragraph:
    """The searchable title/abstract unit (ordinal 0): the only unit of a register record."""
    parts = [meta.title]
    if meta.doc_number and meta.doc_number not in meta.title:
        parts.append(meta.doc_number)
    if meta.abstract and fold(meta.abstract) not in fold(meta.title):
        parts.append(meta.abstract)
    text = "\n".join(p for p in parts if p) or "(không có tiêu đề)"
    return Paragraph(0, 0, 0, text, "", kind="title")


def content_identity(meta: Metadata, text: str) -> str:
    """Hash that two copies of one document share: the body, or title+body for short bodies."""
    body = _SPACES.sub(" ", fold(text)).strip()       # no list of every word (big inputs)
    if len(body) >= SHORT_BODY:
        return sha256(body)
    return sha256(_SPACES.sub(" ", fold(meta.title)).strip() + "|" + body)


def output_digest(meta: Metadata, text: str, extra: dict, paragraphs: list[Paragraph]) -> str:
    """Hash of everything a version stores; equal digests mean nothing visible changed."""
    blob = json.dumps([asdict(meta), text, extra, [asdict(p) for p in paragraphs]],
                      ensure_ascii=False, sort_keys=True, default=str)
    return sha256(blob)


def assign_pages(raw_text: str, page_starts: list[int], paragraphs: list[Paragraph]) -> None:
    """Give each body paragraph the page where its text starts in the raw (paged) text.

    Cleaning changes offsets and line breaks, so each paragraph's opening words are looked
    up in the raw text with whitespace collapsed on both sides, searching forward from the
    previous paragraph's position (paragraphs are in order).
    """
    flat, where = _collapse_spaces(raw_text)
    cursor = 0
    for p in paragraphs:
        if p.kind == "title":
            continue
        probe = " ".join(p.text.split())[:_PAGE_PROBE]
        at = flat.find(probe, cursor)
        if at < 0:
            at = flat.find(probe[:20], cursor)
        if at >= 0:
            cursor = at
        p.page = bisect.bisect_right(page_starts, where[cursor] if where else 0) + 1


def _collapse_spaces(text: str) -> tuple[str, list[int]]:
    """The text with every whitespace run as one space, and each kept character's raw offset."""
    out, where = [], []
    space = True
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
        else:
            out.append(ch)
            where.append(i)
            space = False
    return "".join(out), where
