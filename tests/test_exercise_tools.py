"""exercises/ is generated from solutions/ and must never drift or leak hidden tests."""
import nbformat
import pytest

from lecture_lib.tools.exercises import MarkerError, _strip_regions, generate, make_exercise
from notebook_code import region_lines


def test_exercises_are_up_to_date(repo_root):
    stale = generate(repo_root / "solutions", repo_root / "exercises", check_only=True)
    assert stale == [], f"exercises/ is out of date for {stale}: run `make exercises`"


def test_every_solution_has_an_exercise_and_no_orphans(repo_root):
    solutions = {p.name for p in (repo_root / "solutions").glob("*.ipynb")}
    exercises = {p.name for p in (repo_root / "exercises").glob("*.ipynb")}
    assert solutions and solutions == exercises


def test_no_solution_or_hidden_test_text_in_exercises(repo_root):
    for solution_path in (repo_root / "solutions").glob("*.ipynb"):
        exercise_text = (repo_root / "exercises" / solution_path.name).read_text()
        assert "BEGIN SOLUTION" not in exercise_text and "HIDDEN TESTS" not in exercise_text
        # every non-trivial line (longer than 12 characters) of a solution or hidden test is absent from the exercise
        for line in region_lines(solution_path, regions=("SOLUTION", "HIDDEN TESTS"), min_length=13):
            assert line not in exercise_text, f"{solution_path.name} leaks: {line}"


def test_exercises_have_no_outputs_and_a_stub_per_solution(repo_root):
    for solution_path in (repo_root / "solutions").glob("*.ipynb"):
        solution = nbformat.read(solution_path, as_version=4)
        exercise = nbformat.read(repo_root / "exercises" / solution_path.name, as_version=4)
        n_regions = sum(cell.source.count("### BEGIN SOLUTION") for cell in solution.cells)
        n_stubs = sum(cell.source.count("raise NotImplementedError()") for cell in exercise.cells
                      if cell.cell_type == "code")
        assert n_regions == n_stubs > 0
        for cell in exercise.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
        assert "widgets" not in exercise.metadata


def test_solution_region_becomes_an_indented_stub():
    source = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    assert _strip_regions(source, "t", "code") == (
        "def f(x):\n    '''doc'''\n    # YOUR CODE HERE\n    raise NotImplementedError()")


def test_hidden_tests_are_removed_and_public_code_kept():
    source = "### BEGIN HIDDEN TESTS\nassert f(1) == 2\n### END HIDDEN TESTS\ncheck(f)\n"
    assert _strip_regions(source, "t", "code") == "check(f)"


def test_markdown_solution_becomes_answer_placeholder():
    assert _strip_regions("Q?\n### BEGIN SOLUTION\nA.\n### END SOLUTION", "t", "markdown") == "Q?\nYOUR ANSWER HERE"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a matching BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n", "inside an open solution region"),
    ("### BEGIN HIDDEN TESTS\nx\n### END SOLUTION\n", "without a matching BEGIN"),
])
def test_unpaired_markers_are_errors_naming_the_place(source, message):
    with pytest.raises(MarkerError, match=message):
        _strip_regions(source, "demo.ipynb, cell 3", "code")


def test_generation_is_deterministic(repo_root, tmp_path):
    solution = nbformat.read(next((repo_root / "solutions").glob("*.ipynb")), as_version=4)
    first = nbformat.writes(make_exercise(solution))
    assert first == nbformat.writes(make_exercise(solution))


def test_check_mode_reports_a_hand_edit(repo_root, tmp_path):
    exercises = tmp_path / "exercises"
    generate(repo_root / "solutions", exercises)
    assert generate(repo_root / "solutions", exercises, check_only=True) == []
    edited = next(exercises.glob("*.ipynb"))
    edited.write_text(edited.read_text().replace("YOUR CODE HERE", "my answer", 1))
    assert generate(repo_root / "solutions", exercises, check_only=True) == [edited.name]


def test_nbgrader_metadata_is_kept_and_points_are_shown_on_the_check_cell():
    solution = nbformat.v4.new_notebook()
    grade = {"grade": True, "grade_id": "check_f", "locked": True, "points": 3, "schema_version": 3, "solution": False}
    answer = {"grade": False, "grade_id": "f", "locked": False, "schema_version": 3, "solution": True}
    solution.cells = [
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION",
                                  metadata={"nbgrader": answer}),
        nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nassert f(1) == 1\n### END HIDDEN TESTS\ncheck(f)",
                                  metadata={"nbgrader": grade}),
        nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nassert f(2) == 2\n### END HIDDEN TESTS\ncheck(f)"),
    ]
    exercise = make_exercise(solution)
    assert exercise.cells[0].metadata["nbgrader"] == answer
    assert exercise.cells[1].metadata["nbgrader"] == grade
    assert exercise.cells[1].source == "# Check: 3 points\ncheck(f)"
    assert exercise.cells[2].source == "check(f)" and "nbgrader" not in exercise.cells[2].metadata
    assert nbformat.writes(exercise) == nbformat.writes(make_exercise(solution))  # still byte-stable


def test_every_check_cell_declares_its_points(repo_root):
    """A new chapter cannot forget points: each public check call sits in a graded nbgrader cell."""
    from notebook_code import CHECK_CALL

    for path in sorted((repo_root / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
                grading = cell.metadata.get("nbgrader", {})
                assert grading.get("grade") is True and grading.get("points", 0) > 0, (
                    f"{path.name}: check cell without nbgrader points metadata: {cell.source.splitlines()[-1]}")
