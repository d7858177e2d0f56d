"""Run the learner-facing notebooks as a learner would and read the verdicts they show."""
import re

import nbformat
import pytest
from nbclient import NotebookClient


def _execute(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


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
