"""Kill test: real `vankien ingest` runs SIGKILLed inside ingest, embedding, generation writing and
publication (and at random moments), then re-run: the knowledge base and its top-10 results must
equal an uninterrupted build's; between the kill and the re-run, searches see the last good state."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from vankien.ingest import store
from vankien.search.service import SearchService

pytestmark = pytest.mark.slow
QUERIES = ("dân vận khéo", "quy chế dân chủ ở cơ sở", "đối thoại với nhân dân", "Ban Thường vụ Tỉnh ủy",
           "hòa giải ở cơ sở")
FAULTS = ("ingest.document@3", "embed.batch@1", "generation.files", "publish.before", "publish.after")


def _run(kb, root, fault: str | None = None, kill_after: float | None = None) -> int:
    env = {**os.environ, "VANKIEN_FAULT": fault or ""}
    proc = subprocess.Popen([sys.executable, "-m", "vankien", "--kb", str(kb), "ingest", str(root), "-q"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.wait(timeout=600)
    if proc.returncode == -signal.SIGKILL:
        try:
            os.killpg(proc.pid, signal.SIGKILL)     # its reader workers too
        except ProcessLookupError:
            pass
    return proc.returncode


def _state(kb, encoder) -> dict:
    """Documents (by source) and top-10 results (by source and paragraph) of the published generation."""
    with SearchService.open(kb, encoder=encoder) as svc:
        docs = {d["source_path"]: (d["title"], d["date"], d["doc_type"], d["doc_number"], d["province"])
                for d in svc.documents(limit=1000)}
        results = {}
        for q in QUERIES:
            for mode in ("lexical", "hybrid"):
                r = svc.search(q, mode=mode, k=10)
                results[(q, mode)] = [(x["document"]["source_path"], x["paragraph"], round(x["score"], 4))
                                      for x in r["results"]]
    return {"documents": docs, "results": results}


def _corpus(tmp_path, data_dir):
    root = tmp_path / "corpus"
    shutil.copytree(data_dir / "seeds", root / "seeds")
    shutil.copytree(data_dir / "dantri", root / "dantri")
    return root


def test_killed_runs_resume_to_the_uninterrupted_result(tmp_path, data_dir, encoder):
    root = _corpus(tmp_path, data_dir)
    reference, kb = tmp_path / "ref", tmp_path / "kb"
    started = time.monotonic()
    assert _run(reference, root) == 0
    clean_seconds = time.monotonic() - started
    kills = 0
    for fault in FAULTS:
        assert _run(kb, root, fault) == -signal.SIGKILL, fault
        kills += 1
        conn = store.connect(kb)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    rng = random.Random(7)
    for _ in range(2):                               # and at moments nobody chose
        if _run(kb, root, kill_after=rng.uniform(0.5, 0.9) * clean_seconds) == -signal.SIGKILL:
            kills += 1
    assert _run(kb, root) == 0
    assert kills >= len(FAULTS)
    equal = _state(kb, encoder) == _state(reference, encoder)
    print(f"\nkill test: {kills} SIGKILLs ({', '.join(FAULTS)} and random moments), then a re-run:"
          f" documents and top-10 results {'equal' if equal else 'DIFFERENT'} to an uninterrupted build")
    assert equal


def test_a_killed_update_leaves_the_last_good_state_searchable(tmp_path, data_dir, encoder):
    root = _corpus(tmp_path, data_dir)
    reference, kb = tmp_path / "ref", tmp_path / "kb"
    assert _run(kb, root) == 0
    assert _run(reference, root) == 0           # the same history, uninterrupted
    before = _state(kb, encoder)
    seed = root / "seeds" / "003_aa0692512a3fbb4d.txt"
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "Nguồn Báo Hà Nam", "Hợp tác xã nuôi ong mật ở xã Đức An là điển hình dân vận khéo.\n\nNguồn Báo Hà Nam"),
        encoding="utf-8")
    (root / "seeds" / "new.txt").write_text("Nuôi ong mật\n\nHợp tác xã nuôi ong mật tăng thu nhập nhờ dân vận khéo.",
                                            encoding="utf-8")
    for fault in ("embed.batch@1", "publish.before"):
        assert _run(kb, root, fault) == -signal.SIGKILL
        assert _state(kb, encoder) == before          # the old generation, whole: nothing half-updated
        with SearchService.open(kb, encoder=encoder) as svc:
            assert not svc.search('"nuôi ong mật"', mode="lexical", k=5)["results"]
    assert _run(kb, root) == 0
    assert _run(reference, root) == 0
    after = _state(kb, encoder)
    assert after == _state(reference, encoder) and after != before
