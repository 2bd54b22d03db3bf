"""The workspace on the site and in the JSON API (Flask test client, real sample knowledge base):
forms, CSRF, bounds and escaping, 4xx never 500, exports, feeds, read-only mode, OpenAPI."""
import io
import re
from urllib.parse import unquote
import xml.etree.ElementTree as ET

import pytest
from docx import Document

from vankien.web import create_app
from vankien.workspace.footnotes import footnote_texts

pytestmark = pytest.mark.slow
PROBE = "<script>alert(1)</script>"
QUERY = "đối thoại với nhân dân"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def userdata(tmp_path):
    return tmp_path / "kb.userdata.sqlite"


@pytest.fixture
def app(kb_dir, encoder, userdata):
    return create_app({"KB_DIR": str(kb_dir), "ENCODER": encoder, "TESTING": True, "USERDATA": str(userdata)})


@pytest.fixture
def client(app):
    return app.test_client()


def html(resp) -> str:
    assert resp.content_type.startswith("text/html"), resp.content_type
    text = resp.get_data(as_text=True)
    assert PROBE not in text
    return text


def token(client, path: str = "/collections") -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html(client.get(path)))[1]


def results(client, q: str = QUERY) -> list[dict]:
    return client.get("/api/search", query_string={"q": q, "k": 20}).get_json()["results"]


def add(client, tok, **form):
    return client.post("/collections/add", data={"csrf_token": tok, **form})


def test_reading_creates_nothing_and_shows_the_forms(client, userdata, service):
    page = html(client.get("/", query_string={"q": QUERY}))
    passages = page.count('<section class="hit">')
    assert passages >= 3 and page.count('action="/collections/add"') == passages and "Thêm vào bộ sưu tập" in page
    assert "☆ Theo dõi tìm kiếm này" in page and 'href="/collections"' in page and 'href="/follows"' in page
    doc_id = results(client)[0]["document"]["id"]
    doc_page = html(client.get(f"/documents/{doc_id}"))
    assert 'id="collect-quick"' in doc_page and 'form="collect-quick" name="ordinal"' in doc_page
    assert 'action="/collections/add"' in html(client.get("/compare", query_string={"q": QUERY}))
    assert "Chưa có bộ sưu tập nào" in html(client.get("/collections"))
    assert "Chưa theo dõi tìm kiếm nào" in html(client.get("/follows"))
    assert client.get("/api/collections").get_json() == {"collections": []}
    assert not userdata.exists()


def test_add_from_search_and_document_then_the_collection_page(client, userdata):
    tok = token(client, "/?q=" + QUERY)
    first, second = results(client)[:2]
    resp = add(client, tok, paragraph_id=first["paragraph_id"], collection="new", new_name="Tập huấn",
               note="Vì sao: " + PROBE, next="/?q=" + QUERY)
    assert resp.status_code == 303
    assert unquote(resp.headers["Location"]) == f"/?q={QUERY}#collect-{first['paragraph_id']}"
    assert userdata.exists()
    again = html(client.get("/", query_string={"q": QUERY}))
    assert "✓ Đã có trong" in again and re.search(r'<option value="1" selected>Tập huấn</option>', again)
    doc = second["document"]
    resp = add(client, tok, document_id=doc["id"], ordinal=second["paragraph"], collection="1", **{"from": "document"},
               next=f"/documents/{doc['id']}")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/documents/{doc['id']}#p{second['paragraph']}"
    assert 'class="keep done"' in html(client.get(f"/documents/{doc['id']}"))
    assert add(client, tok, paragraph_id=first["paragraph_id"], collection="1").status_code == 303   # a no-op
    page = html(client.get("/collections/1"))
    assert page.count('class="card coll-item"') == 2
    for r in (first, second):
        assert str(r["citation"]).replace('"', "&#34;").replace("'", "&#39;") in page
    assert "Vì sao: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Nguồn đã thay đổi" not in page


