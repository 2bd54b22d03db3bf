"""Positioned lines of pages → plain text of blocks, with the offsets where pages begin.

Both the PDF text layer and OCR give lines with a position on their page; this module turns
them into the text form every reader delivers (blocks separated by blank lines):

- running headers/footers (lines at the top or bottom of at least half the pages, digits
  ignored) and bare page numbers are removed;
- lines are joined into paragraphs by layout: a line breaks its paragraph when the next
  line's first word would have fitted after it (a hard break), when the gap to the next
  line is larger than line spacing, when the next line starts a list item or is indented
  (first-line indent), or when the font size changes; consecutive centred lines (a title)
  stay together, one per line;
- line-end hyphens are kept ("Covid-" + "19" → "Covid-19": Vietnamese syllables are never
  hyphenated, so a hyphen belongs to a compound or a symbol) and soft hyphens dropped;
- a paragraph cut by a page break is joined when the page's last line runs to the margin
  without closing punctuation and the next page's first line is not a new paragraph.
Coordinates are in any unit, y growing downwards.
"""
from __future__ import annotations

import difflib
import re
import statistics
from dataclasses import dataclass, field

from vankien.ingest.normalize import fold, normalize_line

_EDGE_ZONE = 0.12              # top/bottom share of the page where running lines stand
_EDGE_LINES = 3                # … and only the first/last few lines of a page
_RUNNING_MIN_SHARE = 0.5       # a running line repeats on at least half the pages around it
_RUNNING_WINDOW = 4
_RUNNING_SIMILARITY = 0.8
_PAGE_NUMBER = re.compile(
    r"^(?:trang|page)?\s*[-–(\[]?\s*\d{1,4}\s*[-–)\]]?(?:\s*(?:/|trên|of)\s*\d{1,4})?$", re.I)
_LIST_START = re.compile(
    r"^(?:[-+•●○▪■◦*–]\s|\d{1,3}(?:\.\d{1,3})*[.)-]\s|[a-zđ][.)]\s|[IVXLC]{1,6}[.)-]\s"
    r"|(?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+\b)")
# Word's Symbol/Wingdings bullets come out as private-use characters (U+F0B7 …).
_SYMBOL_BULLET = re.compile(r"^[\uf000-\uf0ff]\s*")
_CLOSING = re.compile(r"[.!?:;…]['\"”’)»]*$")
_GAP_FACTOR = 1.3              # a gap above 1.3 × the usual line pitch separates paragraphs
_SIZE_CHANGE = 0.10            # a line height that differs by 10 % is another font size (13 vs 11 pt)
_OCR_SIZE_CHANGE = 0.25        # OCR boxes vary with accents and ascenders
_INDENT_CHARS = 1.5            # a first-line indent is at least 1.5 average character widths
_CENTRE_SKEW = 1.5            # lines centred on one axis: centres within 1.5 character widths


@dataclass
class Line:
    """One text line on a page: its text and box; `first_word` is the first word's width."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    first_word: float = 0.0
    block: int = 0              # source block (OCR); lines of different blocks never join
    soft_hyphen: bool = False   # ends with a soft hyphen: joins the next line without a space

    @property
    def height(self) -> float:
        """Line height (font size proxy)."""
        return self.bottom - self.top


@dataclass
class Page:
    """The lines of one page in reading order, and the page size in the lines' unit."""

    lines: list[Line]
    width: float
    height: float
    ocr: bool = False           # line boxes from OCR: heights are noisy


@dataclass
class Assembled:
    """Text of the pages, the offsets where pages 2, 3, … begin, and what was removed."""

    text: str
    page_starts: list[int]
    removed: list[str] = field(default_factory=list)


@dataclass
class _Block:
    lines: list[Line]
    centred: bool = False
    text: str = ""


def assemble(pages: list[Page]) -> Assembled:
    """Blocks of all pages as one text (NFC, blank line between blocks) and page offsets."""
    for page in pages:
        for line in page.lines:
            # pdfium reports a soft hyphen at a line end as U+0002; normalising drops U+00AD.
            line.soft_hyphen = line.text.rstrip().endswith(("\u00ad", "\x02"))
            line.text = _SYMBOL_BULLET.sub("• ", normalize_line(line.text.replace("\x02", "")))
        page.lines = [line for line in page.lines if line.text]
    removed = strip_running_lines(pages)
    edges = _edges_by_page_size(pages)
    paged_blocks = [page_blocks(page, edges.get(_size_key(page))) for page in pages]
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    previous: tuple[_Block, Page] | None = None
    for index, (page, blocks) in enumerate(zip(pages, paged_blocks)):
        first = True
        for block in blocks:
            if first and previous and _continues(previous[0], previous[1], block, page,
                                                 edges.get(_size_key(page))):
                glue = _glue(previous[0].lines[-1], parts[-1])
                parts[-1] += glue + block.text
                if index:
                    starts.append(length + len(glue))
                length += len(glue) + len(block.text)
            else:
                sep = "\n\n" if parts else ""
                if index and first:
                    starts.append(length + len(sep))
                parts.append(block.text)
                length += len(sep) + len(block.text)
            first = False
            previous = (block, page)
        if first and index:
            starts.append(length)       # an empty page starts where the next text will
    return Assembled("\n\n".join(parts), starts, removed)


