"""HTML → plain text blocks; the project's own rules for full saved pages.

A fragment (the HTML body of a Markdown file) is converted whole. For a full page (`<html>`
with menus, scripts, share bars and "TIN ĐÃ ĐƯA" lists around the document) these rules cut
the page down to its article/document block and pick out the page's own title, date cell and
attachment link. They read Vietnamese portal blocks well (`portal_block`); on other pages the
reader uses trafilatura (ingest/main_text.py) and keeps these rules as the fallback.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from vankien.ingest.normalize import normalize_line, normalize_text

# Elements whose text is never content.
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "marquee", "nav", "footer", "form", "select",
    "button", "object", "embed", "svg", "head", "title", "menu", "input", "textarea",
)
# Elements that start a new block of text; `tr` makes each table row a block.
_BLOCK_TAGS = frozenset((
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "tbody",
    "blockquote", "section", "article", "header", "pre", "dl", "dt", "dd", "figure",
    "figcaption", "address", "center", "hr",
))
# class/id words of page chrome (menus, share bars, related lists); matched as whole words
# so that "tableforprint" (the daksong document block) is not taken for a print bar.
_CHROME_ATTR = re.compile(
    r"(?i)(?:^|[\s_-])(?:menu\w*|nav\w*|footer|share\w*|social|linkstoweb|css_link\w*|"
    r"sendEmail|tbtinkhac|Other|OtherTitle|related\w*|breadcrumb\w*|banner|sidebar|"
    r"marquee|comments?)(?:$|[\s_-])"
)
_PORTAL_XPATH = "//*[@id='tableforprint']"
# Main-content candidates, most specific first.
_MAIN_XPATHS = (
    _PORTAL_XPATH,
    "//article",
    "//*[@itemprop='articleBody']",
    "//*[contains(@class,'article-content') or contains(@class,'detail-content')"
    " or contains(@class,'news-detail') or contains(@class,'entry-content')]",
    "//main",
)
_TITLE_XPATHS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' Title ')]",
    "//article//h1",
    "//h1",
)
_DATE_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' Time ')]"
_ATTACHMENT_XPATH = (
    "//a[contains(@class,'htvb_ahref') or contains(translate(@href,'PDFDOCX','pdfdocx'),'.pdf')"
    " or contains(translate(@href,'PDFDOCX','pdfdocx'),'.doc')]/@href"
)
# What may precede a page's first tag: whitespace, BOM, comments, an XML declaration. Skipped
# by a loop, not a regex: "(?:<!--.*?-->\s*)*" backtracks exponentially on "<!---->" × 26.
_PAGE_START = re.compile(r"(?i)<(?:!doctype\s+html|html|head)\b")
_PAGE_PART = re.compile(r"(?i)<(?:html|head|body)\b")
_LEADING_SPACE = re.compile(r"[\s\ufeff]*")
_HEAD_CHARS = 5000
_PAGE_SCAN = 65536      # a page may open with 40 KB of inline script before its <head>
_WHITESPACE = re.compile(r"\s+")
_HTML_TAG = re.compile(
    r"(?i)<(?:p|div|br|span|a|table|tr|td|li|ul|ol|h[1-6]|strong|em|b|i|img|body|html)\b[^>]*>"
)


@dataclass
class PageText:
    """What a full page yields: its document text and the metadata the page shows."""

    text: str
    title: str = ""
    date: str = ""
    attachment: str = ""


def looks_like_html(text: str) -> bool:
    """True if the text is HTML markup (a full page, or a fragment with several tags)."""
    return is_full_page(text) or len(_HTML_TAG.findall(text[:_HEAD_CHARS])) >= 3


def is_full_page(markup: str) -> bool:
    """True for a whole saved page, not a body fragment: after any comments or XML
    declaration it opens with a doctype, <html> or <head>, or its first 64 KB have a
    <head>/<body> tag."""
    head = markup[:_HEAD_CHARS]
    start = _markup_start(head)
    return start >= 0 and bool(_PAGE_START.match(head, start)
                               or _PAGE_PART.search(markup[:_PAGE_SCAN], start))


def _markup_start(head: str) -> int:
    """Offset of the first tag that is not a comment or <?…?> declaration; -1 if cut off."""
    pos = 0
    while True:
        pos = _LEADING_SPACE.match(head, pos).end()
        for opener, closer in (("<!--", "-->"), ("<?", ">")):
            if head.startswith(opener, pos):
                end = head.find(closer, pos + len(opener))
                if end < 0:
                    return -1
                pos = end + len(closer)
                break
        else:
            return pos


def html_to_text(markup: str) -> str:
    """Convert an HTML fragment to normalised text, one block per paragraph-like element."""
    root = _parse_fragment(markup)
    if root is None:
        return ""
    _drop_chrome(root)
    return _blocks_text(root)


def html_to_text_tree(doc) -> str:
    """Text of a whole parsed page's body without its chrome (the tree is modified)."""
    body = doc.body if doc.find("body") is not None else doc
    _drop_chrome(body)
    return _blocks_text(body)


