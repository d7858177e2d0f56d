"""The web book's helpers: a Sphinx extension used by book/conf.py, and the alt-text census.

``make site`` builds the book (book/conf.py); this module holds what conf.py needs to be
importable by name (Sphinx pickles its configuration, so a function defined in conf.py itself
cannot be a setting):

* ``jupyter_slug``: heading anchors as JupyterLab writes them (``#Notation``,
  ``#Check-yourself``), so one link works in JupyterLab and on the site;
* ``setup``: a Sphinx extension that puts each figure's alt text into ``<img alt>`` and
  replaces a slider's saved view by a note saying where it runs live; a link to the
  ``exercises/`` folder leads to the book's exercise list; after the build it names the theme's
  sidebar toggles (``name_toc_toggles``), and it loads book/_static/widget_a11y.js, which names the
  sliders and images the widget manager renders (the accessibility check of
  tests/browser/test_site_in_browser.py runs axe-core on every page).

Alt text lives in the notebook, in the metadata of the code cell that draws the figure:
``"alt_text": "A sentence saying what the figure shows."`` (or a list of sentences, one per
image output, in order). The notebook and the site share it; ``images_without_alt_text``
lists the figures that lack it (tests/test_site.py).
"""
from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The site extra of pyproject.toml, by import name.
SITE_MODULES = ("sphinx", "myst_nb", "sphinx_book_theme", "pydata_sphinx_theme", "sphinx-mathjax-offline")

ALT_TEXT_KEY = "alt_text"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("Interactive slider: it runs live in JupyterLab (make lab, or make lecture CHAPTER=NN "
               "for the slide deck); the static figure with the same lesson is on this page.")
WIDGET_NOTE_RENDERED = ("Slider shown from its saved state: without a running kernel it cannot recompute. "
                        "It runs live in JupyterLab (make lab, or make lecture CHAPTER=NN); the static "
                        "figure with the same lesson is on this page.")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


def jupyter_slug(title: str) -> str:
    """JupyterLab's anchor of a heading: its text with each blank turned into '-', case kept."""
    return re.sub(r"\s", "-", title.strip())


def missing_site_packages() -> str | None:
    """Why the book cannot be built here (a package of the site extra is missing), or None."""
    missing = [name for name in SITE_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        return (f"the site extra is not installed ({', '.join(missing)} missing): "
                "make site installs it (pip install -c constraints.txt -e '.[site]')")
    return None


def build(out_dir: Path, root: Path = ROOT) -> subprocess.CompletedProcess:
    """Build the book from ``root`` into ``out_dir`` as ``make site`` does (warnings are errors)."""
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
                           "-c", str(root / "book"), str(root), str(out_dir)],
                          capture_output=True, text=True, cwd=root)


def _alt_texts(metadata: dict, count: int) -> list:
    """The alt text of each of a cell's ``count`` images ('' where it has none)."""
    alt = metadata.get(ALT_TEXT_KEY)
    if isinstance(alt, str):
        texts = [alt] * count
    elif isinstance(alt, list):
        texts = [a if isinstance(a, str) else "" for a in alt][:count]
    else:
        texts = []
    return [t.strip() for t in texts] + [""] * (count - len(texts))


def images_without_alt_text(notebook: Path) -> list:
    """(cell index, image number within the cell) of every image output lacking alt text."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    missing = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        count = sum(1 for output in cell.get("outputs", [])
                    if any(kind in output.get("data", {}) for kind in IMAGE_TYPES))
        for number, text in enumerate(_alt_texts(cell.get("metadata", {}), count)):
            if not text:
                missing.append((index, number))
    return missing


def _apply_alt_text(app, doctree):
    """Copy each code cell's alt text into the ``alt`` of its output images."""
    from docutils import nodes

    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        images = list(cell.findall(nodes.image))
        for image, text in zip(images, _alt_texts(cell.get("cell_metadata") or {}, len(images))):
            if text:
                image["alt"] = text


