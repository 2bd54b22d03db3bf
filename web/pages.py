"""HTML pages: search, document, province comparison, exports, about. Views stay thin: they
parse parameters, call the SearchService and hand its dicts to templates; nothing re-ranks."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from vankien.search.filters import FILTERS, unit_description
from vankien.search.query import QueryError
from vankien.search.service import MODES, type_label

from . import chart, export, get_service
from .api import MAX_ID
from .params import MAX_RAW_QUERY as MAX_QUERY
from .params import PAGE_SIZE, ParamError, SearchParams, check_sizes, parse_search

bp = Blueprint("pages", __name__)
COMPARE_PER_PROVINCE = 5
EXPORT_K = 100
FILTER_LABELS = {f.param: f.label for f in FILTERS}
SORT_LABELS = {"relevance": "Liên quan nhất", "date": "Mới nhất"}


@bp.errorhandler(ParamError)
@bp.errorhandler(QueryError)
def bad_request(exc):
    """Bad parameters on a page → the message, friendly, with status 400."""
    return render_template("error.html", title="Yêu cầu chưa hợp lệ", message=str(exc)), 400


@bp.app_template_global()
def marked(text: str, spans) -> list[tuple[str, bool]]:
    """Text cut into (piece, is_match) pairs; the template escapes each piece and wraps matches
    in <mark>, so document text never goes into HTML unescaped."""
    out, pos = [], 0
    for start, end in spans or ():
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out


@bp.app_template_global()
def type_name(slug: str) -> str:
    """Vietnamese label of a document type slug."""
    return type_label(slug)


# ---- search ------------------------------------------------------------------------------------

@bp.get("/")
def search():
    """Search page: form, filters, result cards, facets, pagination; browse when only filtered."""
    try:
        p = parse_search(request.args, page_size=PAGE_SIZE)
    except ParamError as exc:
        return _search_page(SearchParams(q=request.args.get("q", "")[:500]), error=str(exc)), 400
    p.neighbors = 1
    service = get_service()
    if not p.q:
        docs = service.documents(p.flt, limit=PAGE_SIZE, offset=p.offset) if p.flt.active() else None
        return _search_page(p, browse=docs)
    try:
        response = service.search(p.q, p.flt, **p.service_kwargs(), cutoff=not _raw())
    except QueryError as exc:
        return _search_page(p, error=str(exc)), 400
    return _search_page(p, response=response)


def _raw() -> bool:
    """`raw=1`: the raw ranking (everything remotely related) instead of the result set."""
    return request.args.get("raw", "") in ("1", "true", "on")


def _search_page(p: SearchParams, response: dict | None = None, browse: list | None = None,
                 error: str = "") -> str:
    stats = get_service().stats()
    return render_template("search.html", p=p, response=response, browse=browse, error=error,
                           state=_state(p), provinces=_province_options(stats), types=_type_options(stats),
                           chips=_filter_chips(p), pages=_pagination(p, response), sort_labels=SORT_LABELS,
                           stats=stats)


def _state(p: SearchParams) -> dict:
    """The current search as URL parameters (non-default values only)."""
    state = {"q": p.q, **p.filters}
    if p.sort != "relevance":
        state["sort"] = p.sort
    if p.mode != "hybrid":
        state["mode"] = p.mode
    if _raw():
        state["raw"] = "1"
    return {k: v for k, v in state.items() if v}


@bp.app_template_global()
def search_url(state: dict, endpoint: str = "pages.search", **changes) -> str:
    """URL of the current search with some parameters changed (None removes one)."""
    params = {**state, **changes}
    return url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "")})


def _province_options(stats: dict) -> dict[str, list[tuple[str, int]]]:
    from vankien.ingest.tables import provinces
    present = [(name, n) for name, n in stats["by_province"].items() if name != "unknown"]
    return {"present": present, "all": sorted((pr.name for pr in provinces()), key=_sort_key)}


def _type_options(stats: dict) -> list[tuple[str, str, int]]:
    from vankien.ingest.tables import doc_types
    counts = stats["by_type"]
    return sorted(((t.slug, t.label, counts.get(t.slug, 0)) for t in doc_types()),
                  key=lambda t: (-t[2], _sort_key(t[1])))


def _sort_key(text: str) -> str:
    from vankien.ingest.normalize import fold
    return fold(text).lower()


def _filter_chips(p: SearchParams) -> list[dict]:
    """Active filters with a human label and the URL that removes each one."""
    state = _state(p)
    chips = []
    for name, value in p.filters.items():
        shown = type_label(p.flt.doc_type) if name == "type" else \
            unit_description(p.flt.province_2025) if name == "unit" else value
        chips.append({"label": FILTER_LABELS[name], "value": shown, "remove": search_url(state, **{name: None})})
    return chips


def _pagination(p: SearchParams, response: dict | None) -> dict | None:
    if not response or response["total"] <= PAGE_SIZE:
        return None
    last = (response["total"] + PAGE_SIZE - 1) // PAGE_SIZE
    current = p.offset // PAGE_SIZE + 1
    window = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers, prev = [], 0
    for n in window:
        if n - prev > 1:
            numbers.append(None)        # an ellipsis
        numbers.append(n)
        prev = n
    return {"current": current, "last": last, "numbers": numbers}


# ---- document ----------------------------------------------------------------------------------

@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    """One document: paragraphs with anchors, metadata, references, citing documents."""
    check_sizes(request.args)
    service = get_service()
    doc = service.document(doc_id) if doc_id <= MAX_ID else None
    if doc is None:
        abort(404)
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    mode = request.args.get("mode", "hybrid")
    mode = mode if mode in MODES else "hybrid"
    matching = _mark_matches(service, doc, q, mode)
    return render_template("document.html", doc=doc, q=q, mode=mode, refs=doc["references"], matching=matching)


def _mark_matches(service, doc: dict, q: str, mode: str) -> list[int]:
    """Mark the query's words in every paragraph and flag the paragraphs in its result set;
    returns their ordinals."""
    for para in doc["paragraphs"]:
        para["spans"], para["match"] = [], False
    if not q:
        return []
    try:
        parsed = service.parse(q)
        matching = service.matching_paragraphs(q, doc["id"], mode)
    except QueryError:
        return []
    hits = set(matching)
    for para in doc["paragraphs"]:
        para["spans"] = service.highlights(para["text"], parsed, [])
        para["match"] = para["ordinal"] in hits
    return matching


# ---- compare -----------------------------------------------------------------------------------

@bp.get("/compare")
def compare():
    """The whole result set by province: documents per province and year, each province's share
    of its documents in the knowledge base, and its best documents."""
    p = parse_search(request.args)
    response, grid = None, None
    if p.q:
        response = get_service().compare(p.q, p.flt, mode=p.mode, per_province=COMPARE_PER_PROVINCE)
        grid = chart.timeline({r["province"]: r["by_year"] for r in response["provinces"]},
                              {r["province"]: (r["documents"], r["held"]) for r in response["provinces"]})
    return render_template("compare.html", p=p, state=_state(p), response=response, grid=grid)


# ---- exports -----------------------------------------------------------------------------------

@bp.get("/export.csv")
def export_csv():
    """The first (up to) 100 results as CSV with every citation field."""
    response, table = _export_rows()
    return _download(export.to_csv(table), "text/csv; charset=utf-8", export.filename(response["query"], "csv"))


@bp.get("/export.json")
def export_json():
    """The first (up to) 100 results as JSON rows with every citation field."""
    response, table = _export_rows()
    return _download(export.to_json(response, table), "application/json; charset=utf-8",
                     export.filename(response["query"], "json"))


def _export_rows() -> tuple[dict, list[dict]]:
    p = parse_search(request.args, default_k=EXPORT_K)
    if not p.q:
        raise ParamError("Cần từ khóa tìm kiếm để xuất kết quả.")
    response = get_service().search(p.q, p.flt, k=p.k, offset=p.offset, sort=p.sort, mode=p.mode)
    # Permalinks stay relative unless the operator configured the site's address: the Host
    # header is the client's to choose and must not end up in files people share.
    return response, export.rows(response, current_app.config.get("BASE_URL") or "")


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, content_type=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


# ---- about -------------------------------------------------------------------------------------

@bp.get("/about")
def about():
    """What is in the knowledge base."""
    return render_template("about.html", stats=get_service().stats())

