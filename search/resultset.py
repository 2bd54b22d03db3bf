"""A result set: the relevant passages of a query grouped into documents, and what is
counted over it (facets, the province comparison).

Counting rules, the same everywhere (search page, API, CLI, compare page):
- a *document* is counted once however many of its passages match;
- linked copies (same content or URL, one copy group) are one document;
- near-duplicate passages of different documents (syndicated text with edits) stay
  separate documents in the counts; on a page they fold under their leader as "similar".
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

MAX_SHOWN = 2           # passages of one document shown on a result page


@dataclass
class DocItem:
    """One document of a result set with its matching passages, best first."""

    doc_id: int                         # the leading document of its copy group
    group: int                          # copy group
    passages: list[int] = field(default_factory=list)      # paragraph ids, best first
    score: float = 0.0                  # the document's ranking score (its best passage's by default)
    folded: list["DocItem"] = field(default_factory=list)  # syndicated near-copies shown under it


@dataclass
class ResultSet:
    """The answer to a query: passages that passed the relevance cut-off, by document."""

    scores: dict[int, float]            # paragraph id → ranking score, best first
    items: list[DocItem]                # documents, ranked
    doc_ids: np.ndarray                 # every document of the set (copies included), for facets
    cutoff: dict = field(default_factory=dict)     # how the set was cut (mode, thresholds, counts)
    numbers: list[dict] = field(default_factory=list)   # header cards of a document-number query

    @property
    def passage_count(self) -> int:
        """How many passages are in the set."""
        return len(self.scores)


def group_documents(ranked: list[int], gen) -> list[DocItem]:
    """Passages (best first) → documents in order of their best passage; copies are one item."""
    if not ranked:
        return []
    pids = np.asarray(ranked, dtype=np.int64)
    docs = gen.doc_of(pids)
    pos = gen.docs.positions(docs)
    items: dict[int, DocItem] = {}
    for pid, doc, p in zip(ranked, docs.tolist(), pos.tolist()):
        if doc < 0:
            continue
        group = int(gen.docs.group[p]) if p >= 0 else -doc - 1
        item = items.get(group)
        if item is None:
            item = items[group] = DocItem(doc, group)
        item.passages.append(pid)
    return list(items.values())


def distinct_documents(doc_ids: np.ndarray, gen) -> np.ndarray:
    """Rows of the generation's document table for the documents, linked copies counted once."""
    ids = np.unique(doc_ids[doc_ids >= 0])
    pos = gen.docs.positions(ids)
    pos = pos[pos >= 0]
    if not len(pos):
        return pos
    _, first = np.unique(gen.docs.group[pos], return_index=True)
    return pos[np.sort(first)]


def facets(doc_ids: np.ndarray, gen) -> dict:
    """Documents of the set by province, type and year (linked copies once)."""
    pos = distinct_documents(doc_ids, gen)
    out = {}
    for name in ("province", "doc_type", "year"):
        labels = gen.docs.labels[name]
        counts = Counter(labels[c] for c in getattr(gen.docs, name)[pos])
        out[name] = dict(sorted(counts.items())) if name == "year" else dict(counts.most_common())
    return out


def province_table(doc_ids: np.ndarray, gen, base_ids: np.ndarray | None = None) -> list[dict]:
    """Per province: matching documents, documents the knowledge base holds (within the same
    filters when `base_ids` is given), the share, and matching documents per year.

    The share is what makes provinces comparable: a province whose portal was crawled deeply
    has many matches because it has many documents, not because it did more.
    """
    pos = distinct_documents(doc_ids, gen)
    base = distinct_documents(base_ids, gen) if base_ids is not None else \
        distinct_documents(gen.docs.ids, gen)
    labels, years = gen.docs.labels["province"], gen.docs.labels["year"]
    held = Counter(labels[c] for c in gen.docs.province[base])
    found = Counter(labels[c] for c in gen.docs.province[pos])
    per_year: dict[str, Counter] = {}
    for c, y in zip(gen.docs.province[pos], gen.docs.year[pos]):
        per_year.setdefault(labels[c], Counter())[years[y]] += 1
    rows = [{"province": name, "documents": n, "held": held.get(name, 0),
             "share": n / held[name] if held.get(name) else 0.0, "by_year": dict(per_year[name])}
            for name, n in found.items()]
    return sorted(rows, key=lambda r: (r["province"] == "unknown", -r["documents"], r["province"]))