def test_posts_need_the_csrf_token(client, app, userdata):
    assert client.post("/collections", data={"name": "x"}).status_code == 403
    assert not userdata.exists()
    tok = token(client)
    assert client.post("/collections", data={"name": "x", "csrf_token": "0" * 64}).status_code == 403
    other = app.test_client()                              # another browser: its own cookie, its own token
    assert other.post("/collections", data={"name": "x", "csrf_token": tok}).status_code == 403
    resp = client.post("/api/collections", json={"name": "x"})
    assert resp.status_code == 403 and "CSRF" in resp.get_json()["error"]
    assert not userdata.exists()
    assert client.post("/collections", data={"name": "x", "csrf_token": tok}).status_code == 303
    api_token = client.get("/api/csrf").get_json()["csrf_token"]
    assert api_token == tok
    assert client.post("/api/collections", json={"name": "y"}, headers={"X-CSRF-Token": tok}).status_code == 201


def test_bad_requests_are_4xx_never_500(client):
    tok = token(client)
    h = {"X-CSRF-Token": tok}
    pid = results(client)[0]["paragraph_id"]
    assert client.post("/collections", data={"csrf_token": tok, "name": "Bộ"}).status_code == 303
    cases = [
        (client.get("/collections/99"), 404), (client.get("/collections/99/export.docx"), 404),
        (client.get("/follows/99"), 404), (client.get("/feeds/nope.atom"), 404),
        (client.post("/collections", data={"csrf_token": tok, "name": "x" * 201}), 400),
        (client.post("/collections", data={"csrf_token": tok, "name": " "}), 400),
        (add(client, tok, paragraph_id="abc", collection="1"), 400),
        (add(client, tok, paragraph_id=str(10**12), collection="1"), 404),
        (add(client, tok, paragraph_id=pid, collection="99"), 404),
        (add(client, tok, paragraph_id=pid, collection="1", note="n" * 2001), 400),
        (add(client, tok, document_id="1", ordinal="-3", collection="1"), 400),
        (add(client, tok, paragraph_id=pid, collection="1", note="x" * 70_000), 413),
        (client.post("/collections/1/items/99/move", data={"csrf_token": tok, "where": "up"}), 404),
        (client.post("/collections/1/delete", data={"csrf_token": tok}), 400),       # not confirmed
        (client.post("/follows", data={"csrf_token": tok, "q": ""}), 400),
        (client.post("/follows", data={"csrf_token": tok, "q": "x", "from": "31/02/2020"}), 400),
        (client.get("/collections/add"), 405),
        (client.post("/api/collections", data="{not json", content_type="application/json", headers=h), 400),
        (client.post("/api/collections", json=["a"], headers=h), 400),
        (client.post("/api/collections/1/items", json={"paragraph_id": True}, headers=h), 400),
        (client.post("/api/collections/1/items", json={"paragraph_id": pid, "note": ["x"]}, headers=h), 400),
        (client.post("/api/collections/1/items/5", json={"where": "left"}, headers=h), 400),
        (client.post("/api/follows", json={"q": "dân vận", "filters": "Hà Tĩnh"}, headers=h), 400),
        (client.post("/api/follows", json={"q": "dân vận", "filters": {"planet": "Mars"}}, headers=h), 400),
        (client.post("/api/follows", json={"q": "dân vận", "mode": "psychic"}, headers=h), 400),
    ]
    for resp, status in cases:
        assert resp.status_code == status, (resp.request.path, resp.status_code, resp.get_data(as_text=True)[:300])
        if resp.request.path.startswith("/api/"):
            assert resp.is_json and resp.get_json()["error"]
    # A "next" that leaves the site is ignored: back to the collection instead.
    resp = add(client, tok, paragraph_id=pid, collection="1", next="//evil.example/x")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/collections/1")


