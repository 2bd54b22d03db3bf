"""The workspace on the site: wiring, the user database per request, template helpers, errors.

`init_app(app)` is called by create_app. Unless READ_ONLY is set (`vankien serve
--read-only`, for a public mirror) it registers the workspace pages and API, the CSRF
check on their POSTs, and the cookie that carries the CSRF id. The template helpers used by
the "Thêm vào bộ sưu tập" forms on the search, compare and document pages exist either way
and return nothing in read-only mode, so those pages render the same without the forms.

Config: READ_ONLY (default False), USERDATA (the user database; default env
VANKIEN_USERDATA, else `<kb>.userdata.sqlite` beside KB_DIR), WORKSPACE_OWNER ("local":
the owner of everything until there are accounts), SECRET_KEY (optional, see csrf.py).
"""
from __future__ import annotations

import logging
import re
import secrets
import sqlite3
import threading

from flask import Flask, current_app, g, jsonify, render_template, request

from vankien.search.query import QueryError
from vankien.workspace import NotFound, WorkspaceError, db
from vankien.workspace.collections import Collections
from vankien.workspace.follows import Follows
from vankien.workspace.limits import parse_id
from vankien.workspace.passages import snapshot_ordinal, snapshot_paragraph, text_hash

from . import csrf, get_service
from .params import ParamError

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024        # a form or JSON body of the workspace (notes are 2,000 characters)
_NEXT = re.compile(r"^/(?![/\\])[^\x00-\x1f\x7f\\]*$")     # a path on this site, never "//host"


class WorkspaceState:
    """Per-app: where the user database is, and the CSRF secret."""

    def __init__(self, app: Flask):
        self.path = db.userdata_path(app.config["KB_DIR"], app.config.get("USERDATA") or None)
        self._lock = threading.Lock()
        self._secret: str | None = None
        self._provisional = False

    def secret(self) -> str:
        """The installation's CSRF secret (see csrf.py)."""
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    conn = db.connect(self.path, create=False)
                    if conn is None:
                        self._secret, self._provisional = secrets.token_hex(32), True
                    else:
                        try:
                            self._secret = db.get_meta(conn, "secret")
                        finally:
                            conn.close()
        return self._secret

    def connect(self, create: bool):
        """A new connection to the user database (None if it does not exist and create is False)."""
        existed = self.path.exists()
        conn = db.connect(self.path, create=create)
        if conn is not None and not existed:
            with self._lock:
                if self._secret is not None and self._provisional:
                    with db.transaction(conn):      # keep the tokens already handed out valid
                        db.set_meta(conn, "secret", self._secret)
                    self._provisional = False
        return conn


def init_app(app: Flask) -> None:
    """Set the workspace up on the app (nothing but inert template helpers when READ_ONLY)."""
    import os
    app.config.setdefault("READ_ONLY", False)
    app.config.setdefault("USERDATA", os.environ.get(db.ENV, ""))
    app.config.setdefault("WORKSPACE_OWNER", db.LOCAL_OWNER)
    for helper in (workspace_enabled, collect_ui, kept_in, kept_in_document, text_key, csrf_field, page_path):
        app.add_template_global(helper)
    if app.config["READ_ONLY"]:
        return
    app.extensions["workspace"] = WorkspaceState(app)
    from . import workspace_api, workspace_pages
    for bp in (workspace_pages.bp, workspace_api.bp):
        app.register_blueprint(bp)
    app.after_request(csrf.set_cookie)
    app.teardown_appcontext(_close)


def _guard():
    """Every workspace POST: bounded body, valid CSRF token."""
    if request.method == "POST":
        request.max_content_length = MAX_BODY
        csrf.check()


def _close(_exc=None) -> None:
    conn = g.pop("workspace_conn", None)
    if conn is not None:
        conn.close()


# ---- the user database per request ------------------------------------------------------------

def user_conn(create: bool = False):
    """This request's user-database connection; None when reading a workspace not created yet."""
    conn = g.get("workspace_conn")
    if conn is not None and (g.workspace_writable or not create):
        return conn
    if conn is not None:
        conn.close()        # a reader's in-memory view of an old-version file: open the file itself
    conn = current_app.extensions["workspace"].connect(create)
    g.workspace_conn = conn
    g.workspace_writable = conn is not None and (create or not _in_memory(conn))
    return conn


