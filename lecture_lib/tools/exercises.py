"""Generate ``exercises/`` from ``solutions/`` (the single source).

Usage::

    python -m lecture_lib.tools.exercises              # regenerate every exercise notebook
    python -m lecture_lib.tools.exercises --check      # exit 1 if exercises/ is out of date
    lecture-exercises --solutions solutions --exercises exercises

In every code cell of a solutions notebook (nbgrader's markers, so the files
also work with nbgrader):

* the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` become
  ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` at the same indent;
* the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``
  (markers included) are removed;
* outputs, execution counts and widget state are cleared;
* nbgrader cell metadata is kept, and a check cell declared as an nbgrader
  grade cell with ``points`` starts with the line ``# Check: N points``.

In Markdown cells a solution region becomes ``YOUR ANSWER HERE``. Markers
must come in pairs; an unpaired or nested marker is an error naming the
notebook and the cell. Solution regions must sit inside a function body, so
that an exercise notebook still runs top to bottom before it is done.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)


class MarkerError(ValueError):
    """A solution or hidden-test marker without its partner."""


def _strip_regions(source: str, where: str, cell_type: str) -> str:
    """Apply the marker rules to one cell's source."""
    out: list[str] = []
    region = None  # None, "solution" or "hidden"
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            if region is not None:
                raise MarkerError(f"{where}, line {number}: {marker!r} inside an open {region} region.")
            region = "solution" if marker == BEGIN_SOLUTION else "hidden"
            if region == "solution":
                indent = line[: len(line) - len(line.lstrip())]
                stub = CODE_STUB if cell_type == "code" else MARKDOWN_STUB
                out.extend(indent + text for text in stub)
            continue
        if marker in (END_SOLUTION, END_HIDDEN):
            expected = "solution" if marker == END_SOLUTION else "hidden"
            if region != expected:
                raise MarkerError(f"{where}, line {number}: {marker!r} without a matching BEGIN marker.")
            region = None
            continue
        if region is None:
            out.append(line)
    if region is not None:
        raise MarkerError(f"{where}: the {region} region is never closed.")
    # Hidden tests usually end a cell: drop the blank lines they leave behind.
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def points_comment(points) -> str:
    """The first line of a released check cell worth ``points``: ``# Check: 2 points``."""
    return f"# Check: {points:g} point{'' if points == 1 else 's'}"


def make_exercise(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the exercise version of a solutions notebook (the input is not modified)."""
    exercise = nbformat.v4.new_notebook()
    # Only what a learner's Jupyter needs: the language_info of an executed notebook names the
    # exact Python version, which would make the generated file depend on the machine.
    exercise.metadata = {"language_info": {"name": "python"}}
    if "kernelspec" in solution.metadata:
        exercise.metadata["kernelspec"] = solution.metadata["kernelspec"]
    for index, cell in enumerate(solution.cells):
        where = f"{name}, cell {index}"
        source = _strip_regions(cell.source, where, cell.cell_type)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(source)
        tags = cell.get("metadata", {}).get("tags")
        if tags:
            new.metadata["tags"] = list(tags)
        grading = cell.get("metadata", {}).get("nbgrader")
        if grading:
            # nbgrader's cell metadata (solution/grade cells, grade_id, points) travels with the cell, and the
            # points of a grade cell are shown to the learner on the check cell's first line.
            new.metadata["nbgrader"] = dict(grading)
            if cell.cell_type == "code" and grading.get("grade") and grading.get("points") is not None:
                new.source = points_comment(grading["points"]) + ("\n" + new.source if new.source else "")
        # Cell ids are random by default; derive them from the position so regeneration is byte-stable.
        new.id = f"exercise-cell-{index}"
        exercise.cells.append(new)
    return exercise


def render(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def generate(solutions_dir: Path, exercises_dir: Path, check_only: bool = False) -> list[str]:
    """Write (or, with ``check_only``, compare) every exercise notebook; return the out-of-date names."""
    stale = []
    solution_paths = sorted(solutions_dir.glob("*.ipynb"))
    if not solution_paths:
        raise FileNotFoundError(f"no notebooks found in {solutions_dir}")
    for path in solution_paths:
        solution = nbformat.read(path, as_version=4)
        text = render(make_exercise(solution, name=path.name))
        target = exercises_dir / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path.name)
            if not check_only:
                exercises_dir.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    expected_names = {path.name for path in solution_paths}
    for orphan in sorted(exercises_dir.glob("*.ipynb")):
        if orphan.name not in expected_names:
            stale.append(orphan.name)
            if not check_only:
                orphan.unlink()
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=Path, default=Path("solutions"))
    parser.add_argument("--exercises", type=Path, default=Path("exercises"))
    parser.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    args = parser.parse_args(argv)
    try:
        stale = generate(args.solutions, args.exercises, check_only=args.check)
    except (MarkerError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale) + "  (run `make exercises`)")
            return 1
        print("exercises/ is up to date")
        return 0
    print(f"regenerated {len(stale)} notebook(s)" + (": " + ", ".join(stale) if stale else " (all up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
