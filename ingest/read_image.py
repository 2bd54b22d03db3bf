"""Image files of pages (PNG, JPEG, TIFF with one page per frame, …): OCR only.

Without a resolution in the file, the resolution is estimated from the page's shorter side
(taken as A4's 8.27 in); an image below OCR_DPI is scaled up to it (bounded by
MAX_RENDER_PIXELS), since Tesseract drops Vietnamese marks on small glyphs.
"""
from __future__ import annotations

import io
import math

from vankien.ingest import ocr
from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.page_layout import Page, assemble
from vankien.ingest.read_pdf import MAX_PAGES, MAX_RENDER_PIXELS

_A4_SHORT_SIDE_IN = 8.27
_MIN_DECLARED_DPI = 50          # below this a declared resolution is a placeholder


def read_image(raw: bytes, source_path: str, raw_hash: str) -> RawDocument | ReadError:
    """OCR an image file (every frame a page) into one RawDocument, or a ReadError."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(raw))     # lazy: reads the header only
    except (UnidentifiedImageError, OSError):
        return ReadError(source_path, "corrupt image (not a readable PNG, JPEG, TIFF or WebP file)")
    width, height = image.size
    if width * height > MAX_RENDER_PIXELS:
        return ReadError(source_path, f"image of {width}×{height} px (limit "
                                      f"{MAX_RENDER_PIXELS // 1_000_000} Mpx)")
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_PAGES:
        return ReadError(source_path, f"image has {frames} frames (limit {MAX_PAGES})")
    problem = ocr.tesseract_problem()
    if problem:
        return ReadError(source_path, f"image of a page: {problem}")
    try:
        outcome = ocr.ocr_document(_frames(image, frames), {})
    except (OSError, ValueError) as exc:        # truncated or corrupt pixel data
        return ReadError(source_path, f"corrupt image ({exc})")
    except ocr.OcrError as exc:
        return ReadError(source_path, str(exc))
    if not outcome.pages:
        reason = "; ".join(outcome.notes) or "no text found by OCR"
        return ReadError(source_path, f"no readable text in the image ({reason})")
    laid = assemble([outcome.pages.get(i) or Page([], 1.0, 1.0) for i in range(frames)])
    provenance = {"format": "image", "pages": frames, **outcome.provenance}
    return RawDocument(source_path, laid.text, "image", raw_hash, provenance=provenance,
                       notes=outcome.notes, page_starts=laid.page_starts)


def _frames(image, count: int):
    """(index, greyscale frame scaled to about OCR_DPI, dpi) for each frame."""
    for index in range(count):
        image.seek(index)
        frame = image.convert("L")
        dpi = _resolution(image, frame)
        scale = min(ocr.OCR_DPI / dpi, math.sqrt(MAX_RENDER_PIXELS / (frame.width * frame.height)))
        if scale > 1.05:
            frame = frame.resize((round(frame.width * scale), round(frame.height * scale)),
                                 resample=3)      # bicubic
            dpi = round(dpi * scale)
        yield index, frame, int(dpi)


def _resolution(image, frame) -> float:
    declared = image.info.get("dpi")
    if declared and min(declared) >= _MIN_DECLARED_DPI:
        return float(min(declared))
    return min(frame.width, frame.height) / _A4_SHORT_SIDE_IN