def test_headings_and_reordering_through_the_forms(client):
    tok = token(client)
    picked = results(client)[:3]
    for r in picked:
        target = "new" if r is picked[0] else "1"
        add(client, tok, paragraph_id=r["paragraph_id"], collection=target, new_name="Giáo án")
    client.post("/collections/1/headings", data={"csrf_token": tok, "title": "Bài 1"})
    client.post("/collections/1/items/3/move", data={"csrf_token": tok, "under": "4"})
    client.post("/collections/1/items/1/move", data={"csrf_token": tok, "where": "down"})
    entries = client.get("/api/collections/1").get_json()["entries"]
    assert [(e["kind"], e["id"]) for e in entries] == [("passage", 2), ("passage", 1), ("heading", 4), ("passage", 3)]
    page = html(client.get("/collections/1"))
    assert page.index(picked[1]["text"][:40]) < page.index(picked[0]["text"][:40]) < page.index("<h2>Bài 1</h2>") \
        < page.index(picked[2]["text"][:40])
    assert '<ol class="coll-items" start="3">' in page          # numbering runs on across headings
    client.post("/collections/1/items/1/edit", data={"csrf_token": tok, "note": "ghi chú mới"})
    client.post("/collections/1/edit", data={"csrf_token": tok, "name": "Giáo án mới", "description": "Mô tả"})
    assert client.get("/api/collections/1").get_json()["collection"]["name"] == "Giáo án mới"
    client.post("/collections/1/items/2/delete", data={"csrf_token": tok})
    assert len(client.get("/api/collections/1").get_json()["entries"]) == 3
    assert client.post("/collections/1/delete", data={"csrf_token": tok, "confirm": "yes"}).status_code == 303
    assert client.get("/collections/1").status_code == 404


def test_exports_download_from_the_site(client):
    tok = token(client)
    r = results(client)[0]
    add(client, tok, paragraph_id=r["paragraph_id"], collection="new", new_name="Xuất thử", note="ghi chú")
    docx = client.get("/collections/1/export.docx")
    assert docx.status_code == 200 and docx.headers["Content-Disposition"] == \
        "attachment; filename=bo-suu-tap-xuat-thu.docx"
    assert docx.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    doc = Document(io.BytesIO(docx.data))
    assert r["citation"] in "".join(footnote_texts(doc).values())
    csv_resp = client.get("/collections/1/export.csv")
    assert csv_resp.data.startswith(b"\xef\xbb\xbf") and r["document"]["title"].encode() in csv_resp.data
    assert client.get("/collections/1/export.json").get_json()["results"][0]["note"] == "ghi chú"
    printable = html(client.get("/collections/1/print"))
    assert 'href="/static/handout.css"' in printable and "<style>" not in printable


def test_api_collections_round_trip(client):
    h = {"X-CSRF-Token": client.get("/api/csrf").get_json()["csrf_token"]}
    first, second = results(client)[:2]
    created = client.post("/api/collections", json={"name": "API", "description": "d"}, headers=h)
    assert created.status_code == 201 and created.get_json()["id"] == 1
    a = client.post("/api/collections/1/items", json={"paragraph_id": first["paragraph_id"], "note": "n"}, headers=h)
    assert a.status_code == 201 and a.get_json()["added"] is True
    dup = client.post("/api/collections/1/items", json={"paragraph_id": first["paragraph_id"]}, headers=h)
    assert dup.status_code == 200 and dup.get_json()["added"] is False
    b = client.post("/api/collections/1/items", json={"document_id": second["document"]["id"],
                                                      "ordinal": second["paragraph"]}, headers=h)
    assert b.status_code == 201
    head = client.post("/api/collections/1/items", json={"heading": "Mục A"}, headers=h).get_json()["item"]
    moved = client.post(f"/api/collections/1/items/{head['id']}", json={"position": 0}, headers=h).get_json()
    assert [e["kind"] for e in moved["entries"]] == ["heading", "passage", "passage"]
    got = client.get("/api/collections/1").get_json()
    assert got["collection"]["name"] == "API" and got["entries"][1]["source"]["state"] == "current"
    assert got["entries"][1]["citation"] == first["citation"]
    assert client.get("/api/collections").get_json()["collections"][0]["passages"] == 2
    assert client.post("/api/collections/1/delete", headers=h).get_json() == {"deleted": 1}
    assert client.get("/api/collections/1").status_code == 404


