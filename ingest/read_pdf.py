"""PDF reader: the text layer through pypdfium2, OCR for pages without a usable one.

Why pypdfium2 (bench/bench_documents.py, on the generated 4-page Vietnamese notice): raw
extraction at 360 pages/s against 50 for pypdf and 6.5 for pdfplumber, with the same text
(character error rate 0 for pypdfium2 and pypdf; 0.029 for pdfplumber, which merges the
two header columns line by line: "TỈNH ỦY HẢI DƯƠNG ĐẢNG CỘNG SẢN VIỆT NAM"). It also
gives each character's box and font size (for the layout rules of page_layout) and renders
pages for OCR, so one library does both. With layout repair read_pdf runs ~55 pages/s.

Each page is either read from its text layer or, when that layer is missing or unusable
(a scan; legacy TCVN3/VNI fonts; glyphs without Unicode; Vietnamese without its marks),
rendered at `ocr.OCR_DPI` and OCR'd. Bounds checked before any page is read: page count
(`MAX_PAGES`), page size (the PDF format's own 200-inch limit) and rendered pixels
(`MAX_RENDER_PIXELS`). What can be slow: OCR (2–5 s a page), and pdfium on a page whose
content stream is huge; the caller's per-file time budget covers both.
"""
from __future__ import annotations

import ctypes
import math
import re
import statistics
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from vankien.ingest import ocr
from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import fold
from vankien.ingest.page_layout import Line, Page, assemble

