"""Index generations: the immutable, validated set of files a query runs on.

A generation is a folder `generations/<number>/` in the knowledge base holding everything
search needs besides kb.sqlite: one or more *segments* (paragraph ids, their documents, a
BM25 index and a dense ANN index over the same rows), optional *tombstones* (paragraph ids
of earlier segments that are no longer live), the document facet table, the diacritics
table, the abbreviations, and `manifest.json`, written last, which lists every file with
its size. A later generation may reuse the segments of an earlier one (paths in the
manifest are relative to `generations/`), so an update writes only what changed.

Publishing is one SQLite transaction (search/indexer.py): the generation number in the
store and the visibility of document versions switch together, after the folder is
complete and synced. A reader loads the generation the store names, validates it (files,
sizes, row counts, encoder) and falls back to the previous good one with a warning if it
is damaged — never silent wrong answers.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vankien.errors import VankienError

from .ann import AnnIndex
from .diacritics import Restorer
from .lexical import LexicalIndex

log = logging.getLogger(__name__)

GENERATIONS_DIR = "generations"
MANIFEST = "manifest.json"
FORMAT = 1


class GenerationError(VankienError):
    """A generation's files are missing, truncated or inconsistent."""


def generations_root(kb_dir: Path) -> Path:
    """The folder that holds every generation of a knowledge base."""
    return Path(kb_dir) / GENERATIONS_DIR


def generation_name(number: int) -> str:
    """Folder name of a generation number (zero-padded so that names sort)."""
    return f"{number:06d}"


@dataclass
class Segment:
    """Rows (paragraphs) with their document ids, a BM25 index and a dense index over them."""

    rows: np.ndarray            # paragraph ids, ascending (int64)
    row_doc: np.ndarray         # document id of each row (int64)
    lexical: LexicalIndex
    dense: AnnIndex
    live: np.ndarray | None = None  # False for tombstoned rows; None when none are

    def doc_of(self, paragraph_ids: np.ndarray) -> np.ndarray:
        """Document id of each paragraph id (-1 where the id is not in this segment)."""
        pos = np.searchsorted(self.rows, paragraph_ids).clip(0, max(len(self.rows) - 1, 0))
        if not len(self.rows):
            return np.full(len(paragraph_ids), -1, np.int64)
        return np.where(self.rows[pos] == paragraph_ids, self.row_doc[pos], -1)


@dataclass
class DocTable:
    """Facet attributes of the live documents, as arrays (no per-document Python objects)."""

    ids: np.ndarray             # document ids, ascending
    province: np.ndarray        # index into labels["province"]
    doc_type: np.ndarray        # index into labels["doc_type"]
    year: np.ndarray            # index into labels["year"]
    group: np.ndarray           # copy group: documents sharing content or URL share it
    labels: dict[str, list[str]] = field(default_factory=dict)

    def positions(self, doc_ids: np.ndarray) -> np.ndarray:
        """Row of each document id in this table (-1 where unknown)."""
        if not len(self.ids):
            return np.full(len(doc_ids), -1, np.int64)
        pos = np.searchsorted(self.ids, doc_ids).clip(0, len(self.ids) - 1)
        return np.where(self.ids[pos] == doc_ids, pos, -1)


@dataclass
class Generation:
    """A loaded, validated generation: everything a query reads besides kb.sqlite."""

    number: int
    manifest: dict
    segments: list[Segment]
    tombstones: np.ndarray      # dead paragraph ids of earlier segments, ascending
    docs: DocTable
    restorer: Restorer
    abbreviations: dict[str, list[str]]

    @property
    def encoder_info(self) -> dict:
        """The encoder the dense vectors were made with."""
        return self.manifest["encoder"]

    @property
    def stats(self) -> dict:
        """Counts by province, type and year, computed once at publication."""
        return self.manifest["stats"]

    def doc_of(self, paragraph_ids) -> np.ndarray:
        """Document id of each paragraph id (-1 where not live in this generation)."""
        ids = np.asarray(paragraph_ids, dtype=np.int64).reshape(-1)
        out = np.full(len(ids), -1, np.int64)
        for seg in self.segments:
            found = seg.doc_of(ids)
            out = np.where(out < 0, found, out)
        if len(self.tombstones):
            out[np.isin(ids, self.tombstones)] = -1
        return out

    def paragraph_count(self) -> int:
        """Live paragraphs."""
        return int(self.manifest["counts"]["paragraphs"])


