"""Grade a class of purpose-made chapter 01 submissions with the real command and compare the whole CSV.

The submissions are built here from the real solutions and exercise
notebooks (so they never go stale): a correct one, a partly correct one, an
untouched one, an endless loop, kernels killed by ``os._exit`` (inside a call
and at the top level), a memory blow-up, an edited and a deleted check cell,
monkeypatched checks, a fake printed PASSED, NumPy patched (before the grading and
during a check: it changes only the kernel's NumPy, which the grader does not use,
so the functions score what they deserve and the patch is flagged), and two files
that are not notebooks. Short time limits keep the test quick. The attacks of
issue 15 are in tests/test_grading_hostile.py.
"""
import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from lecture_lib.grading.assignment import reference_submission
from lecture_lib.grading.cli import main
from notebook_code import region_lines

SOLUTIONS = "solutions/01_threshold_units.ipynb"
EXERCISE = "exercises/01_threshold_units.ipynb"
# Cell indices of chapter 01: 1 imports; 3/4 threshold_unit and its check; 6/7 gate_weights;
# 9/10 perceptron_update; 12/13 train_perceptron.
CHECK_CELL = {"threshold_unit": 4, "gate_weights": 7, "perceptron_update": 10, "train_perceptron": 13}
DEF_CELL = {name: index - 1 for name, index in CHECK_CELL.items()}

EXPECTED_CSV = """\
student,exercise,points,max,status
correct,threshold_unit,1,1,passed
correct,gate_weights,1,1,passed
correct,perceptron_update,2,2,passed
correct,train_perceptron,2,2,passed
deleted_check,threshold_unit,1,1,passed
deleted_check,gate_weights,1,1,passed
deleted_check,perceptron_update,2,2,passed
deleted_check,train_perceptron,2,2,passed
edited_check,threshold_unit,0,1,failed
edited_check,gate_weights,1,1,passed
edited_check,perceptron_update,2,2,passed
edited_check,train_perceptron,2,2,passed
endless_loop,threshold_unit,0,1,failed
endless_loop,gate_weights,1,1,passed
endless_loop,perceptron_update,2,2,passed
endless_loop,train_perceptron,2,2,passed
fake_passed,threshold_unit,0,1,not attempted
fake_passed,gate_weights,0,1,not attempted
fake_passed,perceptron_update,0,2,not attempted
fake_passed,train_perceptron,0,2,not attempted
kernel_killer,threshold_unit,1,1,passed
kernel_killer,gate_weights,0,1,kernel died
kernel_killer,perceptron_update,2,2,passed
kernel_killer,train_perceptron,2,2,passed
memory_hog,threshold_unit,0,1,failed
memory_hog,gate_weights,1,1,passed
memory_hog,perceptron_update,2,2,passed
memory_hog,train_perceptron,2,2,passed
monkeypatch,threshold_unit,0,1,not attempted
monkeypatch,gate_weights,0,1,not attempted
monkeypatch,perceptron_update,0,2,not attempted
monkeypatch,train_perceptron,0,2,not attempted
not_json,threshold_unit,0,1,invalid notebook
not_json,gate_weights,0,1,invalid notebook
not_json,perceptron_update,0,2,invalid notebook
not_json,train_perceptron,0,2,invalid notebook
numpy_patch,threshold_unit,1,1,passed
numpy_patch,gate_weights,1,1,passed
numpy_patch,perceptron_update,0,2,failed
numpy_patch,train_perceptron,0,2,failed
partial,threshold_unit,1,1,passed
partial,gate_weights,0,1,failed
partial,perceptron_update,0,2,failed
partial,train_perceptron,0,2,not attempted
sneaky_patch,threshold_unit,0,1,failed
sneaky_patch,gate_weights,1,1,passed
sneaky_patch,perceptron_update,2,2,passed
sneaky_patch,train_perceptron,2,2,passed
toplevel_exit,threshold_unit,0,1,failed
toplevel_exit,gate_weights,1,1,passed
toplevel_exit,perceptron_update,2,2,passed
toplevel_exit,train_perceptron,2,2,passed
untouched,threshold_unit,0,1,not attempted
untouched,gate_weights,0,1,not attempted
untouched,perceptron_update,0,2,not attempted
untouched,train_perceptron,0,2,not attempted
wrong_schema,threshold_unit,0,1,invalid notebook
wrong_schema,gate_weights,0,1,invalid notebook
wrong_schema,perceptron_update,0,2,invalid notebook
wrong_schema,train_perceptron,0,2,invalid notebook
"""

MONKEYPATCH = """\
from lecture_lib.checks import core
def _always_passed(function, time_limit=3):
    return core.CheckResult("ch01.anything", "passed", "all cases correct.")
for _name in ch01.__all__:
    setattr(ch01, _name, _always_passed)
core.CheckRun.finish = lambda self: core.CheckResult(self.exercise, "passed", "all cases correct.")"""

FAKE_PASSED = """\
for _name in ["threshold_unit", "gate_weights", "perceptron_update", "train_perceptron"]:
    print(f"[ch01.{_name}] PASSED: all cases correct.")"""