def order_columns(rows: list[list[Line]]) -> list[Line]:
    """Flatten rows of line segments into reading order. Where rows hold two segments (two
    columns side by side, read row by row by OCR), the run of such rows is read left column
    first, then the right one; a line spanning both columns ends the run."""
    out: list[Line] = []
    run: list[list[Line]] = []

    def flush():
        if run:
            split = min(row[1].x0 for row in run if len(row) > 1)
            cells = [line for row in run for line in row]
            out.extend(sorted((l for l in cells if l.x0 < split), key=lambda l: l.top))
            out.extend(sorted((l for l in cells if l.x0 >= split), key=lambda l: l.top))
            run.clear()

    for row in rows:
        if len(row) > 1:
            run.append(row)
        elif run and not _spans(row[0], min(r[1].x0 for r in run if len(r) > 1)):
            run.append(row)
        else:
            flush()
            out.extend(row)
    flush()
    return out


def _spans(line: Line, split: float) -> bool:
    return line.x0 < split < line.x1


def _size_key(page: Page) -> tuple[int, int]:
    return round(page.width), round(page.height)


def _edges_by_page_size(pages: list[Page]) -> dict[tuple[int, int], tuple[float, float]]:
    """Column edges over all pages of one size (a last page with only a signature block
    has no long lines of its own to measure them; text and OCR pages differ in unit)."""
    groups: dict[tuple[int, int], list[Line]] = {}
    for page in pages:
        groups.setdefault(_size_key(page), []).extend(page.lines)
    return {key: column_edges(lines) for key, lines in groups.items() if lines}


def strip_running_lines(pages: list[Page]) -> list[str]:
    """Remove running headers/footers and page numbers in place; return the removed texts.

    A top or bottom line is running when a similar one (digits ignored; OCR varies, so
    similarity ≥ 0.8 counts) stands at the top or bottom of at least half of the pages
    around it (up to _RUNNING_WINDOW on each side).
    """
    edges = [_edge_lines(page) for page in pages]
    keys = [[_running_key(line.text) for line in lines] for lines in edges]
    removed: list[str] = []
    for i, page in enumerate(pages):
        others = [j for j in range(max(0, i - _RUNNING_WINDOW),
                                   min(len(pages), i + _RUNNING_WINDOW + 1)) if j != i]
        needed = max(1, round(_RUNNING_MIN_SHARE * len(others)))
        drop = set()
        for line, key in zip(edges[i], keys[i]):
            running = others and len(key) >= 3 and sum(
                any(_similar(key, other) for other in keys[j]) for j in others) >= needed
            if running or _PAGE_NUMBER.match(line.text):
                drop.add(id(line))
                removed.append(line.text)
        page.lines = [line for line in page.lines if id(line) not in drop]
    return removed


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 8:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= _RUNNING_SIMILARITY and matcher.ratio() >= _RUNNING_SIMILARITY


def _edge_lines(page: Page) -> list[Line]:
    """The first and last few lines of a page when they stand in its top or bottom zone."""
    lines = page.lines
    top = [l for l in lines[:_EDGE_LINES] if l.bottom <= page.height * _EDGE_ZONE]
    bottom = [l for l in lines[-_EDGE_LINES:] if l.top >= page.height * (1 - _EDGE_ZONE)]
    return top + [l for l in bottom if l not in top]


def _running_key(text: str) -> str:
    """Letters and digits only, marks folded, each number as "#"."""
    return re.sub(r"\d+", "#", "".join(ch for ch in fold(text) if ch.isalnum()))


def page_blocks(page: Page, edges: tuple[float, float] | None = None) -> list[_Block]:
    """Group a page's lines into blocks: paragraphs, or runs of lines centred on one axis
    (a title, a header or signature column), which keep their line breaks. `edges` are
    the text column's left and right edges if known from other pages of the same size."""
    lines = page.lines
    if not lines:
        return []
    geo = _Geometry.of(lines, edges)
    geo.size_change = _OCR_SIZE_CHANGE if page.ocr else _SIZE_CHANGE
    blocks: list[_Block] = []
    current = _Block([lines[0]])
    for prev, line in zip(lines, lines[1:]):
        if _separated(prev, line, geo):
            joins = False
        elif current.centred:
            joins = geo.centred_pair(prev, line)
        elif len(current.lines) == 1 and geo.centred_pair(prev, line, starts=True):
            joins = current.centred = True
        else:
            joins = not _new_paragraph(prev, line, geo, current)
        if joins:
            current.lines.append(line)
        else:
            blocks.append(current)
            current = _Block([line])
    blocks.append(current)
    for block in blocks:
        block.text = _block_text(block)
    return blocks


