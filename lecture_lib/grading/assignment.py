"""What a solutions notebook says about grading: its exercises, their tests, points and released check cells.

A solutions notebook follows the series' convention (see
:mod:`lecture_lib.tools.exercises`): a *solution cell* holds
``### BEGIN SOLUTION``/``### END SOLUTION`` (or nbgrader metadata
``solution: true``); the *check cell* right after it holds hidden tests between
``### BEGIN HIDDEN TESTS``/``### END HIDDEN TESTS`` followed by the public check
call ``chNN.check_<name>(<function>)`` as last expression (or nbgrader metadata
``grade: true``). Points come from the check cell's nbgrader metadata
(``"nbgrader": {"grade": true, "points": N, ...}``); a check cell without it
counts 1 point (:attr:`Assignment.warnings` says so).

The released check cell of each exercise is the one the generator writes into
``exercises/`` (same cell id ``exercise-cell-<index>``); its checksum is what a
submission's check cell is compared with.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..tools.exercises import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, make_exercise


class AssignmentError(ValueError):
    """A solutions notebook that does not follow the convention (names the notebook and the cell)."""


@dataclass
class Exercise:
    """One graded exercise: a check cell of the solutions notebook.

    name : str, the checked function's name (the CSV's ``exercise`` column)
    points : float, points for passing
    check_index : int, index of the check cell in the solutions (= in the released exercise)
    grade_id : str, the check cell's nbgrader grade_id (or ``check_<name>``)
    public, hidden : str, the public check source and the hidden tests source
    released_source : str, the check cell as released in ``exercises/``
    checksum : str, :func:`source_checksum` of ``released_source``
    functions : list of str, functions defined by the exercise's solution cells
    learner_names : list of str, names the check and the hidden tests use that the chapter's imports,
        the built-ins and the test code itself do not define: looked up in the learner's kernel
    credit : dict, how the points are earned (:func:`read_credit`): {"mode": "all"} (all or nothing),
        {"mode": "parts", "public": p, "hidden": q} or {"mode": "cases", "public": p, "hidden": q}
    """

    name: str
    points: float
    check_index: int
    grade_id: str
    public: str
    hidden: str
    released_source: str
    checksum: str
    functions: list = field(default_factory=list)
    learner_names: list = field(default_factory=list)
    credit: dict = field(default_factory=lambda: {"mode": "all"})

    @property
    def released_id(self) -> str:
        return f"exercise-cell-{self.check_index}"


@dataclass
class Assignment:
    """A solutions notebook read for grading (plain data: it is sent to worker processes)."""

    name: str
    exercises: list
    imports: str
    sha256: str
    warnings: list = field(default_factory=list)
    #: normalised shapes of the solutions' own functions (:func:`~lecture_lib.grading.provenance.normalised_shape`):
    #: a learner's function that matches the package only where it matches the reference solution is no copy
    reference_shapes: list = field(default_factory=list)

    @property
    def max_points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)


def source_checksum(source: str) -> str:
    """nbgrader-style checksum of a cell's source, blind to trailing spaces and blank lines at either end."""
    lines = [line.rstrip() for line in source.strip("\n").splitlines()]
    return hashlib.sha256("\n".join(lines).strip().encode("utf-8")).hexdigest()


def nbgrader_metadata(cell) -> dict:
    """A cell's nbgrader metadata; {} when it has none (also for "nbgrader": null)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_solution_cell(cell) -> bool:
    return cell.cell_type == "code" and (BEGIN_SOLUTION in cell.source or bool(nbgrader_metadata(cell).get("solution")))


def is_check_cell(cell) -> bool:
    return cell.cell_type == "code" and (BEGIN_HIDDEN in cell.source or bool(nbgrader_metadata(cell).get("grade")))


def split_check_source(source: str) -> tuple:
    """(hidden tests, public part) of a check cell's source; markers removed."""
    hidden, public, inside = [], [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN_HIDDEN:
            inside = True
        elif marker == END_HIDDEN:
            inside = False
        elif inside:
            hidden.append(line)
        else:
            public.append(line)
    return "\n".join(hidden).strip("\n"), "\n".join(public).strip("\n")


def _checked_function(public: str, where: str) -> str:
    try:
        tree = ast.parse(public)
    except SyntaxError as exc:
        raise AssignmentError(f"{where}: the public check does not parse: {exc}") from None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise AssignmentError(f"{where}: a check cell must end with the check call, e.g. "
                              "`ch01.check_threshold_unit(threshold_unit)`.")
    call = tree.body[-1].value
    if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Name):
        return call.args[0].id
    return ""


def _setup_imports(cells, where: str) -> str:
    """The import statements of every code cell that is neither a solution nor a check cell."""
    lines = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or is_solution_cell(cell) or is_check_cell(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # a cell with IPython magics: it imports nothing the grader needs
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                lines.append(ast.get_source_segment(cell.source, node))
    return "\n".join(lines)


def _imported_names(imports: str) -> set:
    names = set()
    for node in ast.walk(ast.parse(imports or "")):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def learner_names(code: str, defined: set) -> list:
    """Names that ``code`` reads but never binds itself, that are not built-ins and not in ``defined``, in the
    order of the source."""
    import builtins

    tree = ast.parse(code)
    bound, read = set(), []
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.Name):
            (read.append(node.id) if isinstance(node.ctx, ast.Load) else bound.add(node.id))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return [name for name in dict.fromkeys(read)
            if name not in bound and name not in defined and not hasattr(builtins, name)]


