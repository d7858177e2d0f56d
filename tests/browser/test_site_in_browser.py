"""The web book in Chromium: every chapter page loads without a page error, renders its figures, maths
and (with the widget manager unpacked by ``make site``) its sliders, and asks nothing of any host but
the local server it is served from; and that no page of the book (chapters, exercises, the learners',
instructors' and contributors' pages) has an accessibility violation that axe-core rates critical or
serious.

The book is built once for this module (lecture_lib.tools.site.build, as ``make site``) and
served from a local HTTP server on 127.0.0.1. Every request the page makes is recorded;
requests to another host are aborted and fail the test. Skipped with the reason when the
site extra (Sphinx, MyST-NB, ...) or Chromium is missing. A screenshot of each chapter goes to
the suite's screenshot folder (printed at the end of the run).

The accessibility check injects axe-core (the npm package, which ``make site`` unpacks into
build/browser-vendor/; it is not part of the site) into each page once the page and its widgets have
rendered, and runs its default rule set (WCAG 2 A/AA and best practices). Moderate and minor findings
(e.g. the theme's sidebar outside a landmark) are reported by axe but do not fail the test. Skipped,
with the reason, when axe-core has not been unpacked (no npm).
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
# make site unpacks axe-core (npm) here for the accessibility check.
AXE = ROOT / "build" / "browser-vendor" / "axe.min.js"
FAILING_IMPACTS = ("critical", "serious")
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
BOOK_PAGES = sorted(f"book/{p.stem}" for p in (ROOT / "book").glob("*.md"))
EVERY_PAGE = ([f"notebooks/{name}" for name in CHAPTERS] + [f"exercises/{name}" for name in EXERCISES]
              + BOOK_PAGES)


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


SCROLL_BOXES_MARKED = """() => [...document.querySelectorAll(
    'pre, .cell_output > .output, .pst-scrollable-table-container')]
    .filter(e => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight)
    .every(e => e.tabIndex === 0)"""


def _settle(page, source: str):
    """Wait until a page's maths and widgets have rendered and the theme has marked its scroll boxes."""
    if page.locator(".math").count():  # Sphinx marks maths with class "math"; MathJax typesets it
        page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
    if site.WIDGET_VIEW in source and WIDGETS_RENDERED:
        page.wait_for_selector(".widget-slider", state="attached", timeout=20_000)
    # The theme makes every scrollable box (a wide printout or table) focusable by keyboard 300 ms after
    # the page last changed; wait for that (up to 10 s; if it never happens, axe reports the boxes).
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(SCROLL_BOXES_MARKED, timeout=10_000)
    except PlaywrightTimeout:
        pass
    page.wait_for_timeout(500)


def _serious_violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))}))")
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


@pytest.mark.parametrize("page_name", EVERY_PAGE)
def test_no_page_has_a_serious_accessibility_violation(book_page, site_url, page_name):
    if not AXE.is_file():
        pytest.skip(f"axe-core is not unpacked at {AXE.relative_to(ROOT)}: make site does it (npm pack axe-core)")
    source_path = ROOT / (f"{page_name}.ipynb" if not page_name.startswith("book/") else f"{page_name}.md")
    response = book_page.goto(f"{site_url}/{page_name}.html", wait_until="networkidle")
    assert response is not None and response.ok, f"{page_name}: HTTP {response and response.status}"
    _settle(book_page, source_path.read_text(encoding="utf-8"))
    found = _serious_violations(book_page)
    assert not found, f"{page_name}: axe-core finds {len(found)} critical/serious violation(s): {found}"


@pytest.mark.skipif(not WIDGETS_RENDERED, reason="the widget manager is not unpacked (make site): no slider renders")
def test_rendered_sliders_and_widget_images_have_names(book_page, site_url):
    """Every slider handle is named by the description a sighted reader sees; every widget image has alt."""
    chapter = next(name for name in CHAPTERS if site.WIDGET_VIEW in (ROOT / "notebooks" / f"{name}.ipynb").read_text())
    book_page.goto(f"{site_url}/notebooks/{chapter}.html", wait_until="networkidle")
    _settle(book_page, (ROOT / "notebooks" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    names = book_page.evaluate(
        "() => [...document.querySelectorAll('[role=slider]')].map(h => {"
        " const id = h.getAttribute('aria-labelledby');"
        " const label = id && document.getElementById(id);"
        " const shown = h.closest('.widget-slider').querySelector('.widget-label');"
        " return [label ? label.textContent.trim() : (h.getAttribute('aria-label') || ''), shown ? shown.textContent.trim() : ''];"
        "})")
    assert names, f"{chapter}: no slider rendered"
    assert all(name and name == shown for name, shown in names), f"{chapter}: slider names {names}"
    alts = book_page.evaluate("() => [...document.querySelectorAll('.jupyter-widgets img')].map(i => i.getAttribute('alt'))")
    assert alts and all(alt and alt.strip() for alt in alts), f"{chapter}: widget images' alt {alts}"
