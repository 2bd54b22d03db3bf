"""The web site and JSON API through Flask's test client, on the real sample knowledge base."""
import csv
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from vankien.web import create_app

pytestmark = pytest.mark.slow
PROBE = "<script>alert"


@pytest.fixture(scope="session")
def app(kb_dir, encoder):
    """One app for the session, sharing the session's encoder."""
    return create_app({"KB_DIR": str(kb_dir), "ENCODER": encoder, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def html(resp) -> str:
    assert resp.content_type.startswith("text/html"), resp.content_type
    text = resp.get_data(as_text=True)
    assert PROBE not in text        # the XSS probe must never reach HTML unescaped
    return text


def test_search_page_shows_marked_results_with_citations(client):
    resp = client.get("/", query_string={"q": "dân vận khéo"})
    assert resp.status_code == 200
    page = html(resp)
    assert "<mark>" in page
    assert re.search(r'class="cite-text"[^>]*>[^<]* — \d\d/\d\d/\d{4}', page)
    assert "Sao chép trích dẫn" in page
    assert re.search(r'href="/documents/\d+\?q=d%C3%A2n\+v%E1%BA%ADn\+kh%C3%A9o#p\d+"', page)
    assert "Theo tỉnh" in page and "Theo loại văn bản" in page
    assert re.search(r'class="count">\d+<', page)
    assert " ms" in page


def test_search_page_security_headers(client):
    resp = client.get("/")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Referrer-Policy"]


def test_landing_page_has_form_and_filters(client):
    page = html(client.get("/"))
    assert 'name="q"' in page and 'type="date"' in page and 'name="province"' in page
    assert "Chỉ thị" in page            # type labels in Vietnamese
    assert "Tất cả 63 tỉnh, thành" in page


def test_pagination_links(client):
    # the raw ranking of a common word spans more than one page of documents
    page = html(client.get("/", query_string={"q": "nhân dân", "raw": "1"}))
    assert 'rel="next"' in page and "page=2" in page and "raw=1" in page
    page2 = html(client.get("/", query_string={"q": "nhân dân", "raw": "1", "page": "2"}))
    assert 'rel="prev"' in page2 and 'aria-current="page">2<' in page2


def test_facet_links_add_filters_and_chips_remove_them(client, service):
    province = next(p for p in service.stats()["by_province"] if p != "unknown")
    page = html(client.get("/", query_string={"q": "dân vận"}))
    assert "province=" in page
    filtered = html(client.get("/", query_string={"q": "dân vận", "province": province}))
    assert f"<strong>{province}</strong>" in filtered
    assert 'aria-label="Bỏ lọc Tỉnh"' in filtered


def test_filter_only_browses_documents(client):
    page = html(client.get("/", query_string={"type": "tin-tuc"}))
    assert "Văn bản phù hợp bộ lọc" in page and "/documents/" in page


def test_unaccented_no_hit_suggests_diacritics_and_offers_filter_removal(client):
    # A phrase that occurs nowhere: hybrid search cannot fall back on loose dense hits.
    page = html(client.get("/", query_string={"q": '"xyzzy qwerty plugh"', "type": "chi-thi"}))
    assert "Không tìm thấy" in page
    assert "gõ có dấu" in page
    assert "tìm lại không có bộ lọc này" in page


def test_search_page_bad_parameters_are_friendly_400(client):
    resp = client.get("/", query_string={"q": "dân", "from": "31/02/2020"})
    assert resp.status_code == 400
    assert "không hiểu ngày" in html(resp)
    resp = client.get("/", query_string={"q": "..."})
    assert resp.status_code == 400 and "Hãy nhập từ khóa" in html(resp)


def test_document_page_anchors_highlights_and_references(client, service):
    doc_id = _doc_with_references(service)
    doc = service.document(doc_id)
    two_words = " ".join(doc["paragraphs"][1]["text"].split()[:2]).strip(",.:;")
    page = html(client.get(f"/documents/{doc_id}", query_string={"q": two_words}))
    assert 'id="p0"' in page and f'id="p{doc["paragraphs"][-1]["ordinal"]}"' in page
    assert "Văn bản được trích dẫn" in page and "Được trích dẫn bởi" in page
    symbol = doc["references"][0]["symbol"]
    assert f'href="/?cites={symbol}"' in page or f'href="/?cites={symbol.replace("/", "%2F")}"' in page
    assert "<mark>" in page


def test_document_page_unknown_is_404(client):
    assert client.get("/documents/999999").status_code == 404


def test_cites_link_finds_citing_documents(client, service):
    doc = service.document(_doc_with_references(service))
    page = html(client.get("/", query_string={"cites": doc["references"][0]["symbol"]}))
    assert f'href="/documents/{doc["id"]}"' in page


def test_compare_page_has_timeline_svg_and_groups(client):
    resp = client.get("/compare", query_string={"q": "dân vận khéo"})
    page = html(resp)
    assert resp.status_code == 200
    assert "<svg" in page and "<rect" in page
    assert 'class="prov-group"' in page
    assert "Cách đếm" in page and "toàn bộ" in page and "Tỉ lệ" in page
    assert re.search(r"\d+/\d+ \(\d+%\)", page)                     # matching / held (share) per province
    assert html(client.get("/compare")).count("<svg") == 0


def test_search_page_groups_passages_by_document(client, service):
    r = service.search("dân vận", k=10)
    doc = next(x for x in r["results"] if x["more_in_document"])
    page = html(client.get("/", query_string={"q": "dân vận"}))
    assert page.count('class="card result doc-result"') == len({x["rank"] for x in r["results"]})
    assert f"{doc['more_in_document']} đoạn khác trong văn bản này" in page
    assert "văn bản phù hợp" in page and "Xem mọi đoạn có liên quan dù ít" in page
    view = html(client.get(f"/documents/{doc['document']['id']}", query_string={"q": "dân vận"}))
    assert view.count('class="para body match"') + view.count('class="para title match"') == \
        len(doc["matched_paragraphs"])
    assert f"<strong>{len(doc['matched_paragraphs'])}</strong> đoạn phù hợp" in view


def test_number_query_page_has_the_header_card(client):
    page = html(client.get("/", query_string={"q": "05-CT/TW"}))
    assert 'class="card number-card"' in page and "Chỉ thị số 05-CT/TW" in page
    assert "15/05/2016" in page and "Bộ Chính trị" in page and "Được trích dẫn bởi" in page
    assert "<mark>05-CT/TW</mark>" in page
    assert "chưa có dấu" not in page                               # no diacritics warning for a number
    page = html(client.get("/", query_string={"q": "05/CT-TW"}))
    assert "được hiểu là <strong>05-CT/TW</strong>" in page


def test_province_filter_says_what_it_means(client):
    page = html(client.get("/", query_string={"q": "thông báo", "province": "Đắk Nông"}))
    assert "từ 01/07/2025 thuộc Lâm Đồng" in page and "unit=L%C3%A2m+%C4%90%E1%BB%93ng" in page
    page = html(client.get("/", query_string={"q": "thông báo", "unit": "Lâm Đồng"}))
    assert "Lâm Đồng (từ 01/07/2025 gồm cả Đắk Nông, Bình Thuận)" in page
    resp = client.get("/", query_string={"q": "thông báo", "province": "Đắk Song"})
    assert resp.status_code == 400 and "huyện/thị xã của tỉnh Đắk Nông" in html(resp)


def test_export_csv_has_bom_header_and_vietnamese(client):
    resp = client.get("/export.csv", query_string={"q": "dân vận khéo"})
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == "attachment; filename=vankien-dan-van-kheo.csv"
    body = resp.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {"rank", "title", "doc_type", "date", "date_iso", "paragraph", "text", "citation",
            "permalink", "similar_count", "province_2025"} <= set(rows[0])
    assert any("dân vận" in r["text"].lower() for r in rows)
    assert re.fullmatch(r"\d\d/\d\d/\d{4}|", rows[0]["date"])
    assert 1 < len(rows) <= 100


def test_export_json_rows(client):
    resp = client.get("/export.json", query_string={"q": "dân vận", "k": "5"})
    data = json.loads(resp.data)
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert len({r["rank"] for r in data["results"]}) <= 5 and data["results"][0]["citation"]


def test_about_page(client, service):
    page = html(client.get("/about"))
    assert f"<strong>{service.stats()['documents']}</strong> văn bản" in page
    assert "multilingual-e5-small" in page


def test_api_search_schema(client):
    resp = client.get("/api/search", query_string={"q": "dân vận khéo", "k": "3", "neighbors": "1"})
    data = resp.get_json()
    assert resp.status_code == 200
    assert {"query", "parsed", "mode", "sort", "filters", "total", "offset", "k", "results", "facets",
            "took_ms"} <= set(data)
    assert set(data["facets"]) == {"province", "doc_type", "year"}
    r = data["results"][0]
    assert {"rank", "score", "paragraph", "text", "highlights", "document", "permalink", "citation",
            "similar", "similar_count", "neighbors", "more_in_document", "matched_paragraphs"} <= set(r)
    assert len({r["rank"] for r in data["results"]}) == 3 == data["k"]
    assert {"total_documents", "total_passages", "cutoff", "numbers", "filter_notes"} <= set(data)


@pytest.mark.parametrize("params", [
    {"q": "dân", "from": "31/02/2020"}, {"q": "dân", "k": "abc"}, {"q": "dân", "k": "1000"},
    {"q": "dân", "k": "0"}, {"q": "dân", "sort": "x"}, {"q": "dân", "mode": "magic"}, {"q": ""}, {"q": "?!…"},
    {}, {"q": "dân", "province": "x" * 501}, {"q": "dân", "offset": "-1"}, {"q": "x" * 10_001},
])
def test_api_bad_parameters_are_400_json(client, params):
    resp = client.get("/api/search", query_string=params)
    assert resp.status_code == 400
    assert resp.is_json and resp.get_json()["error"]


def test_api_long_query_is_truncated_with_notice(client):
    resp = client.get("/api/search", query_string={"q": "dân vận khéo " * 400})     # ~5,200 chars
    assert resp.status_code == 200
    assert any("quá dài" in n for n in resp.get_json()["parsed"]["notices"])


@pytest.mark.parametrize("q", ['"dân vận', "dân AND vận OR NEAR(", "dân* ^vận : -khéo", "'; DROP TABLE documents; --"])
def test_api_operators_and_quotes_are_plain_text(client, q):
    resp = client.get("/api/search", query_string={"q": q})
    assert resp.status_code == 200, resp.get_json()


def test_api_documents_and_404s(client, service):
    doc_id = service.documents(limit=1)[0]["id"]
    data = client.get(f"/api/documents/{doc_id}").get_json()
    assert data["id"] == doc_id and data["paragraphs"]
    for url in ("/api/documents/999999", "/api/nothing-here"):
        resp = client.get(url)
        assert resp.status_code == 404 and resp.is_json and resp.get_json()["error"]


def test_api_stats_and_openapi(client):
    stats = client.get("/api/stats").get_json()
    assert stats["documents"] > 0 and "by_province" in stats
    spec = client.get("/api/openapi.yaml")
    assert spec.status_code == 200 and b"openapi: 3" in spec.data and b"/api/search" in spec.data


def test_site_is_read_only(client):
    assert client.post("/", data={"q": "x"}).status_code == 405
    assert client.post("/api/search").status_code == 405


def test_xss_probe_is_escaped_everywhere(client, service):
    hit = client.get("/api/search", query_string={"q": "cảnh báo mã độc văn bản dân vận", "k": "20"}).get_json()
    probe = next(r for r in hit["results"] if "<script>" in r["document"]["title"])
    doc_id = probe["document"]["id"]
    search_page = html(client.get("/", query_string={"q": "cảnh báo mã độc văn bản dân vận"}))
    doc_page = html(client.get(f"/documents/{doc_id}", query_string={"q": "script"}))
    for page in (search_page, doc_page):
        assert "&lt;script&gt;alert(" in page
    resp = client.get(f"/api/documents/{doc_id}")
    assert resp.is_json and "<script>" in resp.get_json()["title"]     # JSON carries the text as is
    assert html(client.get("/compare", query_string={"q": "cảnh báo mã độc"}))


def test_internal_errors_never_leak_a_trace(app, monkeypatch):
    from vankien.search.service import SearchService
    monkeypatch.setattr(SearchService, "stats", lambda self: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        client = app.test_client()
        api = client.get("/api/stats")
        page = client.get("/about")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert api.status_code == 500 and api.get_json() == {"error": "Lỗi máy chủ. Vui lòng thử lại sau."}
    assert page.status_code == 500 and "Traceback" not in page.get_data(as_text=True)


def test_missing_knowledge_base_is_a_clear_page(tmp_path):
    client = create_app({"KB_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    resp = client.get("/")
    assert resp.status_code == 503 and "Chưa có kho dữ liệu" in resp.get_data(as_text=True)
    assert client.get("/api/stats").get_json()["error"].startswith("Chưa có kho dữ liệu")


def test_concurrent_searches(app):
    queries = ["dân vận khéo", "dan van kheo", "đối thoại với nhân dân", "quy chế dân chủ", "dân vận"] * 4

    def one(q):
        return app.test_client().get("/api/search", query_string={"q": q}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(one, queries))
    assert codes == [200] * 20


def _doc_with_references(service) -> int:
    for d in service.documents(limit=1000):
        if service.document(d["id"])["references"]:
            return d["id"]
    pytest.skip("no document with references in the sample")


def test_unaccented_query_offers_the_restored_query(client):
    page = html(client.get("/", query_string={"q": "quy che dan chu o co so", "type": "tin-tuc"}))
    assert "quy chế dân chủ ở cơ sở" in page and "Có phải bạn muốn tìm" in page
