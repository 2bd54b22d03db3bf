"""HTML → plain text blocks, with main-content extraction for full saved pages.

A fragment (the HTML body of a Markdown file) is converted whole. A full page (`<html>`
with menus, scripts, share bars and "TIN ĐÃ ĐƯA" lists around the document) is first cut
down to its article/document block, and the page's own title, date cell and attachment
link are picked out as metadata.
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
# Main-content candidates, most specific first.
_MAIN_XPATHS = (
    "//*[@id='tableforprint']",
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
_FULL_PAGE = re.compile(r"(?is)^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b")
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
    head = text[:5000]
    return bool(_FULL_PAGE.match(head)) or len(_HTML_TAG.findall(head)) >= 3


def is_full_page(markup: str) -> bool:
    """True for a whole saved page (doctype or <html> at the start), not a body fragment."""
    return bool(_FULL_PAGE.match(markup[:5000]))


def html_to_text(markup: str) -> str:
    """Convert an HTML fragment to normalised text, one block per paragraph-like element."""
    root = _parse_fragment(markup)
    if root is None:
        return ""
    _drop_chrome(root)
    return _blocks_text(root)


def extract_page(markup: str) -> PageText:
    """Extract the document block of a full page, plus its title, date cell and attachment."""
    try:
        doc = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):
        return PageText(text="")
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
    """The article/document element of a page: a known container, else the densest block."""
    for xpath in _MAIN_XPATHS:
        found = doc.xpath(xpath)
        if found:
            return found[0]
    body = doc.body if doc.find("body") is not None else doc
    return _densest_block(body)


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
