"""PDF text layer: reading order, paragraphs across lines and pages, running lines, bounds."""
import time

import pypdfium2 as pdfium
import pytest

from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_line, normalize_text
from vankien.ingest.page_layout import Line, Page, assemble
from vankien.ingest.read_binary import binary_format, read_binary
from vankien.ingest.read_pdf import MAX_PAGES, layer_problem, read_pdf
from vankien.ingest.readers import iter_documents

import doc_samples

BUDGET_S = 5    # a bad file is refused in well under this (a hang or a blow-up would not be)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def notice():
    return doc_samples.load_notice()


@pytest.fixture(scope="module")
def text_pdf(folder, notice):
    return doc_samples.text_pdf(folder / "notice.pdf", notice)


@pytest.fixture(scope="module")
def doc(text_pdf) -> RawDocument:
    raw = text_pdf.read_bytes()
    found = read_binary(binary_format(raw, ".pdf"), raw, "notice.pdf", "hash")
    assert isinstance(found, RawDocument), found
    return found


def test_every_paragraph_is_one_block_in_reading_order(doc, notice):
    blocks = doc.text.split("\n\n")
    positions = []
    for paragraph in notice.paragraphs:
        expected = normalize_line(paragraph)
        assert expected in blocks, expected[:80]
        positions.append(blocks.index(expected))
    assert positions == sorted(positions)


def test_header_columns_title_and_signature_keep_their_lines(doc):
    blocks = doc.text.split("\n\n")
    assert blocks[0] == "TỈNH ỦY HẢI DƯƠNG\nBAN CHỈ ĐẠO THỰC HIỆN\nQUY CHẾ DÂN CHỦ Ở CƠ SỞ\n*\nSố 210-TB/BCĐ"
    assert blocks[1:4] == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Hải Dương, ngày 13 tháng 7 năm 2020", "THÔNG BÁO"]
    assert blocks[-1] == ("T/M BAN CHỈ ĐẠO\nPHÓ BÍ THƯ TỈNH ỦY\nkiêm\nTRƯỞNG BAN CHỈ ĐẠO\n"
                          "(Đã ký)\nDương Văn An")


def test_running_header_footer_and_page_numbers_are_removed(doc):
    assert doc_samples.RUNNING_HEADER not in doc.text
    assert doc_samples.FOOTER not in doc.text and "Trang " not in doc.text
    assert not [b for b in doc.text.split("\n\n") if b.strip().isdigit()]


def test_text_is_normalised(doc):
    assert doc.text == normalize_text(doc.text)
    assert "uỷ" not in doc.text and "cấp ủy đảng" in doc.text     # one tone style (seed has "uỷ")


def test_page_starts_point_at_each_page_first_words(doc, text_pdf):
    assert len(doc.page_starts) == 3 and doc.page_starts == sorted(doc.page_starts)
    pdf = pdfium.PdfDocument(str(text_pdf))
    for number, start in enumerate(doc.page_starts, start=2):
        textpage = pdf[number - 1].get_textpage()
        lines = [l.strip() for l in textpage.get_text_range().splitlines()]
        first = next(l for l in lines if l and l != doc_samples.RUNNING_HEADER and not l.isdigit())
        assert doc.text[start:].startswith(normalize_line(first)[:25])
    pdf.close()


def test_a_paragraph_cut_by_a_page_break_is_joined(doc):
    # Page 2 starts inside a paragraph: it is one block, and its page start is inside it.
    start = doc.page_starts[0]
    block_start = doc.text.rfind("\n\n", 0, start) + 2
    block_end = doc.text.find("\n\n", start)
    assert block_start < start < block_end


def test_provenance_and_fields(doc):
    assert doc.format == "pdf" and doc.notes == []
    assert doc.provenance == {"format": "pdf", "extractor": "pypdfium2", "pages": 4}
    assert doc.fields["doc_number"] == "210-TB/BCĐ"
    assert doc.fields["issued_date"] == "2020-07-13"
    assert doc.fields["doc_type"] == "Thông báo"
    assert doc.fields["issuer"] == "BAN CHỈ ĐẠO THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ TỈNH ỦY HẢI DƯƠNG"
    assert doc.fields["signer"] == "Dương Văn An"
    assert doc.fields["title"].startswith("THÔNG BÁO Ý KIẾN KẾT LUẬN CỦA ĐỒNG CHÍ DƯƠNG VĂN AN")