# ---- writing --------------------------------------------------------------------------------

class GenerationWriter:
    """Builds the folder of a new generation; `finish()` writes the manifest last and syncs."""

    def __init__(self, kb_dir: Path, number: int):
        self.root = generations_root(kb_dir)
        self.number = number
        self.dir = self.root / generation_name(number)
        if self.dir.exists():
            shutil.rmtree(self.dir)         # a leftover of an interrupted build: never published
        self.dir.mkdir(parents=True)
        self.segments: list[dict] = []

    def rel(self, path: Path) -> str:
        """A path as the manifest records it: relative to generations/."""
        return path.relative_to(self.root).as_posix()

    def add_segment(self, name: str, rows: np.ndarray, row_doc: np.ndarray, lexical: LexicalIndex,
                    dense: AnnIndex) -> None:
        """Write one new segment of this generation."""
        seg_dir = self.dir / name
        seg_dir.mkdir(exist_ok=True)
        np.save(seg_dir / "rows.npy", rows.astype(np.int64))
        np.save(seg_dir / "row_doc.npy", row_doc.astype(np.int64))
        if not LexicalIndex.exists(seg_dir / "lexical"):      # a streamed build wrote it there already
            lexical.save(seg_dir / "lexical")
        dense.save(seg_dir / "dense")
        self.segments.append({"path": self.rel(seg_dir), "rows": int(len(rows)),
                              "dense_backend": dense.backend, "dense_count": int(dense.count())})

    def reuse_segment(self, entry: dict) -> None:
        """Keep a segment of an earlier generation (its files stay where they are)."""
        self.segments.append(dict(entry))

    def write_tables(self, tombstones: np.ndarray, docs: DocTable, restorer: Restorer,
                     abbreviations: dict[str, list[str]]) -> None:
        """Write the generation-wide tables."""
        np.save(self.dir / "tombstones.npy", np.asarray(tombstones, dtype=np.int64))
        np.savez(self.dir / "docs.npz", ids=docs.ids, province=docs.province, doc_type=docs.doc_type,
                 year=docs.year, group=docs.group)
        _write_json(self.dir / "doc_labels.json", docs.labels)
        restorer.save(self.dir)
        _write_json(self.dir / "abbreviations.json", abbreviations)

    def finish(self, info: dict) -> dict:
        """Sync every file, then write the manifest (sizes of all files) last; returns it."""
        files = {}
        for seg in self.segments:
            files.update(_sizes(self.root, self.root / seg["path"]))
        files.update(_sizes(self.root, self.dir))
        manifest = {"format": FORMAT, "generation": self.number, "segments": self.segments,
                    "files": files, **info}
        _sync_tree(self.dir)
        _write_json(self.dir / MANIFEST, manifest, sync=True)
        _fsync_dir(self.dir)
        _fsync_dir(self.root)
        return manifest

    def abandon(self) -> None:
        """Remove the folder of a generation that will not be published."""
        shutil.rmtree(self.dir, ignore_errors=True)


def _write_json(path: Path, value, sync: bool = False) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
        f.flush()
        if sync:
            os.fsync(f.fileno())
    os.replace(tmp, path)


