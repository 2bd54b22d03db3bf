"""Paged documents end to end: a PDF becomes a document whose passages cite their page."""
import shutil

import pytest

import doc_samples
from vankien.ingest import pipeline, store
from vankien.search.indexer import build_indexes
from vankien.search.service import SearchService


@pytest.fixture(scope="module")
def pdf_kb(tmp_path_factory, encoder):
    pytest.importorskip("fpdf")
    root = tmp_path_factory.mktemp("pdf")
    doc_samples.text_pdf(root / "thong-bao.pdf")
    kb = tmp_path_factory.mktemp("kb")
    summary = pipeline.run([root], kb, progress=False)
    assert summary.failed == 0 and summary.added == 1
    build_indexes(kb, encoder=encoder, progress=False)
    return kb


def test_pdf_paragraphs_keep_their_pages_and_citations_say_them(pdf_kb, encoder):
    conn = store.connect(pdf_kb, readonly=True)
    pages = [r[0] for r in conn.execute("SELECT page FROM paragraphs WHERE kind='body' ORDER BY ordinal")]
    assert pages[0] == 1 and max(pages) >= 2 and pages == sorted(pages)
    notice = doc_samples.load_notice()
    last_words = " ".join(notice.body_text.split()[-8:])
    with SearchService.open(pdf_kb, encoder=encoder) as svc:
        hit = svc.search(last_words, mode="lexical", k=1)["results"][0]
        assert hit["page"] == max(pages)
        assert f"trang {hit['page']}, đoạn {hit['paragraph']}" in hit["citation"]
        doc = svc.document(hit["document"]["id"])
    assert doc["doc_number"] == "210-TB/BCĐ" and doc["date"] == "2020-07-13"
    assert not hit["ocr"] and "nhận dạng tự động" not in hit["citation"]


def test_page_beside_its_attachment_is_one_document_with_the_attachment_body(tmp_path):
    pytest.importorskip("fpdf")
    folder = tmp_path / "portal"
    folder.mkdir()
    doc_samples.text_pdf(folder / "TB 210.pdf")
    (folder / "index.html").write_text(
        '<!DOCTYPE html><html><head><title>Thông báo 210</title>'
        '<link rel="canonical" href="https://tinhuy.haiduong.gov.vn/tb-210"></head><body><article>'
        '<h1>Thông báo kết luận số 210</h1><p>Xem văn bản đính kèm.</p>'
        '<a href="/Documents/TB%20210.pdf">Tải về</a></article></body></html>', encoding="utf-8")
    kb = tmp_path / "kb"
    summary = pipeline.run([folder], kb, progress=False)
    assert (summary.added, summary.failed) == (1, 0)
    conn = store.connect(kb, readonly=True)
    row = conn.execute("SELECT d.source_path, v.url, v.doc_number, v.date, v.format, v.text FROM documents d"
                       " JOIN versions v ON v.id = d.current_version").fetchone()
    assert row["source_path"] == "index.html" and row["url"] == "https://tinhuy.haiduong.gov.vn/tb-210"
    assert row["doc_number"] == "210-TB/BCĐ" and row["date"] == "2020-07-13" and row["format"] == "pdf"
    assert "Xem văn bản đính kèm" not in row["text"]
    pages = [r[0] for r in conn.execute("SELECT page FROM paragraphs WHERE kind='body'")]
    assert max(pages) >= 2


def test_a_text_notice_in_the_administrative_form_gets_its_header_metadata(tmp_path):
    """The same header extraction as for PDFs improves a plain-text notice (issue 10)."""
    notice = doc_samples.load_notice()
    lines = [*doc_samples.ISSUER_LINES, doc_samples.NUMBER_LINE, doc_samples.MOTTO, doc_samples.DATE_LINE, "",
             notice.doc_type, *notice.title_lines, "", *notice.paragraphs, "", "Nơi nhận:",
             *[f"- {r}" for r in notice.recipients], *doc_samples.SIGNER_LINES]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "thong-bao.txt").write_text("\n".join(lines), encoding="utf-8")
    pipeline.run([tmp_path / "in"], tmp_path / "kb", progress=False)
    conn = store.connect(tmp_path / "kb", readonly=True)
    v = conn.execute("SELECT doc_number, date, date_source, issuer, signer FROM versions").fetchone()
    assert v["doc_number"] == "210-TB/BCĐ" and v["date"] == "2020-07-13"
    assert "Ban Chỉ đạo" in v["issuer"] or "BAN CHỈ ĐẠO" in v["issuer"].upper()
    assert v["signer"] == "Dương Văn An"
