"""Bad HTML never crashes a batch and is never dropped silently: a page without text is a
one-line ReadError, a malformed URL anywhere in its metadata is ignored, a huge or deeply
nested page is read within a generous budget with a one-line note."""
import time
from pathlib import Path

from vankien.ingest.model import RawDocument, ReadError
from vankien.ingest.pipeline import prepare
from vankien.ingest.read_html import MAX_ELEMENTS, read_html
from vankien.ingest.readers import read_file

DATA = Path(__file__).parent / "data"
SENTENCE = "Xã Nam Bình triển khai mô hình dân vận khéo, người dân góp công làm đường giao thông."


def test_page_without_text_is_one_line_error():
    for html in ('<!DOCTYPE html><html><head><title>Trang Thông Tin Điện Tử</title>'
                 '<script>var menu = ["Trang chủ"];</script></head><body><nav><a href="/">Trang chủ</a>'
                 '</nav></body></html>',
                 "<!DOCTYPE html>", "<html><head></head></html>"):
        item = read_html("a.html", html, "h")
        assert isinstance(item, ReadError)
        assert "no extractable text" in item.reason and "\n" not in item.reason


def test_truncated_page_error_says_so():
    item = next(read_file(DATA / "bad" / "truncated.html", "bad/truncated.html"))
    assert isinstance(item, ReadError)
    assert item.reason == "HTML page with no extractable text (truncated: cut off before its text)"


def test_truncated_page_with_text_is_stored_with_a_note():
    html = f"<!DOCTYPE html><html><body><article><h1>Dân vận khéo</h1><p>{SENTENCE}</p><p>{SENTENCE} Hai"
    item = read_html("a.html", html, "h")
    assert isinstance(item, RawDocument) and SENTENCE in item.text
    assert item.notes == ["truncated HTML (no closing </html>): stored the readable part"]


def test_malformed_urls_and_hosts_in_metadata_do_not_stop_the_document():
    """"公開日：2025" as a netloc made urlsplit raise ValueError in tables._host and the
    page was dropped; now the bad values are ignored and the page is a document."""
    html = ('<!DOCTYPE html><html><head><title>Dân vận khéo</title>'
            '<link rel="canonical" href="http://公開日：2025/tin">'
            '<meta property="og:url" content="https://[::1/tin">'
            '<meta property="og:site_name" content="http://公開日：2025">'
            '<meta property="article:published_time" content="公開日：2025年">'
            '<base href="http://[bad">'
            f'</head><body><article><h1>Dân vận khéo</h1><p>{SENTENCE}</p>'
            f'<p>{SENTENCE}</p><a href="http://公開日：2025/x">x</a></article></body></html>')
    item = read_html("a.html", html, "h")
    assert isinstance(item, RawDocument) and SENTENCE in item.text
    assert "url" not in item.fields and "date" not in item.fields
    prepare(item)       # metadata reads the outlet field's domain too


def test_deeply_nested_page_keeps_its_text_with_a_note():
    """The parser stops at 256 levels; what lies deeper is read without structure."""
    html = ("<!DOCTYPE html><html><body>" + "<div>" * 3000 + f"<p>{SENTENCE}</p>"
            + "</div>" * 3000 + "</body></html>")
    started = time.perf_counter()
    item = read_html("a.html", html, "h")
    assert time.perf_counter() - started < 10
    assert isinstance(item, RawDocument) and SENTENCE in item.text
    assert item.notes == ["deeply nested HTML (over 255 levels): text read without structure"]


def test_huge_page_is_read_by_the_rules_within_budget():
    """Above MAX_ELEMENTS trafilatura's cost outgrows the per-file budget: the page's text is
    read by the linear rules, with a note (linear code: ~2 s for this 2.7 MB page)."""
    repeats = MAX_ELEMENTS // 3 + 1000
    html = ("<!DOCTYPE html><html><body>"
            + f"<div class='muc'><p>{SENTENCE}</p><a href='#'>liên kết</a></div>\n" * repeats
            + "</body></html>")
    started = time.perf_counter()
    item = read_html("a.html", html, "h")
    assert time.perf_counter() - started < 20
    assert isinstance(item, RawDocument) and item.text.count(SENTENCE) == repeats
    assert item.notes[0].startswith("huge page (") and "elements): text read with the project's rules" \
        in item.notes[0]


def test_declared_encodings_are_not_applied_again_to_decoded_text():
    """The reader gets text already decoded: an XML declaration or a meta charset naming
    another encoding neither stops lxml ("Unicode strings with encoding declaration") nor
    re-decodes the text into mojibake."""
    for head in ('<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html><html><head>',
                 '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
                 'content="text/html; charset=windows-1258">'):
        html = f"{head}<title>Dân vận</title></head><body><article><p>{SENTENCE}</p><p>{SENTENCE}</p>" \
               "</article></body></html>"
        item = read_html("a.html", html, "h")
        assert isinstance(item, RawDocument) and SENTENCE in item.text


def test_template_placeholders_are_not_text():
    html = ("<!DOCTYPE html><html><body><template><article><h1>${title}</h1><p>${body}</p></article>"
            f"</template><div id='noi-dung'><h1>Dân vận khéo</h1><p>{SENTENCE}</p><p>{SENTENCE}</p>"
            "</div></body></html>")
    item = read_html("a.html", html, "h")
    assert "${" not in item.text and SENTENCE in item.text
