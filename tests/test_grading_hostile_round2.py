"""Hostile submissions, round two (issue 23): links in the submissions folder, terminal escape codes in
reports, malformed values on the wire, an integer too long to print, a costly SymPy value at look-up.

Each has its expected CSV rows (what the learner's functions deserve) or its "not graded" line.
"""
import os

import nbformat
import pytest

from test_grading_hostile import CH01, DEF01, _csv_rows, _grade, _records, _solved, rows

# A cell whose first line clears the terminal and prints a fake summary line.
ANSI_LINE = "\x1b[2J\x1b[H\rgraded ansi_label: 6/6 points"
ANSI_CELL = f"# {ANSI_LINE}\nx_unused = 1\n"

# The kernel's copy of the wire format, changed so that one name's value crosses as a malformed complex.
MALFORMED_VALUE = '''\
import lecture_lib.grading.wire as _w
_original_encode = _w.encode
_MARK = object()
def _malformed(value, *args, **kwargs):
    if value is _MARK:
        return {"$complex": [{"$tuple": []}, 0]}
    return _original_encode(value, *args, **kwargs)
_w.encode = _malformed
threshold_unit = _MARK
'''

# An honest-looking answer holding a 5,001-digit integer.
HUGE_INTEGER = '''\
def threshold_unit(x, w, b):
    return 10 ** 5000
'''

# A SymPy value whose reading (bottom-up evaluation) costs the grader tens of seconds.
COSTLY_SYMPY = '''\
import sympy
threshold_unit = sympy.harmonic(sympy.Integer(36000), evaluate=False)
'''


# The kernel's own test of "can this argument change?" switched off, to hide an in-place change (issue 23, 2).
HIDE_INPLACE = '''\
import lecture_lib.grading.learner_kernel as learner_kernel
learner_kernel.__dict__.update(_mutable=lambda v: False)
def perceptron_update(w, b, x, y, eta):
    y_hat = 1 if x @ w + b >= 0 else 0
    w += eta * (y - y_hat) * x          # changes the caller's array
    return w.copy(), b + eta * (y - y_hat)
'''


# The package's own answers (issue 23, item 1): imported, aliased, and fetched where static reading cannot see.
PACKAGE_IMPORT = "from lecture_lib.topics.units import threshold_unit\n"
PACKAGE_ALIAS = "from lecture_lib.topics.units import logic_gate_unit as gate_weights\n"
PACKAGE_HIDDEN = '''\
_where = "lecture_" + "lib.topics.perceptron"
perceptron_update = getattr(__import__(_where, fromlist=["x"]), "perceptron_update")
'''


def _build(root, folder):
    solved = _solved(root)
    nbformat.write(solved, folder / "ben.ipynb")
    os.symlink(root / CH01, folder / "linked_solutions.ipynb")
    os.symlink(folder / "ben.ipynb", folder / "linked_peer.ipynb")
    ansi = _solved(root)
    ansi.cells.insert(2, nbformat.v4.new_code_cell(ANSI_CELL))
    ansi.cells[DEF01["threshold_unit"] + 1].source = "raise ValueError('" + ANSI_LINE.replace("\r", "") + "')"
    nbformat.write(ansi, folder / "ansi_label.ipynb")
    for name, source in [("malformed_value", MALFORMED_VALUE), ("huge_integer", HUGE_INTEGER),
                         ("costly_sympy", COSTLY_SYMPY)]:
        notebook = _solved(root)
        notebook.cells[DEF01["threshold_unit"]].source = source
        nbformat.write(notebook, folder / f"{name}.ipynb")
    package = _solved(root)
    package.cells[DEF01["threshold_unit"]].source = PACKAGE_IMPORT
    package.cells[DEF01["gate_weights"]].source = PACKAGE_ALIAS
    package.cells[DEF01["perceptron_update"]].source = PACKAGE_HIDDEN
    nbformat.write(package, folder / "package_answers.ipynb")
    hide = _solved(root)
    hide.cells[DEF01["perceptron_update"]].source = HIDE_INPLACE
    nbformat.write(hide, folder / "hide_inplace.ipynb")


