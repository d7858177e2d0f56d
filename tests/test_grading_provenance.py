"""Detecting the package's own answers from the submission's code (lecture_lib.grading.provenance)."""
import inspect
import textwrap
from types import SimpleNamespace

from lecture_lib.grading.provenance import from_package_module, package_answers
from lecture_lib.topics import perceptron

EXERCISES = [SimpleNamespace(name=n) for n in ("threshold_unit", "gate_weights", "perceptron_update")]
CHAPTER_IMPORTS = "import numpy as np\nfrom lecture_lib.checks import ch01"

HONEST = '''
def perceptron_update(w, b, x, y, eta):
    y_hat = 1 if x @ w + b >= 0 else 0
    error = y - y_hat
    return w + eta * error * x, b + eta * error
'''


def _renamed_copy():
    """The installed source of perceptron_update with every local name and the docstring changed."""
    import ast

    tree = ast.parse(textwrap.dedent(inspect.getsource(perceptron.perceptron_update)))
    names = {"w": "weights", "b": "bias", "x": "example", "y": "label", "eta": "rate", "error": "err"}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.arg in names:
            node.arg = names[node.arg]
        elif isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
    tree.body[0].body[0].value.value = "My own perceptron step."
    return "from lecture_lib_helpers_pasted_too import *\n" + ast.unparse(tree)


def test_honest_answers_and_the_checks_import_are_not_flagged():
    assert package_answers([CHAPTER_IMPORTS, HONEST], EXERCISES, CHAPTER_IMPORTS) == {}


def test_imports_aliases_assignments_and_strings_are_found():
    found = package_answers([
        "from lecture_lib.topics.units import threshold_unit",
        "from lecture_lib.topics import units\ngate_weights = units.logic_gate_unit",
        "import importlib\ndef perceptron_update(w, b, x, y, eta):\n"
        "    return importlib.import_module('lecture_lib.topics.perceptron').perceptron_update(w, b, x, y, eta)",
    ], EXERCISES, CHAPTER_IMPORTS)
    assert found["threshold_unit"] == "`threshold_unit` is imported from lecture_lib.topics.units.threshold_unit"
    assert found["gate_weights"] == "`gate_weights` is set to lecture_lib.topics.units.logic_gate_unit"
    assert "names lecture_lib in a string" in found["perceptron_update"]


def test_a_wrapper_calling_the_package_is_found_unless_the_chapter_gives_that_import():
    wrapper = ("import lecture_lib.topics.units as u\n"
               "def threshold_unit(x, w, b):\n    return u.threshold_unit(x, w, b)")
    assert "uses lecture_lib.topics.units.threshold_unit" in package_answers([wrapper], EXERCISES, "")["threshold_unit"]
    assert package_answers([wrapper], EXERCISES, "import lecture_lib.topics.units as u") == {}


def test_a_renamed_copy_of_the_installed_source_is_found():
    copy = _renamed_copy()
    assert "weights" in copy and "rate" in copy and " w " not in copy  # really renamed
    found = package_answers([copy], EXERCISES, CHAPTER_IMPORTS)
    assert found == {"perceptron_update": "`perceptron_update` is the source of "
                                          "lecture_lib.topics.perceptron.perceptron_update, renamed"}


def test_module_names_reported_by_the_kernel():
    assert from_package_module("lecture_lib.topics.units")
    assert not from_package_module("lecture_lib.checks.ch01")
    assert not from_package_module("__main__") and not from_package_module(None)
    assert not from_package_module("lecture_library")


def test_writing_the_reference_solution_is_no_evidence_of_copying():
    """Where the package's function is the solutions' own answer, matching it proves nothing."""
    from lecture_lib.grading.assignment import load_assignment, reference_submission

    for chapter in ("solutions/10_skip_connections.ipynb", "solutions/01_threshold_units.ipynb"):
        assignment = load_assignment(chapter)
        notebook = reference_submission(chapter)
        sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        assert package_answers(sources, assignment.exercises, assignment.imports,
                               assignment.reference_shapes) == {}, chapter
    copy = _renamed_copy()
    assert package_answers([copy], EXERCISES, CHAPTER_IMPORTS, reference_shapes=["unrelated"]) != {}
