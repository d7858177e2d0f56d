"""Load the functions a notebook defines, to test checks against the real solution and stub code."""
from __future__ import annotations

from pathlib import Path

import nbformat


def load_functions(notebook_path: Path) -> dict:
    """Execute the function-defining code cells of a notebook and return its namespace.

    Only cells whose first line starts with ``def`` are run (plus the imports
    a learner's function may use), so check cells and plots are skipped.
    """
    namespace: dict = {}
    exec("import numpy as np", namespace)
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("def "):
            exec(compile(cell.source, str(notebook_path), "exec"), namespace)
    return namespace
