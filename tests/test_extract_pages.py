"""Real Vietnamese portal pages through the HTML reader and through ingest's path (read →
clean → metadata): sentences that must / must not be in the text, and the title, date and
number ingest gives — the expectations of tests/data/html/expectations.json."""
import json
from pathlib import Path

import pytest

from vankien.ingest.model import RawDocument
from vankien.ingest.pipeline import prepare
from vankien.ingest.read_html import read_html
from vankien.ingest.readers import read_file

HTML = Path(__file__).parent / "data" / "html"
EXPECTED = json.loads((HTML / "expectations.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_through_ingest_keeps_body_and_drops_chrome(name):
    """Must-have sentences are in the stored text, must-not ones (menus, marquee, the
    "TIN ĐÃ ĐƯA" teasers) are not; title, date and number are today's."""
    expected = EXPECTED[name]
    path = HTML / name
    raw = next(read_file(path, path.name))
    assert isinstance(raw, RawDocument), raw
    prepared = prepare(raw)
    for sentence in expected["with"]:
        assert sentence in prepared.text, sentence
    for sentence in expected["without"]:
        assert sentence not in prepared.text, sentence
    assert prepared.meta.title == expected["title"]
    assert prepared.meta.date == expected["date"]
    assert prepared.meta.doc_number == expected["number"]


def test_portal_news_page_rules_beat_the_teaser_date_and_site_title():
    """On the portal's news page the block's own title cell and date cell win: trafilatura's
    metadata would give "Home" and the first "TIN ĐÃ ĐƯA" teaser's date (12/11/2020)."""
    doc = read_html("p.html", (HTML / "01-kh-gdnn-gdtx-10-02-2020.html").read_text(encoding="utf-8"), "h")
    assert doc.fields["title"].startswith("Trung tâm GDNN-GDTX huyện Đắk Song lập kế hoạch")
    assert doc.fields["date"] == "16/02/2020"
    assert doc.provenance == {"extractor": "rules:portal", "title_source": "portal",
                              "date_source": "portal:date-cell"}
    assert doc.fields["outlet"] == "Trang Thông Tin Điện Tử huyện Đăk Song"
    assert doc.fields["province"] == "Đắk Nông"
    assert "url" not in doc.fields          # <base href> is the site, not this page
    assert doc.notes == []
    assert "\n\nH.L\n\n" in doc.text          # the byline, for the clean step to take


def test_portal_document_page_keeps_attachment_and_province():
    """A portal document page: the attachment link is kept; province from the domain."""
    path = Path(__file__).parent / "data" / "daksong" / "pages" / "02-pa-ubnd-dak-song-27-05-2020"
    doc = read_html("p.html", (path / "index.html").read_text(encoding="utf-8"), "h")
    assert doc.fields["attachment"] == "/img/02-PA-UBND phương án luân chuyển kế toán_0001.pdf"
    assert doc.fields["date"] == "28/05/2020"
    meta = prepare(doc).meta
    assert (meta.province, meta.doc_type) == ("Đắk Nông", "phuong-an")
