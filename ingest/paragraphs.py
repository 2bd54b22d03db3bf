"""Split clean document text into retrieval units sized for a sentence embedder.

Blocks (separated by blank lines) are merged while they are short — one-sentence-per-line
sources such as dantri become real paragraphs — and over-long blocks are cut at sentence
boundaries. Every unit is an exact span of the clean text (`text[start:end]`), so offsets
can be used to highlight a passage in the document view. Section headings ("I. …",
"II. Một số nhiệm vụ trọng tâm …") are carried on every unit beneath them.
"""
from __future__ import annotations

import re

from .model import Paragraph

TARGET_CHARS = 700      # merge small blocks up to about this size
MAX_CHARS = 1200        # e5-small sees ~512 tokens ≈ 1,500 Vietnamese characters; stay under
MIN_CHARS = 160         # a block shorter than this is merged with its neighbour

_BLOCK = re.compile(r"[^\n]+(?:\n[^\n]+)*")          # runs of non-empty lines
_LINE = re.compile(r"[^\n]+")
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
    if not line or len(line) > 160 or line.endswith((".", ";", ",")):
        return False
    if _ROMAN_HEADING.match(line) or _PART_HEADING.match(line):
        return True
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split clean text into paragraphs (ordinals from 1) with offsets and headings."""
    units: list[Paragraph] = []
    heading = ""
    pending: list[tuple[int, int]] = []     # spans waiting to be merged into one unit

    def flush() -> None:
        if pending:
            start, end = pending[0][0], pending[-1][1]
            units.append(Paragraph(0, start, end, text[start:end], heading))
            pending.clear()

    for start, end in _blocks(text):
        block = text[start:end]
        if is_heading(block):
            flush()
            heading = block.strip()
            pending.append((start, end))     # the heading opens its section's first unit
            continue
        for s, e in _pieces(text, start, end):
            size = (e - pending[0][0]) if pending else (e - s)
            if pending and size > TARGET_CHARS and _span_len(pending) >= MIN_CHARS:
                flush()
            pending.append((s, e))
            if _span_len(pending) >= TARGET_CHARS:
                flush()
    flush()
    _merge_short_tail(units, text)
    for i, unit in enumerate(units, start=1):
        unit.ordinal = i
    return units


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of blocks; a block of many short lines (one sentence per line) is split per line."""
    spans = []
    for m in _BLOCK.finditer(text):
        lines = list(_LINE.finditer(m.group()))
        if len(lines) > 1 and all(not is_heading(x.group()) for x in lines[:1]) and _looks_like_sentences(lines):
            spans.extend((m.start() + x.start(), m.start() + x.end()) for x in lines)
        else:
            spans.append((m.start(), m.end()))
    return spans


def _looks_like_sentences(lines: list[re.Match]) -> bool:
    """True when lines are whole sentences (not a list whose items must stay together)."""
    return sum(len(x.group()) for x in lines) > TARGET_CHARS


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The block itself, or, when over-long, sentence-aligned pieces of at most MAX_CHARS."""
    if end - start <= MAX_CHARS:
        return [(start, end)]
    cuts = [start] + [start + m.end() for m in _SENTENCE_END.finditer(text[start:end])] + [end]
    pieces, piece_start = [], start
    for prev, cut in zip(cuts, cuts[1:]):
        if cut - piece_start > TARGET_CHARS and prev > piece_start:
            pieces.append((piece_start, _rstrip(text, piece_start, prev)))
            piece_start = prev
    pieces.append((piece_start, end))
    return [p for q in pieces for p in _hard_wrap(text, *q)]


def _hard_wrap(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than MAX_CHARS at spaces (rare: tables flattened into one line)."""
    out = []
    while end - start > MAX_CHARS:
        cut = text.rfind(" ", start, start + MAX_CHARS)
        cut = cut if cut > start else start + MAX_CHARS
        out.append((start, cut))
        start = cut + 1 if text[cut:cut + 1] == " " else cut
    out.append((start, end))
    return out


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _span_len(spans: list[tuple[int, int]]) -> int:
    return spans[-1][1] - spans[0][0]


def _merge_short_tail(units: list[Paragraph], text: str) -> None:
    """Fold a short last unit of a section into the previous one when the result stays small."""
    i = 1
    while i < len(units):
        prev, cur = units[i - 1], units[i]
        if (len(cur.text) < MIN_CHARS and prev.heading == cur.heading
                and cur.end - prev.start <= MAX_CHARS):
            units[i - 1] = Paragraph(0, prev.start, cur.end, text[prev.start:cur.end], prev.heading)
            del units[i]
        else:
            i += 1
