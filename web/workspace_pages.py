"""Workspace pages: collections ("Bộ sưu tập") and followed searches ("Theo dõi").

Every change is a POST form with the CSRF token, answered by a redirect (303) to the page to
show next; everything works without JavaScript. Views stay thin: they call the workspace
library and the search service.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from vankien.search.filters import FILTERS
from vankien.workspace import NotFound, WorkspaceError, atom, exports
from vankien.workspace.collections import MOVES, grouped
from vankien.workspace.handout import build_docx
from vankien.workspace.limits import parse_id
from vankien.workspace.passages import STATES, check_all

from .params import parse_search
from .workspace import collections, follows, passage_from, safe_next, service_or_none, setup_blueprint

bp = Blueprint("workspace", __name__)
setup_blueprint(bp, as_json=False)
FILTER_LABELS = {f.param: f.label for f in FILTERS}
NEW = "new"


def _back(default: str, anchor: str = ""):
    target = safe_next(request.form.get("next")) or default
    return redirect(target + (anchor if "#" not in target else ""), code=303)


def _cid(value) -> int:
    return parse_id(value, "Bộ sưu tập")


# ---- collections -------------------------------------------------------------------------------

@bp.get("/collections")
def collection_list():
    """The owner's collections, and a form to start one."""
    found = collections()
    return render_template("collections.html", items=found.list() if found else [])


@bp.post("/collections")
def collection_create():
    """Create a collection, then show it."""
    created = collections(create=True).create(request.form.get("name", ""), request.form.get("description", ""))
    return redirect(url_for("workspace.collection_page", cid=created["id"]), code=303)


@bp.get("/collections/<int:cid>")
def collection_page(cid: int):
    """A collection: its passages under their headings, each with its full citation, note and
    source state; forms to reorder, group, annotate, rename and export."""
    found = collections()
    if found is None:
        abort(404)
    coll, entries = _collection(found, cid)
    checks = check_all(service_or_none(), entries)
    headings = [e for e in entries if e["kind"] == "heading"]
    return render_template("collection.html", coll=coll, groups=grouped(entries), checks=checks, headings=headings,
                           states=STATES, moves=MOVES, passages=sum(1 for e in entries if e["kind"] == "passage"))


def _collection(found, cid: int) -> tuple[dict, list[dict]]:
    try:
        return found.get(cid), found.entries(cid)
    except NotFound:
        abort(404)


@bp.post("/collections/<int:cid>/edit")
def collection_edit(cid: int):
    """Rename and describe."""
    collections(create=True).update(cid, name=request.form.get("name"), description=request.form.get("description"))
    return redirect(url_for("workspace.collection_page", cid=cid), code=303)


@bp.post("/collections/<int:cid>/delete")
def collection_delete(cid: int):
    """Delete a collection (the form asks for a confirmation tick)."""
    if request.form.get("confirm") != "yes":
        raise WorkspaceError("hãy đánh dấu ô xác nhận để xóa bộ sưu tập")
    collections(create=True).delete(cid)
    return redirect(url_for("workspace.collection_list"), code=303)


@bp.post("/collections/add")
def collection_add():
    """Add a passage (from a search result, the document view or the compare page) to a
    collection, or to a new one; back to where it came from."""
    store = collections(create=True)
    passage = passage_from(request.form)
    target = request.form.get("collection", "")
    if target == NEW or not target:
        name = request.form.get("new_name", "").strip() or f"Bộ sưu tập {passage['document']['title'][:60]}"
        cid = store.create(name)["id"]
    else:
        cid = _cid(target)
    item, _added = store.add_passage(cid, passage, request.form.get("note", ""))
    from_document = request.form.get("from") == "document"
    anchor = f"#p{passage['ordinal']}" if from_document else f"#collect-{passage['paragraph_id']}"
    return _back(url_for("workspace.collection_page", cid=cid, _anchor=f"item-{item['id']}"), anchor)


@bp.post("/collections/<int:cid>/headings")
def heading_add(cid: int):
    """Add a heading (e.g. one per lesson) at the end; passages are then moved under it."""
    item = collections(create=True).add_heading(cid, request.form.get("title", ""))
    return redirect(url_for("workspace.collection_page", cid=cid, _anchor=f"item-{item['id']}"), code=303)


@bp.post("/collections/<int:cid>/items/<int:iid>/edit")
def item_edit(cid: int, iid: int):
    """Change a passage's note or a heading's text."""
    collections(create=True).update_item(cid, iid, note=request.form.get("note"), title=request.form.get("title"))
    return redirect(url_for("workspace.collection_page", cid=cid, _anchor=f"item-{iid}"), code=303)


