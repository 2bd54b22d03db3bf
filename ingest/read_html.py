"""Reader for HTML files: a full saved page (main text and page metadata) or a fragment.

Which source wins, per field (measured with bench/bench_extract.py; README, "Ingest"):

- body: trafilatura (ingest/main_text.py), except on a Vietnamese portal page whose
  document block the project's rules know (`html_text.portal_block`), and as a fallback
  when trafilatura returns nothing or far less than the rules' block (noted);
- title: the portal block's title cell, else the page's og:title / JSON-LD headline /
  <title> (ingest/page_meta.py);
- date: the page's own metadata (ingest/page_dates.py: meta tags, JSON-LD, date elements
  outside teasers, URL),
  else the portal date cell, else — when the text has no date line of its own for the
  metadata step to read — htmldate on the page without its lists, asides, navigation and
  footers (where teasers sit); the date's source
  is kept in provenance. An official document's header date ("Đắk Song, ngày 5 tháng 3
  năm 2020") goes to `issued_date`, which the metadata step prefers; both are kept;
- number, issuer, signer, type: the metadata step, from the title and the text;
- url: canonical link, else og:url; outlet and province from the URL's domain (or, on a
  saved page without one, from its <base href>: the site, never taken for the page's URL).
"""
from __future__ import annotations

import copy
import logging
import re

import lxml.etree

from vankien.ingest import tables
from vankien.ingest.clean import is_date_line
from vankien.ingest.dates import parse_date
from vankien.ingest.html_text import (PageText, extract_page_tree, html_to_text,
                                      html_to_text_tree, is_full_page, parse_page_logged,
                                      portal_block)
from vankien.ingest.main_text import extract_main_text, lead_paragraph, with_lead
from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_line, normalize_text
from vankien.ingest.page_dates import htmldate_date
from vankien.ingest.page_meta import PageMeta, read_page_meta

# trafilatura and htmldate report "discarding data" and the like through logging; the
# reader reports what matters itself (notes), so their records are not printed.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False

# Above this many elements trafilatura's cost grows past the per-file budget (~2 s on one
# core; 7.5 MB / 180,000 elements takes it 16 s): the rules, linear and cheap, read the page.
MAX_ELEMENTS = 60_000
# trafilatura's text is "far less" than the rules' block: shorter than this share of it
# (and than LITTLE_TEXT characters), so the rules' block is used.
LITTLE_TEXT = 200
LITTLE_SHARE = 0.25
_HEADER_LINES = 15
_DOC_DATE_LINE = re.compile(
    r"^[^\n,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", re.IGNORECASE | re.MULTILINE)
# An official document's header: the state or party motto, or its number line ("Số: 02/PA-UBND",
# "Số 15-TB/BCĐ").
_ADMIN_HEADER = re.compile(
    r"(?im)^(?:cộng h[òo]a xã hội chủ nghĩa việt nam|đảng cộng sản việt nam|"
    r"độc lập\s*[-–]\s*tự do\s*[-–]\s*hạnh phúc|số\s*:?\s*\d+[\w./-]*[-/]\w)")
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"(?is)<(script|style|noscript|template)\b.*?</\1\s*>")
_DEPTH_ERROR = "Excessive depth"


def read_html(source_path: str, text: str, raw_hash: str, *,
              keep_comments: bool = False) -> RawDocument | ReadError:
    """A full page (main text + page metadata) or an HTML fragment, as a RawDocument."""
    if not is_full_page(text):
        body = html_to_text(text)
        if not body:
            return ReadError(source_path, "HTML with no extractable text (truncated or garbled?)")
        return RawDocument(source_path, body, "html", raw_hash,
                           provenance={"extractor": "fragment"})
    page = read_page(text, keep_comments=keep_comments)
    # Without text, only an article's own title makes a document (a register entry, a page
    # whose text is drawn by script); a <title> alone is mostly the site's name.
    if not page.text and page.provenance.get("title_source", "title") == "title":
        reason = "truncated: cut off before its text" if not _closes(text) else \
            "nothing but scripts, menus or a bot check?"
        return ReadError(source_path, f"HTML page with no extractable text ({reason})")
    return RawDocument(source_path, page.text, "html", raw_hash, fields=page.fields,
                       provenance=page.provenance, notes=page.notes)


class ReadPage:
    """Text, fields, provenance and notes read from one full page."""

    def __init__(self) -> None:
        self.text = ""
        self.fields: dict[str, str] = {}
        self.provenance: dict = {}
        self.notes: list[str] = []


def read_page(markup: str, *, keep_comments: bool = False) -> ReadPage:
    """Read a full page: main text by trafilatura or the portal rules, metadata, notes."""
    out = ReadPage()
    doc, errors = parse_page_logged(markup)
    if doc is None:
        _flat_text_fallback(out, markup, "unparseable HTML: text read without structure")
        return out
    for template in list(doc.iter("template")):
        template.drop_tree()        # never rendered: "${title}" placeholders
    meta = read_page_meta(doc)
    elements = sum(1 for _ in doc.iter())
    rules = extract_page_tree(copy.deepcopy(doc)) if elements <= MAX_ELEMENTS else PageText("")
    is_portal = portal_block(doc) is not None
    if is_portal:
        out.text, out.provenance["extractor"] = rules.text, "rules:portal"
    elif elements > MAX_ELEMENTS:
        out.text, out.provenance["extractor"] = html_to_text_tree(doc), "rules:whole-page"
        out.notes.append(f"huge page ({elements:,} elements): text read with the project's rules")
    else:
        _main_text(out, doc, meta, rules, keep_comments)
    if any(_DEPTH_ERROR in e for e in errors):
        _flat_text_fallback(out, markup, "deeply nested HTML (over 255 levels): text read without structure")
    if not _closes(markup):
        out.notes.append("truncated HTML (no closing </html>): stored the readable part")
    _fill_fields(out, doc, meta, rules if is_portal else None, search_date=elements <= MAX_ELEMENTS)
    if not out.fields.get("title") and rules.title:
        _put(out, "title", rules.title, "title_source", "rules")
    return out


