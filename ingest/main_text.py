"""Main text of a full page by trafilatura, rendered as readable text blocks.

trafilatura finds the article among menus, teasers, comment threads and boilerplate; its
XML body (paragraphs, headings, lists, tables, quotes) is rendered here in the project's
text form: blocks separated by blank lines, list items as "- " lines, table rows as
"cell | cell" lines, an official document's two-column header or signature table cell by
cell (so "Số: 02/PA-UBND" and "Đắk Song, ngày …" stay lines of their own). Image captions,
which trafilatura drops with their <figure>, are kept as blocks starting with "[Ảnh] ".
The lead (sapo) that many outlets set apart from the body block is put back in front when
trafilatura left it out. Reader comments are left out unless asked for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura

from vankien.ingest.normalize import fold, normalize_line, normalize_text

CAPTION_PREFIX = "[Ảnh] "
# Marks around a caption's text on its way through trafilatura (which keeps plain text only).
_CAPTION_OPEN, _CAPTION_CLOSE = "VNKCAPTIONSTART", "VNKCAPTIONEND"
_CAPTION_MARKS = re.compile(rf"\s*{_CAPTION_OPEN}\s*|\s*{_CAPTION_CLOSE}\s*")
_CAPTION_CLASS = re.compile(
    r"(?i)caption|image_desc|img_desc|image-desc|desc_image|photo-desc|expnoedit|fig_note")
_CAPTION_MAX = 400
_TEASER_CLASS = re.compile(r"(?i)teaser|related|promo|card")
# Lead paragraphs that outlets keep outside the body block (VnExpress p.description, the
# "sapo" of most Vietnamese CMSs, "chapeau"/"lead"/"summary" elsewhere).
_LEAD_CLASS = re.compile(
    r"(?i)(?:^|[\s_-])(?:description|sapo|\w*-sapo|sapo-\w*|chap+eau|lead|lede|summary|"
    r"standfirst|article-?summary|detail-?sapo|singular-sapo)(?:$|[\s_-])")
_LEAD_MIN, _LEAD_MAX = 60, 1200
# An official document's header/signature table: two columns of short cells with these cues.
_ADMIN_CUE = re.compile(
    r"(?i)cộng h[òo]a xã hội chủ nghĩa|đảng cộng sản việt nam|độc lập\s*[-–]\s*tự do|"
    r"^\s*số\s*[:.]?\s*\d+[\w./-]*[-/]\w|"
    r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm|nơi nhận|^\s*(?:tm|kt|tl|tuq)\.")
_BULLET = re.compile(r"^\s*(?:[-–+•*▪●◦]|\d{1,3}[.)]|[a-zđ][.)])\s")


@dataclass
class MainText:
    """Rendered main text (and reader comments when asked for) of one page."""

    text: str
    comments: str = ""


def extract_main_text(doc, keep_comments: bool = False) -> MainText:
    """Main text of a parsed page (lxml document; captions are marked on it in place)."""
    mark_captions(doc)
    result = trafilatura.bare_extraction(doc, include_comments=keep_comments, include_tables=True,
                                         include_images=False, with_metadata=False)
    if result is None or result.body is None:
        return MainText("")
    text = render_xml(result.body)
    comments = render_xml(result.commentsbody) if keep_comments and result.commentsbody is not None else ""
    return MainText(text, comments)


def mark_captions(doc) -> None:
    """Turn each image caption into a <p> wrapped in caption marks, where trafilatura keeps it.

    A <figure> is removed by trafilatura with everything in it, so a figure with a caption
    is replaced by its caption; a caption element outside a figure (a CMS's "image_desc"
    cell, a "PhotoCMS_Caption" box) must sit next to an image to count. A teaser (a figure
    or caption inside a link: "read more" boxes) is no caption.
    """
    for figure in list(doc.iter("figure")):
        caption = _figure_caption(figure)
        if caption is not None and not _is_teaser(figure, caption):
            _replace_with_caption(figure, caption)
    for element in list(doc.xpath("//*[@class][not(ancestor::figure)]")):
        if _CAPTION_CLASS.search(element.get("class", "")) and _near_image(element) \
                and not _is_teaser(element, element) and element.getparent() is not None:
            _replace_with_caption(element, element)


def _is_teaser(container, caption) -> bool:
    """A "read more" box: a teaser class, a caption inside a link, or mostly link text."""
    if _TEASER_CLASS.search(container.get("class", "")):
        return True
    if any(a.tag == "a" for a in caption.iterancestors()):
        return True
    link = caption.find(".//a")
    return link is not None and len(link.text_content()) > 0.5 * len(caption.text_content())


def _figure_caption(figure):
    caption = figure.find(".//figcaption")
    if caption is None:
        caption = next((e for e in figure.iter() if isinstance(e.tag, str) and e is not figure
                        and _CAPTION_CLASS.search(e.get("class", ""))), None)
    return caption


def _near_image(element) -> bool:
    parent = element.getparent()
    scope = parent.getparent() if parent is not None and parent.getparent() is not None else parent
    return scope is not None and next(scope.iter("img"), None) is not None


def _replace_with_caption(old, caption) -> None:
    """Put a marked <p> with the caption's text where `old` (a figure or the caption) was;
    an empty or over-long "caption" is left alone (trafilatura decides about it)."""
    text = normalize_line(caption.text_content())
    if old.getparent() is None or not text or len(text) > _CAPTION_MAX:
        return
    paragraph = old.makeelement("p", {})
    paragraph.text = f"{_CAPTION_OPEN} {text} {_CAPTION_CLOSE}"
    paragraph.tail = old.tail
    old.getparent().replace(old, paragraph)


# ---------------------------------------------------------------- rendering

def render_xml(body) -> str:
    """trafilatura's XML body as text blocks (blank line between blocks)."""
    blocks: list[str] = []
    for element in body:
        _render_block(element, blocks)
    kept: list[str] = []
    for block in (b.strip() for b in blocks):
        # A heading repeated at once (page title above and inside the article) reads as a
        # title repeat downstream, where the line after a repeat is taken for a caption.
        if block and (not kept or block != kept[-1]):
            kept.append(block)
    text = "\n\n".join(kept)
    return _caption_blocks(normalize_text(text))