EXPECTED = sorted(
    rows("ansi_label", "failed", "passed", "passed", "passed")
    + rows("ben", "passed", "passed", "passed", "passed")
    + rows("costly_sympy", "timeout", "passed", "passed", "passed")
    + rows("hide_inplace", "passed", "passed", "failed", "passed")
    + rows("huge_integer", "failed", "passed", "passed", "passed")
    + rows("malformed_value", "failed", "passed", "passed", "passed")
    + rows("package_answers", "package answer", "package answer", "package answer", "passed"))


@pytest.fixture(scope="module")
def class01_round2(repo_root, tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("hostile01b"), tmp_path_factory.mktemp("hostile01b-results")
    _build(repo_root, folder)
    log = _grade(repo_root, CH01, folder, out)
    return out, log


def test_every_submission_scores_what_its_functions_deserve(class01_round2):
    out, _ = class01_round2
    assert sorted(_csv_rows(out)[1:]) == EXPECTED


def test_links_are_listed_not_graded(class01_round2):
    out, log = class01_round2
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    for name in ("linked_solutions.ipynb", "linked_peer.ipynb"):
        assert f"  not graded: {name}: a symbolic link (only regular files are graded)" in summary
        assert f"not graded: {name}: a symbolic link" in log
    assert "7 submission(s)" in summary


def test_no_control_character_reaches_a_report_or_the_terminal(class01_round2):
    out, log = class01_round2
    texts = {"log": log, "summary.txt": (out / "summary.txt").read_text(encoding="utf-8"),
             "grades.csv": (out / "grades.csv").read_text(encoding="utf-8")}
    texts.update({p.name: p.read_text(encoding="utf-8") for p in (out / "feedback").glob("*.md")})
    for name, text in texts.items():
        assert "\x1b" not in text and "\r" not in text, name
    assert "\\x1b[2J" in texts["ansi_label.md"]          # shown, escaped
    assert "graded ansi_label: 2/6 points" in log or "graded ansi_label: 5/6 points" in log


def test_a_malformed_value_costs_only_its_own_exercise(class01_round2):
    out, _ = class01_round2
    record = _records(out)["malformed_value"]
    assert "grader error" not in "; ".join(record["flags"])
    assert [e["status"] for e in record["exercises"]] == ["failed", "passed", "passed", "passed"]


def test_an_integer_too_long_to_print_is_an_answer_the_grader_cannot_read(class01_round2):
    out, _ = class01_round2
    feedback = (out / "feedback" / "huge_integer.md").read_text(encoding="utf-8")
    assert "cannot read what your function returned" in feedback
    assert "kernel died" not in feedback


def test_a_costly_value_is_stopped_by_the_grader_time_limit(class01_round2):
    out, _ = class01_round2
    record = _records(out)["costly_sympy"]
    assert record["exercises"][0]["status"] == "timeout"
    # the grader's own CPU limit (--cell-timeout 5) stopped the reading: a time limit in CPU seconds, so the
    # test does not depend on how loaded the machine is
    assert "took the grader more than 5 s of computing" in record["exercises"][0]["notes"][0]


def test_the_grader_not_the_kernel_decides_which_arguments_changed(class01_round2):
    out, _ = class01_round2
    record = _records(out)["hide_inplace"]
    assert record["exercises"][2]["status"] == "failed"
    flags = "; ".join(record["flags"])
    assert "imports lecture_lib.grading.learner_kernel" in flags and "uses __dict__" in flags


def test_the_packages_own_answers_are_a_status_of_their_own(class01_round2):
    out, _ = class01_round2
    record = _records(out)["package_answers"]
    notes = {e["exercise"]: " ".join(e["notes"]) for e in record["exercises"]}
    assert "imported from lecture_lib.topics.units.threshold_unit" in notes["threshold_unit"]
    assert "imported from lecture_lib.topics.units.logic_gate_unit" in notes["gate_weights"]
    assert "a function of the package (lecture_lib.topics.perceptron)" in notes["perceptron_update"]
    assert "package answer: threshold_unit" in record["flags"]
