"""Word documents (.docx through python-docx, .doc through antiword), zip bombs, attachments."""
import shutil
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest

from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.normalize import normalize_line, normalize_text
from vankien.ingest.read_binary import binary_format, find_attachment, read_binary
from vankien.ingest.read_doc import read_doc
from vankien.ingest.read_docx import read_docx
from vankien.ingest.readers import iter_documents

import doc_samples

DOC_SAMPLE = Path(__file__).parent / "data" / "docs" / "notice.doc"   # notice.docx saved by LibreOffice
BUDGET_S = 5


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("docx")


@pytest.fixture(scope="module")
def notice():
    return doc_samples.load_notice()


@pytest.fixture(scope="module")
def docx_path(folder, notice):
    return doc_samples.docx(folder / "notice.docx", notice)


@pytest.fixture(scope="module")
def doc(docx_path) -> RawDocument:
    raw = docx_path.read_bytes()
    found = read_binary(binary_format(raw, ".docx"), raw, "notice.docx", "x")
    assert isinstance(found, RawDocument), found
    return found


def test_paragraphs_lists_and_headings(doc, notice):
    blocks = doc.text.split("\n\n")
    for paragraph in notice.paragraphs:
        text = normalize_line(paragraph)
        if text.startswith("- "):
            assert text in blocks                           # List Bullet → "- "
        elif text[:1].isdigit() and text[1:3] == "- ":
            assert f"{text[0]}. {text[3:]}" in blocks       # List Number → "1. ", "2. " …
        else:
            assert text in blocks
    assert "I. Đánh giá kết quả đạt được trong 6 tháng đầu năm 2020" in blocks   # a Heading 2
    assert "9. Tổ chức đánh giá, xếp loại kết quả thực hiện quy chế dân chủ năm 2020./." in blocks


def test_tables_stay_readable(doc):
    blocks = doc.text.split("\n\n")
    assert ("Loại hình | Số đơn vị | Tỷ lệ\nDoanh nghiệp nhà nước | 12 | 100%\n"
            "Doanh nghiệp ngoài nhà nước | 245 | 47,12%") in blocks
    # Layout tables (header, signature) give their cells' lines, left cell first.
    assert blocks[0] == "TỈNH ỦY HẢI DƯƠNG\nBAN CHỈ ĐẠO THỰC HIỆN\nQUY CHẾ DÂN CHỦ Ở CƠ SỞ\n*\nSố 210-TB/BCĐ"
    assert blocks[1] == "ĐẢNG CỘNG SẢN VIỆT NAM\nHải Dương, ngày 13 tháng 7 năm 2020"
    assert blocks[-1].endswith("(Đã ký)\nDương Văn An")
    assert doc.text == normalize_text(doc.text) and "None" not in doc.text


def test_docx_fields_from_its_header(doc):
    assert doc.format == "docx" and doc.provenance == {"format": "docx", "extractor": "python-docx"}
    assert doc.fields["doc_number"] == "210-TB/BCĐ"
    assert doc.fields["issued_date"] == "2020-07-13"
    assert doc.fields["signer"] == "Dương Văn An"
    assert doc.fields["recipients"].startswith("Thường trực Tỉnh ủy; Đảng đoàn HĐND tỉnh")


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed (make system-packages)")
def test_legacy_doc_through_antiword(notice):
    raw = DOC_SAMPLE.read_bytes()
    assert binary_format(raw, ".doc") == "doc"
    found = read_binary("doc", raw, "notice.doc", "x")
    assert isinstance(found, RawDocument), found
    assert found.provenance == {"format": "doc", "extractor": "antiword"}
    blocks = found.text.split("\n\n")
    assert normalize_line(notice.paragraphs[0]) in blocks
    assert "Loại hình | Số đơn vị | Tỷ lệ" in found.text
    assert found.fields["doc_number"] == "210-TB/BCĐ"
    assert found.fields["issuer"] == "BAN CHỈ ĐẠO THỰC HIỆN QUY CHẾ DÂN CHỦ Ở CƠ SỞ TỈNH ỦY HẢI DƯƠNG"
    assert found.fields["signer"] == "Dương Văn An"


