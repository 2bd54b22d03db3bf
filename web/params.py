"""Request parameters → validated, bounded search arguments, shared by pages, exports and API.

Every value is size-checked before it reaches the service. Bad input raises ParamError whose
message is shown to the user as is (JSON `error` for the API, a friendly notice on pages).

Long queries: `q` may be up to MAX_RAW_QUERY characters (a pasted paragraph is a legitimate
"find passages like this" query); the query parser then keeps the first MAX_QUERY_CHARS and
says so in `parsed.notices`. Every other parameter over MAX_PARAM characters is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from vankien.errors import VankienError
from vankien.search.catalog import DocumentFilter
from vankien.search.filters import FILTERS, filter_from_params
from vankien.search.query import MAX_QUERY_CHARS
from vankien.search.service import MAX_K, MODES, SORTS

MAX_PARAM = 500
MAX_RAW_QUERY = 10_000
MAX_OFFSET = 10_000
MAX_NEIGHBORS = 3
PAGE_SIZE = 10

__all__ = ["ParamError", "SearchParams", "parse_search", "MAX_QUERY_CHARS"]


class ParamError(VankienError, ValueError):
    """A bad request parameter; the message is for the user."""


@dataclass
class SearchParams:
    """Validated search arguments plus the raw filter values (to rebuild links)."""

    q: str = ""
    flt: DocumentFilter = field(default_factory=DocumentFilter)
    k: int = PAGE_SIZE
    offset: int = 0
    sort: str = "relevance"
    mode: str = "hybrid"
    neighbors: int = 0
    filters: dict[str, str] = field(default_factory=dict)   # URL name → raw value, non-empty only

    def service_kwargs(self) -> dict:
        """Keyword arguments for SearchService.search (besides query and filter)."""
        return {"k": self.k, "offset": self.offset, "sort": self.sort, "mode": self.mode,
                "neighbors": self.neighbors}


def parse_search(args, *, page_size: int | None = None, default_k: int = PAGE_SIZE) -> SearchParams:
    """Parse request args. With page_size (the HTML pages) `page` selects the offset and k is
    fixed; without it (API, exports) `k` and `offset` are read directly."""
    q = _text(args, "q", MAX_RAW_QUERY)
    filters = {f.param: v for f in FILTERS if (v := _text(args, f.param, MAX_PARAM))}
    try:
        flt = filter_from_params(filters)
    except ValueError as exc:
        raise ParamError(str(exc)) from None
    if page_size:
        k, offset = page_size, (_int(args, "page", 1, 1, MAX_OFFSET // page_size) - 1) * page_size
    else:
        k, offset = _int(args, "k", default_k, 1, MAX_K), _int(args, "offset", 0, 0, MAX_OFFSET)
    return SearchParams(q=q, flt=flt, k=k, offset=offset, sort=_choice(args, "sort", SORTS),
                        mode=_choice(args, "mode", MODES),
                        neighbors=_int(args, "neighbors", 0, 0, MAX_NEIGHBORS), filters=filters)


def check_sizes(args) -> None:
    """Refuse any parameter over its bound (used by routes that read few parameters)."""
    for name in args:
        _text(args, name, MAX_RAW_QUERY if name == "q" else MAX_PARAM)


def _text(args, name: str, limit: int) -> str:
    value = args.get(name, "") or ""
    if len(value) > limit:
        raise ParamError(f"Tham số '{name}' quá dài (tối đa {limit} ký tự).")
    return value.strip()


def _int(args, name: str, default: int, low: int, high: int) -> int:
    raw = _text(args, name, MAX_PARAM)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"Tham số '{name}' phải là số nguyên (nhận được {raw[:40]!r}).") from None
    if not low <= value <= high:
        raise ParamError(f"Tham số '{name}' phải trong khoảng {low}–{high}.")
    return value


def _choice(args, name: str, allowed: tuple[str, ...]) -> str:
    raw = _text(args, name, MAX_PARAM)
    if not raw:
        return allowed[0]
    if raw not in allowed:
        raise ParamError(f"Tham số '{name}' phải là một trong: {', '.join(allowed)}.")
    return raw
