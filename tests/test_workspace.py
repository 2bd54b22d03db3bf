"""Collections on the real sample knowledge base: kept passages, source checks, the Word handout
(read back with python-docx), CSV/JSON/printable exports."""
import csv
import io
import json
import re
import zipfile

import pytest
from docx import Document
from docx.shared import Cm
from markupsafe import escape

from vankien.workspace import db
from vankien.workspace.collections import Collections
from vankien.workspace.exports import ALL_COLUMNS, print_html, rows, to_csv, to_json
from vankien.workspace.footnotes import footnote_texts
from vankien.workspace.handout import build_docx
from vankien.workspace.passages import check_all, snapshot_ordinal, snapshot_paragraph

pytestmark = pytest.mark.slow
DMY = re.compile(r"\b\d\d/\d\d/\d{4}\b")


@pytest.fixture
def store(tmp_path):
    conn = db.connect(tmp_path / "kb.userdata.sqlite")
    yield Collections(conn)
    conn.close()


def _two_provinces(service) -> list[dict]:
    """Two dated results of the sample from different provinces."""
    picked = {}
    for r in service.search("đối thoại với nhân dân", k=30)["results"]:
        prov = r["document"]["province"]
        if prov != "unknown" and r["document"]["date"] and prov not in picked and r["paragraph"]:
            picked[prov] = r
    assert len(picked) >= 2, picked.keys()
    return list(picked.values())[:2]


def test_a_kept_passage_holds_its_text_citation_and_document(service, store):
    r = _two_provinces(service)[0]
    passage = snapshot_paragraph(service, r["paragraph_id"])
    assert passage["text"] == r["text"] and passage["ordinal"] == r["paragraph"]
    assert passage["citation"] == r["citation"] and DMY.search(passage["citation"])
    assert passage["document"]["title"] == r["document"]["title"]
    assert passage["document"]["doc_type_label"] and passage["doc_key"] == r["document"]["doc_key"]
    by_ordinal = snapshot_ordinal(service, r["document"]["id"], r["paragraph"])
    assert by_ordinal["paragraph_id"] == r["paragraph_id"]
    assert snapshot_paragraph(service, 10**12) is None and snapshot_ordinal(service, 10**12, 1) is None
    cid = store.create("Mẫu")["id"]
    item, added = store.add_passage(cid, passage, "đối thoại định kỳ")
    assert added and item["citation"] == r["citation"] and item["document"]["province"] == r["document"]["province"]
    assert store.add_passage(cid, snapshot_ordinal(service, r["document"]["id"], r["paragraph"]))[1] is False
    [check] = check_all(service, store.entries(cid)).values()
    assert check["state"] == "current" and check["document_id"] == r["document"]["id"]


def _handout(service, store) -> tuple[dict, list[dict], list[dict]]:
    picked = _two_provinces(service)
    cid = store.create("Tập huấn “Dân vận khéo” <2024>", "Ví dụ từ nhiều tỉnh.\n\nDùng cho bài 1.")["id"]
    store.add_heading(cid, "Bài 1: Đối thoại với nhân dân")
    for n, r in enumerate(picked):
        store.add_passage(cid, snapshot_paragraph(service, r["paragraph_id"]),
                          "Ví dụ hay về đối thoại" if n == 0 else "Chú ý \x0b<script>alert(1)</script>")
    return store.get(cid), store.entries(cid), picked


def test_word_handout_has_the_passages_citations_notes_and_typography(service, store):
    coll, entries, picked = _handout(service, store)
    body = build_docx(coll, entries, check_all(service, entries), site_url="https://vankien.example")
    doc = Document(io.BytesIO(body))
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    normal = doc.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    assert normal.font.name == "Times New Roman"
    assert {fonts.get(f"{{{fonts.nsmap['w']}}}{slot}") for slot in ("ascii", "hAnsi", "cs", "eastAsia")} == \
        {"Times New Roman"}
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        font_table = z.read("word/fontTable.xml").decode("utf-8")
        assert re.search(r'w:name="Times New Roman">\s*<w:altName w:val="DejaVu Serif"', font_table)
        assert 'w:val="vi-VN"' in z.read("word/styles.xml").decode("utf-8")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[6].text == coll["name"] and doc.paragraphs[6].style.name == "Title"
    assert "Dùng cho bài 1." in text and re.search(r"Ngày lập: \d\d/\d\d/\d{4}", text)
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == \
        ["Bài 1: Đối thoại với nhân dân", "Danh mục nguồn"]
    quotes = " ".join(" ".join(p.text.split()) for p in doc.paragraphs if p.style.name == "Quote")
    notes = footnote_texts(doc)
    assert len(notes) == 2
    for r in picked:
        assert " ".join(r["text"].split()) in quotes                 # its lines are the quote's paragraphs
        assert any(r["citation"] in n and "https://vankien.example/documents/" in n for n in notes.values())
        assert r["document"]["title"] in text                      # the source list
    for n in notes.values():
        assert DMY.search(n)                                       # dd/mm/yyyy in every citation
    assert "Ghi chú: Ví dụ hay về đối thoại" in text
    assert "Chú ý <script>alert(1)</script>" in text                # a note is text, never markup
    assert "Lưu ý:" not in text                                     # the sources have not changed


def test_csv_json_and_printable_page(service, store):
    coll, entries, picked = _handout(service, store)
    checks = check_all(service, entries)
    table = rows(entries, checks, "https://vankien.example/")
    data = to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(parsed[0]) == ALL_COLUMNS
    assert [p["text"] for p in parsed] == [r["text"] for r in picked]
    assert parsed[0]["group"] == "Bài 1: Đối thoại với nhân dân" and parsed[0]["note"] == "Ví dụ hay về đối thoại"
    assert DMY.fullmatch(parsed[0]["date"]) and parsed[0]["source_state"] == "current"
    assert parsed[0]["permalink"] == f"https://vankien.example/documents/{picked[0]['document']['id']}" \
        f"#p{picked[0]['paragraph']}"
    exported = json.loads(to_json(coll, table))
    assert exported["collection"]["name"] == coll["name"] and exported["total"] == 2
    page = print_html(coll, entries, checks)
    assert "<style>" in page and "@page" in page                   # a file: its styles inlined
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Tập huấn “Dân vận khéo” &lt;2024&gt;" in page
    assert page.count("<li id=\"note-") == 2 and all(str(escape(r["citation"])) in page for r in picked)
    linked = print_html(coll, entries, checks, css_href="/static/handout.css")
    assert '<link rel="stylesheet" href="/static/handout.css">' in linked and "<style>" not in linked
