"""Run the learner-facing notebooks as a learner would and read the verdicts they show."""
import re

import nbformat
import pytest

from lecture_lib.tools.run_notebooks import execute_notebook


def _execute(path):
    """Run All on a fresh kernel, as ``make notebooks`` does, without saving; return the executed notebook."""
    return execute_notebook(path, timeout=120, write=False).notebook


def _verdicts(notebook):
    verdicts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "") if "data" in output else output.get("text", "")
            verdicts += re.findall(r"^\[(ch\d\d\.\w+)\] (PASSED|NOT ATTEMPTED|FAILED)", text, re.M)
    return verdicts


@pytest.mark.parametrize("folder, expected", [("exercises", "NOT ATTEMPTED"), ("solutions", "PASSED")])
def test_every_check_cell_reports_the_expected_verdict(repo_root, folder, expected):
    for path in sorted((repo_root / folder).glob("*.ipynb")):
        notebook = _execute(path)
        verdicts = _verdicts(notebook)
        n_stubs = sum("### BEGIN SOLUTION" in c.source for c in nbformat.read(repo_root / "solutions" / path.name, 4).cells)
        assert len(verdicts) == n_stubs > 0, f"{path.name}: {verdicts}"
        assert all(status == expected for _, status in verdicts), f"{path.name}: {verdicts}"


def test_broken_learner_code_never_stops_run_all(tmp_path):
    """An exception, an endless loop and a wrong answer inside checks: the notebook runs to the end."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in [
        "import numpy as np\nfrom lecture_lib.checks import ch01",
        "def threshold_unit(x, w, b):\n    return (x @ w + b) / undefined_name",
        "ch01.check_threshold_unit(threshold_unit)",
        "def train_perceptron(x, y, eta=1.0, max_epochs=100):\n    while True:\n        pass",
        "ch01.check_train_perceptron(train_perceptron, time_limit=0.5)",
        "def perceptron_update(w, b, x, y, eta):\n    e = y - int(x @ w + b >= 0)\n    return w - eta * e * x, b - eta * e",
        "ch01.check_perceptron_update(perceptron_update)",
        "print('reached the end')",
    ]]
    path = tmp_path / "learner.ipynb"
    nbformat.write(notebook, path)
    executed = _execute(path)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    assert [status for _, status in _verdicts(executed)] == ["FAILED"] * 3
    text = "\n".join(o.get("data", {}).get("text/plain", "") for c in executed.cells for o in c.outputs if "data" in o)
    assert "NameError" in text and "undefined_name" in text          # the learner's line is shown
    assert "did not finish within 0.5 s" in text                      # the endless loop was stopped
    assert "wrong way" in text                                        # the reversed-sign hint
    assert executed.cells[-1].outputs[0]["text"] == "reached the end\n"
