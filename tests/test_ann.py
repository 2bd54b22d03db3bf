"""One contract, checked against every ANN backend."""
import numpy as np
import pytest

from vankien.search.ann import BACKENDS, AnnIndex, FaissHNSWIndex, build_index

DIM, N, Q, K = 384, 5000, 50, 10


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _exact_top(vectors, ids, queries, k):
    """Brute-force reference top-k ids."""
    order = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]
    return ids[order]


def _recall(found, truth) -> float:
    return np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)])


@pytest.fixture(scope="module")
def data():
    """5k random unit vectors with sparse, non-contiguous ids, plus held-out queries."""
    return np.arange(N, dtype=np.int64) * 7 + 3, _unit(N, 0), _unit(Q, 1)


def _check_empty(index):
    scores, ids = index.search(_unit(2, 9), 3)
    assert ids.shape == (2, 3) and (ids == -1).all() and np.isneginf(scores).all()


def _check_top(index, ids, vectors, queries):
    _, found = index.search(queries, K)
    truth = _exact_top(vectors, ids, queries, K)
    if isinstance(index, FaissHNSWIndex):
        assert _recall(found, truth) >= 0.95
    else:
        assert (found[:, 0] == truth[:, 0]).all()
        assert _recall(found, truth) == 1.0


def _check_round_trip(index, queries, path):
    index.save(path)
    loaded = AnnIndex.load(path)
    assert type(loaded) is type(index) and loaded.count() == index.count()
    for got, want in zip(loaded.search(queries, K), index.search(queries, K)):
        np.testing.assert_array_equal(got, want)


def _check_large_k(backend, ids, vectors):
    small = build_index(ids[:5], vectors[:5], backend=backend)
    scores, found = small.search(vectors[:1], 8)
    assert found[0, 0] == ids[0]
    assert set(found[0, :5]) == set(ids[:5]) and (found[0, 5:] == -1).all()
    assert np.isneginf(scores[0, 5:]).all() and np.isfinite(scores[0, :5]).all()


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_ann_contract(backend, data, tmp_path):
    """add/search/save/load/padding behave the same on every backend."""
    ids, vectors, queries = data
    index = BACKENDS[backend](DIM)
    _check_empty(index)
    index.add(ids, vectors)
    assert index.count() == N
    with pytest.raises(ValueError):
        index.add(ids[:1], vectors[:1])
    _check_top(index, ids, vectors, queries)
    _check_round_trip(index, queries, tmp_path / "kb")
    _check_large_k(backend, ids, vectors)


def test_auto_backend_uses_threshold(data):
    """'auto' picks exact flat below the threshold and HNSW at or above it."""
    ids, vectors, _ = data
    assert build_index(ids[:100], vectors[:100], threshold=101).backend == "flat"
    assert build_index(ids[:100], vectors[:100], threshold=100).backend == "hnsw-sq8"