# Layout rules on positioned lines (points, y down): what the text layer and OCR both feed.

def _page(*rows, width=600.0, height=800.0):
    lines = [Line(text, x0, x1, top, top + 12, first_word=len(text.split()[0]) * 6.0)
             for text, x0, x1, top in rows]
    return Page(lines, width, height)


def test_wrapped_lines_join_and_hyphens_stay():
    page = _page(("Tình hình dịch bệnh Covid-", 80, 520, 100),
                 ("19 được kiểm soát; kinh tế -", 80, 520, 115),
                 ("xã hội phục hồi tốt trong quý đầu của năm.", 80, 330, 130),
                 ("Đoạn sau bắt đầu ở dòng mới và thụt đầu dòng một chút.", 110, 520, 145))
    text = assemble([page]).text
    assert text.split("\n\n") == [
        "Tình hình dịch bệnh Covid-19 được kiểm soát; kinh tế - xã hội phục hồi tốt trong quý đầu của năm.",
        "Đoạn sau bắt đầu ở dòng mới và thụt đầu dòng một chút."]


def test_soft_hyphen_joins_without_space():
    page = _page(("Văn bản hướng dẫn infor\u00ad", 80, 520, 100), ("mation đầy đủ.", 80, 200, 115))
    assert assemble([page]).text == "Văn bản hướng dẫn information đầy đủ."


def test_list_items_and_paragraph_across_pages():
    first = _page(("- Mục thứ nhất của danh sách đi tới tận lề phải của trang", 80, 520, 100),
                  ("và xuống dòng.", 80, 170, 115),
                  ("- Mục thứ hai tiếp tục đến cuối trang mà chưa hết câu nên", 80, 520, 130))
    second = _page(("tiếp tục ở trang sau và kết thúc tại đây.", 80, 330, 100))
    laid = assemble([first, second])
    assert laid.text.split("\n\n") == [
        "- Mục thứ nhất của danh sách đi tới tận lề phải của trang và xuống dòng.",
        "- Mục thứ hai tiếp tục đến cuối trang mà chưa hết câu nên tiếp tục ở trang sau và kết thúc tại đây."]
    assert laid.text[laid.page_starts[0]:].startswith("tiếp tục ở trang sau")


def test_closed_paragraph_at_page_end_is_not_joined():
    first = _page(("Câu này kết thúc đúng ở cuối trang và có dấu chấm cuối câu.", 80, 520, 100))
    second = _page(("Trang sau mở đầu một đoạn mới hoàn toàn khác với đoạn trước.", 80, 520, 100))
    laid = assemble([first, second])
    assert len(laid.text.split("\n\n")) == 2
    assert laid.page_starts == [laid.text.index("Trang sau")]


def test_running_lines_found_despite_ocr_variation():
    pages = [_page((header, 80, 300, 20), (f"Nội dung riêng của trang số {n} ở giữa trang.", 80, 520, 400),
                   (f"- {n} -", 290, 310, 770))
             for n, header in enumerate(["Ban Chỉ đạo QCDC tỉnh – Bản điện tử",
                                         "Bạn Chỉ đạo QCDC tỉnh - Bản điện tử",
                                         "Ban Chỉ đạo QCDC tinh – Bản điện tử:"], start=1)]
    laid = assemble(pages)
    assert "Bản điện tử" not in laid.text and "- 2 -" not in laid.text
    assert laid.text.count("Nội dung riêng") == 3


@pytest.mark.parametrize("text, problem", [
    ("Thông báo kết luận của Ban Thường vụ Tỉnh ủy về việc thực hiện quy chế dân chủ", None),
    ("The conclusion notice of the provincial standing committee on democracy", None),
    ("Th«ng b¸o kÕt luËn cña Ban Th­êng vô TØnh ñy vÒ viÖc thùc hiÖn quy chÕ d©n chñ", "legacy"),
    ("Thong bao ket luan cua Ban Thuong vu Tinh uy ve viec thuc hien quy che dan chu", "diacritics"),
    ("", "no text layer"),
    ("\ue001\ue002\ue003 \ue004\ue005 \ue006\ue007\ue008\ue009 abcdefghijkl", "Unicode"),
])
def test_layer_problem(text, problem):
    found = layer_problem(text)
    assert (found is None) if problem is None else (problem in found)


