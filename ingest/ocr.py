"""OCR of page images with Tesseract's Vietnamese model, and how far to trust the result.

Tesseract is optional at run time: `tesseract_problem()` says why it cannot be used (binary
or Vietnamese data missing), and callers turn that into a one-line error naming
`apt-get install tesseract-ocr tesseract-ocr-vie`.

The `tesseract` binary is called directly (no pytesseract): one call per page reads the
image from stdin and writes TSV to stdout, which gives words, boxes and confidences in one
pass, with a hard timeout and OMP_THREAD_LIMIT=1 (Tesseract's own threads slow it down when
pages run side by side: one 300 dpi page took 8.4 s wall / 3.5 s CPU with them, 4.2 s /
2.0 s without, on the shared 2-core machine). Pages run `OCR_JOBS` at a time, each in its
own process (env VANKIEN_OCR_JOBS, default min(2, cores)).

Quality of a page: word confidence (mean, weighted by word length, 0–1) and the diacritics
rate (share of words carrying a Vietnamese mark: 0.88 on the generated notice; near 0 when
a scan lost its marks, or the text is not Vietnamese). `judge_page` grades a page ok, marked (stored with a
note), or dropped (not stored, with a note).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Iterable, Iterator

from vankien.ingest.normalize import fold, normalize_line
from vankien.ingest.page_layout import Line, Page, order_columns

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"
LANGUAGE = "vie"
# Render resolution. Measured (bench/bench_documents.py, scans at 200/150 dpi): CER
# 0.013 at 100 dpi, 0.006–0.008 at 150, 0.003–0.006 at 200, 0.004–0.005 at 300, no
# better at 400 for 40 % more CPU (2.2 CPU s a page at 300 dpi).
OCR_DPI = 300
OCR_JOBS = max(1, min(2, int(os.environ.get("VANKIEN_OCR_JOBS", os.cpu_count() or 1))))
PAGE_TIMEOUT_S = 180        # one page normally takes 2–5 s at 300 dpi
# A page is marked (stored with a note) below these, dropped below the second pair.
# Measured on the generated notice: clean scans at 100–400 dpi give 0.94–0.96; rendered at
# 50 dpi 0.77 with words already wrong ("Đúng" for "Đảng"); at 42 dpi 0.56, mostly noise.
MARK_CONFIDENCE, DROP_CONFIDENCE = 0.85, 0.60
MARK_DIACRITICS, DROP_DIACRITICS = 0.35, 0.10
_MIN_WORDS_FOR_RATE = 30    # the diacritics rate is judged on pages with enough words
# Specks of a scan come back as words with almost no confidence or boxes of a few pixels
# (a hyphen at 300 dpi is about 10×4).
_NOISE_CONFIDENCE = 30.0
_SPECK_AREA = 16
_COLUMN_GAP = 4.0           # a gap of 4 word heights inside a line separates two columns


class OcrError(RuntimeError):
    """Tesseract is missing or failed on a page; the message is one line."""


@dataclass
class OcrPage:
    """OCR of one page: positioned lines (pixels) and quality figures."""

    page: Page
    confidence: float = 0.0      # 0–1, mean word confidence weighted by word length
    diacritics_rate: float = 0.0  # share of alphabetic words with a Vietnamese mark
    words: int = 0
    dpi: int = OCR_DPI
    verdict: str = "ok"          # ok | marked | dropped | blank
    reason: str = ""             # why marked/dropped, for the note
    notes: list[str] = field(default_factory=list)


@cache
def tesseract_problem() -> str | None:
    """None if Tesseract with Vietnamese data can run; else a one-line reason naming the fix."""
    binary = shutil.which("tesseract")
    if not binary:
        return f"OCR needs Tesseract, which is not installed: {INSTALL_HINT}"
    try:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                                timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Tesseract does not run ({exc}): {INSTALL_HINT}"
    langs = {l.strip() for l in (listed.stdout + listed.stderr).splitlines()}
    if LANGUAGE not in langs:
        return f"Tesseract has no Vietnamese model: {INSTALL_HINT}"
    return None


def ocr_image(image, dpi: int = OCR_DPI) -> OcrPage:
    """OCR one PIL image (any mode) with the Vietnamese model; graded by `judge_page`.

    Raises OcrError when Tesseract is missing, times out or fails.
    """
    problem = tesseract_problem()
    if problem:
        raise OcrError(problem)
    buf = io.BytesIO()
    image.convert("L").save(buf, format="PPM")      # raw PGM: no compression cost
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", "3", "--dpi", str(dpi), "tsv"],
            input=buf.getvalue(), capture_output=True, timeout=PAGE_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"OCR of a page took over {PAGE_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"Tesseract failed: {detail[-1] if detail else done.returncode}")
    result = parse_tsv(done.stdout.decode("utf-8", "replace"), image.width, image.height)
    result.dpi = dpi
    return judge_page(result)


def ocr_images(items: Iterable[tuple[object, object, int]],
               jobs: int = OCR_JOBS) -> Iterator[tuple[object, OcrPage]]:
    """OCR (key, PIL image, dpi) items `jobs` at a time, yielding (key, OcrPage) in order.

    Items are drawn lazily, at most `jobs` ahead, so rendering (done by the caller's
    generator, in this thread: pdfium is not thread-safe) and memory stay bounded.
    """
    if jobs <= 1:
        for key, image, dpi in items:
            yield key, ocr_image(image, dpi)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending: list = []
        for key, image, dpi in items:
            pending.append((key, pool.submit(ocr_image, image, dpi)))
            if len(pending) >= jobs:
                key0, future = pending.pop(0)
                yield key0, future.result()
        for key, future in pending:
            yield key, future.result()


@dataclass
class OcrOutcome:
    """OCR of a document's pages: the pages kept, notes for the summary, provenance."""

    pages: dict[int, Page] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)


