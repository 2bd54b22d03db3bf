"""Presentation helpers for results: matched-term spans, citation lines, near-duplicate groups."""
from __future__ import annotations

import re

from ingest.normalize import fold

from .catalog import display_date
from .tokenize import fold_word

_WORD = re.compile(r"[^\W_]+")
SIMILAR_JACCARD = 0.6


def highlight_spans(text: str, query_words: list[str]) -> list[tuple[int, int]]:
    """Character spans of words in `text` matching a query word (exactly, or folded when the
    query word has no marks), merged when adjacent so a phrase is one mark."""
    exact = {w.lower() for w in query_words}
    folded = {fold(w) for w in query_words if fold(w) == w.lower()}
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        w = m.group().lower()
        if w in exact or (folded and fold_word(w) in folded):
            if spans and text[spans[-1][1]:m.start()].strip() == "":
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append((m.start(), m.end()))
    return spans


def mark(text: str, spans: list[tuple[int, int]], before: str = "[", after: str = "]") -> str:
    """Text with each span wrapped in markers (for terminals; the web escapes and uses <mark>)."""
    out, pos = [], 0
    for s, e in spans:
        out += [text[pos:s], before, text[s:e], after]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def citation_line(doc: dict, paragraph: int | None = None, type_label: str = "") -> str:
    """'Title — Type số X — Issuer/Outlet — Province — dd/mm/yyyy — đoạn N — URL or path'."""
    parts = [doc.get("title") or "(không tiêu đề)"]
    kind = type_label or doc.get("doc_type", "")
    if doc.get("doc_number"):
        parts.append(f"{kind} số {doc['doc_number']}".strip())
    elif kind:
        parts.append(kind)
    who = doc.get("issuer") or doc.get("outlet")
    if who:
        parts.append(who)
    if doc.get("province") and doc["province"] != "unknown":
        parts.append(doc["province"])
    parts.append(display_date(doc.get("date", "")) or "không rõ ngày")
    if paragraph:
        parts.append(f"đoạn {paragraph}")
    parts.append(doc.get("url") or doc.get("source_path") or "")
    return " — ".join(p for p in parts if p)


def shingles(text: str, n: int = 3) -> set[str]:
    """Word n-grams, the fingerprint used to spot syndicated copies of a passage.

    Lower-cased but not folded: copies keep their marks, and folding costs more than the
    whole comparison.
    """
    toks = text.lower().split()
    return {" ".join(toks[i:i + n]) for i in range(max(len(toks) - n + 1, 1))}


def group_similar(items: list[tuple[int, str]], threshold: float = SIMILAR_JACCARD) -> list[list[int]]:
    """Group ids whose texts overlap (Jaccard of shingles ≥ threshold); order kept, leader first."""
    groups: list[tuple[set[str], list[int]]] = []
    for item_id, text in items:
        sig = shingles(text)
        for leader_sig, members in groups:
            inter = len(sig & leader_sig)
            if inter and inter / len(sig | leader_sig) >= threshold:
                members.append(item_id)
                break
        else:
            groups.append((sig, [item_id]))
    return [members for _, members in groups]
