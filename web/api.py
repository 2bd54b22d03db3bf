"""JSON API: the same parameters and result schema as the CLI's `--json` output."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from vankien.search.filters import FILTERS
from vankien.search.query import QueryError

from . import get_service
from .params import MAX_PARAM, ParamError, check_sizes, parse_search

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_ID = 2**63 - 1          # SQLite integers; a larger id names no document (404, not an overflow)
OPENAPI = Path(__file__).with_name("openapi.yaml")


@bp.errorhandler(ParamError)
@bp.errorhandler(QueryError)
def bad_request(exc):
    """Bad parameters → 400 with the user-facing message."""
    return jsonify(error=str(exc)), 400


@bp.get("/search")
def search():
    """Ranked passages with citations and facets (the service's response dict)."""
    p = parse_search(request.args)
    if not p.q:
        raise ParamError("Thiếu tham số 'q' (từ khóa cần tìm).")
    return jsonify(get_service().search(p.q, p.flt, **p.service_kwargs()))


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    """One document with metadata, references, citing documents and paragraphs."""
    check_sizes(request.args)
    doc = get_service().document(doc_id) if doc_id <= MAX_ID else None
    if doc is None:
        return jsonify(error=f"Không có văn bản số {doc_id}."), 404
    return jsonify(doc)


@bp.get("/stats")
def stats():
    """Counts by province, type and year; encoder and index information."""
    return jsonify(get_service().stats())


@bp.get("/openapi.yaml")
def openapi():
    """The OpenAPI 3 description of this API, its filter parameters made from the one filter definition."""
    return Response(openapi_text(), mimetype="application/yaml")


def openapi_text() -> str:
    """openapi.yaml with the filter parameters filled in."""
    marker = "        # FILTERS (generated from vankien.search.filters.FILTERS when served)"
    params = "\n".join(
        f'        - {{name: {f.param}, in: query, schema: {{type: string, maxLength: {MAX_PARAM}}},'
        f' description: {json.dumps(f"{f.help_en} ({f.help_vi}), e.g. {f.example}", ensure_ascii=False)}}}'
        for f in FILTERS)
    return OPENAPI.read_text(encoding="utf-8").replace(marker, params)
