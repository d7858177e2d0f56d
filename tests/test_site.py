"""The web book (``make site``): it builds offline, holds every chapter and exercise, no solution,
loads nothing from another host, and every internal link and anchor resolves.

The book is built once for this module (about a minute on 2 shared cores) into a temporary
folder, with the same command as ``make site`` (warnings are errors). Without the site extra
(``pip install -e '.[site]'``, which ``make site`` does) the tests are skipped with that reason.

"Loads nothing from another host" is about what a page fetches: every ``src``, ``srcset``,
``<link href>`` and CSS ``url()`` must stay on the site. A plain ``<a href>`` to another site
(a paper's page) is not a load and would be allowed; the book has none today.
"""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from lecture_lib.tools import site

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
BOOK_PAGES = ["book/index", "book/learners", "book/instructors", "book/contributors", "book/exercises"]
OFF_SITE = re.compile(r"^(https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    reason = site.missing_site_packages()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("site")
    result = site.build(out)
    assert result.returncode == 0, f"make site's build failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return out


class _Page(HTMLParser):
    """The links, loaded resources and element ids of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.loads, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for key in ("src", "data-src", "poster"):
            if attrs.get(key):
                self.loads.append(attrs[key])
        if attrs.get("srcset"):
            self.loads += [part.strip().split(" ")[0] for part in attrs["srcset"].split(",")]
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        if attrs.get("style"):
            self.loads += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs["style"])


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(book: Path):
    return sorted(p for p in book.rglob("*.html") if "_static" not in p.relative_to(book).parts)


def test_every_chapter_exercise_and_book_page_is_built(book):
    assert len(CHAPTERS) == 14, CHAPTERS
    expected = ([f"notebooks/{name}" for name in CHAPTERS] + [f"exercises/{name}" for name in EXERCISES]
                + BOOK_PAGES)
    missing = [name for name in expected if not (book / f"{name}.html").is_file()]
    assert not missing, f"pages missing from the book: {missing}"
    assert (book / "index.html").is_file(), "the book's folder has no index.html to open"


def test_the_table_of_contents_lists_the_chapters_in_order(book):
    text = (book / "book" / "index.html").read_text(encoding="utf-8")
    positions = [text.find(f"../notebooks/{name}.html") for name in CHAPTERS]
    assert -1 not in positions, [n for n, p in zip(CHAPTERS, positions) if p == -1]
    assert positions == sorted(positions), "the chapters are not listed in the order 00, 01, ..., 13"
    assert all(f"../exercises/{name}.html" in (book / "book" / "exercises.html").read_text(encoding="utf-8")
               for name in EXERCISES)


def test_no_solution_reaches_the_book(book):
    assert not (book / "solutions").exists(), "solutions/ was built into the book"
    solution_lines = set()
    for path in (ROOT / "solutions").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            inside = False
            for line in "".join(cell["source"]).splitlines():
                if line.strip().startswith(("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")):
                    inside = True
                elif line.strip().startswith(("### END SOLUTION", "### END HIDDEN TESTS")):
                    inside = False
                elif inside and len(line.strip()) >= 25:  # short lines (return x) occur in stubs too
                    solution_lines.add(line.strip())
    assert solution_lines, "no solution region found in solutions/: the test would prove nothing"
    leaks = []
    for page in _pages(book):
        name = page.relative_to(book).as_posix()
        code = "\n".join(html.unescape(re.sub(r"<[^>]+>", "", block)) for block in
                         re.findall(r"<pre[^>]*>(.*?)</pre>", page.read_text(encoding="utf-8"), re.DOTALL))
        leaks += [(name, marker) for marker in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS") if marker in code]
        # A chapter may show a line that a solution also has (its own code); exercises and the book's
        # pages are where a solution could leak to.
        if name.startswith(("exercises/", "book/")):
            leaks += [(name, line) for line in solution_lines if line in code]
    assert not leaks, f"solution code in the book: {leaks[:10]}"


def test_no_page_loads_anything_from_another_host(book):
    off_site = []
    for page in _pages(book):
        off_site += [(page.relative_to(book).as_posix(), url) for url in _parse(page).loads if OFF_SITE.match(url)]
    for sheet in book.rglob("*.css"):
        off_site += [(sheet.relative_to(book).as_posix(), url)
                     for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", sheet.read_text(encoding="utf-8", errors="replace"))
                     if OFF_SITE.match(url)]
    assert not off_site, f"resources loaded from another host: {off_site[:10]}"


def test_maths_is_rendered_by_the_sites_own_mathjax(book):
    page = _parse(book / "notebooks" / f"{CHAPTERS[4]}.html")
    mathjax = [url for url in page.loads if "mathjax" in url.lower()]
    assert mathjax and all(not OFF_SITE.match(url) for url in mathjax), mathjax
    assert (book / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_every_internal_link_and_anchor_resolves(book):
    parsed = {page: _parse(page) for page in _pages(book)}
    broken = []
    for page, content in parsed.items():
        for href in content.links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//") or href.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(book).as_posix()} -> {href}"
            if not target.is_file():
                broken.append(where)
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(where + " (no such anchor)")
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"


def _links_of(book: Path, page: str) -> list:
    return _parse(book / f"{page}.html").links


def test_chapters_and_exercises_link_each_other(book):
    unlinked = []
    for name in EXERCISES:
        if not any(f"exercises/{name}.html" in href for href in _links_of(book, f"notebooks/{name}")):
            unlinked.append(f"chapter {name} -> its exercises")
        if not any(f"notebooks/{name}.html" in href for href in _links_of(book, f"exercises/{name}")):
            unlinked.append(f"exercises {name} -> its chapter")
    assert not unlinked, unlinked


def test_the_notation_anchor_resolves(book):
    assert "Notation" in _parse(book / "notebooks" / "00_start_here.html").ids
    # The link written as 00_start_here.ipynb#Notation (JupyterLab's anchor) lands on the heading
    # (test_every_internal_link_and_anchor_resolves checks that the anchor exists).
    assert any(href.lower().endswith("00_start_here.html#notation") for href in _links_of(book, "book/index"))


def test_slider_cells_say_where_they_run_live(book):
    widget_chapters = [name for name in CHAPTERS
                       if site.WIDGET_VIEW in (ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")]
    assert widget_chapters, "no chapter displays a widget: the test would prove nothing"
    silent = [name for name in widget_chapters
              if "make lab" not in (book / "notebooks" / f"{name}.html").read_text(encoding="utf-8")]
    assert not silent, f"chapters whose sliders do not say they run live in JupyterLab: {silent}"


def _notebook_alt_texts(notebook: Path) -> set:
    texts = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        alt = cell.get("metadata", {}).get(site.ALT_TEXT_KEY)
        texts.update([alt] if isinstance(alt, str) else alt or [])
    return {text.strip() for text in texts}


def test_figures_of_chapters_with_alt_text_carry_it_on_the_page(book):
    from test_alt_text import PENDING  # the chapters whose notebooks have no alt text yet

    without, checked = [], 0
    for name in CHAPTERS:
        if name in PENDING:
            continue
        texts = _notebook_alt_texts(ROOT / "notebooks" / f"{name}.ipynb")
        text = (book / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        for image in re.findall(r"<img[^>]*>", text):
            if "_images/" not in image:
                continue
            checked += 1
            alt = re.search(r'alt="([^"]*)"', image)
            if not alt or html.unescape(alt.group(1)).strip() not in texts:
                without.append((name, image[:160]))
    assert checked, "no figure on any chapter page: the test would prove nothing"
    assert not without, f"figures shown without their notebook's alt text: {without[:5]}"


def test_every_sidebar_toggle_has_a_name(book):
    unnamed = [(page.relative_to(book).as_posix(), summary)
               for page in _pages(book)
               for summary in re.findall(r"<summary[^>]*>\s*<span", page.read_text(encoding="utf-8"))
               if "aria-label=" not in summary]
    assert not unnamed, f"<summary> elements with only an icon and no name: {unnamed[:5]}"


def test_the_search_button_is_named_by_its_visible_text(book):
    buttons = re.findall(r'<button class="btn search-button-field[^>]*>', (book / "book" / "index.html").read_text(encoding="utf-8"))
    assert buttons and not any("aria-label" in button for button in buttons), buttons


def test_a_toc_toggle_is_named_after_the_link_it_folds():
    page = ('<li><a class="reference internal" href="exercises.html">Exercises &amp; more</a><details open="open">'
            '<summary><span class="toctree-toggle" role="presentation"><i></i></span></summary></details>'
            '<details><summary><span class="toctree-toggle" role="presentation"></span></summary></details>'
            '<details><summary>Answers</summary></details></li>')
    named = site.name_toc_toggles(page)
    assert '<summary aria-label="Pages under Exercises &amp; more">' in named
    assert '<summary aria-label="Show or hide the pages of this section">' in named
    assert "<summary>Answers</summary>" in named    # a summary with its own text is left alone
