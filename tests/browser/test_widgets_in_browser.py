"""Every chapter notebook with widgets, in a real JupyterLab in Chromium: learner view and lecture view.

For each notebook whose committed outputs display an ipywidget (found
automatically, so a new chapter is covered the day it lands): open it, run all
cells, check every widget rendered, move each slider by keyboard and by drag,
check the plot in the same output changed (pixel hash of the images) and that
no cell shows an error; take a screenshot; measure the latency of the main
slider (first slider of the first widget cell). The lecture view repeats the
slider check inside the slide deck that ``make lecture`` shows.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from lab_page import REPORT, cell_locator, check_sliders, open_and_run, page_errors, show_cell, slider_latency, widget_notebooks
from notebook_code import widget_cells

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = widget_notebooks(ROOT / "notebooks")
LATENCY_PRESSES = 15
# Sliders that by design do not redraw when moved, with the reason (they must still move without an error).
# Keyed by notebook stem, then slider label as shown on the page.
SLIDERS_WITHOUT_REDRAW = {
    "03_feedforward_networks": {
        "learning rate η": "a training setting: takes effect at the next 'train' click",
        "L2 strength λ": "a training setting: takes effect at the next 'train' click",
    },
}


def _url(server, lab_root, notebook):
    return server.tree_url(lab_root / "notebooks" / notebook.name)


def _rendered_widget_cells(page) -> list[int]:
    return page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .map((cell, i) => cell.node.querySelector('.jp-Cell-outputArea .jupyter-widgets') ? i : -1)
        .filter(i => i >= 0)""")


def test_widget_notebooks_are_found():
    names = [p.name for p in NOTEBOOKS]
    assert "00_start_here.ipynb" in names and "01_threshold_units.ipynb" in names, names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_learner_view_sliders_drive_their_plots(notebook, learner_page, lab_server, lab_root, screenshot_dir):
    page = learner_page
    open_and_run(page, _url(lab_server, lab_root, notebook))
    expected = widget_cells(notebook)
    missing = sorted(set(expected) - set(_rendered_widget_cells(page)))
    assert not missing, f"{notebook.name}: cells {missing} show no widget in JupyterLab"
    assert page_errors(page) == [], f"{notebook.name}: errors after Run All"

    problems = []
    for cell in expected:
        problems += check_sliders(page, cell, without_redraw=SLIDERS_WITHOUT_REDRAW.get(notebook.stem, {}))
    show_cell(page, expected[0])
    page.screenshot(path=str(screenshot_dir / f"learner_{notebook.stem}.png"))
    assert problems == [], f"{notebook.name}: " + "; ".join(problems)

    REPORT["latency"][notebook.stem] = slider_latency(page, expected[0], presses=LATENCY_PRESSES)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lecture_view_slides_keep_sliders_live(notebook, lecture_page, lecture_server, lab_root, screenshot_dir):
    page = lecture_page
    # The instructor's way: the lecture settings bind Run All to Ctrl+Shift+Enter (no menu bar in the deck).
    open_and_run(page, _url(lecture_server, lab_root, notebook), run_all_keys="Control+Shift+Enter")
    assert page.locator(".jp-Deck-Remote").count() == 1, "the slide deck is not active in lecture mode"
    cell = widget_cells(notebook)[0]
    show_cell(page, cell)
    # On the widget's slide the title slide is hidden: slides, not one long page.
    assert not cell_locator(page, 0).is_visible(), \
        f"{notebook.name}: the title cell is still visible on the slide of cell {cell} (no slide metadata?)"
    problems = check_sliders(page, cell, without_redraw=SLIDERS_WITHOUT_REDRAW.get(notebook.stem, {}))
    # Arrow keys on a slider move the slider, not the deck: the widget's slide is still the one shown.
    if not cell_locator(page, cell).locator(".widget-slider").first.is_visible():
        problems.append(f"moving a slider by keyboard left the slide of cell {cell}")
    page.screenshot(path=str(screenshot_dir / f"lecture_{notebook.stem}.png"))
    assert problems == [], f"{notebook.name} in lecture mode: " + "; ".join(problems)


def test_broken_widget_notebook_is_reported(learner_page, lab_server, lab_root, screenshot_dir):
    """The assertion helper must catch a slider whose plot never changes and a slider that raises."""
    fixture = Path(__file__).parent / "fixtures" / "broken_widget.ipynb"
    page = learner_page
    open_and_run(page, lab_server.tree_url(lab_root / "fixtures" / fixture.name))
    ignored_cell, raising_cell = widget_cells(fixture)
    ignored = "\n".join(check_sliders(page, ignored_cell, timeout_s=3.0))
    raising = "\n".join(check_sliders(page, raising_cell, timeout_s=3.0, how=("keyboard",)))
    page.screenshot(path=str(screenshot_dir / "broken_widget_fixture.png"))
    assert "slider 'ignored': moved by keyboard" in ignored and "the plot did not change" in ignored, ignored
    assert "slider 'ignored': moved by drag" in ignored, ignored
    assert "slider 'raises': moved by keyboard" in raising and "the plot did not change" in raising, raising
    assert "error shown: ValueError: deliberately broken" in raising, raising
