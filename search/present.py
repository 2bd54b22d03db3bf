"""Presentation helpers for results: matched-term spans, citation lines, near-duplicate groups."""
from __future__ import annotations

import re

from .catalog import display_date
from .tokenize import fold_word

_WORD = re.compile(r"[^\W_]+")
SIMILAR_JACCARD = 0.6


def highlight_spans(text: str, segments: list[list[str]], *, folded: bool = False,
                    patterns: list[re.Pattern] = ()) -> list[tuple[int, int]]:
    """Character spans in `text` to mark for a query given as word segments.

    A run of matching words is marked when it contains a two-word piece of the query
    ("dân vận"), or when it is a one-word query segment, a number or an abbreviation.
    Lone common syllables ("với", "nhân" of "nhân viên") are not marked: they matched
    nothing the user asked for. Words match exactly; only a query typed without marks
    (`folded`) matches folded, since "ban hành" must not light up "địa [bàn hành] chính".
    Matches of `patterns` (document numbers) are marked whole, never in pieces.
    """
    whole = sorted({m.span() for p in patterns for m in p.finditer(text)})
    vocab = {w for seg in segments for w in seg}
    bigrams = {(a, b) for seg in segments for a, b in zip(seg, seg[1:])}
    singles = {seg[0] for seg in segments if len(seg) == 1}
    by_fold = {fold_word(w): w for w in vocab if fold_word(w) == w} if folded else {}
    spans: list[tuple[int, int]] = []
    for run in _runs(text, vocab, by_fold):
        keys = [k for _, _, k in run]
        if any(p in bigrams for p in zip(keys, keys[1:])) or (len(run) == 1 and _notable(keys[0], singles)):
            span = (run[0][0], run[-1][1])
            if not any(s < span[1] and span[0] < e for s, e in whole):
                spans.append(span)
    return sorted(spans + _disjoint(whole))


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlaps merged."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _runs(text: str, vocab: set[str], folded: dict[str, str]) -> list[list[tuple[int, int, str]]]:
    """Runs of adjacent words that match a query word: (start, end, query word) each."""
    runs: list[list[tuple[int, int, str]]] = []
    prev_end = None
    for m in _WORD.finditer(text):
        w = m.group().lower()
        key = w if w in vocab else folded.get(fold_word(w))
        if key is None:
            prev_end = None
            continue
        if prev_end is not None and text[prev_end:m.start()].strip() == "":
            runs[-1].append((m.start(), m.end(), key))
        else:
            runs.append([(m.start(), m.end(), key)])
        prev_end = m.end()
    return runs


def _notable(word: str, singles: set[str]) -> bool:
    return word in singles or any(c.isdigit() for c in word)


def mark(text: str, spans: list[tuple[int, int]], before: str = "[", after: str = "]") -> str:
    """Text with each span wrapped in markers (for terminals; the web escapes and uses <mark>)."""
    out, pos = [], 0
    for s, e in spans:
        out += [text[pos:s], before, text[s:e], after]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def citation_line(doc: dict, paragraph: int | None = None, type_label: str = "", page: int | None = None,
                  ocr: bool = False) -> str:
    """'Title — Type số X — Issuer/Outlet — Province — dd/mm/yyyy — [trang P,] đoạn N — URL or path',
    with "văn bản quét, nhận dạng tự động" for a passage recognised from a scan."""
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
    if page and paragraph:
        parts.append(f"trang {page}, đoạn {paragraph}")
    elif paragraph:
        parts.append(f"đoạn {paragraph}")
    if ocr:
        parts.append("văn bản quét, nhận dạng tự động")
    parts.append(doc.get("url") or doc.get("source_path") or "")
    return " — ".join(p for p in parts if p)


def shingles(text: str) -> set[int]:
    """Hashed word 3-grams, the fingerprint used to spot syndicated copies of a passage.

    Lower-cased but not folded: copies keep their marks, and folding costs more than the
    whole comparison. Hashes (ints) intersect several times faster than strings.
    """
    toks = text.lower().split()
    if len(toks) < 3:
        return {hash(tuple(toks))}
    return {hash(t) for t in zip(toks, toks[1:], toks[2:])}


def group_similar(items: list[tuple[int, str]], threshold: float = SIMILAR_JACCARD) -> list[list[int]]:
    """Group ids whose texts overlap (Jaccard of shingles ≥ threshold); order kept, leader first."""
    groups: list[tuple[set[int], list[int]]] = []
    for item_id, text in items:
        sig = shingles(text)
        for leader_sig, members in groups:
            small, large = sorted((len(sig), len(leader_sig)))
            if small < threshold * large:       # sizes alone rule out the threshold
                continue
            inter = len(sig & leader_sig)
            if inter and inter / (len(sig) + len(leader_sig) - inter) >= threshold:
                members.append(item_id)
                break
        else:
            groups.append((sig, [item_id]))
    return [members for _, members in groups]
