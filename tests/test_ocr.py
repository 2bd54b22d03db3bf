"""OCR of scanned PDFs and page images with Tesseract's Vietnamese model (real Tesseract)."""
import os

import pytest

from vankien.ingest import ocr
from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_text
from vankien.ingest.read_binary import binary_format, read_binary
from vankien.ingest.read_pdf import read_pdf, render_page

import doc_samples

pytestmark = pytest.mark.skipif(
    ocr.tesseract_problem() is not None and not os.environ.get("CI"),
    reason=f"{ocr.tesseract_problem()} (make system-packages)")

MAX_CER = 0.03          # measured 0.005 at 300 dpi on this scan (bench_documents.py)


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ocr")
    notice = doc_samples.load_notice()
    text_pdf = doc_samples.text_pdf(folder / "notice.pdf", notice)
    scan = doc_samples.scan_pdf(folder / "scan.pdf", text_pdf, dpi=200, pages=2)
    return {"folder": folder, "text_pdf": text_pdf, "scan": scan}


@pytest.fixture(scope="module")
def scanned(samples) -> RawDocument:
    raw = samples["scan"].read_bytes()
    found = read_binary(binary_format(raw, ".pdf"), raw, "scan.pdf", "x")
    assert isinstance(found, RawDocument), found
    return found


@pytest.fixture(scope="module")
def layer_text(samples) -> str:
    """The text layer of the same two pages: what OCR should give back."""
    import pypdf
    writer = pypdf.PdfWriter(clone_from=str(samples["text_pdf"]))
    while len(writer.pages) > 2:
        writer.remove_page(len(writer.pages) - 1)
    path = samples["folder"] / "two_pages.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    return read_pdf(path.read_bytes(), "two_pages.pdf", "x").text


def test_scan_is_read_by_ocr_and_marked_in_provenance(scanned):
    prov = scanned.provenance
    assert prov["extractor"] == "tesseract" and prov["language"] == "vie"
    assert prov["ocr_pages"] == [1, 2] and prov["ocr_marked_pages"] == []
    assert prov["ocr_dpi"] == ocr.OCR_DPI
    assert all(c >= 0.85 for c in prov["ocr_confidence"].values())
    assert all(r >= 0.6 for r in prov["ocr_diacritics_rate"].values())
    assert scanned.notes == [] and len(scanned.page_starts) == 1


def test_ocr_text_matches_the_text_layer(scanned, layer_text):
    assert doc_samples.cer(layer_text, scanned.text) <= MAX_CER
    assert scanned.text == normalize_text(scanned.text)


def test_ocr_keeps_diacritics_and_header(scanned):
    assert "Ban Chỉ đạo thực hiện quy chế dân chủ" in scanned.text
    assert "kinh tế - xã hội" in scanned.text
    assert scanned.fields["doc_number"] == "210-TB/BCĐ"
    assert scanned.fields["issued_date"] == "2020-07-13"
    assert scanned.fields["doc_type"] == "Thông báo"
    assert doc_samples.RUNNING_HEADER not in scanned.text and "Trang 1/" not in scanned.text


def test_ocr_paragraphs_are_whole(scanned, layer_text):
    blocks = scanned.text.split("\n\n")
    opening = next(b for b in blocks if b.startswith("Ngày 13/7/2020"))
    assert opening.endswith("Trưởng Ban Chỉ đạo tỉnh kết luận:")


def test_low_resolution_page_is_reported_not_stored_as_noise(samples):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(samples["text_pdf"]))
    image, _ = render_page(pdf[1], dpi=300)
    pdf.close()
    tiny = image.resize((image.width // 7, image.height // 7))     # ~43 dpi, rendered as is
    result = ocr.ocr_image(tiny, dpi=43)
    assert result.verdict == "dropped", (result.confidence, result.diacritics_rate)
    assert result.reason.startswith("OCR confidence")


def test_judge_page_grades():
    page = ocr.OcrPage(page=None, confidence=0.91, diacritics_rate=0.8, words=200)
    assert ocr.judge_page(page).verdict == "ok"
    page = ocr.OcrPage(page=None, confidence=0.72, diacritics_rate=0.8, words=200)
    assert ocr.judge_page(page).reason == "OCR confidence 0.72, diacritics rate 0.80 — stored but marked"
    page = ocr.OcrPage(page=None, confidence=0.9, diacritics_rate=0.02, words=200)
    assert ocr.judge_page(page).verdict == "dropped"
    page = ocr.OcrPage(page=None, confidence=0.55, diacritics_rate=0.0, words=5)
    assert ocr.judge_page(page).reason == "OCR confidence 0.55 — too poor to store"
    assert ocr.judge_page(ocr.OcrPage(page=None, words=0)).verdict == "blank"


def test_page_image_file_is_read(samples):
    path = doc_samples.image_file(samples["folder"] / "page1.png", samples["text_pdf"], dpi=150)
    raw = path.read_bytes()
    found = read_binary(binary_format(raw, ".png"), raw, "page1.png", "x")
    assert isinstance(found, RawDocument), found
    assert found.format == "image" and found.provenance["ocr_pages"] == [1]
    assert found.provenance["ocr_dpi"] >= 280          # 150 dpi scaled up before OCR
    assert found.fields["doc_number"] == "210-TB/BCĐ"


def test_without_tesseract_a_scan_is_an_error_naming_the_packages(samples, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))           # no tesseract on this PATH
    ocr.tesseract_problem.cache_clear()
    try:
        found = read_pdf(samples["scan"].read_bytes(), "scan.pdf", "x")
    finally:
        monkeypatch.undo()
        ocr.tesseract_problem.cache_clear()
    assert isinstance(found, ReadError)
    assert found.reason == ("scanned PDF (no text layer on pages 1–2): OCR needs Tesseract, "
                            "which is not installed: apt-get install tesseract-ocr tesseract-ocr-vie")


def test_unreadable_page_of_a_scan_is_dropped_with_a_note(samples):
    import pypdfium2 as pdfium
    from PIL import Image
    pdf = pdfium.PdfDocument(str(samples["scan"]))
    good, _ = render_page(pdf[0], dpi=200)
    blurred, _ = render_page(pdf[1], dpi=200)
    pdf.close()
    blurred = blurred.resize((blurred.width // 10, blurred.height // 10)).resize(blurred.size, Image.BILINEAR)
    path = samples["folder"] / "half_unreadable.pdf"
    good.save(path, "PDF", save_all=True, append_images=[blurred], resolution=200)
    found = read_pdf(path.read_bytes(), "half_unreadable.pdf", "x")
    assert isinstance(found, RawDocument), found
    assert found.provenance["ocr_pages"] == [1], (found.provenance, found.notes)
    assert len(found.notes) == 1 and found.notes[0].startswith("page 2: OCR confidence")
    assert found.notes[0].endswith("too poor to store, dropped")
    assert found.page_starts == [len(found.text)]       # page 2 kept its place, empty
    assert "Số 210-TB/BCĐ" in found.text
