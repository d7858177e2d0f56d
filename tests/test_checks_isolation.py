"""How the learner's calls run: a forked child by default, inline for proxies; any callable works.

The bank of learner answers (``test_checks_bank.py``) proves the classes of
answers on every exercise in the default mode; these tests prove the
machinery itself: both modes, a proxy callable, what comes back, the time it
costs, the exact-proof limit of the SymPy check, and the ranking of hints.
"""
import importlib
import os
import sys
import time

import numpy as np
import pytest
import sympy as sp

from lecture_lib.checks import FAILED, PASSED, ch01, ch02, ch04, ch04_symbolic
from lecture_lib.checks.core import Case, CheckRun, Mistake, same_answer
from lecture_lib.checks.isolation import Opaque, current_isolation, isolation, plain, run_calls, set_isolation
from notebook_code import check_calls, load_functions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _solution_checks():
    for name in sorted(os.listdir(os.path.join(ROOT, "solutions"))):
        path = os.path.join(ROOT, "solutions", name)
        namespace = load_functions(path)
        for module, check, function in check_calls(path):
            yield getattr(importlib.import_module(f"lecture_lib.checks.{module}"), check), namespace[function]


SOLUTION_CHECKS = list(_solution_checks())
IDS = [check.__name__ for check, _ in SOLUTION_CHECKS]


def test_fork_is_the_default_on_linux():
    assert current_isolation() == ("fork" if os.uname().sysname == "Linux" else "inline")


class Proxy:
    """Stands for lecture-grade's proxy: a callable object (no source, no globals) returning plain data."""

    def __init__(self, function):
        self.function = function

    def __call__(self, **kwargs):
        return plain(self.function(**{name: value.copy() if isinstance(value, np.ndarray) else value
                                      for name, value in kwargs.items()}))


@pytest.mark.parametrize("mode", ["fork", "inline"])
@pytest.mark.parametrize("check, right", SOLUTION_CHECKS, ids=IDS)
def test_every_check_passes_a_proxy_of_the_solution_in_both_modes(check, right, mode):
    with isolation(mode):
        assert check(Proxy(right)).status == PASSED
        assert check(right).status == PASSED
        assert check(lambda **kwargs: None).status == FAILED


def test_inline_mode_stops_an_ordinary_endless_loop_and_restores_the_process():
    def endless_after_changing_state(x):
        np.seterr(all="raise")
        while True:
            pass

    before = np.geterr()
    with isolation("inline"):
        outcome = run_calls(endless_after_changing_state, [{"x": 1}], 0.2)[0]
    assert outcome.timed_out and np.geterr() == before


def test_inline_mode_catches_changed_arguments_and_exits():
    data = np.zeros(3)

    def mutating(x):
        x += 1
        raise SystemExit(2)

    with isolation("inline"):
        outcome = run_calls(mutating, [{"x": data}], 1.0)[0]
    assert "sys.exit(2)" in outcome.error and outcome.mutated == ["x"]
    assert np.all(data == 0)


def _changes_inside(params, masks, sizes, nan_list):
    params[1]["W"][0, 0] += 1.0   # an array inside a dict inside a list
    masks[0] *= 0                 # an array inside a list
    return None


def _reorders(params, masks, sizes, nan_list):
    masks.reverse()               # the arrays themselves unchanged, the caller's list reordered
    sizes.append(4)
    return None


def _leaves_alone(params, masks, sizes, nan_list):
    return [m.copy() * 0 for m in masks]   # new arrays; NaN in an untouched list is no change


@pytest.mark.parametrize("mode", ["fork", "inline"])
@pytest.mark.parametrize("function, changed", [(_changes_inside, ["params", "masks"]), (_reorders, ["masks", "sizes"]),
                                               (_leaves_alone, [])])
def test_changes_inside_lists_and_dicts_of_arrays_are_caught(mode, function, changed):
    kwargs = {"params": [{"W": np.ones((2, 2)), "b": np.zeros(2)}, {"W": np.ones((2, 1)), "b": np.zeros(1)}],
              "masks": [np.ones((2, 2)), np.full((2, 1), 2.0)], "sizes": [2, 2, 1], "nan_list": [1.0, float("nan")]}
    with isolation(mode):
        outcome = run_calls(function, [kwargs], 2.0)[0]
    assert outcome.ok and outcome.mutated == changed
    assert kwargs["masks"][0][0, 0] == 1.0 and kwargs["sizes"] == [2, 2, 1]   # the caller's own data stayed


