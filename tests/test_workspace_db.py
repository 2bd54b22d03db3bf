"""The user database: where it lives, versions and migrations, owners, bounds (no knowledge base needed)."""
import sqlite3

import pytest

from vankien.workspace import NotFound, WorkspaceError, db
from vankien.workspace.collections import Collections, grouped
from vankien.workspace.limits import MAX_NAME


def _passage(n: int, doc_key: str = "https://example.vn/a", text: str | None = None) -> dict:
    """A kept passage as passages.snapshot_* makes it (without a knowledge base)."""
    text = text or f"Đoạn văn số {n} về dân vận khéo."
    from vankien.workspace.passages import text_hash
    return {"document_id": 7, "doc_key": doc_key, "version_id": 70, "paragraph_id": 700 + n, "ordinal": n,
            "page": None, "section": "", "text": text, "text_hash": text_hash(text),
            "citation": f"Bài {n} — Báo Hà Tĩnh — Hà Tĩnh — 05/03/2020 — đoạn {n} — {doc_key}",
            "document": {"id": 7, "doc_key": doc_key, "title": "Bài", "province": "Hà Tĩnh", "date": "2020-03-05"},
            "generation": 1}


def test_beside_the_knowledge_base_unless_told_otherwise(tmp_path, monkeypatch):
    monkeypatch.delenv(db.ENV, raising=False)
    assert db.userdata_path(tmp_path / "kb") == tmp_path / "kb.userdata.sqlite"
    assert db.userdata_path(tmp_path / "kb/") == tmp_path / "kb.userdata.sqlite"
    assert db.userdata_path(tmp_path / "kb", tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
    monkeypatch.setenv(db.ENV, str(tmp_path / "env.sqlite"))
    assert db.userdata_path(tmp_path / "kb") == tmp_path / "env.sqlite"


def test_created_on_first_write_only(tmp_path):
    path = tmp_path / "kb.userdata.sqlite"
    assert db.connect(path, create=False) is None
    assert not path.exists()
    conn = db.connect(path)
    assert path.exists()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION == len(db.MIGRATIONS)
    assert len(db.get_meta(conn, "secret")) == 64
    conn.close()


def test_an_old_file_is_upgraded_with_its_data_and_a_backup(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    assert db.migrate(conn, target=1) == 1                  # the layout of the first release
    store = Collections(conn)
    coll = store.create("Tập huấn 2023", "Bài 1")
    store.add_passage(coll["id"], _passage(1), "ví dụ hay")
    conn.close()

    reader = db.connect(path, create=False)             # a reader never writes: an in-memory upgrade
    assert reader.execute("SELECT COUNT(*) FROM follows").fetchone()[0] == 0
    reader.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1

    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM follows").fetchone()[0] == 0       # migration 2 applied
    [entry] = Collections(conn).entries(coll["id"])
    assert entry["note"] == "ví dụ hay" and entry["text"] == "Đoạn văn số 1 về dân vận khéo."
    backup = tmp_path / "old.sqlite.v1.bak"
    assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_a_file_from_a_newer_vankien_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "new.sqlite"
    db.connect(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(db.UserDataVersionError, match="99"):
        db.connect(path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 99


def test_owners_see_only_their_own(tmp_path):
    conn = db.connect(tmp_path / "u.sqlite")
    mine, theirs = Collections(conn, "an"), Collections(conn, "binh")
    coll = mine.create("Của An")
    assert [c["name"] for c in mine.list()] == ["Của An"] and theirs.list() == []
    for action in (lambda: theirs.get(coll["id"]), lambda: theirs.delete(coll["id"]),
                   lambda: theirs.add_passage(coll["id"], _passage(1)), lambda: theirs.entries(coll["id"])):
        with pytest.raises(NotFound):
            action()
    assert mine.get(coll["id"])["owner"] == "an"


def test_names_and_notes_are_bounded_and_cleaned(tmp_path):
    store = Collections(db.connect(tmp_path / "u.sqlite"))
    with pytest.raises(WorkspaceError, match="trống"):
        store.create("   ")
    with pytest.raises(WorkspaceError, match="tối đa"):
        store.create("x" * (MAX_NAME + 1))
    with pytest.raises(WorkspaceError):
        store.create(["not", "text"])
    coll = store.create("Ho\u0300a  \x00bi\u0300nh\x07 <b>", "dòng 1\r\n\r\n\r\ndòng 2")
    assert coll["name"] == "Hòa bình <b>"                       # NFC, one tone style, no control characters
    assert coll["description"] == "dòng 1\n\ndòng 2"
    with pytest.raises(WorkspaceError, match="Ghi chú"):
        store.add_passage(coll["id"], _passage(1), "x" * 2001)


def test_adding_the_same_passage_twice_is_a_no_op(tmp_path):
    store = Collections(db.connect(tmp_path / "u.sqlite"))
    cid = store.create("Bộ")["id"]
    first, added = store.add_passage(cid, _passage(1), "lần đầu")
    again, added_again = store.add_passage(cid, {**_passage(1), "paragraph_id": 999, "ordinal": 4}, "lần hai")
    assert added and not added_again and again["id"] == first["id"] and again["note"] == "lần đầu"
    assert len(store.entries(cid)) == 1
    other = store.create("Bộ khác")["id"]                      # another collection may hold it too
    assert store.add_passage(other, _passage(1))[1]
    assert {c["name"] for c in store.containing(_passage(1)["doc_key"], _passage(1)["text_hash"])} == {"Bộ", "Bộ khác"}


def test_reorder_headings_and_grouping(tmp_path):
    store = Collections(db.connect(tmp_path / "u.sqlite"))
    cid = store.create("Giáo án")["id"]
    a, b, c = (store.add_passage(cid, _passage(n))[0]["id"] for n in (1, 2, 3))
    lesson1 = store.add_heading(cid, "Bài 1")["id"]
    lesson2 = store.add_heading(cid, "Bài 2")["id"]

    def order():
        return [e["id"] for e in store.entries(cid)]
    assert order() == [a, b, c, lesson1, lesson2]
    store.move_under(cid, c, lesson1)
    store.move_under(cid, a, lesson2)
    assert order() == [b, lesson1, c, lesson2, a]
    store.move(cid, b, "down")
    assert order() == [lesson1, b, c, lesson2, a]
    store.move(cid, a, "top")
    store.move(cid, a, "up")                                    # at the top already: stays
    assert order() == [a, lesson1, b, c, lesson2]
    store.move_to(cid, a, 99)                                   # clamped to the end
    assert order() == [lesson1, b, c, lesson2, a]
    assert [e["position"] for e in store.entries(cid)] == [0, 1, 2, 3, 4]
    groups = grouped(store.entries(cid))
    assert [(g["heading"]["title"], [p["id"] for p in g["passages"]]) for g in groups] == \
        [("Bài 1", [b, c]), ("Bài 2", [a])]
    store.delete_item(cid, lesson2)                             # its passages stay, under the heading before
    assert order() == [lesson1, b, c, a] and [e["position"] for e in store.entries(cid)] == [0, 1, 2, 3]
    with pytest.raises(WorkspaceError):
        store.move(cid, a, "sideways")
    with pytest.raises(NotFound):
        store.move_under(cid, a, b)                             # b is a passage, not a heading
    store.update_item(cid, lesson1, title="Bài 1: Đối thoại")
    store.update_item(cid, b, note="đọc to trong lớp")
    with pytest.raises(WorkspaceError):
        store.update_item(cid, b, title="không phải tiêu đề")
    assert store.item(cid, lesson1)["title"] == "Bài 1: Đối thoại" and store.item(cid, b)["note"] == "đọc to trong lớp"


def test_limits_on_counts(tmp_path, monkeypatch):
    from vankien.workspace import collections as module
    monkeypatch.setattr(module, "MAX_ITEMS", 2)
    monkeypatch.setattr(module, "MAX_COLLECTIONS", 1)
    store = Collections(db.connect(tmp_path / "u.sqlite"))
    cid = store.create("Một")["id"]
    with pytest.raises(WorkspaceError, match="tối đa 1"):
        store.create("Hai")
    store.add_passage(cid, _passage(1))
    store.add_heading(cid, "Mục")
    with pytest.raises(WorkspaceError, match="tối đa 2"):
        store.add_passage(cid, _passage(2))
