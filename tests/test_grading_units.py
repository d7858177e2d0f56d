"""lecture_lib.grading without the class run: solutions metadata, check-cell matching, plans, reports, the wire format,
the SymPy reader, names of students, and the kernel proxy on its own."""
import json
import time
from pathlib import Path

import nbformat
import pytest

import numpy as np

from lecture_lib.grading import wire
from lecture_lib.grading.assignment import (AssignmentError, learner_names, load_assignment, reference_submission,
                                            source_checksum)
from lecture_lib.grading.cli import main
from lecture_lib.grading.grader import list_submissions, student_id, student_name
from lecture_lib.grading.kernel import KernelLost, KernelSession, LearnerError
from lecture_lib.grading.report import csv_text, feedback_markdown, spreadsheet_safe, write_atomic
from lecture_lib.grading.safe_sympy import UnsafeExpression, parse_srepr
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
    assert {name: state for name, (_, state, _) in matches.items()} == dict.fromkeys(matches, UNCHANGED)
    assert [index for index, _, _ in matches.values()] == [e.check_index for e in assignment.exercises]


def test_edited_and_deleted_check_cells_are_found(ch01):
    assignment, released = ch01
    released.cells[4].source = "print('PASSED')"
    del released.cells[7]
    matches = match_check_cells(released, assignment)
    assert matches["threshold_unit"] == (4, EDITED, [])
    assert matches["gate_weights"] == (None, DELETED, [])
    assert matches["perceptron_update"] == (9, UNCHANGED, [])


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
    assert {state for _, state, _ in match_check_cells(without_ids, assignment).values()} == {UNCHANGED}
    released.cells[4].id = "renamed-by-a-tool"
    released.cells[4].source += "  # edited"
    assert match_check_cells(released, assignment)["threshold_unit"] == (4, EDITED, [])  # found by nbgrader grade_id


def test_a_cell_whose_nbgrader_metadata_is_null_is_matched_by_its_other_marks(ch01):
    # Valid nbformat; a tool (or a learner editing JSON) may leave "nbgrader": null.
    assignment, released = ch01
    for cell in released.cells:
        cell.metadata["nbgrader"] = None
    matches = match_check_cells(released, assignment)
    assert {state for _, state, _ in matches.values()} == {UNCHANGED}


def test_a_check_cell_pasted_above_its_solution_is_a_flagged_duplicate_and_the_released_one_is_graded(ch01):
    assignment, released = ch01
    copy = nbformat.v4.new_code_cell(released.cells[4].source, metadata=dict(released.cells[4].metadata))
    released.cells.insert(2, copy)  # above the solution cell (now index 4); the released check is now cell 5
    matches = match_check_cells(released, assignment)
    assert matches["threshold_unit"] == (5, UNCHANGED, [2])
    for cell in released.cells:  # without cell ids: the copy after the definition wins
        cell.pop("id", None)
    assert match_check_cells(released, assignment)["threshold_unit"] == (5, UNCHANGED, [2])
    plan = build_plan(released, assignment, matches)
    assert sum(step.kind == "grade" and step.exercise == "threshold_unit" for step in plan) == 1
    assert all("check_threshold_unit" not in step.source for step in plan)


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


def test_learner_names_are_what_the_tests_read_and_do_not_define():
    code = "_x = np.ones(2)\nassert f(_x, g) == 1\nfor _i in range(3):\n    h(_i)\nlam = lambda w: w\nlam(k)"
    assert learner_names(code, {"np"}) == ["f", "g", "h", "k"]


def test_wire_round_trips_plain_data_exactly():
    import sympy as sp

    value = {"a": (1, 2.5, float("nan"), -float("inf"), 1 + 2j, None, True, "text"),
             3: [np.arange(6, dtype=np.float32).reshape(2, 3), np.int64(7), np.float32(0.5), np.array(["a", "bc"]),
                 np.array([1, "x"], dtype=object), np.zeros((0, 4), dtype=np.uint8)]}
    back = wire.decode(wire.loads(wire.dumps({"op": "x", "v": wire.encode(value)}))["v"])
    assert back.keys() == value.keys() and back["a"][:2] == (1, 2.5) and np.isnan(back["a"][2])
    assert back["a"][3:] == value["a"][3:]
    array, integer, single, strings, objects, empty = back[3]
    assert array.dtype == np.float32 and array.shape == (2, 3) and np.array_equal(array, value[3][0])
    assert type(integer) is np.int64 and type(single) is np.float32 and strings.tolist() == ["a", "bc"]
    assert objects.dtype == object and objects.tolist() == [1, "x"] and empty.shape == (0, 4)
    assert array.flags.writeable
    h = sp.Symbol("h", real=True)
    text = wire.encode(sp.exp(-h) / 2)["$sympy"]
    assert parse_srepr(text) == sp.exp(-h) / 2 and parse_srepr(text).free_symbols == {h}