def _main_text(out: ReadPage, doc, meta: PageMeta, rules: PageText, keep_comments: bool) -> None:
    """trafilatura's main text (with the lead), else — nothing, or far less than the rules'
    block — the rules' block, noted."""
    lead = lead_paragraph(doc, meta.description)
    try:
        main = extract_main_text(doc, keep_comments=keep_comments)
    except (ValueError, TypeError, AttributeError, RecursionError, lxml.etree.LxmlError) as exc:
        out.notes.append(f"extractor failed ({type(exc).__name__}): used the project's rules")
        out.text, out.provenance["extractor"] = rules.text, "rules"
        return
    if len(main.text) < LITTLE_TEXT and len(main.text) < LITTLE_SHARE * len(rules.text):
        out.notes.append("extractor found little text: used the project's rules")
        out.text, out.provenance["extractor"] = rules.text, "rules"
        return
    out.text, out.provenance["extractor"] = with_lead(main.text, lead), "trafilatura"
    if lead and out.text.startswith(lead) and not main.text.startswith(lead):
        out.provenance["lead"] = "added"
    if main.comments:
        out.text += "\n\n[Bình luận]\n\n" + main.comments


def _flat_text_fallback(out: ReadPage, markup: str, note: str) -> None:
    """A page the parser could not read whole (nested deeper than its 256 levels, or not
    parseable): read the markup's text without structure (tags dropped) if that holds more."""
    flat = normalize_text(_TAG.sub(" ", _SCRIPT.sub(" ", markup)))
    if len(flat) > len(out.text):
        out.text, out.provenance["extractor"] = flat, "tags-stripped"
        out.notes.append(note)


def _closes(markup: str) -> bool:
    tail = markup[-4096:].lower()
    return "</html" in tail or "</body" in tail


def _fill_fields(out: ReadPage, doc, meta: PageMeta, portal: PageText | None, *,
                 search_date: bool) -> None:
    """Title, date(s), URL, outlet, province, description, author, attachment.

    The portal block's title and date cell are used on portal pages only: elsewhere a
    "Time" cell or an <h1> can belong to a teaser.
    """
    f = out.fields
    if portal is not None and portal.title:
        _put(out, "title", portal.title, "title_source", "portal")
    else:
        _put(out, "title", meta.title, "title_source", meta.title_source)
    _put(out, "url", meta.url, "url_source", meta.url_source)
    date, source = meta.date, meta.date_source
    if not date and portal is not None and parse_date(portal.date):
        date, source = portal.date, "portal:date-cell"
    if not date and search_date and not _has_date_line(out.text):
        date, source = htmldate_date(doc, meta.url), "htmldate"
    _put(out, "date", date, "date_source", source)
    issued = _header_date(out.text)
    if issued:
        _put(out, "issued_date", issued, "issued_date_source", "document-header")
    site = meta.url or _base_href(doc)
    outlet = tables.outlet_by_domain(site) if site else None
    province = tables.province_by_domain(site) if site else None
    if province:
        f["province"] = province
    outlet = outlet or (tables.outlet_by_name(meta.site_name) if meta.site_name else None)
    if outlet or meta.site_name:
        f["outlet"] = outlet.name if outlet else meta.site_name
    for key, value in (("description", meta.description), ("author", meta.author)):
        if value:
            f[key] = value
    if portal is not None and portal.attachment:
        f["attachment"] = portal.attachment


def _base_href(doc) -> str:
    """The site a saved page came from, as its <base href> names it ("" if none): not the
    page's own address, but its domain gives the outlet and province."""
    hrefs = doc.xpath("//base/@href")
    href = str(hrefs[0]).strip() if hrefs else ""
    return href if href.lower().startswith(("http://", "https://")) else ""


def _put(out: ReadPage, key: str, value: str, source_key: str, source: str) -> None:
    value = normalize_line(value or "")
    if value:
        out.fields[key] = value
        out.provenance[source_key] = source


def _has_date_line(text: str) -> bool:
    """True if the text's opening lines hold a date line the metadata step reads itself."""
    lines = [l for l in text.split("\n") if l.strip()][:_HEADER_LINES]
    return any(is_date_line(l.strip()) for l in lines) or bool(_DOC_DATE_LINE.search("\n".join(lines)))


def _header_date(text: str) -> str:
    """The date line of an official document's header (with "Số:" or the national motto)."""
    head = "\n".join([l for l in text.split("\n") if l.strip()][:_HEADER_LINES])
    if not _ADMIN_HEADER.search(head):
        return ""
    m = _DOC_DATE_LINE.search(head)
    return (parse_date(m.group()) or "") if m else ""