def test_doc_without_antiword_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    found = read_doc(DOC_SAMPLE.read_bytes(), "notice.doc", "x")
    assert found == ReadError("notice.doc", "legacy Word .doc needs antiword: apt-get install antiword")


# Bad input.

def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def bad_folder(folder, docx_path):
    bad = folder / "bad"
    bad.mkdir()
    _zip(bad / "bomb.docx", {"[Content_Types].xml": b"<Types/>",
                             "word/document.xml": b"<w:document>" + b" " * (40 * 2**20)})
    _zip(bad / "not_word.docx", {"content.xml": b"<office/>"})
    raw = docx_path.read_bytes()
    (bad / "truncated.docx").write_bytes(raw[:len(raw) // 2])
    shutil.copy(docx_path, bad / "good.docx")
    return bad


@pytest.mark.parametrize("name, reason", [
    ("bomb.docx", "DOCX part word/document.xml expands"),
    ("not_word.docx", "not a Word document (no word/document.xml)"),
    ("truncated.docx", "corrupt DOCX"),
])
def test_bad_docx_is_one_line_error_within_budget(bad_folder, name, reason):
    start = time.perf_counter()
    found = read_docx((bad_folder / name).read_bytes(), name, "x")
    assert time.perf_counter() - start < BUDGET_S
    assert isinstance(found, ReadError) and found.reason.startswith(reason)
    assert "\n" not in found.reason


def test_batch_goes_on_after_bad_docx(bad_folder):
    items = list(iter_documents([bad_folder]))
    assert {i.source_key for i in items if isinstance(i, ReadError)} == {
        "bomb.docx", "not_word.docx", "truncated.docx"}
    assert [i.source_path for i in items if isinstance(i, RawDocument)] == ["good.docx"]


def test_garbage_with_doc_extension_is_refused():
    found = read_doc(b"\x00\x01 not an OLE file" * 10, "x.doc", "x")
    assert found.reason == "not a Word .doc (no OLE compound-file header)"


# Attachments beside pages.

def test_attachment_linked_from_a_saved_portal_page(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<p>Nhấn vào để xem <a class="htvb_ahref" href="/img/02-PA-UBND%20ph%C6%B0%C6%A1ng'
                    '%20%C3%A1n_0001.pdf">: chi tiết</a><img src="/hinh-anh/icons/doc.png"></p>',
                    encoding="utf-8")
    # Saved under its NFD name, as some file systems and browsers do.
    saved = tmp_path / unicodedata.normalize("NFD", "02-PA-UBND phương án_0001.pdf")
    saved.write_bytes(b"%PDF-1.4")
    assert find_attachment(page, {}) == saved


def test_attachment_field_of_a_record_and_a_browser_renamed_file(tmp_path):
    record = tmp_path / "1598-qd-ubnd.md"
    record.write_text("---json\n{}\n---\n", encoding="utf-8")
    saved = tmp_path / "1598-QD-UBND_signed_20191108.pdf"
    saved.write_bytes(b"%PDF-1.4")
    fields = {"attachment": "/img/1598-QD-UBND signed 20191108.pdf"}
    assert find_attachment(record, fields) == saved


def test_attachment_column_with_a_relative_path(tmp_path):
    (tmp_path / "files").mkdir()
    target = tmp_path / "files" / "45-TB-TU.docx"
    target.write_bytes(b"PK\x03\x04")
    rows = tmp_path / "rows.csv"
    rows.write_text("title,attachment\nThông báo,files/45-TB-TU.docx\n", encoding="utf-8")
    assert find_attachment(rows, {"attachment": "files/45-TB-TU.docx"}) == target.resolve()


def test_attachment_never_outside_the_folder(tmp_path):
    inner = tmp_path / "page"
    inner.mkdir()
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4")
    page = inner / "index.html"
    page.write_text('<a href="../secret.pdf">x</a>', encoding="utf-8")
    assert find_attachment(page, {"attachment": "../secret.pdf"}) is None
    assert find_attachment(page, {"attachment": "/img/missing.pdf"}) is None
