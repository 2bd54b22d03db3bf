"""End to end: keep passages from a real search in headless Chromium, reorder them, download the
Word handout and read it back with python-docx; a POST without the CSRF token is refused.

Skipped when Chromium or Playwright is missing, unless VANKIEN_REQUIRE_BROWSER=1 (then it fails).
Screenshots go to tests/artifacts/ for a human to look at.
"""
import io
import re
import threading
from pathlib import Path

import pytest
from docx import Document

from test_e2e_browser import ARGS, ARTIFACTS, CHROMIUM, _require_browser
from vankien.workspace.footnotes import footnote_texts

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
QUERY = "đối thoại với nhân dân"
NAME = "Tập huấn Dân vận khéo — bài 1"
NOTE = "Ví dụ hay: người đứng đầu trực tiếp đối thoại"
DMY = re.compile(r"\b\d\d/\d\d/\d{4}\b")


@pytest.fixture(scope="module")
def site(kb_dir, encoder, tmp_path_factory):
    """The site under waitress on a free loopback port, with its own user database."""
    import waitress

    from vankien.web import create_app
    userdata = tmp_path_factory.mktemp("userdata") / "kb.userdata.sqlite"
    app = create_app({"KB_DIR": str(kb_dir), "ENCODER": encoder, "USERDATA": str(userdata)})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def _province(card) -> str:
    chips = card.locator(".meta .chip:not(.type):not(.date)")
    return chips.first.inner_text() if chips.count() else ""


def _normal(text: str) -> str:
    return " ".join(text.split())


def test_collect_reorder_and_download_the_handout(site, page):
    page.goto(site + "/")
    page.fill("input[name=q]", QUERY)
    page.click("form.search .qrow button[type=submit]")
    page.wait_for_selector("article.result form.collect")
    cards = page.locator("article.result section.hit")      # one passage each (a document shows up to two)
    article = lambda i: cards.nth(i).locator("xpath=ancestor::article[1]")  # noqa: E731
    dated = [i for i in range(cards.count()) if _province(article(i)) and
             DMY.search(cards.nth(i).locator(".cite-text").inner_text())]
    first = dated[0]
    second = next(i for i in dated if _province(article(i)) != _province(article(first)))
    texts = [_normal(cards.nth(i).locator("p.passage").inner_text()) for i in (first, second)]

    # The first passage goes to a new collection, with a note.
    card = cards.nth(first)
    card.locator("select[name=collection]").select_option("new")
    card.locator("details.collect-extra summary").click()
    card.locator("input[name=new_name]").fill(NAME)
    card.locator("textarea[name=note]").fill(NOTE)
    card.locator("form.collect button[type=submit]").click()
    page.wait_for_selector("article.result .kept")
    assert NAME in page.locator("article.result .kept").first.inner_text()
    # The second, from another province: the new collection is now the default choice.
    card = page.locator("article.result section.hit").nth(second)
    assert NAME in card.locator("select[name=collection] option:checked").inner_text()
    card.locator("form.collect button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("article.result .kept").count() == 2
    page.screenshot(path=str(ARTIFACTS / "workspace-search-kept.png"), full_page=False)

    page.click("header.site nav a:has-text('Bộ sưu tập')")
    page.click(f"ul.coll-list a:has-text('{NAME}')")
    page.wait_for_selector("li.coll-item")
    shown = [_normal(t) for t in page.locator("li.coll-item blockquote").all_inner_texts()]
    assert shown == texts
    assert NOTE in page.locator("li.coll-item").first.inner_text()
    page.locator("li.coll-item").first.locator("button[value=down]").click()        # reorder
    page.wait_for_load_state()
    shown = [_normal(t) for t in page.locator("li.coll-item blockquote").all_inner_texts()]
    assert shown == texts[::-1]
    page.screenshot(path=str(ARTIFACTS / "collection.png"), full_page=True)

    with page.expect_download() as info:
        page.click("a:has-text('Word (.docx)')")
    data = Path(info.value.path()).read_bytes()
    (ARTIFACTS / "collection.docx").write_bytes(data)
    doc = Document(io.BytesIO(data))
    quotes = [_normal(p.text) for p in doc.paragraphs if p.style.name == "Quote"]
    body = "\n".join(p.text for p in doc.paragraphs)
    joined = " ".join(quotes)                                       # a passage's lines are its quote's paragraphs
    positions = [joined.index(t[:60]) for t in texts]
    assert positions[1] < positions[0]                              # the handout follows the new order
    notes = list(footnote_texts(doc).values())
    assert len(notes) == 2 and all(DMY.search(n) for n in notes)
    assert NOTE in body and NAME in body

    # A POST without the CSRF token is refused (the browser's cookie alone is not enough).
    refused = page.request.post(site + "/collections", form={"name": "Không được tạo"})
    assert refused.status == 403
    page.goto(site + "/collections")
    assert "Không được tạo" not in page.content()


def test_workspace_pages_fit_a_phone(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    pg = context.new_page()
    try:
        pg.goto(site + "/collections")
        links = pg.locator("ul.coll-list a")
        paths = ["/collections", "/follows"] + ([links.first.get_attribute("href")] if links.count() else [])
        for path in paths:
            pg.goto(site + path)
            overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} overflows by {overflow}px at 390px"
        pg.screenshot(path=str(ARTIFACTS / "collection-mobile.png"), full_page=True)
    finally:
        context.close()