@pytest.mark.parametrize("data, message", [
    ({"$array": {"dtype": "|O", "shape": [1], "data": ""}}, "not allowed"),
    ({"$array": {"dtype": "<f8", "shape": [2], "data": "AAAAAAAAAAA="}}, "do not match"),
    ({"$array": {"dtype": "<f8", "shape": [-1], "data": ""}}, "bad shape"),
    ({"$pickle": "gASV"}, "unexpected tag"),
    ({"a": 1}, "unexpected tag"),
    ({"$sympy": "Symbol('x')"}, "unexpected tag"),  # only the grader's reader may build SymPy objects
])
def test_wire_refuses_what_is_not_plain_data(data, message):
    with pytest.raises(wire.WireError, match=message):
        wire.decode(data)


def test_wire_refuses_to_send_objects_it_does_not_know():
    with pytest.raises(wire.WireError, match="cannot send a object"):
        wire.encode(object())
    assert wire.encode(len, on_callable=lambda f: {"$callback": 0}) == {"$callback": 0}


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "Symbol('x').__class__",
    "Add('x + 1', Integer(1))",                      # SymPy would parse (eval) the string
    "Pow(Pow(Pow(Pow(Integer(10), Integer(9)), Integer(9)), Integer(9)), Integer(9))",
    "Pow(Pow(Integer(99999), Integer(100)), Integer(100))",
    "Pow(Integer(10), Pow(Integer(10), Integer(10)))",
    "factorial(factorial(Integer(100)))",
    "Integer(10000000000)",
    "factorial(Integer(99999999))",
    "Symbol('x', real=__import__('os'))",
    "lambda: 1",
    "Mul(" * 3000 + "Integer(1)" + ")" * 3000,
    "[Symbol('x')]",
    "sympify('x')",
])
def test_the_sympy_reader_builds_only_plain_expressions(text):
    with pytest.raises(UnsafeExpression):
        parse_srepr(text)


def test_the_sympy_reader_reads_what_srepr_writes():
    import sympy as sp

    h, y = sp.symbols("h y", real=True)
    f = sp.Function("f")
    for expression in [(1 / (1 + sp.exp(-h)) - y) * sp.Rational(1, 2), sp.Float("0.25") * h ** 3 + sp.pi,
                       sp.tanh(h / 2) - sp.I * y, f(h) + sp.Piecewise((h, h > 0), (0, True)), sp.oo * h]:
        assert parse_srepr(sp.srepr(expression)) == expression


def test_student_names_and_file_ids_are_safe_for_any_file_name(tmp_path):
    import os

    assert student_name(Path("ann.ipynb")) == "ann" and student_id("ann") == "ann"
    odd = Path(os.fsdecode(b"J\xfcrgen.ipynb"))
    assert student_name(odd) == "J\\xfcrgen"
    assert student_name(Path("a\nb.IPYNB")) == "a\\x0ab"
    ids = {student_id(name) for name in ["../x", "x", "x_", "=cmd", "Ann Lee", "J\\xfcrgen"]}
    assert len(ids) == 6 and all("/" not in i and "\\" not in i and not i.startswith(".") for i in ids)
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and spreadsheet_safe("ann") == "ann"
    assert spreadsheet_safe("-1") == "'-1" and spreadsheet_safe("@x") == "'@x" and spreadsheet_safe("+x") == "'+x"