def column_edges(lines: list[Line]) -> tuple[float, float]:
    """Left and right edge of the text column: where most long lines start and end."""
    long = [l for l in lines if len(l.text) >= 20] or lines
    lefts = sorted(l.x0 for l in long)
    rights = sorted(l.x1 for l in long)
    return lefts[len(lefts) // 10], rights[-1 - len(rights) // 10]


@dataclass
class _Geometry:
    """What is usual on a page: column edges, character width, line pitch and height."""

    left: float
    right: float
    char: float
    pitch: float
    height: float
    size_change: float = _SIZE_CHANGE

    @classmethod
    def of(cls, lines: list[Line], edges: tuple[float, float] | None = None) -> "_Geometry":
        long = [l for l in lines if len(l.text) >= 20] or lines
        char = statistics.median((l.x1 - l.x0) / max(1, len(l.text)) for l in long)
        steps = [b.top - a.top for a, b in zip(lines, lines[1:]) if b.top > a.top]
        pitch = statistics.median(steps) if steps else statistics.median(l.height for l in lines)
        left, right = edges or column_edges(lines)
        return cls(left=left, right=right, char=max(char, 1e-6), pitch=pitch,
                   height=statistics.median(l.height for l in long))

    def full(self, line: Line) -> bool:
        """The line runs to the column's right edge (a wrapped line of a paragraph)."""
        return line.x1 >= self.right - 2 * self.char

    def centred_pair(self, a: Line, b: Line, starts: bool = False) -> bool:
        """Two lines centred on the same axis, not two full lines of a paragraph. To start
        a centred run the two must also start at different places (else they are
        left-aligned lines of about the same length)."""
        centre_a, centre_b = (a.x0 + a.x1) / 2, (b.x0 + b.x1) / 2
        if abs(centre_a - centre_b) > _CENTRE_SKEW * self.char:
            return False
        if self.full(a) and self.full(b):
            return False
        if not starts:
            return True
        # A list item and its hanging continuation can look centred; they are not.
        return abs(a.x0 - b.x0) > self.char and not _LIST_START.match(a.text)

    def hard_break(self, line: Line, following: Line) -> bool:
        """True if the next line's first word would have fitted after `line`."""
        room = self.right - line.x1
        return room > following.first_word + 2 * self.char


def _separated(prev: Line, line: Line, geo: _Geometry) -> bool:
    """Lines that never share a block: another OCR block, a wider gap, a jump back up
    (another column), or another font size."""
    if line.block != prev.block:
        return True
    if line.top - prev.top > _GAP_FACTOR * geo.pitch or line.top < prev.top - geo.pitch / 2:
        return True
    return abs(line.height - prev.height) > geo.size_change * max(line.height, prev.height)


def _new_paragraph(prev: Line, line: Line, geo: _Geometry, current: _Block) -> bool:
    """Within running text, does `line` start a new paragraph after `prev`?"""
    if _LIST_START.match(line.text) or geo.hard_break(prev, line):
        return True
    in_list = bool(_LIST_START.match(current.lines[0].text))
    return (not in_list and line.x0 > prev.x0 + _INDENT_CHARS * geo.char
            and line.x0 > geo.left + _INDENT_CHARS * geo.char)


def _block_text(block: _Block) -> str:
    if block.centred:
        return "\n".join(line.text for line in block.lines)
    text = block.lines[0].text
    for prev, line in zip(block.lines, block.lines[1:]):
        text += _glue(prev, text) + line.text
    return text


def _glue(line: Line, before: str) -> str:
    """What joins a wrapped line to the next: nothing after a hyphen or soft hyphen, else a space."""
    if line.soft_hyphen:
        return ""
    if before.endswith(("-", "‐")) and len(before) > 1 and before[-2].isalnum():
        return ""
    return " "


def _continues(block: _Block, page: Page, nxt: _Block, next_page: Page,
               edges: tuple[float, float] | None) -> bool:
    """Does the first block of a page continue the last block of the previous page?"""
    if block.centred or nxt.centred:
        return False
    last, first = block.lines[-1], nxt.lines[0]
    if _CLOSING.search(last.text) or _LIST_START.match(first.text):
        return False
    geo, next_geo = _Geometry.of(page.lines, edges), _Geometry.of(next_page.lines, edges)
    if geo.hard_break(last, first):
        return False
    if first.x0 <= next_geo.left + _INDENT_CHARS * next_geo.char:
        return True
    # A list item goes on at its hanging indent.
    return (len(block.lines) > 1 and bool(_LIST_START.match(block.lines[0].text))
            and abs(first.x0 - block.lines[1].x0) < next_geo.char)
