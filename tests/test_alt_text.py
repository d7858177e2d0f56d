"""Every figure of a chapter has alt text, kept in the notebook so the notebook and the web book share it.

The key: a code cell that draws figures carries ``"alt_text"`` in its metadata, a sentence
saying what the figure shows (or a list of sentences, one per image output, in order).
``make site`` puts it into the page's ``<img alt>`` (lecture_lib/tools/site.py).

``PENDING`` lists the chapters whose figures do not have it yet: they are strict xfails, so a
chapter that gains alt text for every figure fails here until it is removed from the list.
"""
import json
from pathlib import Path

import pytest

from lecture_lib.tools import site

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PENDING = set()


@pytest.mark.parametrize("notebook", [
    pytest.param(path, id=path.stem, marks=pytest.mark.xfail(
        path.stem in PENDING, strict=True, reason="alt text not written yet (remove from PENDING when it is)"))
    for path in NOTEBOOKS])
def test_every_figure_has_alt_text(notebook):
    missing = site.images_without_alt_text(notebook)
    assert not missing, (f"{notebook.name}: figures without alt text (cell index, image number): {missing}; "
                         f"add a sentence saying what the figure shows to the cell's metadata as "
                         f"\"{site.ALT_TEXT_KEY}\"")


def test_pending_lists_only_existing_chapters():
    assert PENDING <= {path.stem for path in NOTEBOOKS}


def _notebook(tmp_path, cells):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def _figure_cell(metadata, images=1):
    return {"cell_type": "code", "metadata": metadata, "source": "plot()",
            "outputs": [{"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}] * images
            + [{"output_type": "stream", "name": "stdout", "text": "printed"}]}


def test_the_census_finds_figures_without_alt_text(tmp_path):
    notebook = _notebook(tmp_path, [
        {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
        _figure_cell({}),
        _figure_cell({"alt_text": "Two curves: the loss falls, the accuracy rises."}),
        _figure_cell({"alt_text": ["First panel: the data.", "  "]}, images=2),
        _figure_cell({"alt_text": ["Only one sentence for two images."]}, images=2),
        _figure_cell({"alt_text": "   "}),
    ])
    assert site.images_without_alt_text(notebook) == [(1, 0), (3, 1), (4, 1), (5, 0)]


def test_a_notebook_whose_figures_all_have_alt_text_passes(tmp_path):
    notebook = _notebook(tmp_path, [_figure_cell({"alt_text": "A sentence."}),
                                    _figure_cell({"alt_text": ["One.", "Two."]}, images=2),
                                    {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []}])
    assert site.images_without_alt_text(notebook) == []


def test_the_site_puts_the_alt_text_into_the_image():
    docutils = pytest.importorskip("docutils.nodes")
    cell = docutils.container(nb_element="cell_code", cell_metadata={"alt_text": ["First.", "Second."]})
    first, second = docutils.image(uri="a.png"), docutils.image(uri="b.png")
    cell += first
    cell += second
    other = docutils.container(nb_element="cell_code", cell_metadata={})
    bare = docutils.image(uri="c.png")
    other += bare
    document = docutils.section()
    document += cell
    document += other
    site._apply_alt_text(None, document)
    assert (first.get("alt"), second.get("alt"), bare.get("alt")) == ("First.", "Second.", None)
