"""Workspace JSON API: collections and followed searches (described in openapi.yaml).

Writes are POST only, with a JSON (or form) body and the CSRF token in the `X-CSRF-Token`
header: `GET /api/csrf` returns a token and sets the cookie it belongs to. Errors are
`{"error": message}` with 400, 403 (CSRF), 404 or 413.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from vankien.workspace import WorkspaceError
from vankien.workspace.limits import parse_id
from vankien.workspace.passages import check_all

from . import csrf
from .workspace import collections, follows, parse_ordinal, passage_from, service_or_none, setup_blueprint

bp = Blueprint("workspace_api", __name__, url_prefix="/api")
setup_blueprint(bp, as_json=True)


def _body() -> dict:
    """The request's values: a JSON object, or form fields."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise WorkspaceError("nội dung JSON phải là một đối tượng")
        return data
    return request.form.to_dict()


@bp.get("/csrf")
def csrf_token():
    """A CSRF token for this client (and the cookie it is bound to)."""
    return jsonify(csrf_token=csrf.token(), header=csrf.HEADER)


# ---- collections -------------------------------------------------------------------------------

@bp.get("/collections")
def collection_list():
    """The owner's collections."""
    found = collections()
    return jsonify(collections=found.list() if found else [])


@bp.post("/collections")
def collection_create():
    """Create a collection: {name, description}."""
    body = _body()
    return jsonify(collections(create=True).create(body.get("name", ""), body.get("description", ""))), 201


@bp.get("/collections/<int:cid>")
def collection_get(cid: int):
    """A collection with its entries in order, each passage with `source` (has it changed since)."""
    found = collections()
    if found is None:
        return jsonify(error=f"Không có bộ sưu tập số {cid}."), 404
    coll, entries = found.get(cid), found.entries(cid)
    checks = check_all(service_or_none(), entries)
    for e in entries:
        if e["kind"] == "passage":
            e["source"] = checks.get(e["id"])
    return jsonify(collection=coll, entries=entries)


@bp.post("/collections/<int:cid>")
def collection_update(cid: int):
    """Rename and/or describe: {name?, description?}."""
    body = _body()
    return jsonify(collections(create=True).update(cid, name=body.get("name"), description=body.get("description")))


@bp.post("/collections/<int:cid>/delete")
def collection_delete(cid: int):
    """Delete a collection and its entries."""
    collections(create=True).delete(cid)
    return jsonify(deleted=cid)


@bp.post("/collections/<int:cid>/items")
def item_add(cid: int):
    """Add a passage {paragraph_id | document_id + ordinal, note?} or a heading {heading}.
    201 with the new item; 200 with `added: false` when the passage is already there."""
    body = _body()
    store = collections(create=True)
    if "heading" in body:
        return jsonify(item=store.add_heading(cid, body.get("heading")), added=True), 201
    store.get(cid)
    item, added = store.add_passage(cid, passage_from(body), body.get("note", ""))
    return jsonify(item=item, added=added), 201 if added else 200


@bp.post("/collections/<int:cid>/items/<int:iid>")
def item_update(cid: int, iid: int):
    """Change an entry: {note} or {title}; move it: {position} (0-based), {where: up|down|top|bottom}
    or {under: heading id, 0 = before any heading}. Returns the entries in their new order."""
    body = _body()
    store = collections(create=True)
    if "note" in body or "title" in body:
        store.update_item(cid, iid, note=body.get("note"), title=body.get("title"))
    if "position" in body:
        store.move_to(cid, iid, parse_ordinal(body["position"], "position"))
    elif "where" in body:
        store.move(cid, iid, str(body["where"]))
    elif "under" in body:
        under = body["under"]
        store.move_under(cid, iid, None if str(under) in ("0", "", "None") else parse_id(under, "under"))
    return jsonify(entries=store.entries(cid))


@bp.post("/collections/<int:cid>/items/<int:iid>/delete")
def item_delete(cid: int, iid: int):
    """Remove an entry."""
    collections(create=True).delete_item(cid, iid)
    return jsonify(deleted=iid)


# ---- followed searches -----------------------------------------------------------------------

@bp.get("/follows")
def follow_list():
    """Followed searches with `new`: documents first seen since each was last marked seen."""
    found = follows()
    return jsonify(follows=[_public(f) for f in found.list()] if found else [])


@bp.post("/follows")
def follow_create():
    """Follow a search: {q, filters: {province, type, from, to, source, cites}, mode?, name?}."""
    body = _body()
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise WorkspaceError("'filters' phải là một đối tượng {tên bộ lọc: giá trị}")
    follow, created = follows(create=True).create(body.get("q", ""), filters, body.get("mode") or "hybrid",
                                                  body.get("name") or "")
    return jsonify(_public(follow)), 201 if created else 200


@bp.get("/follows/<int:fid>")
def follow_get(fid: int):
    """A followed search and its new documents (best passage each, with citation)."""
    found = follows()
    if found is None:
        return jsonify(error=f"Không có tìm kiếm theo dõi số {fid}."), 404
    follow = found.get(fid)
    return jsonify(follow=_public(follow), new=[{**m["result"], "first_seen": m["first_seen"]}
                                                for m in found.new_documents(follow)])


@bp.post("/follows/<int:fid>/seen")
def follow_seen(fid: int):
    """Count what matches now as seen."""
    return jsonify(_public(follows(create=True).mark_seen(fid)))


@bp.post("/follows/<int:fid>/delete")
def follow_delete(fid: int):
    """Stop following."""
    follows(create=True).delete(fid)
    return jsonify(deleted=fid)


def _public(follow: dict) -> dict:
    out = {k: v for k, v in follow.items() if k not in ("owner", "created_mark", "seen_mark")}
    out["feed"] = url_for("workspace.follow_feed", token=follow["token"])
    return out