MAX_PAGES = 2000
MAX_PAGE_SIDE_PT = 14400          # 200 inches: the largest page the PDF format allows
MAX_RENDER_PIXELS = 60_000_000    # A4 at 300 dpi is 8.7 Mpx, A0 at 150 dpi 27 Mpx
MIN_OCR_DPI = 150                 # below this Tesseract loses Vietnamese marks
_MIN_LETTERS = 10                 # fewer letters than this on a page: no text layer
_BAD_SHARE = 0.10                 # share of unmapped glyphs that makes a layer unusable
_LEGACY_WORD_SHARE = 0.2          # words with Latin-1 letters and no Vietnamese letter
_STRIPPED_SHARE = 0.08            # share of words that are Vietnamese written without marks
_COLUMN_GAP_EM = 2.0              # a gap wider than 2 font sizes separates two cells
# Letters only Vietnamese uses (ă đ ơ ư and the precomposed tone letters); â ê ô are
# Latin-1 too, and legacy TCVN3/VNI text is full of them.
_VIETNAMESE = re.compile(r"[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
_LATIN1 = re.compile(r"[\u00a0-\u00ff]")
# Frequent Vietnamese words that always carry a mark, as they look when the marks are lost.
_STRIPPED_WORDS = frozenset("cua cac duoc nguoi nhung viec trong thuc hien chinh quyen "
                            "tinh huyen xa dan cong tac nhan".split())


@dataclass
class _PageText:
    """A page read from its text layer, or the reason it needs OCR."""

    page: Page
    problem: str = ""


def read_pdf(raw: bytes, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    """Read a PDF into one RawDocument (text, page starts, provenance, notes) or a ReadError."""
    try:
        doc = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        return ReadError(source_path, _open_error(exc))
    try:
        return _read(doc, source_path, raw_hash)
    except ocr.OcrError as exc:
        return ReadError(source_path, str(exc))
    except pdfium.PdfiumError as exc:
        return ReadError(source_path, f"corrupt PDF: {exc}")
    finally:
        doc.close()


def _open_error(exc: Exception) -> str:
    message = str(exc)
    if "password" in message.lower():
        return "encrypted PDF: it needs a password to open"
    reason = message.split("(PDFium:", 1)[-1].strip(" ).") if "PDFium:" in message else message
    return f"corrupt PDF ({reason.lower()})"


def check_bounds(doc: pdfium.PdfDocument) -> str | None:
    """One-line reason the document is too big to read (page count, page size), else None."""
    count = len(doc)
    if count == 0:
        return "PDF has no pages"
    if count > MAX_PAGES:
        return f"PDF has {count} pages (limit {MAX_PAGES})"
    for index in range(count):
        width, height = doc.get_page_size(index)
        if max(width, height) > MAX_PAGE_SIDE_PT or min(width, height) <= 0:
            return (f"page {index + 1} is {width:.0f}×{height:.0f} pt, beyond the PDF page "
                    f"size limit ({MAX_PAGE_SIDE_PT} pt)")
    return None


def _read(doc: pdfium.PdfDocument, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    too_big = check_bounds(doc)
    if too_big:
        return ReadError(source_path, too_big)
    count = len(doc)
    pages: list[Page | None] = []
    needs_ocr: dict[int, str] = {}
    for index in range(count):
        page = doc[index]
        try:
            found = read_page_text(page)
        finally:
            page.close()
        pages.append(None if found.problem else found.page)
        if found.problem:
            needs_ocr[index] = found.problem
    notes: list[str] = []
    provenance: dict = {"format": "pdf", "extractor": "pypdfium2", "pages": count}
    if needs_ocr:
        problem = ocr.tesseract_problem()
        if problem:
            return ReadError(source_path, f"{_describe(needs_ocr, count)}: {problem}")
        _ocr_pages(doc, needs_ocr, pages, provenance, notes)
    if not any(p and p.lines for p in pages):
        reason = "; ".join(notes) if notes else "no text on any page"
        return ReadError(source_path, f"no readable text in the PDF ({reason})")
    laid = assemble([p or Page([], 1.0, 1.0) for p in pages])
    return RawDocument(source_path, laid.text, "pdf", raw_hash, provenance=provenance,
                       notes=notes, page_starts=laid.page_starts)


def _describe(needs_ocr: dict[int, str], count: int) -> str:
    """ "scanned PDF (no text layer on pages 1–4)" and the like, for the error line."""
    pages = _ranges(sorted(i + 1 for i in needs_ocr))
    reasons = sorted(set(needs_ocr.values()))
    what = "scanned PDF" if reasons == ["no text layer"] and len(needs_ocr) == count else "PDF"
    return f"{what} ({', '.join(reasons)} on page{'s' if len(needs_ocr) > 1 else ''} {pages})"


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    for n in numbers:
        if out and out[-1].split("–")[-1] == str(n - 1):
            out[-1] = out[-1].split("–")[0] + f"–{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _ocr_pages(doc: pdfium.PdfDocument, needs_ocr: dict[int, str], pages: list[Page | None],
               provenance: dict, notes: list[str]) -> None:
    """OCR the pages listed in `needs_ocr` (rendered one by one), grade them, fill in `pages`."""
    def images():
        for index in sorted(needs_ocr):
            page = doc[index]
            try:
                image, dpi = render_page(page)
            finally:
                page.close()
            if image is None:
                notes.append(f"page {index + 1}: too large to render for OCR, not read")
                continue
            yield index, image, dpi

    outcome = ocr.ocr_document(images(), needs_ocr)
    for index, page in outcome.pages.items():
        pages[index] = page
    notes.extend(outcome.notes)
    provenance.update(outcome.provenance)
    if len(needs_ocr) < len(pages):
        provenance["extractor"] = "pypdfium2+tesseract"


def render_page(page: pdfium.PdfPage, dpi: int = ocr.OCR_DPI):
    """(greyscale PIL image, dpi used) of a page, the dpi lowered to stay within
    MAX_RENDER_PIXELS; (None, 0) if even MIN_OCR_DPI would exceed it."""
    width, height = page.get_size()
    scale = dpi / 72
    if width * height * scale * scale > MAX_RENDER_PIXELS:
        scale = math.sqrt(MAX_RENDER_PIXELS / (width * height))
        if scale * 72 < MIN_OCR_DPI:
            return None, 0
    bitmap = page.render(scale=scale, grayscale=True)
    image = bitmap.to_pil().copy()      # the copy owns its pixels; the bitmap can go
    bitmap.close()
    return image, round(scale * 72)


def read_page_text(page: pdfium.PdfPage) -> _PageText:
    """The page's text-layer lines, or the reason the layer cannot be used (then OCR it)."""
    textpage = page.get_textpage()
    try:
        lines = text_lines(textpage, page)
    finally:
        textpage.close()
    width, height = _display_size(page)
    found = _PageText(Page(lines, width, height))
    text = " ".join(l.text for l in lines)
    found.problem = layer_problem(text) or ""
    if found.problem == "no text layer" and not _has_image(page):
        found.problem = ""          # a blank page: nothing to read, nothing to OCR
    return found


def layer_problem(text: str) -> str | None:
    """Why a page's text layer is not usable text, or None if it is."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < _MIN_LETTERS:
        return "no text layer"
    bad = sum(ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or (ch < " " and ch not in "\t\n\r\x02")
              for ch in text)
    if bad > _BAD_SHARE * len(text):
        return "text layer without Unicode mapping"
    words = text.split()
    if not _VIETNAMESE.search(text):
        legacy = sum(bool(_LATIN1.search(w)) for w in words)
        if legacy >= _LEGACY_WORD_SHARE * len(words):
            return "text layer in a legacy Vietnamese font encoding (TCVN3/VNI)"
        stripped = sum(fold(w.strip(".,;:()")) in _STRIPPED_WORDS for w in words)
        if stripped >= _STRIPPED_SHARE * len(words):
            return "text layer without Vietnamese diacritics"
    return None


def _has_image(page: pdfium.PdfPage) -> bool:
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        return True
    return False


def _display_size(page: pdfium.PdfPage) -> tuple[float, float]:
    width, height = page.get_size()
    return (height, width) if page.get_rotation() in (90, 270) else (width, height)


def text_lines(textpage: pdfium.PdfTextPage, page: pdfium.PdfPage) -> list[Line]:
    """Lines of the text layer in pdfium's reading order, in display coordinates (points,
    y down). Horizontal extents come from
    the glyph boxes, the vertical ones from the baseline and font size (glyph boxes vary
    with accents: "Ỉ" stands taller than "T")."""
    count = textpage.count_chars()
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    if len(text) != count:      # characters outside the BMP: one index each, read singly
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD)
                       for i in range(count))
    to_display = _transform(page)
    lines: list[Line] = []
    chars: list[tuple[str, int, tuple[float, float, float, float]]] = []
    for index, ch in enumerate(text):
        if ch == "\n":
            lines.extend(_segments(chars, textpage, to_display))
            chars = []
        elif ch != "\r":
            chars.append((ch, index, to_display(textpage.get_charbox(index))))
    lines.extend(_segments(chars, textpage, to_display))
    return lines


def _transform(page: pdfium.PdfPage):
    """Map pdfium boxes and points (y up, unrotated) to display coordinates (y down)."""
    width, height = page.get_size()
    rotation = page.get_rotation()

    def point(x: float, y: float) -> tuple[float, float]:
        if rotation == 90:
            return y, x
        if rotation == 180:
            return width - x, y
        if rotation == 270:
            return height - y, width - x
        return x, height - y

    def box(b: tuple[float, ...]) -> tuple[float, ...]:
        if len(b) == 2:
            return point(*b)
        (ax, ay), (bx, by) = point(b[0], b[1]), point(b[2], b[3])
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    return box


_Char = tuple[str, int, tuple[float, float, float, float]]


def _segments(chars: list[_Char], textpage, to_display) -> list[Line]:
    """The Line of one pdfium line; a gap wider than _COLUMN_GAP_EM (table cells, or two
    columns written row by row) becomes " | " in its text."""
    run: list[_Char] = []
    last_right = None
    em = 0.0
    for ch, index, box in chars:
        if not ch.isspace() and box[2] > box[0]:
            em = em or pdfium_c.FPDFText_GetFontSize(textpage.raw, index) or (box[3] - box[1])
            if last_right is not None and box[0] - last_right > _COLUMN_GAP_EM * max(em, 1.0):
                run.append((" | ", -1, (last_right, box[1], last_right, box[3])))
            last_right = box[2]
        run.append((ch, index, box))
    line = _line(run, textpage, to_display)
    return [line] if line.text else []


def _line(run: list[_Char], textpage, to_display) -> Line:
    inked = [(ch, index, box) for ch, index, box in run
             if index >= 0 and not ch.isspace() and box[2] > box[0]]
    text = "".join(ch for ch, _, _ in run).strip()
    if not inked or not text:
        return Line("", 0, 0, 0, 0)
    x0 = min(box[0] for _, _, box in inked)
    first_word_end = x0
    for ch, _, box in run:
        if ch.isspace() and first_word_end > x0:
            break
        if not ch.isspace():
            first_word_end = max(first_word_end, box[2])
    baselines, sizes = [], []
    x, y = ctypes.c_double(), ctypes.c_double()
    for _, index, _ in inked[:8]:           # a few characters tell the baseline and size
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, x, y)
        baselines.append(to_display((x.value, y.value))[1])
        sizes.append(pdfium_c.FPDFText_GetFontSize(textpage.raw, index))
    baseline, size = statistics.median(baselines), statistics.median(sizes) or 1.0
    return Line(text, x0=x0, x1=max(box[2] for _, _, box in inked), top=baseline - 0.8 * size,
                bottom=baseline + 0.2 * size, first_word=first_word_end - x0)