def test_a_check_taking_lists_of_arrays_fails_an_answer_that_changes_one_in_place():
    from lecture_lib.checks import ch13

    def rewind_in_place(initial_weights, trained_weights, masks):
        for W0, M in zip(initial_weights, masks):
            W0 *= M                # the caller's initial weights, zeroed where pruned
        return initial_weights

    result = ch13.check_rewind(rewind_in_place)
    assert result.status == FAILED and "modified_input" in result.hints and "initial_weights" in result.summary


def test_set_isolation_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="'fork' or 'inline'"):
        set_isolation("thread")


def test_answers_come_back_as_plain_data():
    class Weird(float):
        def __eq__(self, other):
            return True

    assert isinstance(plain(Weird(1.0)), Opaque)
    assert isinstance(plain(np.array([object()])), Opaque)
    assert plain((np.float32(1.5), [1, "a"], {"k": None})) == (np.float32(1.5), [1, "a"], {"k": None})
    assert plain(np.arange(3)).tolist() == [0, 1, 2]


def test_what_the_learner_prints_is_shown(capsys):
    def chatty(h):
        print("h is", h.shape)
        z = np.exp(-np.abs(h))
        return np.where(h >= 0, 1 / (1 + z), z / (1 + z))

    assert ch02.check_sigmoid(chatty).status == PASSED
    assert "h is (5,)" in capsys.readouterr().out


def test_a_check_of_correct_code_costs_milliseconds():
    """The measured overhead of the child process: one fork per check, not per case."""
    check, right = SOLUTION_CHECKS[0]
    check(right)
    started = time.perf_counter()
    for _ in range(10):
        check(right)
    per_check = (time.perf_counter() - started) / 10
    assert per_check < 0.5, per_check  # measured 10-30 ms alone, more on a loaded machine
    started = time.perf_counter()
    for _ in range(10):
        run_calls(lambda: 1, [{}], 1.0)
    assert (time.perf_counter() - started) / 10 < 0.25


def test_the_exact_proof_has_its_own_time_limit(monkeypatch):
    def endless_cancel(expression):  # stands for a SymPy computation that runs for minutes
        while True:
            pass

    h = sp.Symbol("h", real=True)
    monkeypatch.setattr(ch04_symbolic, "PROOF_TIME_LIMIT", 0.2)
    monkeypatch.setattr(sp, "cancel", endless_cancel)
    started = time.perf_counter()
    assert ch04_symbolic._proved_equal(sp.exp(h), sp.exp(h), h) is False
    assert time.perf_counter() - started < 1.5


def test_a_correct_answer_the_proof_cannot_finish_still_passes(monkeypatch):
    monkeypatch.setattr(ch04_symbolic, "PROOF_TIME_LIMIT", 1e-6)
    # sigma(h) - y (the cross-entropy output's error term) in another form
    result = ch04.check_output_unit_derivative(lambda h, y: (1 - y) - 1 / (1 + sp.exp(h)))
    assert result.status == PASSED and "did not finish" in repr(result)


def test_a_symbolic_answer_that_hangs_sympy_is_stopped():
    def slow(h, y):
        return sp.expand((1 / (1 + sp.exp(-h)) - y + h) ** 400)

    started = time.perf_counter()
    result = ch04.check_output_unit_derivative(slow, time_limit=1.0)
    assert time.perf_counter() - started < 4
    assert result.status == FAILED and "expression_too_slow" in result.hints, result


def test_hints_are_ranked_over_all_cases():
    """Two wrong rules that agree on the failing case: the one that also explains the other cases wins."""
    cases = [Case({"x": 0.0}), Case({"x": 2.0}), Case({"x": 3.0})]
    learner = lambda x: x * x + 1          # noqa: E731
    explains_all = Mistake("square_plus_one", "squared", lambda x: x * x + 1)
    explains_one = Mistake("plus_one", "plus one", lambda x: x + 1)
    run = CheckRun("test.ranking", learner, n_cases=3)
    run.prefetch(cases)
    found = run.mistakes_for([explains_one, explains_all], cases[0], 1.0, 0.0, same_answer)
    assert [m.id for m in found] == ["square_plus_one"]


