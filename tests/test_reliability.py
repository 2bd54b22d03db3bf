"""Reliability: a hostile corpus, and queries running while ingest and publication change the store."""
import threading
import time

from hostile_corpus import build

from vankien.ingest import pipeline, store
from vankien.ingest.worker import Budget
from vankien.search.indexer import build_indexes
from vankien.search.service import SearchService

MAX_FILE_MB = 2
SECONDS = 30


def _documents(kb) -> dict[str, dict]:
    conn = store.connect(kb, readonly=True)
    try:
        rows = conn.execute("SELECT d.source_path, d.row, v.title, v.date, v.url FROM documents d"
                            " JOIN versions v ON v.id = d.current_version").fetchall()
    finally:
        conn.close()
    return {(r["source_path"] if r["row"] is None else f"{r['source_path']}#{r['row']}"): dict(r) for r in rows}


def test_hostile_corpus_every_good_input_is_a_document_every_bad_one_one_line(tmp_path):
    root, kb = tmp_path / "corpus", tmp_path / "kb"
    expected = build(root, MAX_FILE_MB)
    lines = []
    started = time.monotonic()
    summary = pipeline.run([root], kb, progress=False, report=lines.append,
                           budget=Budget(seconds=SECONDS, max_file_mb=MAX_FILE_MB))
    elapsed = time.monotonic() - started
    docs = _documents(kb)
    assert set(docs) == set(expected.good)
    for key, fields in expected.good.items():
        for name, value in fields.items():
            assert docs[key][name] == value, (key, name)
    assert {source for source, _ in summary.errors} == expected.bad
    error_lines = [line for line in lines if line.startswith("lỗi: ")]
    assert len(error_lines) == len(expected.bad) and all("\n" not in line for line in error_lines)
    assert summary.slowest[0] < SECONDS          # no file needed to be stopped by its budget
    assert elapsed < 4 * SECONDS


def _marker_doc(folder, i: int, rnd: int) -> None:
    """Document i at round rnd: its title and body both say the round, its marker never changes."""
    (folder / f"doc{i}.txt").write_text(
        f"Bản {rnd} của tài liệu {i}\n\nMã kiểm tra tailieu{i}x. Nội dung vòng {rnd} của tài liệu {i} về công tác"
        f" dân vận khéo ở cơ sở, đối thoại với nhân dân và quy chế dân chủ.", encoding="utf-8")


def test_queries_during_ingest_and_publication_see_one_consistent_snapshot(tmp_path, encoder):
    folder, kb = tmp_path / "c", tmp_path / "kb"
    folder.mkdir()
    for i in range(3):
        _marker_doc(folder, i, 0)
    pipeline.run([folder], kb, progress=False)
    build_indexes(kb, encoder=encoder, progress=False)
    expected = {1: {0: 0, 1: 0, 2: 0}}          # generation → {document: round}
    observed, errors, stop = [], [], threading.Event()
    svc = SearchService.open(kb, encoder=encoder)

    def reader():
        while not stop.is_set():
            for i in range(5):
                try:
                    r = svc.search(f"tailieu{i}x", mode="lexical", k=3)
                    stats = svc.stats()
                    observed.append((r["generation"], i, [(x["document"]["title"], x["text"]) for x in r["results"]]))
                    observed.append((stats["generation"], "count", stats["documents"]))
                except Exception as exc:  # noqa: BLE001 - every error is a failure, collected
                    errors.append(repr(exc))
            svc.close()

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for th in threads:
        th.start()
    for rnd in range(1, 5):                       # each round: update two documents, add one
        _marker_doc(folder, 0, rnd)
        _marker_doc(folder, 1, rnd)
        _marker_doc(folder, rnd + 2, rnd)
        pipeline.run([folder], kb, progress=False)
        number = build_indexes(kb, encoder=encoder, progress=False)["generation"]
        expected[number] = {**expected[max(expected)], 0: rnd, 1: rnd, rnd + 2: rnd}
        time.sleep(0.2)
    stop.set()
    for th in threads:
        th.join()
    assert not errors
    queries = [o for o in observed if o[1] != "count"]
    assert len(queries) > 50
    vanished = mixed = 0
    for gen, i, found in queries:
        if i not in expected[gen]:
            assert not found                      # not published yet: not searchable
            continue
        rnd = expected[gen][i]
        mine = [(title, text) for title, text in found if f"tài liệu {i}" in title]
        vanished += not mine
        mixed += any(title != f"Bản {rnd} của tài liệu {i}" or f"vòng {rnd} " not in text
                     for title, text in mine if "vòng" in text)
    print(f"\nconcurrency: {len(queries)} queries and {len(observed) - len(queries)} stats calls over"
          f" {len(expected)} generations; {len(errors)} errors, {vanished} vanished, {mixed} mixed")
    assert vanished == 0 and mixed == 0
    for gen, _, count in (o for o in observed if o[1] == "count"):
        assert count == len(expected[gen])        # a document counts once it is searchable
