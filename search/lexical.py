"""BM25 lexical index over paragraphs, held as a sparse matrix of precomputed term weights.

Each column is a term (see search.tokenize), each row a paragraph; a cell holds the BM25
weight of that term in that paragraph, so a query is a weighted sum of a few columns —
one sparse matrix-vector product, fast enough at a million paragraphs. Terms are addressed
by a 64-bit hash (sorted array + binary search), which loads instantly with no vocabulary
dictionary in memory. Rebuilt from the paragraphs table after each ingest, since document
frequencies change anyway.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
from scipy import sparse

from .tokenize import length, term_counts

K1, B = 1.2, 0.75
_CHUNK = 10_000_000     # postings mapped at a time when building
COMMON_FRACTION = 0.2   # terms in more rows than this are skipped at query time (see scores)
FILES = ("lexical_matrix.npz", "lexical_terms.npy", "lexical_rows.npy", "lexical.json")


@lru_cache(maxsize=1_000_000)
def term_hash(term: str) -> int:
    """Stable signed 64-bit hash of a term (same across processes, unlike hash())."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


class LexicalIndex:
    """BM25 over paragraphs: `scores(terms)` gives a score per row; rows map to paragraph ids."""

    def __init__(self, matrix: sparse.csc_matrix, terms: np.ndarray, row_ids: np.ndarray, df: np.ndarray):
        self.matrix = matrix        # (rows, terms) BM25 weights, CSC for fast column access
        self.terms = terms          # sorted int64 term hashes, column order
        self.row_ids = row_ids      # paragraph id of each row
        self.df = df                # document frequency per column

    @classmethod
    def build(cls, row_ids: Iterable[int], texts: Iterable[str]) -> "LexicalIndex":
        """Index paragraphs given as parallel iterables of ids and texts."""
        return cls.build_from_counts(row_ids, ((term_counts(t), length(t)) for t in texts))

    @classmethod
    def build_from_counts(cls, row_ids: Iterable[int], counted: Iterable[tuple[dict, int]]) -> "LexicalIndex":
        """Index rows given as (term→count, length) pairs."""
        sizes, hashes, tfs, lengths = [], [], [], []
        for counts, n in counted:
            sizes.append(len(counts))
            hashes.append(np.fromiter((term_hash(t) for t in counts), dtype=np.int64, count=len(counts)))
            tfs.append(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
            lengths.append(max(n, 1))
        ids = np.fromiter(row_ids, dtype=np.int64)
        if not sizes:
            return cls.from_postings(ids, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32),
                                     np.zeros(0, np.float32))
        return cls.from_postings(ids, np.asarray(sizes, np.int64), np.concatenate(hashes), np.concatenate(tfs),
                                 np.asarray(lengths, dtype=np.float32))

    @classmethod
    def from_postings(cls, ids: np.ndarray, sizes: np.ndarray, hashes: np.ndarray, tfs: np.ndarray,
                      lengths: np.ndarray) -> "LexicalIndex":
        """Index rows given in row order: `sizes[i]` postings of row i, as term hashes and counts.

        Built as CSR (rows arrive in order, so no sort) and converted to CSC once; columns
        are mapped chunk by chunk. Peak memory stays near three times the final matrix, so
        a million paragraphs (~3·10⁸ postings) build on a 24 GB machine. `tfs` is reused
        in place for the weights.
        """
        n = len(lengths)
        if n == 0:
            empty = sparse.csc_matrix((0, 0), dtype=np.float32)
            return cls(empty, np.zeros(0, np.int64), ids, np.zeros(0, np.int32))
        terms = np.unique(hashes)
        cols = np.empty(len(hashes), dtype=np.int32)
        for start in range(0, len(hashes), _CHUNK):
            cols[start:start + _CHUNK] = np.searchsorted(terms, hashes[start:start + _CHUNK])
        df = np.bincount(cols, minlength=len(terms)).astype(np.int32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = (K1 * (1 - B + B * lengths / lengths.mean())).astype(np.float32)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        for i in range(n):          # BM25 weight per posting, row by row slices of the arrays
            tf = tfs[indptr[i]:indptr[i + 1]]
            tf *= (K1 + 1) / (tf + norm[i])
        for start in range(0, len(tfs), _CHUNK):
            tfs[start:start + _CHUNK] *= idf[cols[start:start + _CHUNK]]
        matrix = sparse.csr_matrix((tfs, cols, indptr), shape=(n, len(terms))).tocsc()
        return cls(matrix, terms, ids, df)

    def __len__(self) -> int:
        return len(self.row_ids)

    def columns(self, terms: list[str]) -> np.ndarray:
        """Column of each term, -1 where the term is not in the index."""
        if not len(self.terms):
            return np.full(len(terms), -1)
        hashes = np.array([term_hash(t) for t in terms], dtype=np.int64)
        pos = np.searchsorted(self.terms, hashes).clip(0, len(self.terms) - 1)
        return np.where(self.terms[pos] == hashes, pos, -1)


    def scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every row for terms with query weights (dense float32 vector).

        Terms in more than COMMON_FRACTION of the rows are skipped when rarer terms are
        present: their idf is near zero, yet their posting lists are the longest, so at
        a million paragraphs they would cost most of the query time for no ranking gain.
        """
        out = np.zeros(len(self.row_ids), dtype=np.float32)
        terms = list(weighted_terms)
        cols = self.columns(terms)
        found = [(c, weighted_terms[t]) for t, c in zip(terms, cols) if c >= 0]
        limit = COMMON_FRACTION * len(self.row_ids)
        rare = [(c, w) for c, w in found if self.df[c] <= limit]
        for col, weight in (rare or found):
            lo, hi = self.matrix.indptr[col], self.matrix.indptr[col + 1]
            # rows within one column are unique, so fancy-index += adds each posting once
            out[self.matrix.indices[lo:hi]] += weight * self.matrix.data[lo:hi]
        return out


    def save(self, directory: Path) -> None:
        """Write the index files atomically (temp file + rename, one file at a time, manifest last)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        _atomic(directory / FILES[0], lambda f: sparse.save_npz(f, self.matrix.tocsc(), compressed=False))
        _atomic(directory / FILES[1], lambda f: np.save(f, self.terms))
        _atomic(directory / FILES[2], lambda f: np.save(f, self.row_ids))
        meta = json.dumps({"rows": len(self.row_ids), "terms": int(len(self.terms)), "k1": K1, "b": B})
        _atomic(directory / FILES[3], lambda f: f.write(meta.encode()))

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        """Load an index written by `save`."""
        directory = Path(directory)
        matrix = sparse.load_npz(directory / FILES[0]).tocsc()
        terms = np.load(directory / FILES[1])
        row_ids = np.load(directory / FILES[2])
        df = np.diff(matrix.indptr).astype(np.int32)     # CSC: non-zeros per column = df
        return cls(matrix, terms, row_ids, df)

    @staticmethod
    def exists(directory: Path) -> bool:
        """True when a complete index is present (the manifest is written last)."""
        return (Path(directory) / FILES[3]).exists()


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
