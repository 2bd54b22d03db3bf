"""BM25 lexical index over paragraphs: posting lists on disk, memory-mapped, idf at query time.

Layout (one folder per index): `terms.npy` (sorted 64-bit term hashes), `indptr.npy` (where
each term's postings start), `rows.npy` (the row of each posting, ascending per term) and
`weights.npy` (the BM25 term-frequency part of each posting, float16), `row_ids.npy`
(paragraph id of each row) and `lexical.json`. Everything is opened with mmap, so a
million-paragraph index costs only the pages a query touches, not gigabytes of heap.

The idf is applied at query time from document frequencies summed over every segment of a
generation (see `global_df`), so a small delta segment built after an update scores on the
same scale as the big base segment it sits beside.

Building streams: rows are tokenised chunk by chunk, each chunk's postings spilled to disk,
then placed into the final arrays in a second pass — memory stays near one chunk plus the
term table, whatever the number of paragraphs.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .tokenize import length, term_counts

K1, B = 1.2, 0.75
COMMON_FRACTION = 0.2   # terms in more rows than this are skipped at query time (see scores)
CHUNK_ROWS = 50_000     # rows tokenised per chunk while building
FILES = ("terms.npy", "indptr.npy", "rows.npy", "weights.npy", "row_ids.npy", "lexical.json")


@lru_cache(maxsize=1_000_000)
def term_hash(term: str) -> int:
    """Stable signed 64-bit hash of a term (same across processes, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def bm25_idf(n_rows: int, df: np.ndarray) -> np.ndarray:
    """BM25 idf (the non-negative "+1" variant) of terms with document frequencies df among n_rows."""
    return np.log1p((n_rows - df + 0.5) / (df + 0.5)).astype(np.float32)


class LexicalIndex:
    """BM25 over paragraphs: `scores(terms)` gives a score per row; rows map to paragraph ids."""

    def __init__(self, terms: np.ndarray, indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                 row_ids: np.ndarray, avgdl: float):
        self.terms = terms          # sorted int64 term hashes
        self.indptr = indptr        # int64, len(terms) + 1
        self.rows = rows            # int32 row of each posting
        self.weights = weights      # float16 tf-part of each posting
        self.row_ids = row_ids      # paragraph id of each row
        self.avgdl = avgdl

    @classmethod
    def build(cls, row_ids: Iterable[int], texts: Iterable[str], directory: Path | None = None) -> "LexicalIndex":
        """Index paragraphs given as parallel iterables of ids and texts (into `directory` if given,
        memory-mapped from there; else held in memory)."""
        if directory is not None:
            return build_into(Path(directory), row_ids, texts)
        with tempfile.TemporaryDirectory(prefix="vankien-lexical-") as tmp:
            index = build_into(Path(tmp), row_ids, texts)
            return index.in_memory()

    def in_memory(self) -> "LexicalIndex":
        """A copy whose arrays live in memory (not in the files)."""
        return LexicalIndex(*(np.array(a) for a in (self.terms, self.indptr, self.rows, self.weights,
                                                   self.row_ids)), self.avgdl)

    def __len__(self) -> int:
        return len(self.row_ids)

    def columns(self, terms: Sequence[str]) -> np.ndarray:
        """Column of each term, -1 where the term is not in the index."""
        if not len(self.terms):
            return np.full(len(terms), -1)
        hashes = np.array([term_hash(t) for t in terms], dtype=np.int64)
        pos = np.searchsorted(self.terms, hashes).clip(0, len(self.terms) - 1)
        return np.where(self.terms[pos] == hashes, pos, -1)

    def df(self, terms: Sequence[str]) -> np.ndarray:
        """Document frequency of each term in this index (0 where absent)."""
        cols = self.columns(terms)
        out = np.zeros(len(terms), dtype=np.int64)
        found = cols >= 0
        out[found] = self.indptr[cols[found] + 1] - self.indptr[cols[found]]
        return out

    def scores(self, weighted_terms: dict[str, float], df: dict[str, int] | None = None,
               n_rows: int | None = None) -> np.ndarray:
        """BM25 score of every row for terms with query weights (dense float32 vector).

        `df` (term → document frequency) and `n_rows` are the whole generation's when the
        index is one of several segments (see `global_df`); alone, its own are used. Terms
        in more than COMMON_FRACTION of the rows are skipped when rarer terms are present:
        their idf is near zero, yet their posting lists are the longest.
        """
        out = np.zeros(len(self.row_ids), dtype=np.float32)
        terms = list(weighted_terms)
        if not terms or not len(self.terms):
            return out
        n_rows = n_rows or len(self.row_ids)
        df = df if df is not None else dict(zip(terms, self.df(terms).tolist()))
        cols = self.columns(terms)
        found = [(t, c) for t, c in zip(terms, cols) if c >= 0]
        limit = COMMON_FRACTION * n_rows
        rare = [(t, c) for t, c in found if df[t] <= limit]
        for term, col in (rare or found):
            lo, hi = self.indptr[col], self.indptr[col + 1]
            weight = weighted_terms[term] * float(bm25_idf(n_rows, np.array([df[term]]))[0])
            # rows within one posting list are unique, so fancy-index += adds each posting once
            out[self.rows[lo:hi]] += weight * self.weights[lo:hi].astype(np.float32)
        return out

    def save(self, directory: Path) -> None:
        """Write the index files (each atomically, the json last)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, array in zip(FILES, (self.terms, self.indptr, self.rows, self.weights, self.row_ids)):
            _atomic(directory / name, lambda f, a=array: np.save(f, np.asarray(a)))
        meta = json.dumps({"rows": len(self.row_ids), "terms": int(len(self.terms)), "postings": int(len(self.rows)),
                           "avgdl": self.avgdl, "k1": K1, "b": B})
        _atomic(directory / FILES[5], lambda f: f.write(meta.encode()))

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> "LexicalIndex":
        """Open an index written by `save`/`build_into` (memory-mapped unless mmap=False)."""
        directory = Path(directory)
        mode = "r" if mmap else None
        arrays = [np.load(directory / name, mmap_mode=mode) for name in FILES[:5]]
        meta = json.loads((directory / FILES[5]).read_text(encoding="utf-8"))
        index = cls(*arrays, meta["avgdl"])
        if len(index.row_ids) != meta["rows"] or len(index.rows) != meta["postings"]:
            raise ValueError(f"{directory}: lexical files disagree with lexical.json (interrupted write?)")
        return index

    @staticmethod
    def exists(directory: Path) -> bool:
        """True when a complete index is present (the json is written last)."""
        return (Path(directory) / FILES[5]).exists()


def global_df(indexes: Sequence[LexicalIndex], terms: Sequence[str]) -> dict[str, int]:
    """Document frequency of each term over several indexes (the segments of a generation)."""
    total = sum((ix.df(terms) for ix in indexes), np.zeros(len(terms), dtype=np.int64))
    return dict(zip(terms, total.tolist()))


# ---- building --------------------------------------------------------------------------------

def build_into(directory: Path, row_ids: Iterable[int], texts: Iterable[str]) -> LexicalIndex:
    """Stream-build an index into `directory`: tokenise and spill chunks, then place postings."""
    directory.mkdir(parents=True, exist_ok=True)
    spill = Path(tempfile.mkdtemp(prefix=".spill-", dir=directory))
    try:
        ids, lengths, chunks, terms, df = _tokenise(spill, row_ids, texts)
        avgdl = float(lengths.mean()) if len(lengths) else 1.0
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        rows = np.lib.format.open_memmap(directory / ".rows.tmp.npy", mode="w+", dtype=np.int32,
                                         shape=(int(indptr[-1]),))
        weights = np.lib.format.open_memmap(directory / ".weights.tmp.npy", mode="w+", dtype=np.float16,
                                            shape=(int(indptr[-1]),))
        _place(chunks, terms, indptr, lengths, avgdl, rows, weights)
        rows.flush()
        weights.flush()
        del rows, weights
        os.replace(directory / ".rows.tmp.npy", directory / "rows.npy")
        os.replace(directory / ".weights.tmp.npy", directory / "weights.npy")
        for name, array in (("terms.npy", terms), ("indptr.npy", indptr), ("row_ids.npy", ids)):
            _atomic(directory / name, lambda f, a=array: np.save(f, a))
        meta = {"rows": len(ids), "terms": int(len(terms)), "postings": int(indptr[-1]), "avgdl": avgdl,
                "k1": K1, "b": B}
        _atomic(directory / FILES[5], lambda f: f.write(json.dumps(meta).encode()))
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return LexicalIndex.load(directory)


def _tokenise(spill: Path, row_ids, texts):
    """Pass 1: postings of each chunk of rows to spill files; the term table and its df."""
    ids, lengths, chunks = [], [], []
    terms = np.zeros(0, np.int64)
    df = np.zeros(0, np.int64)
    batch: list[tuple[int, str]] = []
    row = 0
    for pid, text in zip(row_ids, texts):
        batch.append((pid, text))
        if len(batch) == CHUNK_ROWS:
            row, terms, df = _spill(spill, batch, row, ids, lengths, chunks, terms, df)
            batch = []
    if batch:
        row, terms, df = _spill(spill, batch, row, ids, lengths, chunks, terms, df)
    return (np.array(ids, dtype=np.int64), np.array(lengths, dtype=np.float32), chunks, terms, df)


def _spill(spill: Path, batch, first_row: int, ids, lengths, chunks, terms, df):
    hashes, tfs, rows = [], [], []
    for offset, (pid, text) in enumerate(batch):
        counts = term_counts(text)
        hashes.append(np.fromiter((term_hash(t) for t in counts), dtype=np.int64, count=len(counts)))
        tfs.append(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        rows.append(np.full(len(counts), first_row + offset, dtype=np.int32))
        ids.append(pid)
        lengths.append(max(length(text), 1))
    path = spill / f"chunk{len(chunks):05d}.npz"
    h = np.concatenate(hashes) if hashes else np.zeros(0, np.int64)
    np.savez(path, hashes=h, tfs=np.concatenate(tfs) if tfs else np.zeros(0, np.float32),
             rows=np.concatenate(rows) if rows else np.zeros(0, np.int32))
    chunks.append(path)
    # merge this chunk's term counts into the running table (each row counts a term once)
    uniq, counts = np.unique(h, return_counts=True)
    merged, inverse = np.unique(np.concatenate([terms, uniq]), return_inverse=True)
    new_df = np.zeros(len(merged), dtype=np.int64)
    np.add.at(new_df, inverse, np.concatenate([df, counts]))
    return first_row + len(batch), merged, new_df


def _place(chunks, terms, indptr, lengths, avgdl, rows_out, weights_out) -> None:
    """Pass 2: put each chunk's postings at their place in the term-major arrays."""
    fill = indptr[:-1].copy()
    norm = (K1 * (1 - B + B * lengths / avgdl)).astype(np.float32)
    for path in chunks:
        with np.load(path) as c:
            hashes, tfs, rows = c["hashes"], c["tfs"], c["rows"]
        cols = np.searchsorted(terms, hashes)
        order = np.argsort(cols, kind="stable")      # rows stay ascending within a term
        cols, rows, tfs = cols[order], rows[order], tfs[order]
        starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
        counts = np.diff(np.r_[starts, len(cols)])
        rank = np.arange(len(cols)) - np.repeat(starts, counts)
        pos = fill[cols] + rank
        fill[cols[starts]] += counts
        rows_out[pos] = rows
        weights_out[pos] = (tfs * (K1 + 1) / (tfs + norm[rows])).astype(np.float16)


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
