"""Split clean document text into retrieval units sized for a sentence embedder.

Blocks (separated by blank lines) are merged while they are short — one-sentence-per-line
sources such as dantri become real paragraphs — and over-long blocks are cut at sentence
boundaries. Every unit is an exact span of the clean text (`text[start:end]`), so offsets
can be used to highlight a passage in the document view. Section headings ("I. …",
"II. Một số nhiệm vụ trọng tâm …") are carried on every unit beneath them.
"""
from __future__ import annotations

import re
from typing import Iterator

from .model import Paragraph

TARGET_CHARS = 700      # merge small blocks up to about this size
MAX_CHARS = 1200        # e5-small sees ~512 tokens ≈ 1,500 Vietnamese characters; stay under
MIN_CHARS = 160         # a block shorter than this is merged with its neighbour
_HEADING_MAX = 160      # a longer line is never a section heading

_BLOCK = re.compile(r"[^\n]+(?:\n[^\n]+)*")          # runs of non-empty lines
_ROMAN_HEADING = re.compile(r"^(?:[IVXLC]{1,5}|[A-ZĐ])[.)\-–]\s+\S")
_PART_HEADING = re.compile(r"^(?:Phần|Chương|Mục|Điều)\s+[\dIVXLC]+\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])[”\"')]*\s+(?=[“\"(]?[A-ZÀ-ỸĐ0-9])")


def passage_text(title: str, paragraph: Paragraph) -> str:
    """What an encoder sees for a paragraph: the document title (and heading) give it context.

    Its hash is the paragraph's content_hash, the embedding-cache key: a paragraph is
    re-embedded only when this text changes.
    """
    if paragraph.kind == "title":
        return paragraph.text
    heading = paragraph.heading
    context = title if not heading or heading in paragraph.text else f"{title} — {heading}"
    return f"{context}\n{paragraph.text}" if context else paragraph.text


def is_heading(line: str) -> bool:
    """A section heading: a numbered part title or a short upper-case line without a final period."""
    line = line.strip()
    if not line or len(line) > _HEADING_MAX or line.endswith((".", ";", ",")):
        return False
    if _ROMAN_HEADING.match(line) or _PART_HEADING.match(line):
        return True
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split clean text into paragraphs (ordinals from 1) with offsets and headings.

    Linear in the text, and no unit is longer than MAX_CHARS: a huge block or line is cut
    at sentence ends (else at spaces), so a degenerate file gives a number of units
    proportional to its size.
    """
    units: list[Paragraph] = []
    heading = ""
    pending: list[tuple[int, int]] = []     # spans waiting to be merged into one unit

    def flush() -> None:
        if pending:
            start, end = pending[0][0], pending[-1][1]
            units.append(Paragraph(0, start, end, text[start:end], heading))
            pending.clear()

    for start, end in _blocks(text):
        if _is_heading_span(text, start, end):
            flush()
            heading = text[start:end].strip()
            pending.append((start, end))     # the heading opens its section's first unit
            continue
        for s, e in _pieces(text, start, end):
            size = (e - pending[0][0]) if pending else (e - s)
            # A short start (a heading, a one-line lead) takes the next piece in, unless
            # the unit would then pass MAX_CHARS.
            if pending and size > TARGET_CHARS and (_span_len(pending) >= MIN_CHARS or size > MAX_CHARS):
                flush()
            pending.append((s, e))
            if _span_len(pending) >= TARGET_CHARS:
                flush()
    flush()
    units = _merge_short_tails(units, text)
    for i, unit in enumerate(units, start=1):
        unit.ordinal = i
    return units


def _is_heading_span(text: str, start: int, end: int) -> bool:
    """`is_heading(text[start:end])` without copying a long span (only short ones can be headings)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return end - start <= _HEADING_MAX and is_heading(text[start:end])


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """Spans of blocks; a block of many short lines (one sentence per line) is split per line."""
    for m in _BLOCK.finditer(text):
        start, end = m.span()
        breaks = text.count("\n", start, end)
        first_end = text.find("\n", start, end) if breaks else end
        # Whole sentences per line (not a list whose items must stay together): long in total.
        if breaks and not _is_heading_span(text, start, first_end) and end - start - breaks > TARGET_CHARS:
            yield from _lines(text, start, end)
        else:
            yield start, end


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of the lines of a block (lines of a block are never empty)."""
    while start < end:
        cut = text.find("\n", start, end)
        cut = end if cut < 0 else cut
        yield start, cut
        start = cut + 1


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The block itself, or, when over-long, sentence-aligned pieces of at most MAX_CHARS."""
    if end - start <= MAX_CHARS:
        yield start, end
        return
    piece_start = prev = start
    for m in _SENTENCE_END.finditer(text, start, end):
        cut = m.end()
        if cut - piece_start > TARGET_CHARS and prev > piece_start:
            yield from _hard_wrap(text, piece_start, _rstrip(text, piece_start, prev))
            piece_start = prev
        prev = cut
    if end - piece_start > TARGET_CHARS and prev > piece_start:
        yield from _hard_wrap(text, piece_start, _rstrip(text, piece_start, prev))
        piece_start = prev
    yield from _hard_wrap(text, piece_start, end)


def _hard_wrap(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a sentence longer than MAX_CHARS at spaces (rare: tables flattened into one line)."""
    while end - start > MAX_CHARS:
        cut = text.rfind(" ", start, start + MAX_CHARS)
        cut = cut if cut > start else start + MAX_CHARS
        yield start, cut
        start = cut + 1 if text[cut:cut + 1] == " " else cut
    yield start, end


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _span_len(spans: list[tuple[int, int]]) -> int:
    return spans[-1][1] - spans[0][0]


def _merge_short_tails(units: list[Paragraph], text: str) -> list[Paragraph]:
    """Fold a short last unit of a section into the previous one when the result stays small.

    Builds a new list (deleting from the middle of the old one made this quadratic).
    """
    merged: list[Paragraph] = []
    for cur in units:
        prev = merged[-1] if merged else None
        if (prev is not None and len(cur.text) < MIN_CHARS and prev.heading == cur.heading
                and cur.end - prev.start <= MAX_CHARS):
            merged[-1] = Paragraph(0, prev.start, cur.end, text[prev.start:cur.end], prev.heading)
        else:
            merged.append(cur)
    return merged
