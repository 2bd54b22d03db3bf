"""Ingest pipeline against a real SQLite store: identity, copies, versions, moves, crash safety."""
import json
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
                for t in ("documents", "versions", "paragraphs", "refs")}
    finally:
        conn.close()


def _n_inputs(root: Path) -> int:
    files = [p for p in root.rglob("*") if p.is_file() and p.name != "manifest.csv"]
    rows = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in files if p.suffix == ".csv")
    return len([p for p in files if p.suffix != ".csv"]) + rows


def _doc(conn, source_path: str) -> sqlite3.Row:
    """The document of an input (by its path relative to the ingested root) and its current version."""
    return conn.execute("SELECT d.id, d.source_key, v.* FROM documents d JOIN versions v ON v.id = d.current_version"
                        " WHERE d.source_path = ?", (source_path,)).fetchone()


def test_every_input_is_a_document_and_a_rerun_is_unchanged(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    first = pipeline.run([root], kb, progress=False)
    assert first.failed == 0
    assert first.added == first.documents == _n_inputs(root)
    assert first.paragraphs > first.added
    before = _counts(kb)
    assert before["documents"] == before["versions"] == first.added
    second = pipeline.run([root], kb, progress=False)
    assert (second.unchanged, second.added, second.updated, second.moved) == (first.documents, 0, 0, 0)
    assert _counts(kb) == before


def test_portal_page_and_cms_record_are_linked_copies_each_with_its_metadata(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    summary = pipeline.run([root], kb, progress=False)
    conn = store.connect(kb)
    record = _doc(conn, "daksong/content/02-pa-ubnd-dak-song-27-05-2020.md")
    page = _doc(conn, "daksong/pages/02-pa-ubnd-dak-song-27-05-2020/index.html")
    assert record["id"] != page["id"]
    assert record["text_hash"] == page["text_hash"]        # recognised as copies, grouped at query time
    assert record["doc_number"] == "02/PA-UBND" and record["format"] == "frontmatter"
    assert page["format"] == "html"
    assert summary.copies >= 1


def test_same_body_different_title_date_url_stay_separate_documents(tmp_path):
    """Monthly notices with near-identical bodies: each keeps its own title, date and URL."""
    body = ("Ủy ban nhân dân huyện thông báo lịch tiếp công dân định kỳ của Chủ tịch UBND huyện tại Trụ sở "
            "tiếp công dân huyện, từ 7 giờ 30 phút. Công dân đến đúng giờ, mang theo giấy tờ tùy thân. ") * 3
    rows = [{"title": "Lịch tiếp công dân tháng 1", "date": "2020-07-13", "url": "https://a.vn/1", "content": body},
            {"title": "Lịch tiếp công dân tháng 2", "date": "2021-01-02", "url": "https://a.vn/2", "content": body}]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rows.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                                encoding="utf-8")
    summary = pipeline.run([tmp_path / "in"], tmp_path / "kb", progress=False)
    assert summary.added == 2 and summary.copies == 1
    conn = store.connect(tmp_path / "kb")
    got = [tuple(r) for r in conn.execute(
        "SELECT v.title, v.date, v.url FROM documents d JOIN versions v ON v.id = d.current_version ORDER BY v.date")]
    assert got == [("Lịch tiếp công dân tháng 1", "2020-07-13", "https://a.vn/1"),
                   ("Lịch tiếp công dân tháng 2", "2021-01-02", "https://a.vn/2")]


def test_same_file_name_in_two_folders_never_replaces_the_other(tmp_path, data_dir):
    kb = tmp_path / "kb"
    for folder, seed in (("a", "000_faee312784e05641.txt"), ("b", "003_aa0692512a3fbb4d.txt")):
        (tmp_path / folder).mkdir()
        shutil.copy(data_dir / "seeds" / seed, tmp_path / folder / "quang-tri.txt")
    first = pipeline.run([tmp_path / "a" / "quang-tri.txt"], kb, progress=False)
    second = pipeline.run([tmp_path / "b" / "quang-tri.txt"], kb, progress=False)
    assert (first.added, second.added, second.updated) == (1, 1, 0)
    conn = store.connect(kb)
    titles = {r[0] for r in conn.execute("SELECT v.title FROM documents d JOIN versions v"
                                         " ON v.id = d.current_version")}
    assert len(titles) == 2


def test_changed_file_gets_a_new_version_visible_only_after_publication(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    pipeline.run([root], kb, progress=False)
    conn = store.connect(kb)
    conn.execute("UPDATE versions SET born_gen = 1")            # as if generation 1 had been published
    old = _doc(conn, "seeds/003_aa0692512a3fbb4d.txt")
    seed = root / "seeds/003_aa0692512a3fbb4d.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "Nguồn Báo Hà Nam", "Đoạn mới bổ sung về dân vận khéo ở cơ sở.\n\nNguồn Báo Hà Nam"), encoding="utf-8")
    result = pipeline.run([root], kb, progress=False)
    assert result.updated == 1 and result.added == 0
    new = _doc(conn, "seeds/003_aa0692512a3fbb4d.txt")
    assert new["id"] == old["id"] and new["born_gen"] is None      # pending
    visible_text = [r[0] for r in conn.execute(
        f"SELECT p.text FROM versions v JOIN paragraphs p ON p.version_id = v.id WHERE v.document_id = :d"
        f" AND {store.visible()}", {"d": old["id"], "gen": 1})]
    assert visible_text and not any("Đoạn mới bổ sung" in t for t in visible_text)
    texts = [r[0] for r in conn.execute("SELECT text FROM paragraphs WHERE version_id=?", (_vid(conn, new["id"]),))]
    assert sum("Đoạn mới bổ sung về dân vận khéo" in t for t in texts) == 1


def _vid(conn, doc_id: int) -> int:
    return conn.execute("SELECT current_version FROM documents WHERE id=?", (doc_id,)).fetchone()[0]


def test_moved_folder_keeps_its_documents(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    first = pipeline.run([root], kb, progress=False)
    ids = {r[0] for r in store.connect(kb).execute("SELECT id FROM documents")}
    moved = tmp_path / "renamed"
    root.rename(moved)
    again = pipeline.run([moved], kb, progress=False)
    assert again.moved == first.added and again.added == 0
    conn = store.connect(kb)
    assert {r[0] for r in conn.execute("SELECT id FROM documents")} == ids
    assert all(r[0].startswith(moved.resolve().as_posix()) for r in conn.execute("SELECT source_key FROM documents"))


def test_bad_inputs_and_a_missing_path_are_reported_and_the_batch_goes_on(tmp_path, data_dir):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    shutil.copytree(data_dir / "bad", root / "bad")
    lines = []
    result = pipeline.run([tmp_path / "no-such-folder", root], kb, progress=False, report=lines.append)
    assert result.failed >= 6
    errors = [line for line in lines if line.startswith("lỗi: ")]
    assert len(errors) == result.failed
    assert all(line.startswith("lỗi: bad/") or "no-such-folder" in line for line in errors)
    assert [line for line in lines if line not in errors] == \
        ["cảnh báo: bad/latin1.txt: đã chuyển từ bảng mã Windows-1258 sang Unicode"]
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
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:   # kill once some documents are committed, mid-run
        if _safe_count(kb) >= 20:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)     # the command and its worker processes
    proc.wait()
    partial = _safe_count(kb)
    assert 0 < partial < 400, "the kill should land mid-run"
    conn = sqlite3.connect(kb / store.DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = conn.execute("SELECT COUNT(*) FROM paragraphs p LEFT JOIN versions v ON v.id=p.version_id"
                           " WHERE v.id IS NULL").fetchone()[0]
    assert orphans == 0
    conn.close()
    result = pipeline.run([root], kb, progress=False)
    assert result.unchanged == partial and result.added == 400 - partial
    assert _counts(kb)["documents"] == 400


def _safe_count(kb: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{kb / store.DB_NAME}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM documents WHERE current_version IS NOT NULL").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


@pytest.mark.parametrize("bad_version", ["99"])
def test_schema_version_mismatch_is_a_clear_error(tmp_path, bad_version):
    conn = store.connect(tmp_path)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (bad_version,))
    conn.close()
    with pytest.raises(store.SchemaError, match="phiên bản 99"):
        store.connect(tmp_path)


def test_new_pipeline_version_reprocesses_but_keeps_unchanged_versions(tmp_path, data_dir, monkeypatch):
    root, kb = _corpus(tmp_path, data_dir), tmp_path / "kb"
    first = pipeline.run([root], kb, progress=False)
    before = _counts(kb)
    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", "test-next")
    again = pipeline.run([root], kb, progress=False)
    assert again.added == 0 and again.updated == 0 and again.unchanged == first.added
    assert _counts(kb) == before        # same output: no new versions
    conn = store.connect(kb)
    assert {r[0] for r in conn.execute("SELECT DISTINCT pipeline FROM documents")} == {"test-next"}
