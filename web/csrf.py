"""CSRF protection for the workspace's POST requests: signed double-submit tokens.

The browser holds a random id in an HttpOnly, SameSite=Lax cookie; every form carries
`csrf_token` = HMAC-SHA256(secret, id) (scripts send it as the `X-CSRF-Token` header, after
`GET /api/csrf`). A POST is accepted only if the token matches the cookie's id. Another site
can make the browser send the cookie, but can neither read it nor compute the token without
the secret. (Flask-WTF does the same with a session; this needs neither a session nor WTForms.)

The secret is per installation, kept in the user database; before that database exists
(nothing written yet) a process-wide one is used and then stored when the database is
created, so tokens stay valid across restarts. SECRET_KEY in the app config overrides it.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app, g, request

from vankien.workspace import WorkspaceError

COOKIE = "vankien_sid"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class CsrfError(WorkspaceError):
    """A POST without a valid CSRF token (403)."""


def token() -> str:
    """This browser's CSRF token (issues its cookie id with the response if it has none)."""
    sid = _sid()
    if sid is None:
        sid = g.get("csrf_new_sid")
        if sid is None:
            sid = g.csrf_new_sid = secrets.token_urlsafe(32)
    return _sign(sid)


def check() -> None:
    """Refuse the request (CsrfError) unless it carries the token of its cookie id."""
    sid = _sid()
    sent = request.headers.get(HEADER) or (request.form.get(FIELD) if request.form else None) or ""
    if sid is None or not sent or not hmac.compare_digest(_sign(sid), str(sent)[:200]):
        raise CsrfError("Yêu cầu bị từ chối: thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang rồi thử lại.")


def set_cookie(response):
    """after_request: give the browser the id its tokens were signed with."""
    sid = g.get("csrf_new_sid")
    if sid is not None and _sid() is None:
        response.set_cookie(COOKIE, sid, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure, path="/")
    return response


def _sid() -> str | None:
    sid = request.cookies.get(COOKIE, "")
    return sid if _SID.match(sid) else None


def _sign(sid: str) -> str:
    key = current_app.config.get("SECRET_KEY") or current_app.extensions["workspace"].secret()
    if isinstance(key, str):
        key = key.encode("utf-8")
    return hmac.new(key, sid.encode("ascii"), hashlib.sha256).hexdigest()
