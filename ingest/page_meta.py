"""A page's own metadata: canonical URL, title, description, author, site name, publication date.

`read_page_meta` reads only what the page states about itself: <meta> tags, JSON-LD, the
canonical link; its date, with the name of its source, comes from ingest/page_dates.py.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from vankien.ingest.normalize import normalize_line
from vankien.ingest.page_dates import page_date

_ARTICLE_TYPES = re.compile(r"(?i)article|posting|report|newsarticle|webpage|creativework|blog")
_LIST_TYPES = re.compile(r"(?i)itemlist|breadcrumb|sitenavigation|collectionpage")
_TITLE_SPLIT = re.compile(r"\s+[|–—-]\s+|\s+::\s+")
_MAX_FIELD = 1000


@dataclass
class PageMeta:
    """What a page says about itself; empty strings where it says nothing usable."""

    url: str = ""
    url_source: str = ""        # canonical | og:url
    title: str = ""
    title_source: str = ""      # og:title | json-ld:headline | title
    date: str = ""              # ISO yyyy-mm-dd
    date_source: str = ""       # meta:<key> | json-ld:datePublished | time | itemprop | url
    description: str = ""
    author: str = ""
    site_name: str = ""


def read_page_meta(doc) -> PageMeta:
    """Metadata of a parsed page (lxml HTML document)."""
    meta = _meta_values(doc)
    ld = _json_ld_article(doc)
    page = PageMeta()
    page.url, page.url_source = page_url(doc, meta)
    page.title, page.title_source = _title(doc, meta, ld)
    page.date, page.date_source = page_date(doc, meta, ld, page.url)
    page.description = _clip(meta.get("og:description") or meta.get("description")
                             or _ld_text(ld.get("description")))
    page.author = _clip(_author(meta, ld))
    page.site_name = _clip(meta.get("og:site_name") or meta.get("application-name"))
    return page


def page_url(doc, meta: dict[str, str] | None = None) -> tuple[str, str]:
    """The page's own address (canonical link, else og:url) and which one gave it.

    `<base href>` is not the page's address, and a bare site root ("http://x.gov.vn/")
    given as canonical by a misconfigured CMS names the site, not this page: both ignored,
    as is anything that is not a well-formed http(s) URL.
    """
    meta = _meta_values(doc) if meta is None else meta
    candidates = [(h, "canonical") for h in doc.xpath("//link[@rel][@href]/@href")
                  if "canonical" in (h.getparent().get("rel") or "").lower().split()]
    candidates.append((meta.get("og:url", ""), "og:url"))
    for href, source in candidates:
        url = _page_address(str(href))
        if url:
            return url, source
    return "", ""


def _page_address(href: str) -> str:
    href = href.strip()
    try:
        parts = urlsplit(href)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not host or "." not in host:
        return ""
    if parts.path in ("", "/") and not parts.query:
        return ""
    return href


def _meta_values(doc) -> dict[str, str]:
    """<meta> content by lower-cased name/property/itemprop; the first occurrence wins."""
    values: dict[str, str] = {}
    for element in doc.iter("meta"):
        content = element.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (element.get(attr) or "").strip().lower()
            if key and key not in values:
                values[key] = normalize_line(content)
    return values


def _json_ld_article(doc) -> dict:
    """The page's own article object in JSON-LD (not items of an ItemList), else {}."""
    found: list[dict] = []
    for script in doc.xpath("//script[@type='application/ld+json']"):
        for data in _json_values(script.text or ""):
            _collect_ld(data, found, depth=0)
    for obj in found:
        if _ARTICLE_TYPES.search(_ld_type(obj)) and ("datePublished" in obj or "headline" in obj):
            return obj
    return next((o for o in found if "datePublished" in o), {})


def _json_values(text: str) -> list:
    """The JSON values of a script block: CMSs concatenate several objects and leave raw
    control characters in strings, which strict json.loads rejects."""
    decoder = json.JSONDecoder(strict=False)
    values, pos, text = [], 0, text.strip()
    while pos < len(text) and len(values) < 20:
        try:
            value, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            break
        values.append(value)
        pos = end
        while pos < len(text) and text[pos] in " \t\r\n,;":
            pos += 1
    return values


def _collect_ld(data, found: list[dict], depth: int) -> None:
    """Objects of a JSON-LD block, through @graph and lists, skipping list/breadcrumb types."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            _collect_ld(item, found, depth + 1)
    elif isinstance(data, dict):
        if _LIST_TYPES.search(_ld_type(data)):
            return
        found.append(data)
        if "@graph" in data:
            _collect_ld(data["@graph"], found, depth + 1)
        main = data.get("mainEntity") or data.get("mainEntityOfPage")
        if isinstance(main, dict):
            _collect_ld(main, found, depth + 1)


def _ld_type(obj: dict) -> str:
    kind = obj.get("@type", "")
    return " ".join(map(str, kind)) if isinstance(kind, list) else str(kind)


def _ld_text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return value if isinstance(value, str) else ""


def _title(doc, meta: dict[str, str], ld: dict) -> tuple[str, str]:
    """og:title, else the JSON-LD headline, else <title> without its site-name part.

    Measured on the titles trafilatura's real-world suite asserts: these give 12 of 12,
    the page's first <h1> 7 of 12; cutting a " - <og:site_name>" tail off og:title 11 of 12.
    """
    for value, source in ((meta.get("og:title", ""), "og:title"),
                          (meta.get("twitter:title", ""), "twitter:title"),
                          (_ld_text(ld.get("headline")), "json-ld:headline")):
        value = _clip(value)
        if value:
            return value, source
    title = _clip(doc.findtext(".//title") or "")
    if title:
        parts = _TITLE_SPLIT.split(title)
        return max(parts, key=len) if len(parts) > 1 else title, "title"
    return "", ""


def _author(meta: dict[str, str], ld: dict) -> str:
    author = meta.get("author") or meta.get("article:author") or meta.get("dc.creator") or ""
    if author and not author.lower().startswith("http"):
        return author
    return _ld_text(ld.get("author"))


def _clip(value: str | None) -> str:
    value = normalize_line(value or "")
    return value if len(value) <= _MAX_FIELD else value[:_MAX_FIELD].rsplit(" ", 1)[0] + "…"
