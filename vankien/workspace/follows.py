"""Followed searches ("Theo dõi"): a saved query with its filters, the documents new since the
last visit, and the entries of its Atom feed.

What "new" means. The workspace keeps *sightings*: the first time it saw each document of
the knowledge base (by document key — URL or source key — so a re-ingested document, or a
whole rebuilt knowledge base, brings nothing "new"). Whenever a followed search is looked at
and the knowledge base has published a new generation since the last look, the documents of
that generation not seen before are recorded under a new *mark*. A document is new for a
followed search when

- it is among the search's matches: the documents of its first FOLLOW_K results, the same
  ranked results the search page shows (make a broad search specific with filters), and
- it was first seen after the search was last marked seen (mark > seen_mark).

A document ingested but not yet indexed is not visible, so it is not seen yet either: it
becomes new when an index run publishes it. The feed lists the matches first seen after
the search was followed (newest first), so a feed reader or an e-mail bridge gets exactly
the documents that arrived since.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections import OrderedDict

from vankien.ingest.store import visible
from vankien.search.filters import FILTER_BY_PARAM, filter_from_params

from . import NotFound, WorkspaceError
from .db import LOCAL_OWNER, now, transaction
from .limits import MAX_FOLLOWS, MAX_NAME, MAX_QUERY, clean_line

FOLLOW_K = 100          # results a followed search watches (the export size of the search page)
FEED_MAX = 50
MAX_FILTER_VALUE = 200
MODES = ("hybrid", "lexical", "dense")


def normalise_search(query: str, filters: dict | None, mode: str = "hybrid") -> tuple[str, dict, str]:
    """Validated (query, filters by URL parameter name, mode) of a search to follow."""
    query = clean_line(query, "Từ khóa", MAX_QUERY)
    clean = {}
    for name, value in (filters or {}).items():
        if name not in FILTER_BY_PARAM:
            raise WorkspaceError(f"không có bộ lọc '{str(name)[:40]}'")
        value = clean_line(value, FILTER_BY_PARAM[name].label, MAX_FILTER_VALUE, required=False)
        if value:
            clean[name] = value
    try:
        filter_from_params(clean)
    except ValueError as exc:           # FilterError: a bad date, a reversed range
        raise WorkspaceError(str(exc)) from None
    if mode not in MODES:
        raise WorkspaceError(f"cách tìm phải là một trong: {', '.join(MODES)}")
    return query, dict(sorted(clean.items())), mode


class Follows:
    """The followed searches of one owner; `service` is the knowledge base's SearchService."""

    def __init__(self, conn: sqlite3.Connection, service, owner: str = LOCAL_OWNER):
        self.conn = conn
        self.service = service
        self.owner = owner

    # ---- sightings ---------------------------------------------------------------------------

    def observe(self) -> int:
        """Record the documents of the current generation not seen before; returns the current mark."""
        gen = self.service.snapshot()
        stamp = f"{gen.number}:{gen.manifest.get('created_at', '')}"
        last = self.conn.execute("SELECT id, generation FROM sighting_marks ORDER BY id DESC LIMIT 1").fetchone()
        if last and last["generation"] == stamp:
            return last["id"]
        keys = [r[0] for r in self.service.conn.execute(
            f"SELECT DISTINCT v.doc_key FROM versions v WHERE {visible()}", {"gen": gen.number})]
        stamp_at = now()
        with transaction(self.conn):
            mark = self.conn.execute("INSERT INTO sighting_marks(generation, at) VALUES (?, ?)",
                                     (stamp, stamp_at)).lastrowid
            self.conn.executemany("INSERT OR IGNORE INTO sightings(doc_key, mark, at) VALUES (?, ?, ?)",
                                  [(k, mark, stamp_at) for k in keys])
        return mark

    # ---- followed searches -------------------------------------------------------------------

    def list(self, *, counts: bool = True) -> list[dict]:
        """The owner's followed searches, newest first; with `counts`, each has `new` (documents)."""
        rows = [_follow(r) for r in self.conn.execute(
            "SELECT * FROM follows WHERE owner = ? ORDER BY id DESC", (self.owner,))]
        if counts and rows:
            self.observe()
            for f in rows:
                f["new"] = sum(1 for m in self.matches(f) if m["new"])
        return rows

    def get(self, fid: int) -> dict:
        """One followed search (NotFound if it is not the owner's)."""
        row = self.conn.execute("SELECT * FROM follows WHERE id = ? AND owner = ?", (fid, self.owner)).fetchone()
        if row is None:
            raise NotFound(f"không có tìm kiếm theo dõi số {fid}")
        return _follow(row)

    def by_token(self, token: str) -> dict:
        """The followed search a feed address names (NotFound otherwise)."""
        row = self.conn.execute("SELECT * FROM follows WHERE token = ?", (str(token)[:100],)).fetchone()
        if row is None:
            raise NotFound("không có nguồn tin này")
        return _follow(row)

    def create(self, query: str, filters: dict | None = None, mode: str = "hybrid",
               name: str = "") -> tuple[dict, bool]:
        """Follow a search; (follow, True), or (the existing one, False) if it is followed already."""
        query, filters, mode = normalise_search(query, filters, mode)
        self.service.parse(query)       # QueryError now rather than on every visit
        name = clean_line(name, "Tên", MAX_NAME, required=False) or query[:MAX_NAME]
        filters_json = json.dumps(filters, ensure_ascii=False, sort_keys=True)
        existing = self.conn.execute("SELECT id FROM follows WHERE owner = ? AND query = ? AND filters_json = ?"
                                     " AND mode = ?", (self.owner, query, filters_json, mode)).fetchone()
        if existing:
            return self.get(existing[0]), False
        mark = self.observe()
        stamp = now()
        with transaction(self.conn):
            count = self.conn.execute("SELECT COUNT(*) FROM follows WHERE owner = ?", (self.owner,)).fetchone()[0]
            if count >= MAX_FOLLOWS:
                raise WorkspaceError(f"đang theo dõi {count} tìm kiếm, tối đa {MAX_FOLLOWS}: hãy bỏ bớt")
            fid = self.conn.execute(
                "INSERT INTO follows(owner, token, name, query, filters_json, mode, created_at, created_mark, seen_at,"
                " seen_mark) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (self.owner, secrets.token_urlsafe(18), name, query, filters_json, mode, stamp, mark, stamp,
                 mark)).lastrowid
        return self.get(fid), True

    def rename(self, fid: int, name: str) -> dict:
        """Give a followed search another name."""
        self.get(fid)
        name = clean_line(name, "Tên", MAX_NAME)
        with transaction(self.conn):
            self.conn.execute("UPDATE follows SET name = ? WHERE id = ?", (name, fid))
        return self.get(fid)

    def delete(self, fid: int) -> None:
        """Stop following a search."""
        with transaction(self.conn):
            cur = self.conn.execute("DELETE FROM follows WHERE id = ? AND owner = ?", (fid, self.owner))
        if cur.rowcount == 0:
            raise NotFound(f"không có tìm kiếm theo dõi số {fid}")

    def mark_seen(self, fid: int) -> dict:
        """Everything matching now counts as seen."""
        self.get(fid)
        mark = self.observe()
        with transaction(self.conn):
            self.conn.execute("UPDATE follows SET seen_mark = ?, seen_at = ? WHERE id = ?", (mark, now(), fid))
        return self.get(fid)

    # ---- matches ------------------------------------------------------------------------------

    def matches(self, follow: dict) -> list[dict]:
        """The search's documents (best passage each, in rank order) with when they were first seen:
        [{"result", "first_seen", "mark", "new"}]."""
        self.observe()
        best = ranked_documents(self.service, follow)
        seen = self._sightings(list(best))
        if len(seen) < len(best):           # a generation published between the look and the search
            self.observe()
            seen = self._sightings(list(best))
        out = []
        for key, r in best.items():
            mark, at = seen.get(key, (None, ""))
            out.append({"result": r, "first_seen": at, "mark": mark,
                        "new": mark is None or mark > follow["seen_mark"]})
        return out

    def new_documents(self, follow: dict) -> list[dict]:
        """Matches first seen after the search was last marked seen, in rank order."""
        return [m for m in self.matches(follow) if m["new"]]

    def feed_entries(self, follow: dict) -> list[dict]:
        """Matches first seen after the search was followed, newest first (then by rank)."""
        fresh = [m for m in self.matches(follow) if m["mark"] is None or m["mark"] > follow["created_mark"]]
        fresh.sort(key=lambda m: (-(m["mark"] or 10**18), m["result"]["rank"]))
        return fresh[:FEED_MAX]

    def _sightings(self, keys: list[str]) -> dict[str, tuple[int, str]]:
        out = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            out.update((r[0], (r[1], r[2])) for r in self.conn.execute(
                f"SELECT doc_key, mark, at FROM sightings WHERE doc_key IN ({','.join('?' * len(chunk))})", chunk))
        return out


