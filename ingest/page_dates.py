"""A page's publication date from what the page states about itself, with its source.

`page_date` reads, in order: publication-date <meta> tags, the JSON-LD article's
datePublished, `itemprop=datePublished`/`<time>` elements of the page's own article (not
in list items, asides, navigation, footers, teaser boxes or other articles), and a date
in the URL's path; the source is named ("meta:article:published_time",
"json-ld:datePublished", "itemprop:datePublished", "time", "url"). `htmldate_date` is the
reader's last resort: htmldate's search of the page with its teaser-holding parts removed.
A date is never taken from a teaser or a related-article list.
"""
from __future__ import annotations

import copy
import datetime as _dt
import re
from urllib.parse import urlsplit

import lxml.etree
from dateutil import parser as dateutil_parser
from htmldate import find_date

from vankien.ingest.dates import make_date, parse_date

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
_LIST_TYPES = re.compile(r"(?i)itemlist|breadcrumb|sitenavigation|collectionpage")
# Containers whose dates belong to other articles or to the site, not to this page.
_TEASER_TAGS = frozenset(("li", "aside", "nav", "footer", "menu"))
_TEASER_ATTR = re.compile(
    r"(?i)(?:^|[\s_-])(?:relate\w*|others?|more|recommend\w*|popular|most-?read|teaser\w*|sidebar|"
    r"widget\w*|tin-?khac|tinkhac|lien-?quan|tinlienquan|cung-?chuyen-?muc|box-?news|list-?news|"
    r"news-?list)(?:$|[\s_-])")
# 2019/09/15, 2019-09-15 in a path; a 14-17 digit timestamp (dantri, tuoitre: …-20190915123456789.htm).
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|[-_.])")
_URL_STAMP = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:\d{6,9})?(?!\d)")
_UTC = re.compile(r"(?:Z|[+-]00:?00)$")
_ARCHIVE_STAMP = re.compile(r"^/web/\d{8,14}[a-z_]*/")
_HOUR = re.compile(r"T(\d\d):?\d\d")
_LOCAL_OFFSET = re.compile(r"T\d\d:\d\d.*[+-](?!00:?00)\d\d:?\d\d$")


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
        original = path[archived.end():]
        return url_date(original if "://" in original else "http://" + original)
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


def page_date(doc, meta: dict[str, str], ld: dict, url: str) -> tuple[str, str]:
    """The page's publication date and its source: meta tags (`meta`: lower-cased key →
    content), the JSON-LD article `ld`, date elements, the URL.

    A timestamp near midnight written in UTC ("2020-12-24T23:59:50+00:00") can name the day
    before the publisher's own: another of the page's values written with its local offset,
    or a date in the URL's path, one day apart, is the publisher's calendar day and wins.
    """
    stated = [(meta[k], f"meta:{k}") for k in sorted((k for k in meta if k in _DATE_META_RANK),
                                                     key=_DATE_META_RANK.__getitem__)]
    stated += [(_text(ld.get(k)), f"json-ld:{k}") for k in ("datePublished", "dateCreated")]
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


def _text(value) -> str:
    """A JSON-LD value as a string (first of a list, a node's @value)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or ""
    return value if isinstance(value, str) else ""
