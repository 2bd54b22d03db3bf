"""Ingest pipeline against a real SQLite store: incremental, idempotent, duplicates, crash-safe."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vankien.ingest import pipeline, store


def _corpus(tmp_path: Path, data_dir: Path) -> Path:
    root = tmp_path / "corpus"
    for part in ("seeds", "daksong", "dantri", "baomoi"):
        shutil.copytree(data_dir / part, root / part)
    return root


def _counts(kb: Path) -> dict:
    conn = sqlite3.connect(kb / store.DB_NAME)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("documents", "sources", "paragraphs", "refs")}
    finally:
        conn.close()


def _n_inputs(root: Path) -> int:
    files = [p for p in root.rglob("*") if p.is_file()]
    rows = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in files if p.suffix == ".csv")
    return len([p for p in files if p.suffix != ".csv"]) + rows


def test_ingest_then_rerun_is_unchanged(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    first = pipeline.run([root], kb, progress=False)
    assert first.failed == 0
    assert first.documents == _n_inputs(root)
    assert first.added + first.duplicate == first.documents
    assert first.paragraphs > first.added
    before = _counts(kb)
    second = pipeline.run([root], kb, progress=False)
    assert (second.unchanged, second.added, second.updated, second.duplicate) == (first.documents, 0, 0, 0)
    assert _counts(kb) == before


def test_portal_page_and_cms_record_are_one_document(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    pipeline.run([root], kb, progress=False)
    conn = store.connect(kb)
    rows = conn.execute(
        "SELECT s.source_key FROM sources s JOIN sources t ON s.document_id = t.document_id"
        " WHERE t.source_key = 'daksong/content/02-pa-ubnd-dak-song-27-05-2020.md' ORDER BY s.source_key").fetchall()
    assert [r[0] for r in rows] == ["daksong/content/02-pa-ubnd-dak-song-27-05-2020.md",
                                    "daksong/pages/02-pa-ubnd-dak-song-27-05-2020/index.html"]


def test_changed_file_replaces_its_paragraphs(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    pipeline.run([root], kb, progress=False)
    seed = root / "seeds/003_aa0692512a3fbb4d.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "Nguồn Báo Hà Nam", "Đoạn mới bổ sung về dân vận khéo ở cơ sở.\n\nNguồn Báo Hà Nam"), encoding="utf-8")
    conn = store.connect(kb)
    doc_id = conn.execute("SELECT document_id FROM sources WHERE source_key=?",
                          ("seeds/003_aa0692512a3fbb4d.txt",)).fetchone()[0]
    result = pipeline.run([root], kb, progress=False)
    assert result.updated == 1 and result.added == 0
    texts = [r[0] for r in conn.execute("SELECT text FROM paragraphs WHERE document_id=?", (doc_id,))]
    assert sum("Đoạn mới bổ sung về dân vận khéo" in t for t in texts) == 1


def test_text_identical_copy_from_another_outlet_is_a_duplicate(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    copy = root / "mirror" / "same-article.txt"
    copy.parent.mkdir()
    copy.write_text((root / "seeds/000_faee312784e05641.txt").read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    result = pipeline.run([root], kb, progress=False)
    conn = store.connect(kb)
    doc = conn.execute("SELECT document_id FROM sources WHERE source_key='mirror/same-article.txt'").fetchone()[0]
    keys = [r[0] for r in conn.execute("SELECT source_key FROM sources WHERE document_id=?", (doc,))]
    assert sorted(keys) == ["mirror/same-article.txt", "seeds/000_faee312784e05641.txt"]
    assert result.duplicate >= 1


def test_bad_inputs_are_reported_and_the_batch_goes_on(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    shutil.copytree(data_dir / "bad", root / "bad")
    lines = []
    result = pipeline.run([root], kb, progress=False, report=lines.append)
    assert result.failed >= 5
    assert len(lines) == result.failed
    assert all(line.startswith("error: bad/") for line in lines)
    assert result.added > 10          # the good files still went in
    conn = store.connect(kb)
    assert conn.execute("SELECT COUNT(*) FROM ingest_errors").fetchone()[0] == result.failed


def _many_files(root: Path, data_dir: Path, n: int) -> None:
    """Real seed text, varied per file so each is its own document."""
    base = (data_dir / "seeds/003_aa0692512a3fbb4d.txt").read_text(encoding="utf-8")
    (root / "bulk").mkdir(parents=True)
    for i in range(n):
        (root / "bulk" / f"{i:04d}.txt").write_text(
            base.replace("Sáng 26/6", f"Sáng 26/6 (bản {i})"), encoding="utf-8")


def test_kill_9_leaves_a_consistent_store_and_rerun_completes(tmp_path, data_dir):
    root, kb = tmp_path / "corpus", tmp_path / "kb"
    _many_files(root, data_dir, 400)
    cmd = [sys.executable, "-c", "from vankien.cli import main; main()", "--kb", str(kb), "ingest", str(root),
           "--no-index", "-q"]
    proc = subprocess.Popen(cmd, cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:   # kill once some documents are committed, mid-run
        if (kb / store.DB_NAME).exists() and _safe_count(kb) >= 30:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _safe_count(kb)
    assert 0 < partial < 400, "the kill should land mid-run"
    conn = sqlite3.connect(kb / store.DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = conn.execute("SELECT COUNT(*) FROM paragraphs p LEFT JOIN documents d ON d.id=p.document_id"
                           " WHERE d.id IS NULL").fetchone()[0]
    assert orphans == 0
    conn.close()
    result = pipeline.run([root], kb, progress=False)
    assert result.unchanged == partial and result.added == 400 - partial
    assert _counts(kb)["documents"] == 400 and _counts(kb)["sources"] == 400


def _safe_count(kb: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{kb / store.DB_NAME}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


@pytest.mark.parametrize("bad_version", ["99"])
def test_schema_version_mismatch_is_a_clear_error(tmp_path, bad_version):
    conn = store.connect(tmp_path)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (bad_version,))
    conn.commit()
    conn.close()
    with pytest.raises(store.SchemaError, match="schema version 99"):
        store.connect(tmp_path)


def test_new_pipeline_version_reprocesses_and_keeps_duplicates_merged(tmp_path, data_dir, monkeypatch):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    first = pipeline.run([root], kb, progress=False)
    before = _counts(kb)
    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", "test-next")
    again = pipeline.run([root], kb, progress=False)
    assert again.added == 0 and again.unchanged == 0
    assert again.updated == first.added and again.duplicate == first.duplicate
    assert _counts(kb) == before
    conn = store.connect(kb)
    doc = conn.execute("SELECT d.doc_number FROM documents d JOIN sources s ON s.document_id = d.id"
                       " WHERE s.source_key = 'daksong/pages/02-pa-ubnd-dak-song-27-05-2020/index.html'").fetchone()
    assert doc[0] == "02/PA-UBND"      # the CMS record's metadata, not the page's
