"""Load the functions a notebook defines, to test checks against the real solution and stub code."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

#: The public check call that ends every check cell, e.g. ``ch01.check_threshold_unit(threshold_unit)``.
CHECK_CALL = re.compile(r"^(ch\d\d)\.(check_\w+)\((\w+)\)\s*$", re.M)


def _is_import_cell(source: str) -> bool:
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(lines) and all(line.startswith(("import ", "from ")) for line in lines)


def load_functions(notebook_path: Path) -> dict:
    """Execute the import cells and the function-defining cells of a notebook; return its namespace.

    Check cells and plots are skipped, so the functions can be handed to checks one by one.
    """
    namespace: dict = {}
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and (_is_import_cell(cell.source) or cell.source.lstrip().startswith("def ")):
            exec(compile(cell.source, str(notebook_path), "exec"), namespace)
    return namespace


def check_calls(notebook_path: Path) -> list:
    """``(module, check, function)`` names of every public check call in a notebook, in order."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return [match.groups() for cell in notebook.cells if cell.cell_type == "code"
            for match in CHECK_CALL.finditer(cell.source)]


def region_lines(notebook_path: Path, regions=("SOLUTION", "HIDDEN TESTS"), min_length: int = 1) -> list:
    """Stripped lines inside the ``### BEGIN <region>`` ... ``### END <region>`` markers of a notebook.

    ``regions``: which markers count (a solution, the hidden tests, or both); lines shorter than
    ``min_length`` characters (blank lines, ``else:``) are left out. Used to prove that no such
    line leaks into an exercise notebook or a learner's feedback.
    """
    pattern = re.compile(r"### BEGIN (" + "|".join(map(re.escape, regions)) + r")\n(.*?)### END \1", re.S)
    notebook = nbformat.read(notebook_path, as_version=4)
    return [line.strip() for cell in notebook.cells for _, region in pattern.findall(cell.source)
            for line in region.splitlines() if len(line.strip()) >= min_length]


#: The output MIME type of a displayed ipywidget.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def shows_widget(cell) -> bool:
    """True when the (committed) outputs of a notebook cell display an ipywidget."""
    return any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))


def widget_cells(notebook) -> list:
    """Indices of the cells whose committed outputs display an ipywidget.

    ``notebook``: a path, or a notebook already read with nbformat.
    """
    if not hasattr(notebook, "cells"):
        notebook = nbformat.read(notebook, as_version=4)
    return [index for index, cell in enumerate(notebook.cells) if shows_widget(cell)]