def _sizes(root: Path, folder: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_size
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _sync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        _fsync_dir(d)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- reading --------------------------------------------------------------------------------

def read_manifest(kb_dir: Path, number: int) -> dict:
    """The manifest of a generation (GenerationError if missing or unreadable)."""
    path = generations_root(kb_dir) / generation_name(number) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GenerationError(f"generation {number}: {MANIFEST} is missing (interrupted build?)") from None
    except (OSError, ValueError) as exc:
        raise GenerationError(f"generation {number}: unreadable {MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("generation") != number:
        raise GenerationError(f"generation {number}: manifest of another format or generation")
    return manifest


def check_generation(kb_dir: Path, number: int) -> dict:
    """Validate a generation's manifest and files (sizes) without loading it; returns the manifest."""
    manifest = read_manifest(kb_dir, number)
    _check_files(generations_root(kb_dir), manifest)
    return manifest


def load_generation(kb_dir: Path, number: int) -> Generation:
    """Load and validate one generation; GenerationError says what is wrong."""
    root = generations_root(kb_dir)
    manifest = read_manifest(kb_dir, number)
    _check_files(root, manifest)
    try:
        segments = [_load_segment(root / s["path"], s) for s in manifest["segments"]]
        gen_dir = root / generation_name(number)
        tombstones = np.load(gen_dir / "tombstones.npy")
        with np.load(gen_dir / "docs.npz") as d:
            docs = DocTable(d["ids"], d["province"], d["doc_type"], d["year"], d["group"],
                            json.loads((gen_dir / "doc_labels.json").read_text(encoding="utf-8")))
        restorer = Restorer.load(gen_dir)
        abbreviations = json.loads((gen_dir / "abbreviations.json").read_text(encoding="utf-8"))
    except GenerationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file means a damaged generation
        raise GenerationError(f"generation {number}: unreadable index file: {type(exc).__name__}: {exc}") from None
    for seg in segments:
        if len(tombstones):
            seg.live = ~np.isin(seg.rows, tombstones)
    gen = Generation(number, manifest, segments, tombstones, docs, restorer, abbreviations)
    _check_counts(gen)
    return gen


def _check_files(root: Path, manifest: dict) -> None:
    for rel, size in manifest["files"].items():
        path = root / rel
        if not path.exists():
            raise GenerationError(f"generation {manifest['generation']}: {rel} is missing")
        if path.stat().st_size != size:
            raise GenerationError(f"generation {manifest['generation']}: {rel} has {path.stat().st_size} bytes,"
                                  f" the manifest says {size} (damaged or interrupted)")


def _load_segment(seg_dir: Path, entry: dict) -> Segment:
    seg = Segment(np.load(seg_dir / "rows.npy"), np.load(seg_dir / "row_doc.npy"),
                  LexicalIndex.load(seg_dir / "lexical"), AnnIndex.load(seg_dir / "dense"))
    n = entry["rows"]
    if not (len(seg.rows) == len(seg.row_doc) == len(seg.lexical) == n == seg.dense.count()):
        raise GenerationError(f"segment {entry['path']}: row counts differ (rows {len(seg.rows)}, lexical "
                              f"{len(seg.lexical)}, dense {seg.dense.count()}, manifest {n})")
    if not np.array_equal(seg.lexical.row_ids, seg.rows):
        raise GenerationError(f"segment {entry['path']}: lexical rows differ from the segment's rows")
    return seg


def _check_counts(gen: Generation) -> None:
    live = sum(len(s.rows) for s in gen.segments) - len(gen.tombstones)
    counts = gen.manifest["counts"]
    if live != counts["paragraphs"] or len(gen.docs.ids) != counts["documents"]:
        raise GenerationError(f"generation {gen.number}: {live} live paragraphs and {len(gen.docs.ids)} documents,"
                              f" the manifest says {counts['paragraphs']} and {counts['documents']}")


def referenced_dirs(manifest: dict) -> set[str]:
    """Top-level generation folders a manifest's files live in."""
    return {rel.split("/", 1)[0] for rel in manifest["files"]}


def remove_unreferenced(kb_dir: Path, keep_manifests: list[dict]) -> list[str]:
    """Delete generation folders no kept manifest refers to; returns their names."""
    root = generations_root(kb_dir)
    if not root.exists():
        return []
    keep = set().union(*(referenced_dirs(m) | {generation_name(m["generation"])} for m in keep_manifests)) \
        if keep_manifests else set()
    removed = []
    for d in sorted(root.iterdir()):
        if d.is_dir() and d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
    return removed