def test_follow_a_search_and_its_feed(client):
    tok = token(client, "/?q=" + QUERY)
    resp = client.post("/follows", data={"csrf_token": tok, "q": QUERY, "province": "Hải Dương"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/follows/1"
    again = client.post("/follows", data={"csrf_token": tok, "q": QUERY, "province": "Hải Dương"})
    assert again.headers["Location"] == "/follows/1"              # following twice: the same one
    listing = html(client.get("/follows"))
    assert "không có văn bản mới" in listing and "Tỉnh: Hải Dương" in listing
    assert "0 văn bản mới từ lần xem trước" in html(client.get("/follows/1"))
    follow = client.get("/api/follows").get_json()["follows"][0]
    assert follow["new"] == 0 and follow["filters"] == {"province": "Hải Dương"} and "owner" not in follow
    feed = client.get(follow["feed"])
    assert feed.status_code == 200 and feed.content_type.startswith("application/atom+xml")
    root = ET.fromstring(feed.data)
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}id").text.startswith("urn:uuid:")
    assert root.find(f"{ATOM}link[@rel='self']").get("href").startswith("http://localhost/feeds/")
    assert root.findall(f"{ATOM}entry") == []                     # nothing arrived since it was followed
    assert client.post("/follows/1/seen", data={"csrf_token": tok}).status_code == 303
    assert client.post("/follows/1/delete", data={"csrf_token": tok}).status_code == 303
    assert client.get(follow["feed"]).status_code == 404


def test_read_only_mode_serves_without_a_workspace(kb_dir, encoder, userdata):
    app = create_app({"KB_DIR": str(kb_dir), "ENCODER": encoder, "TESTING": True, "READ_ONLY": True,
                      "USERDATA": str(userdata)})
    client = app.test_client()
    page = html(client.get("/", query_string={"q": QUERY}))
    assert "Thêm vào bộ sưu tập" not in page and "Theo dõi" not in page and "csrf_token" not in page
    doc_id = results(client)[0]["document"]["id"]
    assert "collect-quick" not in html(client.get(f"/documents/{doc_id}"))
    assert "/collections/add" not in html(client.get("/compare", query_string={"q": QUERY}))
    for path in ("/collections", "/follows", "/api/collections", "/api/csrf", "/collections/1/export.docx"):
        assert client.get(path).status_code == 404, path
    assert client.post("/collections/add", data={"paragraph_id": "1"}).status_code in (404, 405)
    assert "Set-Cookie" not in client.get("/").headers
    assert not userdata.exists()


def test_openapi_describes_every_workspace_endpoint(app, client):
    spec = client.get("/api/openapi.yaml").get_data(as_text=True)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("workspace_api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert f"\n  {path}:\n" in spec, path
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                block = spec.split(f"\n  {path}:\n", 1)[1].split("\n  /", 1)[0]
                assert f"    {method.lower()}:" in block, (path, method)


def test_an_unreadable_user_database_never_takes_the_site_down(client, userdata):
    import sqlite3

    from vankien.workspace import db
    db.connect(userdata).close()
    raw = sqlite3.connect(userdata)
    raw.execute("PRAGMA user_version = 99")                # written by a newer vankien
    raw.close()
    page = html(client.get("/", query_string={"q": QUERY}))
    assert "<article" in page and "Thêm vào bộ sưu tập" not in page       # search works, without forms
    resp = client.get("/collections")
    assert resp.status_code == 400 and "99" in html(resp)


def test_a_collection_is_shown_and_exported_without_its_knowledge_base(tmp_path, client, userdata):
    tok = token(client)
    r = results(client)[0]
    add(client, tok, paragraph_id=r["paragraph_id"], collection="new", new_name="Mang theo")
    app = create_app({"KB_DIR": str(tmp_path / "no-kb"), "TESTING": True, "USERDATA": str(userdata)})
    other = app.test_client()
    assert other.get("/").status_code == 503                             # no search without a kb …
    page = html(other.get("/collections/1"))                             # … but the kept passages are there
    assert r["text"][:60] in page and "Nguồn đã thay đổi" not in page
    docx = other.get("/collections/1/export.docx")
    assert docx.status_code == 200
    assert r["citation"] in "".join(footnote_texts(Document(io.BytesIO(docx.data))).values())
