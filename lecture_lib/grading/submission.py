"""Read a submitted notebook, find its check cells and plan what the kernel runs.

A check cell of the submission is matched to an exercise of the
:class:`~lecture_lib.grading.assignment.Assignment`, in this order: by nbgrader
``grade_id`` metadata, by the released cell id ``exercise-cell-<index>``
(JupyterLab keeps cell ids), by identical source (a notebook saved without
ids). A matched cell whose checksum differs from the released one is
"edited"; an exercise without a match is "deleted"; further candidates are
"duplicates" (flagged, not run). See :func:`match_check_cells` for which
candidate wins (the released, unchanged cell, not a copy pasted elsewhere).

The plan (a list of :class:`Step`) is every code cell of the submission in
order, except the matched check cells, which become the grader's own
``grade`` steps (the public check and the hidden tests of the solutions, run
in the grader's process against the kernel's functions), and the duplicates. A deleted
check cell's grade step goes after the last cell that defines the exercise's
function (or at the end).
"""
from __future__ import annotations

import ast
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
    first = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in first[:60])  # no terminal escapes
    return f'cell {index + 1} ("{first}")'


def _defines(source: str, names) -> bool:
    return bool(names) and re.search(r"^def\s+(%s)\s*\(" % "|".join(map(re.escape, names)), source, re.M) is not None


def match_check_cells(notebook, assignment: Assignment) -> dict:
    """{exercise name: (cell index or None, UNCHANGED / EDITED / DELETED, [indices of duplicates])}.

    Candidates of an exercise are the code cells with its nbgrader ``grade_id``,
    its released cell id, or the released source (checksum). The graded one is,
    in this order: an unchanged candidate with the released id; the first
    unchanged candidate after the cell that defines the exercise's function;
    the last unchanged candidate; else the first edited candidate (released id
    first). The other candidates are duplicates: flagged, never run.
    """
    claimed, matches = set(), {}
    cells = notebook.cells
    for exercise in assignment.exercises:
        candidates = [i for i, cell in enumerate(cells) if i not in claimed and cell.cell_type == "code" and (
            nbgrader_metadata(cell).get("grade_id") == exercise.grade_id or cell.get("id") == exercise.released_id
            or source_checksum(cell.source) == exercise.checksum)]
        if not candidates:
            matches[exercise.name] = (None, DELETED, [])
            continue
        unchanged = [i for i in candidates if source_checksum(cells[i].source) == exercise.checksum]
        with_id = [i for i in candidates if cells[i].get("id") == exercise.released_id]
        definition = next((i for i, cell in enumerate(cells) if cell.cell_type == "code"
                           and _defines(cell.source, exercise.functions or [exercise.name])), None)
        if unchanged:
            chosen = next((i for i in unchanged if i in with_id), None)
            if chosen is None and definition is not None:
                chosen = next((i for i in unchanged if i > definition), None)
            if chosen is None:
                chosen = unchanged[-1]
        else:
            chosen = (with_id or candidates)[0]
        claimed.update(candidates)
        state = UNCHANGED if chosen in unchanged else EDITED
        matches[exercise.name] = (chosen, state, [i for i in candidates if i != chosen])
    return matches


def build_plan(notebook, assignment: Assignment, matches: dict) -> list:
    """The steps the kernel runs: learner cells in order, grade steps in place of the check cells."""
    by_cell = {index: name for name, (index, _, _) in matches.items() if index is not None}
    duplicates = {i for _, _, extra in matches.values() for i in extra}
    steps = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or index in duplicates:
            continue
        if index in by_cell:
            steps.append(Step("grade", "", f"check cell of {by_cell[index]}", by_cell[index]))
        elif cell.source.strip():
            steps.append(Step("learner", cell.source, _label(index, cell.source)))
    for exercise in assignment.exercises:
        if matches[exercise.name][1] != DELETED:
            continue
        names = exercise.functions or [exercise.name]
        anchor = max((i for i, step in enumerate(steps) if step.kind == "learner" and _defines(step.source, names)),
                     default=len(steps) - 1)
        steps.insert(anchor + 1, Step("grade", "", f"check of {exercise.name} (cell deleted)", exercise.name))
    return steps


#: Attribute reads flagged by :func:`suspicious_code` (module alias, attribute); "*" for any attribute.
_SUSPICIOUS_ATTRIBUTES = {("sys", "modules"), ("sys", "_getframe"), ("os", "listdir"), ("os", "scandir"),
                          ("os", "walk"), ("os", "kill"), ("os", "killpg"), ("os", "fork"), ("os", "system"),
                          ("os", "remove"), ("os", "unlink"), ("os", "rmdir"), ("os", "_exit"), ("shutil", "rmtree"),
                          ("inspect", "currentframe"), ("gc", "get_objects")}
_SUSPICIOUS_MODULES = {"ctypes", "gc", "linecache", "socket", "subprocess", "builtins", "importlib", "signal"}
_SUSPICIOUS_NAMES = {"__builtins__", "__import__", "exec", "eval", "globals", "setattr", "delattr", "vars"}
#: The grader's own package: a notebook has no business with it (its kernel-side code runs in the kernel).
_GRADER_PACKAGE = "lecture_lib.grading"


def _parse_cell(source: str):
    lines = [("pass" if line.lstrip().startswith(("%", "!")) else line) for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError):
        return None


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def suspicious_code(steps) -> list:
    """What the learner cells do that a notebook needs not do: change imported modules, inspect the interpreter.

    Returns "cell 3 (\"...\"): changes np.allclose" strings. Static (the grader reads the
    source; nothing runs), so code that hides itself (``exec`` of a built string) shows
    only as "uses exec". These are hints for the instructor: with the verdict computed
    outside the kernel, none of it changes a grade.
    """
    found = []
    modules = set()
    for step in steps:
        tree = _parse_cell(step.source) if step.kind == "learner" else None
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                modules.update(a.asname or a.name for a in node.names)
    for step in steps:
        tree = _parse_cell(step.source) if step.kind == "learner" else None
        if tree is None:
            continue
        what = []
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.Delete)):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            while any(isinstance(t, (ast.Tuple, ast.List, ast.Starred)) for t in targets):
                targets = [part for t in targets for part in (
                    t.elts if isinstance(t, (ast.Tuple, ast.List))
                    else [t.value] if isinstance(t, ast.Starred) else [t])]
            for target in targets:
                name = _dotted(target) if isinstance(target, ast.Attribute) else ""
                if name and name.split(".")[0] in modules:
                    what.append(f"changes {name}")
            if isinstance(node, ast.Import):
                what += [f"imports {a.name}" for a in node.names if a.name.split(".")[0] in _SUSPICIOUS_MODULES
                         or a.name.startswith(_GRADER_PACKAGE)]
            elif isinstance(node, ast.ImportFrom) and ((node.module or "").split(".")[0] in _SUSPICIOUS_MODULES
                                                       or (node.module or "").startswith(_GRADER_PACKAGE)):
                what.append(f"imports {node.module}")
            elif isinstance(node, ast.Attribute) and node.attr == "__dict__":
                what.append("uses __dict__")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    (node.value.id, node.attr) in _SUSPICIOUS_ATTRIBUTES:
                what.append(f"uses {node.value.id}.{node.attr}")
            elif isinstance(node, ast.Name) and node.id in _SUSPICIOUS_NAMES and isinstance(node.ctx, ast.Load):
                what.append(f"uses {node.id}")
        if what:
            found.append(f"{step.label}: " + ", ".join(dict.fromkeys(what)))
    return found
