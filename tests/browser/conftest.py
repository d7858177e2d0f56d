"""Fixtures of the browser suite: the project's JupyterLab and Debian's Chromium, driven by Playwright.

The suite is skipped (with the reason) when Playwright for Python or the
Chromium binary is missing; Chromium comes from the system package manager
(``make browser-deps`` = ``apt-get install chromium``), never from
``playwright install``. ``LECTURE_CHROMIUM`` overrides the binary's path.

Notebooks are copied into a temporary folder before JupyterLab opens them, so
running their cells never touches the committed files. Screenshots go to a
folder printed at the end of the run (``LECTURE_SCREENSHOTS`` overrides it),
together with the slider latencies.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lab_page import REPORT, shut_down_kernels
from lecture_lib.tools.lecture import LabServer, add_slide_metadata, slide_outline

# The fixture notebook is broken on purpose: nbval must not collect it.
collect_ignore = ["fixtures"]

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = Path(os.environ.get("LECTURE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 900}



def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[notebooks,test]')"
    if not CHROMIUM.exists():
        return (f"no Chromium at {CHROMIUM}: install it with the system package manager "
                "(make browser-deps, i.e. apt-get install chromium) or set LECTURE_CHROMIUM")
    return None


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory):
    """A temporary copy of notebooks/ and of the fixture notebooks: what the JupyterLab servers show."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(FIXTURES, root / "fixtures")
    # A chapter that has no slide metadata yet is still presented (from its headings) so its sliders are
    # tested in the deck; test_lecture_launcher.py fails separately until the metadata is committed.
    for notebook in (root / "notebooks").glob("*.ipynb"):
        try:
            slide_outline(notebook)
        except ValueError:
            add_slide_metadata(notebook)
    return root


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    folder = Path(os.environ["LECTURE_SCREENSHOTS"]) if os.environ.get("LECTURE_SCREENSHOTS") \
        else tmp_path_factory.mktemp("browser-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    REPORT["screenshots"] = folder
    return folder


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """A headless Chromium with a fresh user-data directory (Playwright persistent context)."""
    reason = _missing_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport=VIEWPORT)
        try:
            yield context
        finally:
            context.close()


def _server(lab_root, lecture):
    if _missing_browser():  # no server when nothing can look at it
        pytest.skip(_missing_browser())
    server = LabServer(lab_root, lecture=lecture, expose_app=True)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(lab_root):
    """The learner's JupyterLab (default look) on a free port; stopped at the end, whatever happens."""
    yield from _server(lab_root, lecture=False)


@pytest.fixture(scope="session")
def lecture_server(lab_root):
    """The lecture-mode JupyterLab (lecture_lib.tools.lecture settings: slide deck, large fonts)."""
    yield from _server(lab_root, lecture=True)


def _page(browser_context, server):
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        shut_down_kernels(page)
        page.close()


@pytest.fixture
def learner_page(browser_context, lab_server):
    yield from _page(browser_context, lab_server)


@pytest.fixture
def lecture_page(browser_context, lecture_server):
    yield from _page(browser_context, lecture_server)


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    reason = _missing_browser()
    if reason and terminalreporter.stats.get("skipped"):
        terminalreporter.section("browser suite")
        write(f"SKIPPED the browser suite (tests/browser): {reason}")
        return
    if not REPORT["latency"] and REPORT["screenshots"] is None:
        return
    terminalreporter.section("browser suite")
    if REPORT["latency"]:
        write("slider latency, key press -> new plot image decoded in Chromium (target: median < 150 ms)")
        for name, result in sorted(REPORT["latency"].items()):
            write(f"  {name:36s} slider {result['slider']!r:18s} median {result['median']:7.1f} ms   "
                  f"p95 {result['p95']:7.1f} ms   ({len(result['samples'])} presses, {result['missed']} without "
                  "a new image)")
    if REPORT["screenshots"] is not None:
        shots = sorted(p.name for p in Path(REPORT["screenshots"]).glob("*.png"))
        write(f"screenshots ({len(shots)}): {REPORT['screenshots']}")
