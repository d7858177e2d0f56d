"""The web book in Chromium: every chapter page loads without a page error, renders its figures, maths
and (with the widget manager unpacked by ``make site``) its sliders, and asks nothing of any host but
the local server it is served from.

The book is built once for this module (lecture_lib.tools.site.build, as ``make site``) and
served from a local HTTP server on 127.0.0.1. Every request the page makes is recorded;
requests to another host are aborted and fail the test. Skipped with the reason when the
site extra (Sphinx, MyST-NB, ...) or Chromium is missing. A screenshot of each chapter goes to
the suite's screenshot folder (printed at the end of the run).
"""
from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lecture_lib.tools import site

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# make site unpacks the widget manager here (npm); the build uses it when it is present.
WIDGETS_RENDERED = (ROOT / "build" / "site-vendor" / "embed-amd.js").is_file()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    reason = site.missing_site_packages()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("site")
    result = site.build(out)
    assert result.returncode == 0, f"the book's build failed:\n{result.stderr[-4000:]}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def book_page(browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    page.off_site, page.errors = [], []

    def route(route_):
        if urlsplit(route_.request.url).hostname in LOCAL_HOSTS or route_.request.url.startswith("data:"):
            route_.continue_()
        else:
            page.off_site.append(route_.request.url)
            route_.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_loads_offline_without_errors(book_page, site_url, chapter, screenshot_dir):
    response = book_page.goto(f"{site_url}/notebooks/{chapter}.html", wait_until="networkidle")
    assert response is not None and response.ok, f"{chapter}: HTTP {response and response.status}"
    book_page.wait_for_timeout(500)  # MathJax typesets after load
    book_page.screenshot(path=str(screenshot_dir / f"site-{chapter}.png"), full_page=False)
    assert not book_page.errors, f"{chapter}: page errors {book_page.errors}"
    assert not book_page.off_site, f"{chapter}: requests off the machine {book_page.off_site}"
    broken = book_page.evaluate(
        "() => [...document.querySelectorAll('img')].filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.getAttribute('src'))")
    assert not broken, f"{chapter}: images that did not render {broken}"
    source = (ROOT / "notebooks" / f"{chapter}.ipynb").read_text(encoding="utf-8")
    if "$" in source:
        book_page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
    if site.WIDGET_VIEW in source:
        assert book_page.locator(".widget-note").count() >= 1, f"{chapter}: a slider cell without its note"
        if WIDGETS_RENDERED:  # the widget manager is on the site: the saved sliders render
            book_page.wait_for_selector(".widget-slider", state="attached", timeout=20_000)


def test_the_book_opens_on_its_index_and_leads_to_every_chapter(book_page, site_url):
    book_page.goto(f"{site_url}/index.html", wait_until="networkidle")
    assert book_page.url.endswith("/book/index.html"), book_page.url
    links = book_page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert all(any(f"notebooks/{chapter}.html" in (href or "") for href in links) for chapter in CHAPTERS)
    assert not book_page.errors and not book_page.off_site, (book_page.errors, book_page.off_site)
