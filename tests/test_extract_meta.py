"""A page's own metadata and date (ingest/page_meta.py, page_dates.py) and the domain
lookups they feed (tables)."""
import lxml.html
import pytest

from vankien.ingest import tables
from vankien.ingest.page_dates import url_date
from vankien.ingest.page_meta import read_page_meta


def _meta(head: str, body: str = ""):
    return read_page_meta(lxml.html.document_fromstring(
        f"<html><head>{head}</head><body>{body}</body></html>"))


def test_date_from_meta_tag_names_its_source_and_ignores_modified():
    page = _meta('<meta property="article:modified_time" content="2024-03-02T08:00:00+07:00">'
                 '<meta property="article:published_time" content="2024-03-01T09:15:00+07:00">')
    assert (page.date, page.date_source) == ("2024-03-01", "meta:article:published_time")


def test_date_from_json_ld_even_when_the_block_is_sloppy():
    """CMSs concatenate objects and leave raw newlines in strings; the article's datePublished
    is read, an ItemList's items are not."""
    ld = ('{"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle",'
          ' "datePublished": "2019-01-01"}]}\n'
          '{"@type": "NewsArticle", "headline": "Dân vận khéo\nở Hà Tĩnh",'
          ' "datePublished": "2020-07-13T10:00:00+07:00"}')
    page = _meta(f'<script type="application/ld+json">{ld}</script>')
    assert (page.date, page.date_source) == ("2020-07-13", "json-ld:datePublished")
    assert page.title == "Dân vận khéo ở Hà Tĩnh"


def test_date_elements_in_teaser_lists_are_never_the_page_date():
    """Teasers' <time> and itemprop dates (list items, "tin liên quan" boxes, sibling
    articles) are skipped; the main article's own date element is read."""
    body = """<article><h1>Bài chính</h1><p>Nội dung bài chính dài hơn nhiều so với tin khác,
      đủ để là bài chính của trang.</p><span itemprop="datePublished" content="2021-05-10"></span>
      </article>
      <ul><li><a href="/a">Tin khác</a><time datetime="2023-01-02">02/01/2023</time></li></ul>
      <div class="tin-lien-quan"><span itemprop="datePublished" content="2022-12-12"></span></div>"""
    page = _meta("", body)
    assert (page.date, page.date_source) == ("2021-05-10", "itemprop:datePublished")
    only_teasers = _meta("", '<ul><li><time datetime="2023-01-02">x</time></li>'
                             '<li><time datetime="2023-01-05">y</time></li></ul>')
    assert only_teasers.date == ""


def test_date_from_url_and_utc_midnight_shift():
    """A UTC timestamp just after midnight names the publisher's previous day when the URL
    (or a value with the local offset) says so; a 10:00 UTC value is kept."""
    head = ('<link rel="canonical" href="https://www.registerguard.com/news/20200413/x">'
            '<meta property="article:published_time" content="2020-04-14T00:38:07Z">')
    assert (_meta(head).date, _meta(head).date_source) == ("2020-04-13", "url")
    head = ('<link rel="canonical" href="https://example.com/politics/2020/07/08/story.html">'
            '<meta property="article:published_time" content="2020-07-09T10:04:04Z">')
    assert _meta(head).date == "2020-07-09"
    head = ('<meta property="article:published_time" content="2020-12-24T23:59:50+00:00">'
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2020-12-25T01:59:50+02:00"}</script>')
    assert _meta(head).date == "2020-12-25"


@pytest.mark.parametrize("url,expected", [
    ("https://dantri.com.vn/xa-hoi/dan-van-kheo-20190915123456789.htm", "2019-09-15"),
    ("https://example.org/2020/02/17/tin-tuc/", "2020-02-17"),
    ("https://web.archive.org/web/20130307194448/the-pain.net/2008/05/26/x", "2008-05-26"),
    ("https://web.archive.org/web/20130217080612/http://example.de/future/", ""),
    ("https://vnexpress.net/dan-van-kheo-4800000.html", ""),
    ("http://[::1/2020/01/01/x", ""),
])
def test_url_dates(url, expected):
    assert url_date(url) == expected


def test_page_url_canonical_else_og_url_never_base_or_site_root():
    page = _meta('<base href="http://daksong.daknong.gov.vn/">'
                 '<link rel="canonical" href="http://daksong.daknong.gov.vn/">'
                 '<meta property="og:url" content="https://baohatinh.vn/dan-van/a-123.htm">')
    assert (page.url, page.url_source) == ("https://baohatinh.vn/dan-van/a-123.htm", "og:url")
    assert _meta('<base href="http://daksong.daknong.gov.vn/">').url == ""


def test_malformed_urls_in_metadata_are_ignored():
    """A netloc urlsplit rejects ("公開日：2025", an unclosed IPv6 bracket) is no URL."""
    page = _meta('<link rel="canonical" href="http://公開日：2025/x">'
                 '<meta property="og:url" content="https://[::1/abc">')
    assert page.url == ""
    assert tables.outlet_by_domain("http://公開日：2025/x") is None
    assert tables.province_by_domain("https://[::1/abc") is None


def test_title_prefers_og_title_then_title_without_site_name():
    assert _meta('<meta property="og:title" content="Dân vận khéo">'
                 '<title>Dân vận khéo - Báo Hà Tĩnh</title>').title == "Dân vận khéo"
    assert _meta("<title>Báo Hà Tĩnh | Tiếp tục đổi mới công tác dân vận</title>").title \
        == "Tiếp tục đổi mới công tác dân vận"


@pytest.mark.parametrize("domain,province", [
    ("daksong.daknong.gov.vn", "Đắk Nông"),
    ("https://sotuphap.hanoi.gov.vn/tin-tuc/x.html", "Hà Nội"),
    ("hochiminhcity.gov.vn", "Thành phố Hồ Chí Minh"),
    ("https://baria-vungtau.gov.vn/", "Bà Rịa - Vũng Tàu"),
    ("https://baohatinh.vn/a.html", "Hà Tĩnh"),
    ("moj.gov.vn", None),
    ("vnexpress.net", None),
])
def test_province_by_domain(domain, province):
    assert tables.province_by_domain(domain) == province
