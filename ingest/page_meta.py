"""A page's own metadata: canonical URL, title, description, author, site name, publication date.

`read_page_meta` reads only what the page states about itself: <meta> tags, JSON-LD, the
canonical link, `<time>`/`itemprop=datePublished` elements outside teaser lists, and the
URL's path. Each date carries the name of the source it came from
("meta:article:published_time", "json-ld:datePublished", "url", …). `htmldate_date` is the
last resort, htmldate's search of the page with its teaser-holding parts removed.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.etree
from dateutil import parser as dateutil_parser
from htmldate import find_date

from vankien.ingest.dates import make_date, parse_date
from vankien.ingest.normalize import normalize_line

# Publication-date meta keys (name/property/itemprop, lower-cased), most specific first.
# Modification dates (article:modified_time, dateModified, last-modified) are never read.
_DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "published_time", "published-date", "published_date", "publication_date",
    "date_published", "article.published", "article_date_original", "parsely-pub-date",
    "sailthru.date", "cxenseparse:recs:publishtime", "dc.date.issued", "dcterms.issued",
    "dc.date.created", "dcterms.created", "dc.date", "dcterms.date", "citation_publication_date",
    "citation_date", "rnews:datepublished", "originalpublicationdate", "date", "created",
)
_DATE_META_RANK = {key: rank for rank, key in enumerate(_DATE_META)}
_ARTICLE_TYPES = re.compile(r"(?i)article|posting|report|newsarticle|webpage|creativework|blog")
_LIST_TYPES = re.compile(r"(?i)itemlist|breadcrumb|sitenavigation|collectionpage")
# Containers whose dates belong to other articles or to the site, not to this page.
_TEASER_TAGS = frozenset(("li", "aside", "nav", "footer", "menu"))
_TEASER_ATTR = re.compile(
    r"(?i)related|relate|other|more|recommend|popular|most-?read|teaser|sidebar|widget|tin-?khac|"
    r"lien-?quan|cung-?chuyen-?muc|box-?news|list-?news|news-?list")
# 2019/09/15, 2019-09-15 in a path; a 14-17 digit timestamp (dantri, tuoitre: …-20190915123456789.htm).
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|[-_.])")
_URL_STAMP = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:\d{6,9})?(?!\d)")
_UTC = re.compile(r"(?:Z|[+-]00:?00)$")
_ARCHIVE_STAMP = re.compile(r"^/web/\d{8,14}[a-z_]*/")
_HOUR = re.compile(r"T(\d\d):?\d\d")
_LOCAL_OFFSET = re.compile(r"T\d\d:\d\d.*[+-](?!00:?00)\d\d:?\d\d$")
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
    page.date, page.date_source = _date(doc, meta, ld, page.url)
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


def url_date(url: str) -> str:
    """Date written in a URL's path ("/2019/09/15/", "-20190915123456789.htm"), else "".

    A web archive's capture stamp ("/web/20130307194448/http://…") is when the copy was
    made, not when the page was published: only the archived URL after it is read.
    """
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    archived = _ARCHIVE_STAMP.match(path)
    if archived:
        return url_date(path[archived.end():].replace(":/", "://", 1)) if "/" in path[archived.end():] else ""
    m = _URL_DATE.search(path)
    if m:
        return make_date(int(m[1]), int(m[2]), int(m[3])) or ""
    m = _URL_STAMP.search(path)
    return (make_date(int(m[1]), int(m[2]), int(m[3])) or "") if m else ""


def machine_date(value: str) -> str:
    """ISO date of a metadata value: ISO 8601, d/m/y, or English forms ("Tue, 14 Jan 2020")."""
    day = parse_date(value)
    if day or not value or len(value) > 60 or not re.search(r"(?:19|20)\d\d", value):
        return day or ""
    try:
        parsed = dateutil_parser.parse(value, fuzzy=False, ignoretz=True)
    except (ValueError, OverflowError, TypeError):
        return ""
    return make_date(parsed.year, parsed.month, parsed.day) or ""


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


def _date(doc, meta: dict[str, str], ld: dict, url: str) -> tuple[str, str]:
    """The page's publication date and its source: meta tags, JSON-LD, date elements, URL.

    A timestamp near midnight written in UTC ("2020-12-24T23:59:50+00:00") can name the day
    before the publisher's own: another of the page's values written with its local offset,
    or a date in the URL's path, one day apart, is the publisher's calendar day and wins.
    """
    stated = [(meta[k], f"meta:{k}") for k in sorted((k for k in meta if k in _DATE_META_RANK),
                                                     key=_DATE_META_RANK.__getitem__)]
    stated += [(_ld_text(ld.get(k)), f"json-ld:{k}") for k in ("datePublished", "dateCreated")]
    found = [(day, raw, source) for raw, source in stated if raw for day in [machine_date(raw)] if day]
    in_url = url_date(url)
    if not found:
        day, source = _element_date(doc)
        if day:
            return day, source
        return (in_url, "url") if in_url else ("", "")
    day, raw, source = found[0]
    if _UTC.search(raw):
        local = next(((d, s) for d, r, s in found[1:] if _LOCAL_OFFSET.search(r) and _one_day(d, day)), None)
        if local:
            return local
        if in_url and _utc_shift_fits(raw, day, in_url):
            return in_url, "url"
    return day, source


def _one_day(a: str, b: str) -> bool:
    return abs((_dt.date.fromisoformat(a) - _dt.date.fromisoformat(b)).days) == 1


def _utc_shift_fits(raw: str, day: str, local: str) -> bool:
    """True if a UTC timestamp on `day` falls on `local` in an inhabited time zone: the day
    before only before 10:00 UTC (down to UTC-10), the day after only from 14:00 UTC (up to
    UTC+10; Vietnam, UTC+7, from 17:00)."""
    m = _HOUR.search(raw)
    if not m or not _one_day(day, local):
        return False
    hour = int(m.group(1))
    return hour < 10 if local < day else hour >= 14


def _element_date(doc) -> tuple[str, str]:
    """A date element of the page's own article: itemprop=datePublished, else `<time pubdate>`
    or a lone `<time datetime>`; none that sits in a list item, aside, nav, footer, teaser box
    or another article than the page's main one."""
    main = _main_article(doc)
    for element in doc.xpath("//*[@itemprop='datePublished']"):
        if not _in_teaser(element, main):
            day = machine_date(element.get("content") or element.get("datetime")
                               or element.text_content().strip())
            if day:
                return day, "itemprop:datePublished"
    times = [t for t in doc.iter("time") if not _in_teaser(t, main)]
    for element in times:
        if element.get("pubdate") is not None or "publish" in (element.get("class") or "").lower():
            day = machine_date(element.get("datetime") or element.text_content().strip())
            if day:
                return day, "time"
    days = {d for d in (machine_date(t.get("datetime") or "") for t in times) if d}
    # Several different <time> dates: a list of items, none of them is the page's own date.
    return (days.pop(), "time") if len(days) == 1 else ("", "")


