"""HTML → text blocks, and main-content extraction from full saved daksong pages."""
from pathlib import Path

import pytest

from vankien.ingest.html_text import extract_page, html_to_text, is_full_page, looks_like_html

PAGES = Path(__file__).parent / "data" / "daksong" / "pages"

# Site chrome seen on every built daksong page: menus, share-bar script, marquee, footer.
PAGE_CHROME = (
    "Thông tin dự án đầu tư", "window.open", "linkFacebook", "function", "TIN ĐÃ ĐƯA",
    "Trang Thông Tin Điện Tử huyện Đăk Song", "Sơ đồ - Tổ chức", "Tra cứu TTHC", "Fax:",
    "daksong@daknong.gov.vn", "Sign In",
)
PAGES_EXPECTED = {
    "03-tb-hdnd-huyen-05-03-2020": (
        "Thông báo Triệu tập Kỳ họp bất thường HĐND huyện Đăk Song khóa IV, nhiệm kỳ 2016-2021",
        "09/03/2020", "/img/03-TB-HDND_20200305041426484480.PDF"),
    "02-pa-ubnd-dak-song-27-05-2020": (
        "Phương án Về việc định kỳ chuyển đổi vị trí công tác đối với Kế toán đơn vị sự nghiệp "
        "giáo dục theo Nghị định số 158/2007/NĐ-CP, ngày 27/10/2007 của Chính phủ",
        "28/05/2020", "/img/02-PA-UBND phương án luân chuyển kế toán_0001.pdf"),
}


@pytest.mark.parametrize("slug", sorted(PAGES_EXPECTED))
def test_built_page_keeps_document_block_only(slug):
    """The document block (title + attachment link) is kept; menus and scripts are not."""
    title, date, attachment = PAGES_EXPECTED[slug]
    page = extract_page((PAGES / slug / "index.html").read_text(encoding="utf-8"))
    assert page.title == title
    assert page.date == date
    assert page.attachment == attachment
    assert page.text.startswith(title)
    assert "Nhấn vào để xem" in page.text
    for chrome in PAGE_CHROME:
        assert chrome not in page.text, chrome
    assert len(page.text) < 2 * len(title) + 100


def test_fragment_blocks_entities_and_breaks():
    """Each <p>/<li>/heading is a block; one <br> is a newline, <br><br> a block break."""
    html = ("<h2>Kế ho&#7841;ch</h2><p>Ng&agrave;y 10/02/2020,&nbsp;Trung t&acirc;m\n   ban h&agrave;nh"
            "</p><ul><li>M&#7897;t</li><li>Hai</li></ul><p>d&ograve;ng 1<br>d&ograve;ng 2<br><br>"
            "kh&#7889;i m&#7899;i</p><script>var x=1;</script><style>p{}</style>")
    assert html_to_text(html) == (
        "Kế hoạch\n\nNgày 10/02/2020, Trung tâm ban hành\n\nMột\n\nHai\n\n"
        "dòng 1\ndòng 2\n\nkhối mới")


def test_generic_page_drops_nav_footer_share_and_related():
    """Without a known container, the article element is used and chrome classes dropped."""
    html = """<!DOCTYPE html><html><head><title>Báo</title><script>var a;</script></head><body>
      <nav><a href="/">Trang chủ</a><a href="/x">Thời sự</a></nav>
      <div class="menu-top"><li>Chính trị</li></div>
      <article><h1>Dân vận khéo ở xã Nam Bình</h1>
        <div class="share-bar">Chia sẻ Facebook</div>
        <p>Xã Nam Bình triển khai mô hình dân vận khéo.</p>
        <p>Người dân góp công làm đường.</p>
        <div class="related-news"><p>Tin liên quan khác</p></div></article>
      <marquee>Chào mừng</marquee><footer>Bản quyền</footer></body></html>"""
    page = extract_page(html)
    assert page.title == "Dân vận khéo ở xã Nam Bình"
    assert page.text == ("Dân vận khéo ở xã Nam Bình\n\nXã Nam Bình triển khai mô hình dân vận khéo."
                         "\n\nNgười dân góp công làm đường.")


def test_densest_block_fallback():
    """With no article container, the block with the most paragraph text wins."""
    html = ("<html><body><div><a>Menu 1</a><a>Menu 2</a></div><div id='x'><p>Đoạn một dài hơn "
            "nhiều so với menu.</p><p>Đoạn hai.</p></div></body></html>")
    assert extract_page(html).text == "Đoạn một dài hơn nhiều so với menu.\n\nĐoạn hai."


def test_truncated_page_yields_no_text():
    """A page cut off inside <head>/<script> has no extractable text (reader reports it)."""
    html = '<!DOCTYPE html><html><head><title>T</title><script>var menu = ["Trang chủ"'
    assert extract_page(html).text == ""


def test_html_detection():
    """Full pages and fragments with several tags are HTML; plain text is not."""
    assert is_full_page("<!DOCTYPE html>\n<html><body></body></html>")
    assert not is_full_page("<p>a</p><p>b</p>")
    assert looks_like_html("<p>a</p><p>b</p><br/>")
    assert not looks_like_html("Quy chế dân chủ ở cơ sở a < b và c > d.")


def test_page_detection_is_linear_on_many_empty_comments():
    """26 "<!---->" before text made the old page regex backtrack for minutes; the loop
    that skips leading comments is linear (a generous budget catches a relapse)."""
    import time
    started = time.perf_counter()
    for text in ("<!---->" * 26 + "x" * 200, "<!--" + "<!---->" * 20000, "<!---->" * 20000 + "<p>"):
        assert not is_full_page(text)
        looks_like_html(text)
    assert time.perf_counter() - started < 2.0


def test_page_detection_after_declaration_comments_or_leading_script():
    """XHTML with an XML declaration, comments before the doctype, and a page whose first
    40 KB are inline script before <head> are full pages; a body fragment is not."""
    assert is_full_page('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html><html></html>')
    assert is_full_page("\ufeff<!-- saved -->\n<!-- again -->\n<html lang='vi'><body></body></html>")
    assert is_full_page("<script>" + "var a = 1;\n" * 4000 + "</script><html><body></body></html>")
    assert not is_full_page("<p>Đoạn một</p><div>Đoạn hai</div>")


def test_rules_take_the_fullest_article_not_a_teaser_nor_a_template():
    """Of several <article> elements the one with the most paragraph text is the body; an
    <article> inside <template> ("${title}") and an empty <main> are no candidates."""
    html = """<!DOCTYPE html><html><body><main></main>
      <template><article><h1>${title}</h1><p>${body}</p></article></template>
      <article class="teaser"><h3>Tin khác</h3><p>Một dòng tóm tắt.</p></article>
      <article><h1>Dân vận khéo ở xã Nam Bình</h1>
        <p>Xã Nam Bình triển khai mô hình dân vận khéo trong xây dựng nông thôn mới.</p>
        <p>Người dân góp công, góp đất làm đường giao thông nông thôn.</p></article>
      <article class="teaser"><h3>Tin khác nữa</h3><p>Một dòng nữa.</p></article></body></html>"""
    page = extract_page(html)
    assert page.text.startswith("Dân vận khéo ở xã Nam Bình")
    assert "Người dân góp công" in page.text
    assert "${" not in page.text and "Tin khác" not in page.text