def _set_def(notebook, name, body):
    notebook.cells[DEF_CELL[name]].source = body


def _build_class(repo_root, folder):
    """Write the purpose-made submissions into ``folder``."""
    solved = lambda: reference_submission(repo_root / SOLUTIONS)  # noqa: E731
    released = lambda: nbformat.read(repo_root / EXERCISE, as_version=4)  # noqa: E731
    stub = released()
    subs = {"correct": solved(), "untouched": released()}

    partial = solved()
    _set_def(partial, "gate_weights", "def gate_weights(gate):\n    return np.array([1.0, 1.0]), -0.5  # OR for all")
    _set_def(partial, "perceptron_update", (  # right values, but changes the caller's w: only hidden tests see it
        "def perceptron_update(w, b, x, y, eta):\n    error = y - (1 if x @ w + b >= 0 else 0)\n"
        "    w += eta * error * x\n    return w, b + eta * error"))
    partial.cells[DEF_CELL["train_perceptron"]].source = stub.cells[DEF_CELL["train_perceptron"]].source
    subs["partial"] = partial

    loop = solved()
    _set_def(loop, "threshold_unit", "def threshold_unit(x, w, b):\n    while True:\n        pass")
    loop.cells.insert(8, nbformat.v4.new_code_cell("while True:  # a top-level endless loop\n    pass"))
    subs["endless_loop"] = loop

    killer = solved()
    _set_def(killer, "gate_weights", "def gate_weights(gate):\n    import os\n    os._exit(1)")
    subs["kernel_killer"] = killer

    top_exit = solved()
    top_exit.cells[DEF_CELL["threshold_unit"]].source += "\nimport os\nos._exit(1)"
    subs["toplevel_exit"] = top_exit

    hog = solved()
    _set_def(hog, "threshold_unit", "def threshold_unit(x, w, b):\n    hog = np.zeros(8 * 2**30, dtype=np.uint8)  # 8 GiB\n"
                                    "    return (x @ w + b >= 0).astype(int)")
    subs["memory_hog"] = hog

    edited = solved()
    _set_def(edited, "threshold_unit", "def threshold_unit(x, w, b):\n    return (x @ w + b > 0).astype(int)")
    edited.cells[CHECK_CELL["threshold_unit"]].source = 'print("[ch01.threshold_unit] PASSED")'
    subs["edited_check"] = edited

    deleted = solved()
    del deleted.cells[CHECK_CELL["gate_weights"]]
    subs["deleted_check"] = deleted

    patched = released()
    patched.cells.insert(2, nbformat.v4.new_code_cell(MONKEYPATCH))
    subs["monkeypatch"] = patched

    fake = released()
    fake.cells.append(nbformat.v4.new_code_cell(FAKE_PASSED))
    subs["fake_passed"] = fake

    numpy_patch = solved()  # a wrong perceptron_update that the patched NumPy would let through the hidden tests
    _set_def(numpy_patch, "perceptron_update", "def perceptron_update(w, b, x, y, eta):\n    return w, b")
    numpy_patch.cells.insert(8, nbformat.v4.new_code_cell(
        "np.allclose = lambda *args, **kwargs: True\nnp.array_equal = lambda *args, **kwargs: True"))
    subs["numpy_patch"] = numpy_patch

    sneaky = solved()  # patches NumPy only while the check runs it, after the grader's first look
    _set_def(sneaky, "threshold_unit", "def threshold_unit(x, w, b):\n"
                                       "    np.array_equal = np.allclose = lambda *args, **kwargs: True\n"
                                       "    return np.zeros(len(x), dtype=int)")
    subs["sneaky_patch"] = sneaky

    for name, notebook in subs.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    (folder / "not_json.ipynb").write_text("print('this is a script, not a notebook')\n", encoding="utf-8")
    (folder / "wrong_schema.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}}],
                                                           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


@pytest.fixture(scope="module")
def graded(repo_root, tmp_path_factory):
    """Grade the class once (two jobs, short limits); return (out folder, submissions folder, log)."""
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("results")
    _build_class(repo_root, folder)
    log = _run(repo_root, folder, out)
    return out, folder, log


def _run(repo_root, folder, out, *extra):
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main([str(repo_root / SOLUTIONS), str(folder), "--out", str(out), "--jobs", "2",
                     "--cell-timeout", "5", "--notebook-timeout", "120", "--memory-limit", "4096", *extra])
    assert code == 0
    return buffer.getvalue()


def test_the_whole_csv_is_as_expected(graded):
    out, _, _ = graded
    assert (out / "grades.csv").read_text(encoding="utf-8") == EXPECTED_CSV


def test_summary_lines_are_printed_and_saved(graded):
    out, _, log = graded
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "  threshold_unit: mean 0.33/1 points, passed 5 of 15" in summary
    assert "  train_perceptron: mean 1.07/2 points, passed 8 of 15" in summary
    assert "flags edited_check: edited check: threshold_unit" in summary
    assert ('flags numpy_patch: suspicious code: cell 9 ("np.allclose = lambda *args, **kwargs: True"): '
            "changes np.allclose, changes np.array_equal") in summary
    assert summary.splitlines()[1] in log


def _feedback(out, student):
    return (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")


def test_feedback_explains_each_case(graded):
    out, _, _ = graded
    assert "Score: 6 / 6 points" in _feedback(out, "correct")
    partial = _feedback(out, "partial")
    assert "Score: 1 / 6 points" in partial and "For NAND" in partial and "additional tests" in partial
    assert "Hint: an input with h exactly 0 came out as 0" in _feedback(out, "edited_check")
    assert "ran longer than the time limit and was skipped" in _feedback(out, "endless_loop")
    assert "did not finish within" in _feedback(out, "endless_loop")
    assert "could not be graded" in _feedback(out, "kernel_killer")
    assert "stopped the Python kernel" in _feedback(out, "toplevel_exit")
    assert "MemoryError" in _feedback(out, "memory_hog")
    assert "check cell of `threshold_unit` was changed" in _feedback(out, "edited_check")
    assert "check cell of `gate_weights` was missing" in _feedback(out, "deleted_check")
    assert "changes core.CheckRun.finish" in _feedback(out, "monkeypatch")
    assert "This has no effect on grading" in _feedback(out, "monkeypatch")
    assert "changes np.allclose" in _feedback(out, "numpy_patch")
    assert "changes np.array_equal" in _feedback(out, "sneaky_patch")
    assert "not a Jupyter notebook" in _feedback(out, "not_json")


def test_feedback_never_shows_hidden_tests(graded, repo_root):
    out, _, _ = graded
    hidden = region_lines(repo_root / SOLUTIONS, regions=("HIDDEN TESTS",), min_length=6)
    messages = re.findall(r'"(hidden: [^"]+)"', "\n".join(hidden))
    assert hidden and messages
    for path in (out / "feedback").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert not any(line in text for line in hidden + messages), path.name
    # the instructor's record keeps the hidden test's message
    record = json.loads((out / "graded" / "partial.json").read_text(encoding="utf-8"))
    update = record["exercises"][2]
    if update["check"]["status"] == "passed":  # checks that do not look for in-place changes themselves
        assert update["hidden"] == {"status": "failed", "message": "hidden: no in-place change"}
    else:  # checks that catch the change of the caller's w: the hidden tests are not needed
        assert update["hidden"] == {"status": "not run"} and "w" in "\n".join(update["check"]["feedback"])


def test_a_second_run_resumes_and_regrades_only_what_changed(graded, repo_root):
    out, folder, _ = graded
    log = _run(repo_root, folder, out)
    assert log.count("skipped ") == 15 and not re.search("^graded ", log, re.M)
    assert (out / "grades.csv").read_text(encoding="utf-8") == EXPECTED_CSV
    nbformat.write(reference_submission(repo_root / SOLUTIONS), folder / "untouched.ipynb")
    log = _run(repo_root, folder, out)
    assert log.count("skipped ") == 14 and "graded untouched: 6/6 points" in log
    assert "untouched,train_perceptron,2,2,passed" in (out / "grades.csv").read_text(encoding="utf-8")


def test_the_notebook_time_limit_costs_only_what_was_not_graded_yet(repo_root, tmp_path):
    from lecture_lib.grading import Limits, grade_submission
    from lecture_lib.grading.assignment import load_assignment
    assignment = load_assignment(repo_root / SOLUTIONS)
    slow = reference_submission(repo_root / SOLUTIONS)
    slow.cells.insert(8, nbformat.v4.new_code_cell("import time\ntime.sleep(120)"))
    nbformat.write(slow, tmp_path / "slow.ipynb")
    record = grade_submission(tmp_path / "slow.ipynb", assignment, Limits(cell_timeout=60, notebook_timeout=10))
    assert [e["status"] for e in record["exercises"]] == ["passed", "passed", "timeout", "timeout"]
    assert "notebook time limit" in record["flags"]


SOLUTION_NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("solutions", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_grades_its_solutions_to_full_marks_and_its_stubs_to_not_attempted(repo_root, solutions):
    """Every chapter of solutions/ (a new chapter is covered the day it lands) crosses the kernel boundary."""
    from lecture_lib.grading import Limits, grade_submission
    from lecture_lib.grading.assignment import load_assignment

    assignment = load_assignment(solutions)
    with tempfile.TemporaryDirectory() as folder:
        solved, stub = Path(folder, "solved.ipynb"), Path(folder, "stub.ipynb")
        nbformat.write(reference_submission(solutions), solved)
        shutil.copy(repo_root / "exercises" / solutions.name, stub)
        limits = Limits(cell_timeout=30, notebook_timeout=300)
        full, untouched = grade_submission(solved, assignment, limits), grade_submission(stub, assignment, limits)
    assert [e["status"] for e in full["exercises"]] == ["passed"] * len(assignment.exercises), full
    assert sum(e["points"] for e in full["exercises"]) == assignment.max_points
    assert all(e["hidden"]["status"] in ("passed", "none") for e in full["exercises"])
    assert [e["status"] for e in untouched["exercises"]] == ["not attempted"] * len(assignment.exercises)
    assert full["flags"] == [] and untouched["flags"] == []
