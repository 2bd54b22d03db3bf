"""End to end: the real site under waitress, driven by headless Debian Chromium via Playwright.

Skipped when Chromium or Playwright is missing, unless VANKIEN_REQUIRE_BROWSER=1 (then it fails).
Screenshots go to tests/artifacts/ for a human to look at.
"""
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
QUERY = "đối thoại với nhân dân"


def _require_browser():
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing.append(CHROMIUM)
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("VANKIEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def site(kb_dir, encoder):
    """Base URL of the site served by waitress on a free loopback port."""
    import waitress

    from vankien.web import create_app
    app = create_app({"KB_DIR": str(kb_dir), "ENCODER": encoder})
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


def test_search_filter_document_and_export(site, page):
    page.goto(site + "/")
    page.fill("input[name=q]", QUERY)
    page.click("form.search .qrow button[type=submit]")
    page.wait_for_selector("article.result")
    assert page.locator("article.result mark").count() > 0
    citation = page.locator(".cite-text").first.inner_text()
    assert re.search(r"\d\d/\d\d/\d{4}", citation)
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)

    # Province filter through the facet list (the same parameter the select sets).
    province = page.locator(".facets a[href*='province=']").first
    province_name = province.inner_text()
    province.click()
    page.wait_for_selector(".chips")
    assert province_name in page.locator(".chips").inner_text()
    titles = page.locator("article.result h3 a")
    assert titles.count() > 0

    # Open a result at its paragraph: the anchor is in the URL, the paragraph visible and marked.
    first_title = titles.first.inner_text()
    titles.first.click()
    page.wait_for_load_state()
    match = re.search(r"#p(\d+)$", page.url)
    assert match, page.url
    target = page.locator(f"#p{match[1]}")
    assert target.is_visible()
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=False)

    page.go_back()
    page.wait_for_selector("article.result")
    with page.expect_download() as info:
        page.click("a[href^='/export.csv']")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert first_title in data.decode("utf-8-sig")


def test_compare_and_empty_state_screens(site, page):
    page.goto(site + "/compare?q=" + "dân vận khéo")
    page.wait_for_selector("svg")
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
    page.goto(site + '/?q="xyzzy qwerty"&type=chi-thi')
    assert "gõ có dấu" in page.locator(".empty").inner_text()
    page.screenshot(path=str(ARTIFACTS / "empty-state.png"), full_page=True)


def test_mobile_width_has_no_horizontal_overflow(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    pg = context.new_page()
    try:
        for path in ("/?q=" + QUERY, "/documents/1", "/compare?q=dân vận", "/about"):
            pg.goto(site + path)
            overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} overflows by {overflow}px at 390px"
        pg.goto(site + "/?q=" + QUERY)
        pg.screenshot(path=str(ARTIFACTS / "mobile-search.png"), full_page=True)
    finally:
        context.close()


def test_copy_button_appears_only_with_javascript(site, page):
    page.goto(site + "/?q=" + QUERY)
    assert page.locator("button.copy").first.is_visible()
