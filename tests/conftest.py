"""pytest configuration shared by the package tests and the nbval notebook runs."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    """Exercise notebooks are run but their outputs are not compared.

    They are committed without outputs (they are what learners receive), so
    nbval's strict comparison does not apply; they must still run top to
    bottom without an error, every check reporting "not attempted"
    (tests/test_exercise_notebooks.py asserts that).
    """
    exercises = ROOT / "exercises"
    for item in items:
        path = Path(str(getattr(item, "fspath", "")))
        if path.suffix == ".ipynb" and exercises in path.parents and hasattr(item, "options"):
            item.options["check"] = False


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
