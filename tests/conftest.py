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


# --- time per part of the suite, printed at the end of every run -------------------------------
_PART_SECONDS: dict = {}


def _suite_part(nodeid: str) -> str:
    if nodeid.startswith("tests/browser/"):
        return "browser tests"
    if ".ipynb" in nodeid.split("::")[0]:
        return "notebooks (nbval)"
    return "package tests"


def pytest_runtest_logreport(report):
    """Add up set-up, call and tear-down time per part (with xdist: on the controller, over all workers)."""
    part = _suite_part(report.nodeid)
    _PART_SECONDS[part] = _PART_SECONDS.get(part, 0.0) + getattr(report, "duration", 0.0)


def pytest_terminal_summary(terminalreporter):
    if not _PART_SECONDS:
        return
    terminalreporter.section("time per part (summed over workers)")
    for part, seconds in sorted(_PART_SECONDS.items()):
        terminalreporter.write_line(f"{part:20s} {seconds:7.1f} s")