def extract_page(markup: str) -> PageText:
    """Extract the document block of a full page, plus its title, date cell and attachment."""
    doc = parse_page(markup)
    return extract_page_tree(doc) if doc is not None else PageText(text="")


def parse_page(markup: str):
    """The lxml document of a full page; None if nothing parseable is left."""
    return parse_page_logged(markup)[0]


def parse_page_logged(markup: str) -> tuple[object, list[str]]:
    """(lxml document or None, the parser's error messages) for a full page.

    Parsed as UTF-8 bytes (the text is decoded already): lxml refuses a str that starts
    with an XML declaration naming an encoding. Comments and processing instructions are
    left out, as trafilatura's own loader does, so both read the same tree.
    """
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                  collect_ids=False, default_doctype=False)
    try:
        doc = lxml.html.document_fromstring(markup.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None, [e.message for e in parser.error_log]
    return doc, [e.message for e in parser.error_log]


def portal_block(doc):
    """The document block of a Vietnamese portal page these rules read well, or None.

    `#tableforprint` is the SharePoint/LacViet portal layout (district and province sites:
    title cell, description, body, attachment link) whose pages trafilatura misreads: it
    takes the marquee and the "TIN ĐÃ ĐƯA" list around a short block.
    """
    found = doc.xpath(_PORTAL_XPATH)
    return found[0] if found else None


def extract_page_tree(doc) -> PageText:
    """`extract_page` on a parsed page (the tree is modified: chrome is removed)."""
    for template in list(doc.iter("template")):
        _remove(template)       # not rendered: "${title}" placeholders
    title = _first_text(doc, _TITLE_XPATHS)
    date = _first_text(doc, (_DATE_XPATH,))
    attachments = doc.xpath(_ATTACHMENT_XPATH)
    main = _main_block(doc)
    _drop_chrome(main)
    return PageText(
        text=_blocks_text(main),
        title=title,
        date=date,
        attachment=str(attachments[0]).strip() if attachments else "",
    )


def _parse_fragment(markup: str):
    """Parse a fragment (or a page, taking its body); None when nothing parseable is left."""
    try:
        if is_full_page(markup):
            return lxml.html.document_fromstring(markup).body
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None


def _first_text(doc, xpaths: tuple[str, ...]) -> str:
    """Text of the first non-empty element matched by any of the xpaths, in order."""
    for xpath in xpaths:
        for element in doc.xpath(xpath):
            text = normalize_line(element.text_content())
            if text:
                return text
    return ""


def _main_block(doc):
    """The article/document element of a page: a known container, else the densest block.

    Of several candidates (a page with 16–54 <article> teasers) the one whose paragraphs hold
    the most text wins; an empty container (a bare <main>) is no candidate.
    """
    for xpath in _MAIN_XPATHS:
        found = [e for e in doc.xpath(xpath) if _paragraph_chars(e) or e.text_content().strip()]
        if found:
            return max(found, key=_paragraph_chars) if len(found) > 1 else found[0]
    body = doc.body if doc.find("body") is not None else doc
    return _densest_block(body)


def _paragraph_chars(element) -> int:
    return sum(len(p.text_content()) for p in element.iter("p"))


def _densest_block(body):
    """The element whose own <p> children hold the most text (a common article shape)."""
    best, best_len = body, 0
    for element in body.iter("div", "td", "section"):
        length = sum(len(p.text_content()) for p in element.findall("p"))
        if length > best_len:
            best, best_len = element, length
    return best


def _drop_chrome(root) -> None:
    """Remove scripts, styles, menus, share bars and related lists in place."""
    for element in list(root.iter(*_DROP_TAGS, lxml.etree.Comment)):
        _remove(element)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element is root:
            continue
        attrs = f"{element.get('class', '')} {element.get('id', '')}"
        if attrs.strip() and _CHROME_ATTR.search(attrs):
            _remove(element)


def _remove(element) -> None:
    """Remove an element but keep its tail text (which belongs to the parent)."""
    if element.getparent() is not None:
        element.drop_tree()


def _blocks_text(root) -> str:
    """Flatten an element to text: blank line between blocks, newline for a single <br>."""
    parts: list[str] = []
    _collect(root, parts)
    return normalize_text("".join(parts))


def _collect(element, parts: list[str]) -> None:
    """Depth-first text collection with block separators (recursion depth = tree depth)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag == "br":
        parts.append("\n")
    elif tag in _BLOCK_TAGS:
        parts.append("\n\n")
    elif tag in ("td", "th"):
        parts.append(" ")
    # Source newlines and indentation inside a block are not line breaks: only <br> is.
    if element.text and tag != "br":
        parts.append(_WHITESPACE.sub(" ", element.text))
    for child in element:
        _collect(child, parts)
        if child.tail:
            parts.append(_WHITESPACE.sub(" ", child.tail))
    if tag in _BLOCK_TAGS:
        parts.append("\n\n")