def ocr_document(items: Iterable[tuple[int, object, int]], reasons: dict[int, str]) -> OcrOutcome:
    """OCR (page index, image, dpi) items; keep good and marked pages, drop the rest with a note.

    `reasons` says why each page needed OCR ("no text layer", "text layer in a legacy …");
    any reason but "no text layer" is noted. Page numbers in notes and provenance are 1-based.
    """
    out = OcrOutcome()
    confidence: dict[str, float] = {}
    diacritics: dict[str, float] = {}
    dpis: list[int] = []
    marked: list[int] = []
    for index, result in ocr_images(items):
        number = index + 1
        confidence[str(number)] = result.confidence
        diacritics[str(number)] = result.diacritics_rate
        dpis.append(result.dpi)
        reason = reasons.get(index, "")
        if reason and reason != "no text layer":
            out.notes.append(f"page {number}: {reason}, read by OCR")
        if result.verdict == "dropped":
            out.notes.append(f"page {number}: {result.reason}, dropped")
        if result.verdict in ("dropped", "blank"):
            continue
        if result.verdict == "marked":
            out.notes.append(f"page {number}: {result.reason}")
            marked.append(number)
        out.pages[index] = result.page
    out.provenance = {
        "extractor": "tesseract", "ocr_pages": sorted(i + 1 for i in out.pages),
        "ocr_marked_pages": marked, "ocr_confidence": confidence,
        "ocr_diacritics_rate": diacritics, "ocr_dpi": max(dpis, default=0), "language": LANGUAGE}
    return out


def parse_tsv(tsv: str, width: int, height: int) -> OcrPage:
    """Tesseract TSV → lines with boxes (pixels) and the page's confidence and diacritics rate.

    Specks of a scan come back as words with very low confidence or a box of a few pixels:
    they are dropped. A line with a gap wider than _COLUMN_GAP word heights is two columns
    side by side (recipients beside the signature); those are read left column first.
    """
    rows: dict[tuple[int, int, int], list[_Word]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        word = _Word(cols[11].strip(), float(cols[10]), *(int(c) for c in cols[6:10]))
        if word.conf < _NOISE_CONFIDENCE or word.w * word.h <= _SPECK_AREA:
            continue
        rows.setdefault((int(cols[2]), int(cols[3]), int(cols[4])), []).append(word)
    split_rows: list[list[Line]] = []
    weighted = total = 0.0
    for (block, _, _), words in rows.items():
        for word in words:
            weighted += max(word.conf, 0.0) * len(word.text)
            total += len(word.text)
        split_rows.append([_line(part, block) for part in _split_at_gaps(words)])
    text = " ".join(w.text for words in rows.values() for w in words)
    return OcrPage(Page(order_columns(split_rows), float(width), float(height), ocr=True),
                   confidence=round(weighted / total / 100, 3) if total else 0.0,
                   diacritics_rate=round(diacritics_rate(text), 3),
                   words=len(text.split()))


@dataclass
class _Word:
    text: str
    conf: float
    left: int
    top: int
    w: int
    h: int


def _split_at_gaps(words: list[_Word]) -> list[list[_Word]]:
    height = _median([w.h for w in words])
    parts = [[words[0]]]
    for prev, word in zip(words, words[1:]):
        if word.left - (prev.left + prev.w) > _COLUMN_GAP * height:
            parts.append([])
        parts[-1].append(word)
    return parts


def _line(words: list[_Word], block: int) -> Line:
    return Line(text=" ".join(w.text for w in words),
                x0=min(w.left for w in words), x1=max(w.left + w.w for w in words),
                top=_median([w.top for w in words]), bottom=_median([w.top + w.h for w in words]),
                first_word=float(words[0].w), block=block)


def diacritics_rate(text: str) -> float:
    """Share of alphabetic words that carry a Vietnamese mark (tone, vowel mark or đ)."""
    words = [w for w in normalize_line(text).split() if w.isalpha()]
    if not words:
        return 0.0
    return sum(fold(w) != w.lower() for w in words) / len(words)


def judge_page(page: OcrPage) -> OcrPage:
    """Set verdict and reason: blank, dropped (too poor to store), marked, or ok."""
    if page.words == 0:
        page.verdict, page.reason = "blank", "no text found by OCR"
        return page
    rated = page.words >= _MIN_WORDS_FOR_RATE
    figures = f"OCR confidence {page.confidence:.2f}" + (
        f", diacritics rate {page.diacritics_rate:.2f}" if rated else "")
    if page.confidence < DROP_CONFIDENCE or (rated and page.diacritics_rate < DROP_DIACRITICS):
        page.verdict, page.reason = "dropped", figures + " — too poor to store"
    elif page.confidence < MARK_CONFIDENCE or (rated and page.diacritics_rate < MARK_DIACRITICS):
        page.verdict, page.reason = "marked", figures + " — stored but marked"
    return page


def _median(values: list[int]) -> float:
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2])