def _defined_functions(source: str) -> list:
    return re.findall(r"^def\s+(\w+)\s*\(", source, re.M)


CREDIT_MODES = ("all", "parts", "cases")


def read_credit(cell, points, where: str) -> dict:
    """How an exercise's points are earned, from the check cell's ``lecture_grade`` metadata.

    Next to nbgrader's own ``"nbgrader": {"points": N, ...}`` (which nbgrader reads unchanged), a check
    cell may declare ``"lecture_grade": {"credit": MODE, "public": p, "hidden": q}`` with p + q = N:

    * ``"all"`` (the default, as nbgrader): N points when the public check and the hidden tests pass;
    * ``"parts"``: p points when the public check passes, q more when the hidden tests pass too;
    * ``"cases"``: p × (public cases passed / public cases) points, q more when every public case and the
      hidden tests pass.

    Partial points show with the status ``partial`` in ``grades.csv``.
    """
    meta = cell.get("metadata", {}).get("lecture_grade") or {}
    if not isinstance(meta, dict):
        raise AssignmentError(f"{where}: lecture_grade metadata must be an object, got {meta!r}")
    mode = meta.get("credit", "all")
    if mode not in CREDIT_MODES:
        raise AssignmentError(f"{where}: lecture_grade credit must be one of {CREDIT_MODES}, got {mode!r}")
    if mode == "all":
        return {"mode": "all"}
    public, hidden = meta.get("public"), meta.get("hidden", 0)
    for name, value in (("public", public), ("hidden", hidden)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise AssignmentError(f"{where}: lecture_grade {name} points must be a number >= 0, got {value!r}")
    if abs(public + hidden - points) > 1e-9:
        raise AssignmentError(f"{where}: lecture_grade public + hidden points ({public} + {hidden}) must equal "
                              f"the nbgrader points ({points})")
    return {"mode": mode, "public": public, "hidden": hidden}


def load_assignment(path) -> Assignment:
    """Read a solutions notebook; raise :class:`AssignmentError` if it has no check cell or breaks the convention."""
    path = Path(path)
    try:
        solution = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise AssignmentError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
    released = make_exercise(solution, name=path.name)
    exercises, warnings, functions = [], [], []
    for index, cell in enumerate(solution.cells):
        where = f"{path.name}, cell {index}"
        if is_solution_cell(cell):
            functions += _defined_functions(cell.source.replace(BEGIN_SOLUTION, "").replace(END_SOLUTION, ""))
        if not is_check_cell(cell):
            continue
        hidden, public = split_check_source(cell.source)
        name = _checked_function(public, where) or (functions[-1] if functions else f"exercise_{len(exercises) + 1}")
        meta = nbgrader_metadata(cell)
        points = meta.get("points")
        if points is None:
            points = 1
            warnings.append(f"{where}: no nbgrader points on the check of {name}; counted as 1 point")
        if not isinstance(points, (int, float)) or points < 0:
            raise AssignmentError(f"{where}: nbgrader points must be a number >= 0, got {points!r}")
        source = released.cells[index].source
        exercises.append(Exercise(name=name, points=points, check_index=index,
                                  grade_id=meta.get("grade_id", f"check_{name}"), public=public, hidden=hidden,
                                  released_source=source, checksum=source_checksum(source), functions=functions,
                                  credit=read_credit(cell, points, where)))
        functions = []
    if not exercises:
        raise AssignmentError(f"{path}: no check cell found (a code cell with {BEGIN_HIDDEN!r} or nbgrader "
                              "metadata grade: true)")
    names = [exercise.name for exercise in exercises]
    if len(set(names)) != len(names):
        raise AssignmentError(f"{path}: two check cells check the same function: {names}")
    imports = _setup_imports(solution.cells, path.name)
    imported = _imported_names(imports)
    for exercise in exercises:
        try:
            exercise.learner_names = learner_names(exercise.public + "\n" + exercise.hidden, imported)
        except SyntaxError as exc:
            raise AssignmentError(f"{path.name}: the check of {exercise.name} does not parse: {exc}") from None
        if exercise.name not in exercise.learner_names:
            exercise.learner_names.insert(0, exercise.name)
    reference_shapes = []
    for cell in solution.cells:
        if is_solution_cell(cell):
            reference_shapes += solution_shapes(cell.source.replace(BEGIN_SOLUTION, "").replace(END_SOLUTION, ""))
    digest_input = json.dumps([[e.name, e.points, e.public, e.hidden, e.checksum, e.credit] for e in exercises]
                              + [imports])
    return Assignment(name=path.stem, exercises=exercises, imports=imports,
                      sha256=hashlib.sha256(digest_input.encode()).hexdigest(), warnings=warnings,
                      reference_shapes=reference_shapes)


def solution_shapes(source: str) -> list:
    """Normalised shapes of the functions a solution cell defines (empty when it does not parse)."""
    from .provenance import normalised_shape

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [normalised_shape(node)[0] for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def reference_submission(solutions_path) -> nbformat.NotebookNode:
    """The released exercise with every stub replaced by the solution code: a submission that earns full marks.

    Useful to test the grader on a class (tests and benchmarks build their submissions from it).
    """
    solution = nbformat.read(Path(solutions_path), as_version=4)
    submission = make_exercise(solution)
    for cell, source_cell in zip(submission.cells, solution.cells):
        if is_solution_cell(source_cell):
            cell.source = "\n".join(line for line in source_cell.source.splitlines()
                                    if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))
    return submission