def test_every_entry_of_the_folder_is_graded_or_listed_with_a_reason(tmp_path):
    import os

    for name in ["ann.ipynb", "Ben.IPYNB", "ben.ipynb", "notes.txt"]:
        (tmp_path / name).write_text("{}")
    (tmp_path / os.fsdecode(b"J\xfcrgen.ipynb")).write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    paths, skipped = list_submissions(tmp_path)
    assert [student_name(p) for p in paths] == ["Ben", "J\\xfcrgen", "ann"]
    assert skipped == [(".ipynb_checkpoints", "a folder"), ("ben.ipynb", "the same student name as Ben.IPYNB"),
                       ("notes.txt", "not a notebook (the name does not end in .ipynb)")]


@pytest.fixture
def session(tmp_path):
    kernel = KernelSession(tmp_path / "work", 2**32, False, time.monotonic() + 120)
    yield kernel
    kernel.close()


def test_the_proxy_returns_results_writes_back_mutations_and_maps_exceptions(session):
    source = ("import numpy as np\n"
              "def scale(w, factor):\n    w *= factor\n    return w\n"
              "def fails(x):\n    raise ValueError(f'bad x {x}')\n"
              "class Custom(Exception): pass\n"
              "def custom():\n    raise Custom('mine')\n"
              "def stub():\n    raise NotImplementedError\n"
              "def overflow(h):\n    return np.exp(h)\n"
              "def calls_back(f, w):\n    return f(w) + f(2 * w)\n")
    assert session.run_cell(source, 20, 20) is None
    names = session.lookup(["scale", "fails", "custom", "stub", "overflow", "calls_back", "np", "absent"], 20)
    assert "absent" not in names and repr(names["scale"]) == "<function scale of the submission>"
    w = np.array([1.0, 2.0])
    result = names["scale"](w, 3.0)
    assert result is w and w.tolist() == [3.0, 6.0]  # the same object came back, changed in place
    with pytest.raises(ValueError, match="bad x 3\n  in fails, line 6"):
        names["fails"](3)
    with pytest.raises(LearnerError, match="mine") as info:
        names["custom"]()
    assert type(info.value).__name__ == "Custom"
    with pytest.raises(NotImplementedError):
        names["stub"]()
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            names["overflow"](np.array([1000.0]))
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn"):
            assert np.isinf(names["overflow"](np.array([1000.0]))[0])
    assert [str(item.message) for item in caught] == ["overflow encountered in exp"]
    assert names["calls_back"](lambda v: float(np.sum(v)), np.ones(3)) == 9.0


def test_a_call_that_does_not_answer_in_time_kills_the_kernel_and_the_next_call_replays_the_cells(session):
    session.run_cell("def loop():\n    while True:\n        pass\ndef one():\n    return 1", 20, 20)
    names = session.lookup(["loop", "one"], 20)
    session.call_deadline = time.monotonic() + 1
    with pytest.raises(KernelLost, match="timeout"):
        names["loop"]()
    session.call_deadline = float("inf")
    assert session.process is None and session.lost_reason == "timeout"
    with pytest.raises(KernelLost, match="timeout"):  # the same phase: no new kernel for a check that goes on
        names["one"]()
    session.lost_reason = None  # a new phase (verdict._phase does this)
    assert names["one"]() == 1 and session.starts == 2


def test_a_kernel_that_writes_garbage_on_the_channel_is_tampering(session):
    session.run_cell("def forge():\n    import os\n    os.write(1, b'x' * 10)\n    return 1", 20, 20)
    forge = session.lookup(["forge"], 20)["forge"]
    assert forge() == 1  # fd 1 is /dev/null in the kernel: what the learner prints never reaches the grader
    session.run_cell("def forge2():\n    import os\n    for fd in range(3, 12):\n        try:\n"
                     "            os.write(fd, b'{\"op\": \"nonsense\"}\\n')\n        except OSError:\n"
                     "            pass\n    return 2", 20, 20)
    with pytest.raises(KernelLost, match="tampered"):
        session.lookup(["forge2"], 20)["forge2"]()


def test_cli_rejects_missing_paths(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "missing.ipynb"), str(tmp_path), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2 and "solutions notebook not found" in capsys.readouterr().err