def _in_memory(conn) -> bool:
    return not any(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")


def owner() -> str:
    """Whose workspace this request works on (one local owner until there are accounts)."""
    return current_app.config["WORKSPACE_OWNER"]


def collections(create: bool = False) -> Collections | None:
    """The owner's collections (None: nothing created yet and not asked to create)."""
    conn = user_conn(create)
    return Collections(conn, owner()) if conn is not None else None


def follows(create: bool = False) -> Follows | None:
    """The owner's followed searches over the site's knowledge base."""
    conn = user_conn(create)
    return Follows(conn, get_service(), owner()) if conn is not None else None


def service_or_none():
    """The search service, or None when the knowledge base cannot be opened: a collection is
    still shown and exported from what its items keep (sources then "not checked")."""
    from vankien.search.service import IndexUnavailable

    from . import KnowledgeBaseMissing
    try:
        service = get_service()
        service.snapshot()
        return service
    except (KnowledgeBaseMissing, IndexUnavailable) as exc:
        log.warning("collection shown without source checks: %s", exc)
        return None


def passage_from(values) -> dict:
    """The passage a request names: `paragraph_id` (as search results give it), or
    `document_id` with `ordinal` (the document view). NotFound if the kb no longer has it."""
    service = get_service()
    if values.get("paragraph_id") not in (None, ""):
        pid = parse_id(values.get("paragraph_id"), "paragraph_id")
        found = snapshot_paragraph(service, pid)
        if found is None:
            raise NotFound(f"kho không còn đoạn số {pid} (văn bản đã được cập nhật): hãy tìm lại rồi thêm")
        return found
    doc_id = parse_id(values.get("document_id"), "document_id")
    ordinal = parse_ordinal(values.get("ordinal"))
    found = snapshot_ordinal(service, doc_id, ordinal)
    if found is None:
        raise NotFound(f"văn bản số {doc_id} không có đoạn {ordinal}")
    return found


def parse_ordinal(value, label: str = "ordinal") -> int:
    """A paragraph number (0 is a document's title unit) or a 0-based position."""
    if not isinstance(value, bool) and str(value).strip() == "0":
        return 0
    return parse_id(value, label)


def safe_next(value) -> str | None:
    """A local path to go back to after a form (never another site)."""
    from werkzeug.urls import iri_to_uri
    value = str(value or "")
    return iri_to_uri(value) if len(value) <= 2000 and _NEXT.match(value) else None


# ---- template helpers (registered even in read-only mode) --------------------------------------

def workspace_enabled() -> bool:
    """True when the site has a workspace (not `serve --read-only`)."""
    return not current_app.config.get("READ_ONLY") and "workspace" in current_app.extensions


def collect_ui() -> dict | None:
    """What the "add to collection" forms need: the CSRF token and the owner's collections
    (most recently changed first: the default target). None in read-only mode."""
    if not workspace_enabled():
        return None
    if "collect_ui" not in g:
        found = _quietly(collections)
        listed = _quietly(found.list) if found else None
        # An unreadable user database must not take the search pages down: no forms then.
        g.collect_ui = None if found is False or listed is False else {
            "csrf": csrf.token(), "collections": listed or [], "default": listed[0]["id"] if listed else None}
    return g.collect_ui


def _quietly(call):
    """call(), or False (logged) when the user database cannot be read (locked, newer version…)."""
    try:
        return call()
    except (sqlite3.Error, WorkspaceError) as exc:
        log.warning("workspace unavailable: %s", exc)
        return False


def kept_in(result: dict) -> list[dict]:
    """The owner's collections that already hold a search result's passage."""
    if not collect_ui():
        return []
    found = collections()
    return _quietly(lambda: found.containing(result["document"]["doc_key"], text_hash(result["text"]))) or [] \
        if found else []


def kept_in_document(doc: dict) -> set[str]:
    """Text keys of a document's passages kept in the owner's collections."""
    if not collect_ui():
        return set()
    cache = g.setdefault("kept_in_document", {})
    if doc["doc_key"] not in cache:            # asked once per paragraph: one query per page
        found = collections()
        cache[doc["doc_key"]] = (_quietly(lambda: found.kept_hashes(doc["doc_key"])) or set()) if found else set()
    return cache[doc["doc_key"]]


def text_key(text: str) -> str:
    """The identity of a passage's text (what kept_in_document holds)."""
    return text_hash(text)


def page_path() -> str:
    """This page's path and query, for a form to come back to."""
    path = request.full_path
    return path[:-1] if path.endswith("?") else path


def csrf_field():
    """A hidden input with the CSRF token, for the workspace's forms."""
    from markupsafe import Markup, escape
    return Markup(f'<input type="hidden" name="{csrf.FIELD}" value="{escape(csrf.token())}">')


# ---- errors shared by the workspace blueprints -------------------------------------------------

def setup_blueprint(bp, as_json: bool) -> None:
    """The CSRF check and bounded body on every POST, and workspace errors as 4xx (JSON for the
    API, a page for the site)."""
    bp.before_request(_guard)

    def reply(status: int, message: str, title: str):
        if as_json:
            return jsonify(error=message), status
        return render_template("error.html", title=title, message=message), status

    @bp.errorhandler(csrf.CsrfError)
    def refused(exc):
        return reply(403, str(exc), "Yêu cầu bị từ chối")

    @bp.errorhandler(NotFound)
    def missing(exc):
        return reply(404, _sentence(exc), "Không tìm thấy")

    @bp.errorhandler(WorkspaceError)
    @bp.errorhandler(ParamError)
    @bp.errorhandler(QueryError)
    def bad(exc):
        return reply(400, _sentence(exc), "Yêu cầu chưa hợp lệ")

    @bp.errorhandler(413)
    def too_large(_exc):
        return reply(413, f"Nội dung gửi lên quá lớn (tối đa {MAX_BODY // 1024} KB).", "Quá lớn")

    @bp.errorhandler(sqlite3.OperationalError)
    def busy(exc):
        # Locked for longer than the busy timeout, or the disk is full: a condition of the
        # server, said as such (503), never a stack trace.
        log.error("user database: %s", exc)
        return reply(503, "Dữ liệu người dùng đang bận hoặc không ghi được. Vui lòng thử lại sau.",
                     "Tạm thời chưa được")


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