def _note_widgets(app, doctree):
    """Add to a widget's saved view a note saying where it runs live.

    With the widget manager on the site (``nb_ipywidgets_js``) the saved view stays and renders
    its stored state; without it the view (a script tag nothing reads) is replaced by the note.
    """
    from docutils import nodes

    rendered = bool(app.config.nb_ipywidgets_js)
    for raw in list(doctree.findall(nodes.raw)):
        if WIDGET_VIEW in raw.astext():
            note = _widget_note(WIDGET_NOTE_RENDERED if rendered else WIDGET_NOTE, _widget_figure_alt(raw))
            if rendered:
                raw.parent.insert(raw.parent.index(raw) + 1, note)
            else:
                raw.replace_self(note)


def _widget_figure_alt(node) -> str:
    """The alt text of the widget cell holding ``node`` (its first sentence if a list), or ''."""
    from docutils import nodes

    while node is not None and not (isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"):
        node = node.parent
    if node is None:
        return ""
    texts = _alt_texts(node.get("cell_metadata") or {}, 1)
    return texts[0]


def _widget_note(text: str, figure_alt: str):
    """The note under a widget: a paragraph carrying the widget cell's alt text for the widget's image.

    book/_static/widget_a11y.js gives the image the widget manager draws from the saved state this
    text as its alt (``data-figure-alt``); without one it uses a sentence of its own.
    """
    from docutils import nodes

    attribute = f' data-figure-alt="{html.escape(figure_alt, quote=True)}"' if figure_alt else ""
    return nodes.raw("", f'<p class="widget-note"{attribute}>{html.escape(text)}</p>', format="html")


# The theme's sidebar folds a page's sub-pages in <details> whose <summary> holds only a chevron icon:
# no name for a screen reader (axe: summary-name). Each gets one, from the link beside it.
_TOC_SUMMARY_AFTER_LINK = re.compile(
    r'(<a class="reference internal[^"]*" href="[^"]*">(?P<title>.*?)</a>\s*<details[^>]*>\s*)<summary>', re.S)
_TOC_SUMMARY = re.compile(r'<summary>(?=\s*<span class="toctree-toggle")')


def name_toc_toggles(page: str) -> str:
    """``page`` (HTML) with every sidebar toggle's <summary> named after the entry it folds."""
    def after_link(match):
        title = html.unescape(re.sub(r"<[^>]+>", "", match.group("title"))).strip()
        return match.group(1) + f'<summary aria-label="{html.escape(f"Pages under {title}", quote=True)}">'

    page = _TOC_SUMMARY_AFTER_LINK.sub(after_link, page)
    return _TOC_SUMMARY.sub('<summary aria-label="Show or hide the pages of this section">', page)


def _name_toc_toggles(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        named = name_toc_toggles(text)
        if named != text:
            page.write_text(named, encoding="utf-8")


# Links to a folder (JupyterLab opens its file browser there) go to the book's page for it.
FOLDER_PAGES = {"exercises": "book/exercises", "notebooks": "book/index"}


def _link_to_folder(app, doctree):
    """Point a link to the ``exercises/`` or ``notebooks/`` folder at the book page listing it."""
    from sphinx import addnodes

    for node in doctree.findall(addnodes.pending_xref):
        target = node.get("reftarget", "")
        if node.get("reftype") != "myst" or not target.endswith("/"):
            continue
        page = FOLDER_PAGES.get(target.rstrip("/").split("/")[-1])
        if page is not None:
            node["refdomain"], node["reftarget"], node["reftargetid"] = "doc", page, None


def setup(app):
    # After MathJax (priority 500, deferred) and before the widgets render (see the file's comment).
    app.add_js_file("mathjax2_bridge.js", loading_method="defer", priority=600)
    # Names for the sliders and images the widget manager draws (book/_static/widget_a11y.js).
    app.add_js_file("widget_a11y.js", loading_method="defer", priority=600)
    app.connect("build-finished", _name_toc_toggles)
    app.connect("doctree-read", _link_to_folder)
    app.connect("doctree-read", _apply_alt_text)
    app.connect("doctree-read", _note_widgets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
