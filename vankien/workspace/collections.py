"""Collections ("Bộ sưu tập"): named, described, ordered lists of kept passages and headings.

A collection is one ordered list whose entries are passages or headings; a heading groups
the passages after it, up to the next heading (like a lesson plan). Positions are 0-based
without gaps, rewritten in one transaction on every move. Adding a passage that is already
in the collection (same document key and same text) changes nothing. All reads and writes
are scoped to one owner.
"""
from __future__ import annotations

import json
import sqlite3

from . import NotFound, WorkspaceError
from .db import LOCAL_OWNER, now, transaction
from .limits import (MAX_COLLECTIONS, MAX_DESCRIPTION, MAX_ITEMS, MAX_NAME, MAX_NOTE, clean_block, clean_line)

_ITEM_COLUMNS = ("id", "collection_id", "position", "kind", "title", "note", "document_id", "doc_key", "version_id",
                 "paragraph_id", "ordinal", "page", "section", "text", "text_hash", "citation", "document_json",
                 "added_at")
MOVES = ("up", "down", "top", "bottom")


class Collections:
    """The collections of one owner, in one user database."""

    def __init__(self, conn: sqlite3.Connection, owner: str = LOCAL_OWNER):
        self.conn = conn
        self.owner = owner

    # ---- collections -----------------------------------------------------------------------

    def list(self) -> list[dict]:
        """The owner's collections, most recently changed first, with their passage counts."""
        rows = self.conn.execute(
            "SELECT c.*, (SELECT COUNT(*) FROM items i WHERE i.collection_id = c.id AND i.kind = 'passage')"
            " AS passages FROM collections c WHERE c.owner = ? ORDER BY c.updated_at DESC, c.id DESC", (self.owner,))
        return [dict(r) for r in rows]

    def get(self, cid: int) -> dict:
        """One collection's fields (NotFound if it is not the owner's)."""
        row = self.conn.execute("SELECT * FROM collections WHERE id = ? AND owner = ?", (cid, self.owner)).fetchone()
        if row is None:
            raise NotFound(f"không có bộ sưu tập số {cid}")
        return dict(row)

    def create(self, name: str, description: str = "") -> dict:
        """A new, empty collection."""
        name = clean_line(name, "Tên bộ sưu tập", MAX_NAME)
        description = clean_block(description, "Mô tả", MAX_DESCRIPTION)
        stamp = now()
        with transaction(self.conn):
            count = self.conn.execute("SELECT COUNT(*) FROM collections WHERE owner = ?", (self.owner,)).fetchone()[0]
            if count >= MAX_COLLECTIONS:
                raise WorkspaceError(f"đã có {count} bộ sưu tập, tối đa {MAX_COLLECTIONS}: hãy xóa bớt")
            cur = self.conn.execute(
                "INSERT INTO collections(owner, name, description, created_at, updated_at) VALUES (?,?,?,?,?)",
                (self.owner, name, description, stamp, stamp))
        return self.get(cur.lastrowid)

    def update(self, cid: int, *, name: str | None = None, description: str | None = None) -> dict:
        """Rename and/or describe a collection."""
        self.get(cid)
        changes = {}
        if name is not None:
            changes["name"] = clean_line(name, "Tên bộ sưu tập", MAX_NAME)
        if description is not None:
            changes["description"] = clean_block(description, "Mô tả", MAX_DESCRIPTION)
        if changes:
            with transaction(self.conn):
                sets = ", ".join(f"{k} = ?" for k in changes)
                self.conn.execute(f"UPDATE collections SET {sets}, updated_at = ? WHERE id = ? AND owner = ?",
                                  (*changes.values(), now(), cid, self.owner))
        return self.get(cid)

    def delete(self, cid: int) -> None:
        """Delete a collection and its items."""
        with transaction(self.conn):
            cur = self.conn.execute("DELETE FROM collections WHERE id = ? AND owner = ?", (cid, self.owner))
        if cur.rowcount == 0:
            raise NotFound(f"không có bộ sưu tập số {cid}")

    # ---- entries ---------------------------------------------------------------------------

    def entries(self, cid: int) -> list[dict]:
        """The collection's passages and headings, in order."""
        self.get(cid)
        rows = self.conn.execute(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM items WHERE collection_id = ?"
                                 " ORDER BY position, id", (cid,))
        return [_item(r) for r in rows]

    def item(self, cid: int, iid: int) -> dict:
        """One entry of the owner's collection (NotFound otherwise)."""
        self.get(cid)
        row = self.conn.execute(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM items WHERE id = ? AND collection_id = ?",
                                (iid, cid)).fetchone()
        if row is None:
            raise NotFound(f"bộ sưu tập {cid} không có mục số {iid}")
        return _item(row)

    def add_passage(self, cid: int, passage: dict, note: str = "") -> tuple[dict, bool]:
        """Append a kept passage (passages.snapshot_*); (item, True), or (existing item, False)
        when the collection already holds the same text of the same document."""
        note = clean_block(note, "Ghi chú", MAX_NOTE)
        with transaction(self.conn):
            self.get(cid)                   # inside: a collection deleted meanwhile is a clean NotFound
            existing = self.conn.execute(
                "SELECT id FROM items WHERE collection_id = ? AND kind = 'passage' AND doc_key = ? AND text_hash = ?",
                (cid, passage["doc_key"], passage["text_hash"])).fetchone()
            if existing:
                return self.item(cid, existing[0]), False
            position = self._count_for_insert(cid)
            cur = self.conn.execute(
                "INSERT INTO items(collection_id, position, kind, note, document_id, doc_key, version_id, paragraph_id,"
                " ordinal, page, section, text, text_hash, citation, document_json, added_at)"
                " VALUES (?,?,'passage',?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (cid, position, note, passage["document_id"], passage["doc_key"], passage["version_id"],
                 passage["paragraph_id"], passage["ordinal"], passage["page"], passage["section"], passage["text"],
                 passage["text_hash"], passage["citation"], json.dumps(passage["document"], ensure_ascii=False),
                 now()))
            self._touch(cid)
        return self.item(cid, cur.lastrowid), True

    def add_heading(self, cid: int, title: str) -> dict:
        """Append a heading: the passages after it (until the next heading) are grouped under it."""
        title = clean_line(title, "Tiêu đề mục", MAX_NAME)
        with transaction(self.conn):
            self.get(cid)
            position = self._count_for_insert(cid)
            cur = self.conn.execute("INSERT INTO items(collection_id, position, kind, title, added_at)"
                                    " VALUES (?,?,'heading',?,?)", (cid, position, title, now()))
            self._touch(cid)
        return self.item(cid, cur.lastrowid)

    def update_item(self, cid: int, iid: int, *, note: str | None = None, title: str | None = None) -> dict:
        """Change a passage's note or a heading's text."""
        item = self.item(cid, iid)
        if title is not None and item["kind"] == "heading":
            value, column = clean_line(title, "Tiêu đề mục", MAX_NAME), "title"
        elif note is not None and item["kind"] == "passage":
            value, column = clean_block(note, "Ghi chú", MAX_NOTE), "note"
        else:
            raise WorkspaceError("mục này không có trường đó (ghi chú là của đoạn văn, tiêu đề là của mục)")
        with transaction(self.conn):
            self.conn.execute(f"UPDATE items SET {column} = ? WHERE id = ?", (value, iid))
            self._touch(cid)
        return self.item(cid, iid)

    def delete_item(self, cid: int, iid: int) -> None:
        """Remove one entry (a heading's passages stay, under the heading before it)."""
        self.item(cid, iid)
        with transaction(self.conn):
            self.conn.execute("DELETE FROM items WHERE id = ?", (iid,))
            self._renumber(cid, self._order(cid))
            self._touch(cid)

    # ---- order -----------------------------------------------------------------------------

    def move_to(self, cid: int, iid: int, position: int) -> list[dict]:
        """Put an entry at a 0-based position (clamped to the list); returns the new order."""
        self.item(cid, iid)
        with transaction(self.conn):
            order = [i for i in self._order(cid) if i != iid]
            order.insert(max(0, min(int(position), len(order))), iid)
            self._renumber(cid, order)
            self._touch(cid)
        return self.entries(cid)

    def move(self, cid: int, iid: int, where: str) -> list[dict]:
        """Move an entry one place up or down, or to the top or bottom."""
        if where not in MOVES:
            raise WorkspaceError(f"cách di chuyển phải là một trong: {', '.join(MOVES)}")
        order = self._order(cid)
        if iid not in order:
            raise NotFound(f"bộ sưu tập {cid} không có mục số {iid}")
        here = order.index(iid)
        target = {"up": here - 1, "down": here + 1, "top": 0, "bottom": len(order)}[where]
        return self.move_to(cid, iid, target)

    def move_under(self, cid: int, iid: int, heading_id: int | None) -> list[dict]:
        """Move a passage to the end of a heading's group (None: to the start, before any heading)."""
        entries = self.entries(cid)
        kinds = {e["id"]: e["kind"] for e in entries}
        if kinds.get(iid) != "passage":
            raise NotFound(f"bộ sưu tập {cid} không có đoạn văn số {iid}")
        rest = [e for e in entries if e["id"] != iid]
        if heading_id is None:
            first_heading = next((i for i, e in enumerate(rest) if e["kind"] == "heading"), len(rest))
            return self.move_to(cid, iid, first_heading)
        if kinds.get(heading_id) != "heading":
            raise NotFound(f"bộ sưu tập {cid} không có mục tiêu đề số {heading_id}")
        start = next(i for i, e in enumerate(rest) if e["id"] == heading_id)
        end = next((i for i in range(start + 1, len(rest)) if rest[i]["kind"] == "heading"), len(rest))
        return self.move_to(cid, iid, end)

    # ---- lookups for the pages -------------------------------------------------------------

    def containing(self, doc_key: str, text_hash: str) -> list[dict]:
        """The owner's collections that hold this passage: [{id, name}]."""
        rows = self.conn.execute(
            "SELECT DISTINCT c.id, c.name FROM items i JOIN collections c ON c.id = i.collection_id"
            " WHERE c.owner = ? AND i.kind = 'passage' AND i.doc_key = ? AND i.text_hash = ? ORDER BY c.name",
            (self.owner, doc_key, text_hash))
        return [dict(r) for r in rows]

    def kept_hashes(self, doc_key: str) -> set[str]:
        """Text hashes of the owner's kept passages of one document (to mark them in its view)."""
        rows = self.conn.execute(
            "SELECT i.text_hash FROM items i JOIN collections c ON c.id = i.collection_id"
            " WHERE c.owner = ? AND i.kind = 'passage' AND i.doc_key = ?", (self.owner, doc_key))
        return {r[0] for r in rows}

    # ---- internals -------------------------------------------------------------------------

    def _order(self, cid: int) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM items WHERE collection_id = ? ORDER BY position, id",
                                                (cid,))]

    def _renumber(self, cid: int, order: list[int]) -> None:
        self.conn.executemany("UPDATE items SET position = ? WHERE id = ? AND collection_id = ?",
                              [(pos, iid, cid) for pos, iid in enumerate(order)])

    def _count_for_insert(self, cid: int) -> int:
        count = self.conn.execute("SELECT COUNT(*) FROM items WHERE collection_id = ?", (cid,)).fetchone()[0]
        if count >= MAX_ITEMS:
            raise WorkspaceError(f"bộ sưu tập đã có {count} mục, tối đa {MAX_ITEMS}")
        return count

    def _touch(self, cid: int) -> None:
        self.conn.execute("UPDATE collections SET updated_at = ? WHERE id = ?", (now(), cid))


def _item(row: sqlite3.Row) -> dict:
    item = {k: row[k] for k in _ITEM_COLUMNS if k != "document_json"}
    item["document"] = json.loads(row["document_json"]) if row["document_json"] else {}
    return item


def grouped(entries: list[dict]) -> list[dict]:
    """Entries as groups: [{"heading": heading entry or None, "items": [passages]}], in order;
    passages before the first heading form a group without heading."""
    groups: list[dict] = [{"heading": None, "passages": []}]
    for e in entries:
        if e["kind"] == "heading":
            groups.append({"heading": e, "passages": []})
        else:
            groups[-1]["passages"].append(e)
    return groups if groups[0]["passages"] else groups[1:]
