"""The Văn kiện web site and JSON API: a read-only Flask app over one knowledge base.

`create_app` wires the pages and API blueprints, security headers and error handlers. The
SearchService is opened lazily, once per app, and shared by all request threads (it keeps a
read-only SQLite connection per thread and reloads itself when the KB is re-indexed).
"""
from __future__ import annotations

import logging
import os
import threading

from flask import Flask, current_app, jsonify, render_template, request

from vankien.search.catalog import display_date
from vankien.search.service import IndexUnavailable

log = logging.getLogger(__name__)

# Only our own scripts and styles; inline SVG attributes are markup, not CSS, so they pass.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class KnowledgeBaseMissing(RuntimeError):
    """The configured knowledge base cannot be opened (not ingested or not indexed)."""


def create_app(config: dict | None = None) -> Flask:
    """The web app. Config: KB_DIR (default env VANKIEN_KB or 'kb'), ENCODER (a loaded encoder,
    for tests), BASE_URL (the site's public address for absolute links in exports; default
    env VANKIEN_BASE_URL, else links stay relative), TESTING."""
    from vankien.search.runtime import configure
    configure()
    app = Flask(__name__)
    app.config.update(KB_DIR=os.environ.get("VANKIEN_KB", "kb"), ENCODER=None, TESTING=False,
                      BASE_URL=os.environ.get("VANKIEN_BASE_URL", ""))
    app.config.update(config or {})
    app.json.ensure_ascii = False       # Vietnamese stays readable in API responses
    app.json.sort_keys = False
    app.extensions["vankien"] = {"service": None, "lock": threading.Lock()}
    app.jinja_env.filters["vndate"] = display_date
    app.jinja_env.filters["is_web_url"] = is_web_url
    from . import api, pages, workspace
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    workspace.init_app(app)         # collections and followed searches (READ_ONLY, USERDATA: web/workspace.py)
    app.after_request(_security_headers)
    _register_errors(app)
    return app


def is_web_url(url: str) -> bool:
    """True for http(s) addresses: only those become links (never javascript:, data: …)."""
    return url.lower().startswith(("http://", "https://"))


def get_service():
    """The app's shared SearchService, opened on first use; KnowledgeBaseMissing if it can't be."""
    state = current_app.extensions["vankien"]
    if state["service"] is None:
        with state["lock"]:
            if state["service"] is None:
                from vankien.search.service import SearchService
                try:
                    state["service"] = SearchService.open(current_app.config["KB_DIR"],
                                                          encoder=current_app.config.get("ENCODER"))
                except FileNotFoundError as exc:
                    raise KnowledgeBaseMissing(str(exc)) from None
    return state["service"]


def wants_json() -> bool:
    """True for requests to the JSON API, whose errors must be JSON too."""
    return request.path.startswith("/api/") or request.path == "/api"


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _error(status: int, message: str, title: str):
    if wants_json():
        return jsonify(error=message), status
    return render_template("error.html", title=title, message=message), status


def _register_errors(app: Flask) -> None:
    @app.errorhandler(IndexUnavailable)
    @app.errorhandler(KnowledgeBaseMissing)
    def kb_missing(exc):
        return _error(503, f"Chưa có kho dữ liệu để tìm: {exc}", "Chưa có kho dữ liệu")

    @app.errorhandler(404)
    def not_found(_exc):
        return _error(404, "Không tìm thấy trang hoặc văn bản này.", "Không tìm thấy")

    @app.errorhandler(405)
    def not_allowed(exc):
        response, status = _error(405, "Phương thức này không được hỗ trợ ở địa chỉ này.", "Không hỗ trợ")
        response = app.make_response((response, status))
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ["GET", "HEAD"]))
        return response

    @app.errorhandler(500)
    def server_error(exc):
        # Log the cause for the operator; never show a stack trace to the user.
        log.error("internal error on %s: %r", request.path, getattr(exc, "original_exception", exc))
        return _error(500, "Lỗi máy chủ. Vui lòng thử lại sau.", "Lỗi máy chủ")