@pytest.mark.parametrize("wrong, hint, misleading", [
    (lambda w, b, x, y, eta: (w + eta * (y - int(x @ w + b > 0)) * x, b + eta * (y - int(x @ w + b > 0))),
     "strict_inequality", "used_h_not_prediction"),
])
def test_perceptron_update_with_strict_comparison_is_not_told_it_used_h(wrong, hint, misleading):
    result = ch01.check_perceptron_update(wrong)
    assert result.hints == [hint] and misleading not in repr(result), result
    assert "h >= 0" in repr(result)


def test_threshold_unit_subtracting_b_is_not_told_b_is_missing():
    result = ch01.check_threshold_unit(lambda x, w, b: (x @ w - b >= 0).astype(int))
    assert result.hints == ["bias_subtracted"] and "does not change when b changes" not in repr(result), result


def test_softmax_without_exp_does_not_get_the_overflow_hint():
    from lecture_lib.checks import ch03

    result = ch03.check_softmax(lambda h: h / h.sum(axis=1, keepdims=True))
    assert result.hints == ["missing_exp"] and "overflow" not in repr(result).lower(), result


def test_silenced_overflow_is_named():
    def silenced(h):
        with np.errstate(over="ignore", invalid="ignore"):
            return 1 / (1 + np.exp(-h))
    result = ch02.check_sigmoid(silenced)
    assert result.status == FAILED and result.hints == ["naive_exp_overflow", "silenced_overflow"], result
    assert "np.errstate(" in repr(result) and "only hides" in repr(result)


def test_float32_answer_is_not_told_dW1_is_wrong():
    def backprop32(x, y, W1, W2):
        x, y, W1, W2 = (a.astype(np.float32) for a in (x, y, W1, W2))
        g = 1 / (1 + np.exp(-(x @ W1)))
        y_hat = 1 / (1 + np.exp(-(g @ W2)))
        eps_k = (y_hat - y) * y_hat * (1 - y_hat)
        return np.outer(x, (W2 @ eps_k) * g * (1 - g)), np.outer(g, eps_k)
    result = ch04.check_backprop_one_example(backprop32)
    assert result.status == PASSED and "dW1" not in repr(result), result


@np.errstate(over="ignore", invalid="ignore")
def sigmoid_silenced_by_decorator(h):
    return 1 / (1 + np.exp(-h))


def sigmoid_silenced_by_seterr_alias(h):
    from numpy import seterr as quiet
    quiet(all="ignore")
    return 1 / (1 + np.exp(-h))


@pytest.mark.parametrize("silenced", [sigmoid_silenced_by_decorator, sigmoid_silenced_by_seterr_alias])
def test_every_way_of_silencing_numpy_is_disarmed(silenced):
    before = np.geterr()
    result = ch02.check_sigmoid(silenced)
    assert result.status == FAILED and result.hints == ["naive_exp_overflow", "silenced_overflow"], result
    assert np.geterr() == before
    with isolation("inline"):
        assert ch02.check_sigmoid(silenced).status == FAILED
    assert np.geterr() == before


# --- the bank's answers in inline mode (how lecture-grade's proxies will run): the same verdicts -------

import test_checks_bank as bank  # noqa: E402


@pytest.mark.parametrize("exercise", bank.EXERCISES, ids=bank.IDS)
def test_inline_mode_gives_the_banks_verdicts(exercise):
    with isolation("inline"):
        for answer in bank.RIGHT[exercise.function]:
            assert bank.public(exercise, answer).status == PASSED, answer
        for answer, hint in bank.WRONG[exercise.function]:
            result = bank.public(exercise, answer)
            assert result.status == FAILED and (hint is None or hint in result.hints), result
        for form in bank.BROKEN_FORMS.values():
            result = bank.public(exercise, bank.delivered(exercise, *form[:3]))
            assert result.status == FAILED and "could not judge" not in result.summary, result
        result = bank.public(exercise, lambda **kwargs: bank.Unprintable())
        assert result.status == FAILED and "Unprintable" in repr(result), result
        result = bank.public(exercise, lambda **kwargs: sys.exit(1))
        assert result.status == FAILED and "sys.exit(1)" in repr(result), result


def test_only_the_arguments_an_exercise_may_change_are_exempt():
    def changes(name):
        def function(a, b):
            {"a": a, "b": b}[name][0] = 5.0
            return 0.0
        return function

    case = Case({"a": np.ones(2), "b": np.ones(2)})
    assert CheckRun("test.exempt", changes("a"), may_change=("a",)).call(case) is not None
    run = CheckRun("test.exempt", changes("b"), may_change=("a",))
    assert run.call(case) is None and run.finish().hints == ["modified_input"]
    assert "b in place" in run.finish().summary