_RANKED: OrderedDict[tuple, dict[str, dict]] = OrderedDict()
_RANKED_LOCK = threading.Lock()
RANKED_CACHE = 256


def ranked_documents(service, follow: dict) -> dict[str, dict]:
    """The search's documents, best passage each, in rank order (by document key); cached per
    published generation, since the page of followed searches runs every one of them. Callers
    must not modify the returned results."""
    gen = service.snapshot()
    key = (str(service.kb_dir), gen.number, gen.manifest.get("created_at", ""), follow["query"],
           json.dumps(follow["filters"], sort_keys=True), follow["mode"])
    with _RANKED_LOCK:
        if key in _RANKED:
            _RANKED.move_to_end(key)
            return _RANKED[key]
    response = service.search(follow["query"], filter_from_params(follow["filters"]), k=FOLLOW_K,
                              mode=follow["mode"])
    best: dict[str, dict] = {}
    for r in response["results"]:
        best.setdefault(r["document"]["doc_key"], r)
    with _RANKED_LOCK:
        _RANKED[key] = best
        while len(_RANKED) > RANKED_CACHE:
            _RANKED.popitem(last=False)
    return best


def _follow(row: sqlite3.Row) -> dict:
    f = dict(row)
    f["filters"] = json.loads(f.pop("filters_json") or "{}")
    return f
