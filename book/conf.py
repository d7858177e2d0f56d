"""Sphinx configuration of the web book (``make site`` builds it into build/site/).

The book is built from the committed notebooks as they are: ``nb_execution_mode = "off"``,
so every output (figures, printed tables, the saved widget state) is the one nbval checks.
Sources are the repository root restricted by ``include_patterns``: the 14 chapters
(notebooks/), the exercise notebooks (exercises/, stubs only; solutions/ is never read)
and the pages of this folder.

Nothing is fetched from the network when the book is built or read:

* maths: MathJax 3 from the PyPI package ``sphinx-mathjax-offline``, copied into
  ``_static/mathjax`` (Sphinx's ``mathjax_path`` points there);
* widgets: the widget manager (npm ``@jupyter-widgets/html-manager``) and ``require.js`` (npm
  ``requirejs``), which ``make site`` unpacks into build/site-vendor/, are served from the site's
  ``_static/``: sliders render from the state the notebooks store (they cannot recompute without a
  kernel; a note under each says the live version runs in JupyterLab, ``make lab``). Without npm the
  book is built without them and the note replaces the slider. ``mathjax2_bridge.js`` forwards the
  manager's MathJax 2 call to MathJax 3;
* the theme (``sphinx-book-theme`` on ``pydata-sphinx-theme``) ships its fonts and scripts in the wheel.

Alt text: a code cell whose output is a figure keeps a sentence describing it in its
metadata under ``"alt_text"`` (a string, or a list with one string per image output in order);
``lecture_lib.tools.site`` (a Sphinx extension) puts it into the ``<img alt>`` of the page. tests/test_alt_text.py
fails a figure without it; a widget cell's ``alt_text`` becomes the alt of the image its slider draws.
"""
from __future__ import annotations

import sys
from pathlib import Path

# The worktree's own lecture_lib (the extension below), whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

project = "Neural networks, chapter by chapter"
author = "The lecture series' authors"
copyright = "the series' authors, MIT licence"

extensions = ["myst_nb", "sphinx-mathjax-offline", "lecture_lib.tools.site"]

root_doc = "book/index"
include_patterns = ["book/*.md", "notebooks/*.ipynb", "exercises/*.ipynb"]
exclude_patterns = ["build", "solutions", "**/.ipynb_checkpoints", ".venv*"]

# The committed outputs, never re-executed (nbval already checks them against a fresh run).
nb_execution_mode = "off"
# The widget manager and require.js from npm (make site unpacks them into build/site-vendor/):
# served from the site's own _static/, so sliders render from their saved state. Without that
# folder no manager is loaded and each slider cell only says where it runs live.
WIDGET_VENDOR = Path(__file__).resolve().parents[1] / "build" / "site-vendor"
if (WIDGET_VENDOR / "embed-amd.js").is_file() and (WIDGET_VENDOR / "require.js").is_file():
    nb_ipywidgets_js = {"require.js": {}, "embed-amd.js": {}}
else:
    nb_ipywidgets_js = {}

# Jupyter's heading anchors ("#Notation", "#Check-yourself"), so a link written for JupyterLab
# (00_start_here.ipynb#Notation) also resolves on the site.
myst_heading_anchors = 4
myst_enable_extensions = ["dollarmath", "amsmath"]


myst_heading_slug_func = "lecture_lib.tools.site.jupyter_slug"

# sphinx-book-theme (on pydata-sphinx-theme): the whole table of contents in the left sidebar, as a
# book reads; both ship their fonts, icons and scripts in the wheel. No launch or repository
# buttons (they would point off the site).
html_theme = "sphinx_book_theme"
html_title = project
# book/_templates: the theme's search button without the aria-label that hid its visible text.
templates_path = ["_templates"]
html_static_path = ["_static"] + ([str(WIDGET_VENDOR)] if nb_ipywidgets_js else [])
html_extra_path = ["_extra"]
html_css_files = ["book.css"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}
suppress_warnings = ["mystnb.unknown_mime_type"]