@bp.post("/collections/<int:cid>/items/<int:iid>/move")
def item_move(cid: int, iid: int):
    """Move an entry up, down, to the top or bottom, or under a heading (`under`: its id, 0 = none)."""
    store = collections(create=True)
    if "under" in request.form:
        under = request.form.get("under", "")
        store.move_under(cid, iid, None if under in ("", "0") else parse_id(under, "Mục"))
    else:
        store.move(cid, iid, request.form.get("where", ""))
    return redirect(url_for("workspace.collection_page", cid=cid, _anchor=f"item-{iid}"), code=303)


@bp.post("/collections/<int:cid>/items/<int:iid>/delete")
def item_delete(cid: int, iid: int):
    """Remove an entry."""
    collections(create=True).delete_item(cid, iid)
    return redirect(url_for("workspace.collection_page", cid=cid), code=303)


# ---- exports ---------------------------------------------------------------------------------

def _export_parts(cid: int):
    found = collections()
    if found is None:
        abort(404)
    coll, entries = _collection(found, cid)
    return coll, entries, check_all(service_or_none(), entries), current_app.config.get("BASE_URL") or ""


@bp.get("/collections/<int:cid>/export.docx")
def export_docx(cid: int):
    """The collection as a Word handout."""
    coll, entries, checks, base = _export_parts(cid)
    body = build_docx(coll, entries, checks, site_url=base)
    return _download(body, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     exports.filename(coll["name"], "docx"))


@bp.get("/collections/<int:cid>/export.csv")
def export_csv(cid: int):
    """The passages as CSV (the search export's columns, plus group, note, added_at, source_state)."""
    coll, entries, checks, base = _export_parts(cid)
    return _download(exports.to_csv(exports.rows(entries, checks, base)), "text/csv; charset=utf-8",
                     exports.filename(coll["name"], "csv"))


@bp.get("/collections/<int:cid>/export.json")
def export_json(cid: int):
    """The passages as JSON rows."""
    coll, entries, checks, base = _export_parts(cid)
    return _download(exports.to_json(coll, exports.rows(entries, checks, base)), "application/json; charset=utf-8",
                     exports.filename(coll["name"], "json"))


@bp.get("/collections/<int:cid>/print")
def export_print(cid: int):
    """A printable page of the collection (the browser's "print" makes the paper copy or PDF)."""
    coll, entries, checks, base = _export_parts(cid)
    return exports.print_html(coll, entries, checks, css_href=url_for("static", filename=exports.PRINT_CSS),
                              base_url=base)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, content_type=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


# ---- followed searches -----------------------------------------------------------------------

@bp.get("/follows")
def follow_list():
    """Followed searches with the number of documents new since each was last seen."""
    found = follows()
    return render_template("follows.html", items=found.list() if found else [], labels=FILTER_LABELS)


@bp.post("/follows")
def follow_create():
    """Follow the search the form describes (query, filters, mode)."""
    p = parse_search(request.form)
    if not p.q:
        raise WorkspaceError("cần từ khóa để theo dõi một tìm kiếm")
    follow, _created = follows(create=True).create(p.q, p.filters, p.mode, request.form.get("name", ""))
    return redirect(url_for("workspace.follow_page", fid=follow["id"]), code=303)


@bp.get("/follows/<int:fid>")
def follow_page(fid: int):
    """One followed search: the documents new since it was last seen, and its feed address."""
    found = follows()
    if found is None:
        abort(404)
    follow = found.get(fid)
    return render_template("follow.html", follow=follow, new=found.new_documents(follow), labels=FILTER_LABELS,
                           feed=feed_url(follow))


@bp.post("/follows/<int:fid>/seen")
def follow_seen(fid: int):
    """Count what matches now as seen."""
    follows(create=True).mark_seen(fid)
    return _back(url_for("workspace.follow_list"))


@bp.post("/follows/<int:fid>/delete")
def follow_delete(fid: int):
    """Stop following."""
    follows(create=True).delete(fid)
    return redirect(url_for("workspace.follow_list"), code=303)


@bp.get("/feeds/<token>.atom")
def follow_feed(token: str):
    """The Atom feed of a followed search: its matching documents first seen after it was followed."""
    found = follows()
    if found is None:
        abort(404)
    follow = found.by_token(token)
    base = (current_app.config.get("BASE_URL") or request.host_url).rstrip("/")
    body = atom.feed_xml(follow, found.feed_entries(follow), self_url=base + feed_url(follow), site_url=base,
                         search_url=base + search_link(follow))
    return Response(body, content_type=atom.MEDIA_TYPE)


def feed_url(follow: dict) -> str:
    """The feed's path."""
    return url_for("workspace.follow_feed", token=follow["token"])


@bp.app_template_global()
def search_link(follow: dict) -> str:
    """The search page of a followed search."""
    mode = {"mode": follow["mode"]} if follow["mode"] != "hybrid" else {}
    return url_for("pages.search", q=follow["query"], **follow["filters"], **mode)