def _render_block(element, blocks: list[str]) -> None:
    """Append the block(s) of one element of trafilatura's body (and its tail text)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "list":
        blocks.append("\n".join(_list_lines(element, 0)))
    elif tag == "table":
        blocks.append("\n".join(_table_lines(element)))
    elif tag in ("quote", "div", "body") and any(_is_block(c) for c in element):
        if element.text and element.text.strip():
            blocks.append(element.text.strip())
        for child in element:
            _render_block(child, blocks)
    elif tag == "code":
        blocks.append("".join(element.itertext()))
    elif tag == "graphic":
        return
    else:
        blocks.append(_inline_text(element))
    if element.tail and element.tail.strip() and tag:
        blocks.append(element.tail.strip())


def _is_block(element) -> bool:
    return element.tag in ("p", "head", "list", "table", "quote", "code", "div")


def _inline_text(element) -> str:
    """Text of a paragraph-like element: <lb/> is a line break, everything else inline."""
    parts: list[str] = []
    _collect_inline(element, parts)
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))


def _collect_inline(element, parts: list[str]) -> None:
    """Text of an element and its children into `parts`, line breaks for <lb/> and for a
    paragraph, list or table nested inside a cell or item."""
    if element.tag == "lb":
        parts.append("\n")
    elif element.tag in ("list", "table"):
        parts.append("\n" + "\n".join(_list_lines(element, 0) if element.tag == "list"
                                      else _table_lines(element)) + "\n")
        return
    elif element.tag in ("p", "head", "quote", "item") and parts and not parts[-1].endswith("\n"):
        parts.append("\n")     # a paragraph inside a cell or item starts a new line
    if element.tag not in ("lb", "list", "table") and element.text:
        parts.append(element.text)
    if element.tag != "lb":
        for child in element:
            _collect_inline(child, parts)
            if child.tail:
                parts.append(child.tail)


def _list_lines(element, depth: int) -> list[str]:
    """One line per item ("- " unless the item carries its own marker), sub-lists indented."""
    lines: list[str] = []
    ordered = element.get("rend") == "ol"
    for number, item in enumerate(element.findall("item"), start=1):
        parts = [item.text or ""]
        for child in item:
            if child.tag != "list":
                _collect_inline(child, parts)
            parts.append(child.tail or "")
        head = " ".join("".join(parts).split())
        if head:
            marker = "" if _BULLET.match(head) else (f"{number}. " if ordered else "- ")
            lines.append("  " * depth + marker + head)
        for sub in item.findall("list"):
            lines.extend(_list_lines(sub, depth + 1))
    return lines


def _table_lines(table) -> list[str]:
    """Rows as "cell | cell" lines; an official header/signature table column by column."""
    cells = [[_inline_text(cell).strip() for cell in row.findall("cell")] for row in table.findall("row")]
    cells = [r for r in cells if any(r)]
    rows = [[" ".join(c.split()) for c in r] for r in cells]
    if _is_admin_table(rows):
        # Column by column, each line of a cell a line ("TỈNH ỦY HÀ TĨNH" / "BAN CHỈ ĐẠO …").
        columns = max(len(r) for r in cells)
        return [line.strip() for c in range(columns) for r in cells if c < len(r)
                for line in r[c].split("\n") if line.strip() and line.strip() != "*"]
    return [" | ".join(c for c in row if c) for row in rows]


def _is_admin_table(rows: list[list[str]]) -> bool:
    """A short two-column layout table holding a document header or signature block."""
    if not rows or len(rows) > 6 or max(len(r) for r in rows) != 2:
        return False
    cells = [c for r in rows for c in r]
    return all(len(c) < 300 for c in cells) and any(_ADMIN_CUE.search(c) for c in cells)


def _caption_blocks(text: str) -> str:
    """Caption marks → a block of its own starting with "[Ảnh] "; empty captions vanish."""
    if _CAPTION_OPEN not in text:
        return text
    out: list[str] = []
    for piece in re.split(rf"({_CAPTION_OPEN}.*?(?:{_CAPTION_CLOSE}|$))", text, flags=re.S):
        if piece.startswith(_CAPTION_OPEN):
            caption = " ".join(_CAPTION_MARKS.sub(" ", piece).split())
            if caption:
                out.append(f"\n\n{CAPTION_PREFIX}{caption}\n\n")
        else:
            out.append(piece.replace(_CAPTION_CLOSE, ""))
    return normalize_text("".join(out))


# ---------------------------------------------------------------- lead

def lead_paragraph(doc, description: str = "") -> str:
    """The page's lead (sapo) when the page marks one and confirms it: an element with a
    description/sapo/lead class, 60–1200 characters, not in a list, link, aside or footer,
    whose text is the page's meta description (or, on a "sapo" element, any text). An
    author's bio or a teaser's blurb in a "description" box is not confirmed so."""
    wanted = _key(description)[:60]
    for element in doc.xpath("//*[self::p or self::h2 or self::div or self::span or self::strong]"
                             "[@class]"):
        classes = element.get("class", "")
        if not _LEAD_CLASS.search(classes):
            continue
        if any(a.tag in ("li", "nav", "aside", "footer", "a") for a in element.iterancestors()):
            continue
        text = normalize_line(element.text_content())
        if not _LEAD_MIN <= len(text) <= _LEAD_MAX or element.xpath(".//p|.//li|.//article"):
            continue
        if (wanted and _key(text).startswith(wanted)) or "sapo" in classes.lower():
            return text
    return ""


def with_lead(text: str, lead: str) -> str:
    """The text with its lead in front, unless the text already holds it."""
    if not lead or _key(lead)[:80] in _key(text):
        return text
    return f"{lead}\n\n{text}" if text else lead


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())