def test_an_answer_too_large_for_a_message_is_the_learners_error_and_an_argument_the_wire_cannot_carry_is_the_graders(
        session):
    from lecture_lib.grading.kernel import CannotSend

    session.run_cell("import numpy as np\ndef big(n):\n    return np.zeros(n)\ndef echo(x):\n    return x", 20, 20)
    names = session.lookup(["big", "echo"], 20)
    with pytest.raises(TypeError, match="the grader cannot read what your function returned"):
        names["big"](10**7)  # 80 MB of float64: more than a message may carry
    with pytest.raises(CannotSend, match="cannot send a SeedSequence"):
        names["echo"](np.random.SeedSequence(0))
    assert names["echo"](3) == 3  # the kernel is still fine


def test_a_kernel_that_cannot_start_is_a_grader_error_not_the_submissions_fault(repo_root, tmp_path, monkeypatch):
    import subprocess
    import sys

    from lecture_lib.grading import Limits, kernel
    from lecture_lib.grading.grader import _safe_grade

    def broken_start(workdir, marker, memory_limit, sandboxed, **limits):
        workdir.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(1)"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, start_new_session=True)

    monkeypatch.setattr(kernel, "start_kernel", broken_start)
    nbformat.write(reference_submission(repo_root / CH01), tmp_path / "ann.ipynb")
    record = _safe_grade(tmp_path / "ann.ipynb", load_assignment(repo_root / CH01), Limits(), False)
    assert record["flags"] == ["grader error"] and "the learner kernel did not start" in record["notes"][0]
    assert {e["status"] for e in record["exercises"]} == {"grader error"}


def test_under_the_checks_float_regime_a_call_that_hides_an_overflow_is_seen_as_in_a_notebook(session):
    isolation = pytest.importorskip("lecture_lib.checks.isolation", reason="checks without isolation.run_calls")
    session.run_cell("import numpy as np\ndef hides(h):\n    print('hello')\n    with np.errstate(over='ignore'):\n"
                     "        return np.exp(h)", 20, 20)
    hides = session.lookup(["hides"], 20)["hides"]
    with isolation.isolation("inline"):
        outcome, = isolation.run_calls(hides, [{"h": np.array([1000.0])}], 5)
    assert outcome.warnings == ["overflow encountered in exp"] and outcome.silenced == ["np.errstate(over='ignore')"]
    assert "hello" in outcome.output


def test_random_generators_cross_with_their_state_and_come_back_advanced(session):
    session.run_cell("def draw(rng, n):\n    return rng.random(n)\ndef legacy(rs):\n    return rs.randint(0, 100, 3)",
                     20, 20)
    names = session.lookup(["draw", "legacy"], 20)
    for make in (np.random.default_rng, lambda seed: np.random.Generator(np.random.MT19937(seed))):
        rng, twin = make(5), make(5)
        assert np.array_equal(names["draw"](rng, 4), twin.random(4))
        assert rng.random() == twin.random()  # the caller's generator advanced as if called here
    rs, twin = np.random.RandomState(3), np.random.RandomState(3)
    assert names["legacy"](rs).tolist() == twin.randint(0, 100, 3).tolist() and rs.rand() == twin.rand()
    with pytest.raises(wire.WireError, match="not allowed"):
        wire.decode({"$generator": {"$dict": [["bit_generator", "Evil"]]}})


@pytest.mark.parametrize("cell", ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
                                  "from IPython.display import Markdown, display\ndisplay(Markdown('x'))",
                                  "import ipywidgets as widgets\nwidgets.IntSlider()", "exit()", "!true",
                                  "%timeit -n1 -r1 sum(range(10))"])
def test_notebook_features_work_in_the_learner_kernel(session, cell):
    assert session.run_cell(cell, 30, 30) is None
    assert session.run_cell("x = 1", 30, 30) is None  # and the kernel goes on


def test_a_callback_may_call_the_learners_functions_again(session):
    session.run_cell("def square(v):\n    return v * v\ndef apply(f, v):\n    return f(v) + 1", 20, 20)
    names = session.lookup(["square", "apply"], 20)
    assert names["apply"](lambda v: names["square"](v) * 10, 3) == 91  # grader -> kernel -> grader -> kernel


