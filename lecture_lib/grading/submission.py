"""Read a submitted notebook, find its check cells and plan what the kernel runs.

A check cell of the submission is matched to an exercise of the
:class:`~lecture_lib.grading.assignment.Assignment`, in this order: by nbgrader
``grade_id`` metadata, by the released cell id ``exercise-cell-<index>``
(JupyterLab keeps cell ids), by identical source (a notebook saved without
ids). A matched cell whose checksum differs from the released one is
"edited"; an exercise without a match is "deleted".

The plan (a list of :class:`Step`) is every code cell of the submission in
order, except the matched check cells, which become the grader's own
``grade`` steps (hidden tests + the public check of the solutions). A deleted
check cell's grade step goes after the last cell that defines the exercise's
function (or at the end).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

from .assignment import Assignment, nbgrader_metadata, source_checksum

UNCHANGED, EDITED, DELETED = "unchanged", "edited", "deleted"


class InvalidNotebook(ValueError):
    """The file is not a notebook (not JSON, or not the nbformat 4 schema)."""


@dataclass
class Step:
    """One cell the grading kernel runs.

    kind : {"learner", "grade"}
    source : str, the code (for grade steps it is written later, see :mod:`.execution`)
    label : str, where it comes from, for feedback, e.g. ``cell 5 ("def f(x):")``
    exercise : str or None, the exercise a grade step grades
    """

    kind: str
    source: str
    label: str
    exercise: str | None = None


def read_submission(path) -> nbformat.NotebookNode:
    """Read and validate a notebook; raise :class:`InvalidNotebook` saying what is wrong with it."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # NotJSONError, a JSON list, an unknown nbformat version, ...
        raise InvalidNotebook(f"not a Jupyter notebook: {type(exc).__name__}: {str(exc)[:200]}") from None
    try:
        nbformat.validate(notebook)
    except Exception as exc:
        raise InvalidNotebook(f"not a valid nbformat 4 notebook: {str(exc).splitlines()[0][:200]}") from None
    return notebook


def _label(index: int, source: str) -> str:
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return f'cell {index + 1} ("{first[:60]}")'


def match_check_cells(notebook, assignment: Assignment) -> dict:
    """{exercise name: (cell index or None, UNCHANGED / EDITED / DELETED)}."""
    claimed, matches = set(), {}
    cells = notebook.cells
    for exercise in assignment.exercises:
        finders = [
            lambda cell: nbgrader_metadata(cell).get("grade_id") == exercise.grade_id,
            lambda cell: cell.get("id") == exercise.released_id,
            lambda cell: source_checksum(cell.source) == exercise.checksum,
        ]
        found = None
        for finder in finders:
            found = next((i for i, cell in enumerate(cells)
                          if i not in claimed and cell.cell_type == "code" and finder(cell)), None)
            if found is not None:
                break
        if found is None:
            matches[exercise.name] = (None, DELETED)
            continue
        claimed.add(found)
        same = source_checksum(cells[found].source) == exercise.checksum
        matches[exercise.name] = (found, UNCHANGED if same else EDITED)
    return matches


def build_plan(notebook, assignment: Assignment, matches: dict) -> list:
    """The steps the kernel runs: learner cells in order, grade steps in place of the check cells."""
    by_cell = {index: name for name, (index, _) in matches.items() if index is not None}
    steps = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if index in by_cell:
            steps.append(Step("grade", "", f"check cell of {by_cell[index]}", by_cell[index]))
        elif cell.source.strip():
            steps.append(Step("learner", cell.source, _label(index, cell.source)))
    for exercise in assignment.exercises:
        if matches[exercise.name][1] != DELETED:
            continue
        pattern = re.compile(r"^def\s+(%s)\s*\(" % "|".join(map(re.escape, exercise.functions or [exercise.name])),
                             re.M)
        anchor = max((i for i, step in enumerate(steps) if step.kind == "learner" and pattern.search(step.source)),
                     default=len(steps) - 1)
        steps.insert(anchor + 1, Step("grade", "", f"check of {exercise.name} (cell deleted)", exercise.name))
    return steps
