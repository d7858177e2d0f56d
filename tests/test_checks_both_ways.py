"""Every exercise check, found in the solutions notebooks, is tested both ways.

It must pass on the function in ``solutions/`` and say "not attempted" on the
untouched stub in ``exercises/``. New chapters are covered automatically; their
typical-mistake tests live in ``test_checks_chNN.py``, and the bank of learner
answers of every class (right ones written differently and in float32, wrong
ones, broken, hanging and process-poisoning ones, public check and hidden
tests agreeing) in ``test_checks_bank.py``.
"""
import importlib
from functools import lru_cache
from pathlib import Path

import pytest

from lecture_lib.checks import NOT_ATTEMPTED, PASSED
from notebook_code import check_calls, load_functions

ROOT = Path(__file__).resolve().parent.parent
CASES = [(path.name, *call) for path in sorted((ROOT / "solutions").glob("*.ipynb")) for call in check_calls(path)]


@lru_cache(maxsize=None)
def _namespace(folder, notebook):
    return load_functions(ROOT / folder / notebook)


def _run(folder, notebook, module, check, function):
    check_function = getattr(importlib.import_module(f"lecture_lib.checks.{module}"), check)
    return check_function(_namespace(folder, notebook)[function])


def test_every_solutions_notebook_has_checks():
    notebooks = {path.name for path in (ROOT / "solutions").glob("*.ipynb")}
    assert notebooks and notebooks == {case[0] for case in CASES}


@pytest.mark.parametrize("notebook, module, check, function", CASES)
def test_solution_passes(notebook, module, check, function):
    result = _run("solutions", notebook, module, check, function)
    assert result.status == PASSED, result
    assert result.cases_passed == result.cases_total > 0


@pytest.mark.parametrize("notebook, module, check, function", CASES)
def test_untouched_stub_is_not_attempted(notebook, module, check, function):
    result = _run("exercises", notebook, module, check, function)
    assert result.status == NOT_ATTEMPTED, result