def test_grade_book_exports_read_back_in_moodle_and_canvas_layouts():
    import csv
    import io
    from types import SimpleNamespace

    from lecture_lib.grading.gradebook import canvas_csv, moodle_csv

    assignment = SimpleNamespace(name="01_threshold_units", exercises=[
        SimpleNamespace(name="threshold_unit", points=1), SimpleNamespace(name="perceptron_update", points=2.5)])
    records = [
        {"student": "ben", "exercises": [{"exercise": "threshold_unit", "points": 1},
                                          {"exercise": "perceptron_update", "points": 0}]},
        {"student": "=cmd|'/C calc'!A0", "exercises": [{"exercise": "threshold_unit", "points": 0},
                                                       {"exercise": "perceptron_update", "points": 2.5}]},
        {"student": "ann\x1b[2J", "exercises": [{"exercise": "threshold_unit", "points": 1},
                                                {"exercise": "perceptron_update", "points": 2.5}]},
    ]
    moodle = list(csv.reader(io.StringIO(moodle_csv(records, assignment))))
    assert moodle[0] == ["Username", "01_threshold_units: threshold_unit", "01_threshold_units: perceptron_update",
                         "01_threshold_units total"]
    rows = {row[0]: row[1:] for row in moodle[1:]}
    assert rows["ben"] == ["1", "0", "1"] and rows["ann\\x1b[2J"] == ["1", "2.5", "3.5"]
    assert rows["'=cmd|'/C calc'!A0"] == ["0", "2.5", "2.5"]      # no formula for a spreadsheet
    canvas = list(csv.reader(io.StringIO(canvas_csv(records, assignment))))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "1", "2.5", "3.5"]
    ben = next(row for row in canvas[2:] if row[0] == "ben")
    assert ben == ["ben", "", "", "ben", "", "1", "0", "1"]
    assert len(canvas) == 2 + len(records) and all(len(row) == len(canvas[0]) for row in canvas)


@pytest.mark.parametrize("meta, message", [
    ({"credit": "most"}, "credit must be one of"),
    ({"credit": "parts", "public": 1, "hidden": 0.5}, "must equal the nbgrader points"),
    ({"credit": "cases", "public": -1, "hidden": 3}, "public points must be a number"),
    ({"credit": "parts", "public": True, "hidden": 1}, "public points must be a number"),
])
def test_partial_credit_metadata_is_checked(meta, message):
    from lecture_lib.grading.assignment import AssignmentError, read_credit

    cell = {"metadata": {"lecture_grade": meta, "nbgrader": {"points": 2}}}
    with pytest.raises(AssignmentError, match=message):
        read_credit(cell, 2, "x.ipynb, cell 4")


def test_partial_credit_rules():
    from types import SimpleNamespace

    from lecture_lib.grading.grader import partial_points

    def exercise(credit):
        return SimpleNamespace(points=3, credit=credit)

    passed = {"status": "passed", "cases_passed": 4, "cases_total": 4}
    half = {"status": "failed", "cases_passed": 2, "cases_total": 4}
    ok, bad = {"status": "passed"}, {"status": "failed"}
    all_or_nothing = exercise({"mode": "all"})
    assert partial_points(all_or_nothing, passed, ok) == 3
    assert partial_points(all_or_nothing, passed, bad) == 0 and partial_points(all_or_nothing, half, {}) == 0
    parts = exercise({"mode": "parts", "public": 2, "hidden": 1})
    assert partial_points(parts, passed, ok) == 3 and partial_points(parts, passed, bad) == 2
    assert partial_points(parts, half, {"status": "not run"}) == 0
    cases = exercise({"mode": "cases", "public": 2, "hidden": 1})
    assert partial_points(cases, half, {"status": "not run"}) == 1.0
    assert partial_points(cases, passed, bad) == 2 and partial_points(cases, passed, ok) == 3


def test_partial_credit_reaches_the_grades(tmp_path, repo_root):
    import nbformat

    from lecture_lib.grading.assignment import load_assignment

    solutions = nbformat.read(repo_root / "solutions/01_threshold_units.ipynb", as_version=4)
    check = next(c for c in solutions.cells if "check_perceptron_update" in c.source)
    check.metadata["lecture_grade"] = {"credit": "parts", "public": 1.5, "hidden": 0.5}
    path = tmp_path / "01_threshold_units.ipynb"
    nbformat.write(solutions, path)
    assignment = load_assignment(path)
    exercise = next(e for e in assignment.exercises if e.name == "perceptron_update")
    assert exercise.credit == {"mode": "parts", "public": 1.5, "hidden": 0.5}
    assert all(e.credit == {"mode": "all"} for e in assignment.exercises if e is not exercise)