def htmldate_date(doc, url: str = "") -> str:
    """htmldate's original-date search (extensive: it also reads the page's text) on a copy
    of the page without `teaser_elements`, so that no teaser's date is taken; "" if none.

    The reader asks only when the page states no date and its text has no date line.
    """
    tree = copy.deepcopy(doc)
    for element in teaser_elements(tree):
        if element.getparent() is not None:
            element.drop_tree()
    try:
        found = find_date(tree, extensive_search=True, original_date=True, url=url or None)
    except (ValueError, TypeError, RecursionError, lxml.etree.LxmlError):
        return ""
    day = parse_date(found or "") or ""
    # htmldate answers 1 January of a year when all it found is a year (a copyright line).
    return "" if day.endswith("-01-01") else day


def teaser_elements(doc) -> list:
    """Outermost list items that link elsewhere, asides, navigation blocks and footers: where
    pages put other articles' teasers and the dates of their own chrome.

    Measured on the date sets (bench_extract.py, date-bbaw): dropping every list item, linked
    or not, lost real dates ("<li>Datum 23.05.2011</li>", 89.5% vs 90.3%); also dropping every
    <article> but the longest and "related"/"teaser" boxes lost more (88.3%), so those stay.
    """
    found: list = []
    for element in doc.iter("li", "aside", "nav", "footer", "menu"):
        if element.tag == "li" and element.find(".//a[@href]") is None:
            continue        # a list item without a link is no teaser ("Datum 23.05.2011")
        if not (found and _inside(element, found[-1])):
            found.append(element)
    return found


def _inside(element, container) -> bool:
    return any(a is container for a in element.iterancestors())


def _main_article(doc):
    """The <article> holding the most text (the page's own), or None if there is none."""
    articles = list(doc.iter("article"))
    return max(articles, key=lambda a: len(a.text_content())) if articles else None


def _in_teaser(element, main) -> bool:
    """True if the element sits in a list item, aside, nav, footer, a related/teaser box, an
    ItemList, or an <article> other than the main one (a teaser)."""
    for ancestor in element.iterancestors():
        tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
        if ancestor is main:
            return False
        if tag in _TEASER_TAGS or (tag == "article" and main is not None):
            return True
        attrs = f"{ancestor.get('class', '')} {ancestor.get('id', '')} {ancestor.get('itemtype', '')}"
        if attrs.strip() and (_TEASER_ATTR.search(attrs) or _LIST_TYPES.search(attrs)):
            return True
    return False


def _clip(value: str | None) -> str:
    value = normalize_line(value or "")
    return value if len(value) <= _MAX_FIELD else value[:_MAX_FIELD].rsplit(" ", 1)[0] + "…"