# Bad input: each a one-line error within the budget; the batch goes on.

def _blank_pdf(path, pages=1, size=(595, 842), password=None, owner=None):
    import pypdf
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    if password is not None or owner is not None:
        writer.encrypt(user_password=password or "", owner_password=owner or "owner")
    with open(path, "wb") as out:
        writer.write(out)
    return path


@pytest.fixture(scope="module")
def bad_folder(folder, text_pdf):
    import pypdf
    bad = folder / "bad"
    bad.mkdir()
    writer = pypdf.PdfWriter(clone_from=str(text_pdf))
    writer.encrypt(user_password="mat-khau", owner_password="chu")
    with open(bad / "encrypted.pdf", "wb") as out:
        writer.write(out)
    raw = text_pdf.read_bytes()
    (bad / "corrupt.pdf").write_bytes(raw[:9] + bytes(range(256)) * 40)
    _blank_pdf(bad / "many_pages.pdf", pages=MAX_PAGES + 1, size=(100, 100))
    _blank_pdf(bad / "huge_page.pdf", size=(20000, 20000))
    (bad / "good.pdf").write_bytes(raw)
    return bad


@pytest.mark.parametrize("name, reason", [
    ("encrypted.pdf", "encrypted PDF: it needs a password to open"),
    ("corrupt.pdf", "corrupt PDF"),
    ("many_pages.pdf", f"PDF has {MAX_PAGES + 1} pages (limit {MAX_PAGES})"),
    ("huge_page.pdf", "page 1 is 20000×20000 pt, beyond the PDF page size limit"),
])
def test_bad_pdf_is_one_line_error_within_budget(bad_folder, name, reason):
    start = time.perf_counter()
    found = read_pdf((bad_folder / name).read_bytes(), name, "x")
    assert time.perf_counter() - start < BUDGET_S
    assert isinstance(found, ReadError)
    assert found.reason.startswith(reason) and "\n" not in found.reason


def test_batch_goes_on_after_bad_pdfs(bad_folder):
    items = list(iter_documents([bad_folder]))
    errors = {i.source_key for i in items if isinstance(i, ReadError)}
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert errors == {"corrupt.pdf", "encrypted.pdf", "huge_page.pdf", "many_pages.pdf"}
    assert [d.source_path for d in docs] == ["good.pdf"]
    assert docs[0].fields["doc_number"] == "210-TB/BCĐ"


def test_owner_password_only_pdf_is_read(folder, text_pdf):
    import pypdf
    writer = pypdf.PdfWriter(clone_from=str(text_pdf))
    writer.encrypt(user_password="", owner_password="chi-chu-so-huu")
    path = folder / "restricted.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    found = read_pdf(path.read_bytes(), "restricted.pdf", "x")
    assert isinstance(found, RawDocument) and "Số 210-TB/BCĐ" in found.text


def test_blank_pdf_is_an_error_not_an_empty_document(folder):
    path = _blank_pdf(folder / "blank.pdf", pages=2)
    found = read_pdf(path.read_bytes(), "blank.pdf", "x")
    assert isinstance(found, ReadError) and found.reason.startswith("no readable text in the PDF")


def test_format_detection():
    assert binary_format(b"%PDF-1.7\n...", ".bin") == "pdf"
    assert binary_format(b"\x00\x00junk%PDF-1.4", "") == "pdf"
    assert binary_format(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 8, ".doc") == "doc"
    assert binary_format(b"\x89PNG\r\n\x1a\n....", ".png") == "image"
    assert binary_format(b"\xff\xd8\xff\xe0", ".jpg") == "image"
    assert binary_format(b"not a pdf at all", ".pdf") == "pdf"     # reported as corrupt, not read as text
    assert binary_format("Thông báo kết luận".encode(), ".txt") is None
    assert binary_format(b"<html><body>a</body></html>", ".doc") is None   # HTML saved as .doc
