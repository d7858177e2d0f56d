"""lecture_lib.grading without kernels: solutions metadata, check-cell matching, plans, reports, fingerprints."""
import json
import sys
import types
from pathlib import Path

import nbformat
import pytest

from lecture_lib.grading import kernel_runner
from lecture_lib.grading.assignment import (AssignmentError, load_assignment, reference_submission,
                                            source_checksum)
from lecture_lib.grading.cli import main
from lecture_lib.grading.integrity import reference_fingerprints
from lecture_lib.grading.report import csv_text, feedback_markdown, write_atomic
from lecture_lib.grading.submission import (DELETED, EDITED, UNCHANGED, InvalidNotebook, build_plan,
                                            match_check_cells, read_submission)
from lecture_lib.tools.exercises import make_exercise, points_comment
from notebook_code import region_lines

CH01 = "solutions/01_threshold_units.ipynb"
CH01_EXERCISE = "exercises/01_threshold_units.ipynb"
WRONG_SCHEMA = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                       "id": "a"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
#: Every graded chapter: each notebook of solutions/ (a new chapter is covered the day it lands).
SOLUTION_NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("solution_path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_points_are_declared_as_nbgrader_metadata_and_shown_in_the_exercise(repo_root, solution_path):
    solution = nbformat.read(solution_path, as_version=4)
    exercise = nbformat.read(repo_root / "exercises" / solution_path.name, as_version=4)
    assignment = load_assignment(solution_path)
    assert assignment.warnings == []
    for exercise_item in assignment.exercises:
        meta = solution.cells[exercise_item.check_index].metadata["nbgrader"]
        assert meta["grade"] is True and meta["solution"] is False and meta["locked"] is True
        assert meta["schema_version"] == 3 and meta["grade_id"] == f"check_{exercise_item.name}"
        assert exercise_item.points == meta["points"] > 0
        released = exercise.cells[exercise_item.check_index]
        assert released.source.splitlines()[0] == points_comment(meta["points"])
        assert released.metadata["nbgrader"] == meta
    solution_cells = [c for c in solution.cells if "### BEGIN SOLUTION" in c.source]
    assert len(solution_cells) == len(assignment.exercises)
    for cell in solution_cells:
        assert cell.metadata["nbgrader"] == {"grade": False, "grade_id": cell.metadata["nbgrader"]["grade_id"],
                                             "locked": False, "schema_version": 3, "solution": True}


def test_points_comment_grammar():
    assert points_comment(1) == "# Check: 1 point"
    assert points_comment(2) == "# Check: 2 points"
    assert points_comment(0.5) == "# Check: 0.5 points"


@pytest.mark.parametrize("solution_path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_no_hidden_test_text_anywhere_in_exercises(repo_root, solution_path):
    exercise_text = (repo_root / "exercises" / solution_path.name).read_text(encoding="utf-8")
    lines = region_lines(solution_path, regions=("HIDDEN TESTS",), min_length=6)
    assert lines, "every solutions notebook has hidden tests"
    for line in lines:
        assert line not in exercise_text, f"{solution_path.name} leaks a hidden test line: {line}"
    for word in ("HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
        assert word not in exercise_text


def test_assignment_of_chapter_01(repo_root):
    assignment = load_assignment(repo_root / CH01)
    assert [(e.name, e.points) for e in assignment.exercises] == [
        ("threshold_unit", 1), ("gate_weights", 1), ("perceptron_update", 2), ("train_perceptron", 2)]
    assert assignment.max_points == 6
    assert assignment.imports == "import numpy as np\nfrom lecture_lib.checks import ch01"
    first = assignment.exercises[0]
    assert first.public == "ch01.check_threshold_unit(threshold_unit)" and "assert" in first.hidden
    assert first.functions == ["threshold_unit"] and first.released_id == "exercise-cell-4"
    assert "assert" not in first.released_source


def test_a_solutions_notebook_without_points_counts_one_point_each_and_says_so(repo_root, tmp_path):
    solution = nbformat.read(repo_root / CH01, as_version=4)
    for cell in solution.cells:
        cell.metadata.pop("nbgrader", None)
    path = tmp_path / "no_points.ipynb"
    nbformat.write(solution, path)
    assignment = load_assignment(path)
    assert [e.points for e in assignment.exercises] == [1, 1, 1, 1]
    assert len(assignment.warnings) == 4 and "no nbgrader points" in assignment.warnings[0]


def test_a_notebook_without_check_cells_is_an_assignment_error(repo_root):
    with pytest.raises(AssignmentError, match="no check cell"):
        load_assignment(repo_root / "notebooks" / "00_start_here.ipynb")


def test_checksum_ignores_trailing_space_but_not_code():
    assert source_checksum("check(f)\n\n") == source_checksum("check(f)   ")
    assert source_checksum("check(f)") != source_checksum("check(g)")


@pytest.fixture
def ch01(repo_root):
    return load_assignment(repo_root / CH01), nbformat.read(repo_root / CH01_EXERCISE, as_version=4)


def test_released_exercise_matches_unchanged(ch01):
    assignment, released = ch01
    matches = match_check_cells(released, assignment)
    assert {name: state for name, (_, state) in matches.items()} == dict.fromkeys(matches, UNCHANGED)
    assert [index for index, _ in matches.values()] == [e.check_index for e in assignment.exercises]


def test_edited_and_deleted_check_cells_are_found(ch01):
    assignment, released = ch01
    released.cells[4].source = "print('PASSED')"
    del released.cells[7]
    matches = match_check_cells(released, assignment)
    assert matches["threshold_unit"] == (4, EDITED)
    assert matches["gate_weights"] == (None, DELETED)
    assert matches["perceptron_update"] == (9, UNCHANGED)


def test_check_cells_are_matched_by_content_without_ids_and_by_grade_id_when_moved(ch01, tmp_path):
    assignment, released = ch01
    data = json.loads(nbformat.writes(released))
    for cell in data["cells"]:
        del cell["id"]
    data["nbformat_minor"] = 4  # saved by an older tool: no cell ids
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(data), encoding="utf-8")
    without_ids = read_submission(path)
    assert "id" not in without_ids.cells[4]
    assert {state for _, state in match_check_cells(without_ids, assignment).values()} == {UNCHANGED}
    released.cells[4].id = "renamed-by-a-tool"
    released.cells[4].source += "  # edited"
    assert match_check_cells(released, assignment)["threshold_unit"] == (4, EDITED)  # found by nbgrader grade_id


def test_a_cell_whose_nbgrader_metadata_is_null_is_matched_by_its_other_marks(ch01):
    # Valid nbformat; a tool (or a learner editing JSON) may leave "nbgrader": null.
    assignment, released = ch01
    for cell in released.cells:
        cell.metadata["nbgrader"] = None
    matches = match_check_cells(released, assignment)
    assert {state for _, state in matches.values()} == {UNCHANGED}


def test_plan_puts_grade_steps_in_place_of_check_cells(ch01):
    assignment, released = ch01
    released.cells.insert(8, nbformat.v4.new_code_cell("print('scratch')"))
    del released.cells[7]  # the check of gate_weights
    plan = build_plan(released, assignment, match_check_cells(released, assignment))
    kinds = [(step.kind, step.exercise) for step in plan]
    assert kinds == [("learner", None), ("learner", None), ("grade", "threshold_unit"), ("learner", None),
                     ("grade", "gate_weights"), ("learner", None), ("learner", None), ("grade", "perceptron_update"),
                     ("learner", None), ("grade", "train_perceptron")]
    assert plan[3].source.startswith("def gate_weights") and plan[5].source == "print('scratch')"
    assert all("ch01.check_" not in step.source for step in plan)  # the submission's own checks never run


@pytest.mark.parametrize("text, message", [("this is not a notebook", "not a Jupyter notebook"),
                                           ('{"cells": 42, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
                                            "not a Jupyter notebook"),
                                           (WRONG_SCHEMA, "not a valid nbformat 4 notebook: 'source' is a required")])
def test_invalid_notebooks_are_reported(tmp_path, text, message):
    path = tmp_path / "broken.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidNotebook, match=message):
        read_submission(path)


def test_reference_submission_has_the_solution_code_and_released_check_cells(repo_root):
    submission = reference_submission(repo_root / CH01)
    code = "\n".join(cell.source for cell in submission.cells if cell.cell_type == "code")
    assert "raise NotImplementedError" not in code and "BEGIN SOLUTION" not in code and "HIDDEN" not in code
    assert "h = x @ w + b" in code
    assert submission.cells[4].source == make_exercise(nbformat.read(repo_root / CH01, 4)).cells[4].source


def _record(status="failed", hidden=None):
    check = {"status": status, "summary": "wrong answer on case 2 of 5.", "feedback": ["Input: x=1", "Hint: sign"]}
    return {"student": "ann", "assignment": "01_threshold_units", "notes": ["The check cell of `f` was changed."],
            "flags": [], "exercises": [
                {"exercise": "f", "points": 0, "max": 2, "status": status, "check": check,
                 "hidden": hidden or {"status": "not run"}, "notes": []},
                {"exercise": "g", "points": 0, "max": 1.5, "status": "failed",
                 "check": {"status": "passed", "summary": "all 3 cases correct.", "feedback": []},
                 "hidden": {"status": "failed", "message": "hidden: secret edge case"}, "notes": []}]}


def test_csv_text_is_exactly_the_columns_and_rows():
    assert csv_text([_record()]) == ("student,exercise,points,max,status\n"
                                     "ann,f,0,2,failed\nann,g,0,1.5,failed\n")


def test_feedback_shows_check_hints_and_never_hidden_messages():
    text = feedback_markdown(_record())
    assert "Score: 0 / 3.5 points" in text and "Hint: sign" in text and "was changed" in text
    assert "secret edge case" not in text and "additional tests" in text


def test_write_atomic_replaces_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out" / "grades.csv"
    write_atomic(target, "old")
    write_atomic(target, "new")
    assert target.read_text() == "new" and [p.name for p in target.parent.iterdir()] == ["grades.csv"]


def test_fingerprints_detect_replaced_and_retuned_functions():
    module = types.ModuleType("fake_numpy_for_test")
    exec("def allclose(a, b, rtol=1e-05):\n    return abs(a - b) <= rtol\npi = 3.14159\n", module.__dict__)
    sys.modules[module.__name__] = module
    try:
        expected = kernel_runner.fingerprint_modules([module.__name__])
        assert kernel_runner.changed_attributes(expected) == []
        module.allclose.__defaults__ = (1e10,)
        module.pi = 3
        assert kernel_runner.changed_attributes(expected) == ["fake_numpy_for_test.allclose", "fake_numpy_for_test.pi"]
        module.allclose = lambda a, b, rtol=1e-05: True
        module.pi = 3.14159
        assert kernel_runner.changed_attributes(expected) == ["fake_numpy_for_test.allclose"]
    finally:
        del sys.modules[module.__name__]


def test_reference_fingerprints_come_from_a_clean_process_and_match_this_one():
    reference = reference_fingerprints("import numpy as np\nfrom lecture_lib.checks import ch01")
    assert {"builtins", "numpy", "lecture_lib.checks.ch01", "lecture_lib.checks.core"} <= set(reference)
    assert "allclose" in reference["numpy"] and "check_threshold_unit" in reference["lecture_lib.checks.ch01"]
    assert kernel_runner.changed_attributes(reference) == []


def test_cli_rejects_missing_paths(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "missing.ipynb"), str(tmp_path), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2 and "solutions notebook not found" in capsys.readouterr().err
