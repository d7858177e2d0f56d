"""Chapter 01 checks, typical mistakes fail with their hint (both-way tests on solutions and stubs: test_checks_both_ways.py)."""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, ch01

# --- typical wrong answers: each must fail and earn its hint -------------------------

def unit_strict(x, w, b):
    return (x @ w + b > 0).astype(int)


def unit_no_bias(x, w, b):
    return (x @ w >= 0).astype(int)


def unit_returns_h(x, w, b):
    return x @ w + b


def unit_returns_bool(x, w, b):
    return x @ w + b >= 0


def unit_column(x, w, b):
    return (x @ w + b >= 0).astype(int).reshape(-1, 1)


@pytest.mark.parametrize("wrong, hint, words", [
    (unit_strict, "strict_inequality", "h >= 0"),
    (unit_no_bias, "missing_bias", "bias"),
    (unit_returns_h, "no_threshold", "0 or 1"),
    (unit_returns_bool, None, "booleans"),
    (unit_column, None, "Expected shape (4,)"),
])
def test_threshold_unit_mistakes(wrong, hint, words):
    result = ch01.check_threshold_unit(wrong)
    assert result.status == FAILED
    assert words in repr(result)
    if hint:
        assert hint in result.hints


def gates_and_for_nand(gate):
    return {"NAND": (np.array([1.0, 1.0]), -1.5), "OR": (np.array([1.0, 1.0]), -0.5),
            "NOR": (np.array([-1.0, -1.0]), 0.5)}[gate]


def gates_line_through_point(gate):
    return {"NAND": (np.array([-1.0, -1.0]), 1.5), "OR": (np.array([1.0, 1.0]), -1.0),
            "NOR": (np.array([-1.0, -1.0]), 0.5)}[gate]


def gates_all_one_side(gate):
    return {"NAND": (np.array([-1.0, -1.0]), 1.5), "OR": (np.array([1.0, 1.0]), -0.5),
            "NOR": (np.array([-1.0, -1.0]), 5.0)}[gate]


def gates_wrong_type(gate):
    return [1.0, 1.0, -0.5]


@pytest.mark.parametrize("wrong, hint, words", [
    (gates_and_for_nand, "complement", "NAND"),
    (gates_line_through_point, "line_through_point", "OR"),
    (gates_all_one_side, "one_side", "NOR"),
    (gates_wrong_type, None, "Expected a tuple (w, b)"),
])
def test_gate_weight_mistakes(wrong, hint, words):
    result = ch01.check_gate_weights(wrong)
    assert result.status == FAILED and words in repr(result)
    if hint:
        assert hint in result.hints


def _y_hat(w, b, x):
    return 1 if x @ w + b >= 0 else 0


def update_reversed(w, b, x, y, eta):
    e = y - _y_hat(w, b, x)
    return w - eta * e * x, b - eta * e


def update_no_bias(w, b, x, y, eta):
    return w + eta * (y - _y_hat(w, b, x)) * x, b


def update_no_eta(w, b, x, y, eta):
    e = y - _y_hat(w, b, x)
    return w + e * x, b + e


def update_always(w, b, x, y, eta):
    return w + eta * (2 * y - 1) * x, b + eta * (2 * y - 1)


def update_with_h(w, b, x, y, eta):
    e = y - (x @ w + b)
    return w + eta * e * x, b + eta * e


def update_returns_list(w, b, x, y, eta):
    return [w, b]


@pytest.mark.parametrize("wrong, hint", [
    (update_reversed, "reversed_sign"),
    (update_no_bias, "bias_not_updated"),
    (update_no_eta, "eta_ignored"),
    (update_always, "update_when_correct"),
    (update_with_h, "used_h_not_prediction"),
    (update_returns_list, None),
])
def test_perceptron_update_mistakes(wrong, hint):
    result = ch01.check_perceptron_update(wrong)
    assert result.status == FAILED, result
    if hint:
        assert result.hints == [hint], result
    else:
        assert "Expected a tuple (w_new, b_new)" in repr(result)


def train_without_epoch_limit(x, y, eta=1.0, max_epochs=100):
    w, b = np.zeros(x.shape[1]), 0.0
    epochs = 0
    while True:
        epochs += 1
        mistakes = 0
        for x_i, y_i in zip(x, y):
            e = y_i - _y_hat(w, b, x_i)
            w, b, mistakes = w + eta * e * x_i, b + eta * e, mistakes + abs(e)
        if mistakes == 0:
            return w, b, epochs


def train_one_epoch_only(x, y, eta=1.0, max_epochs=100):
    w, b = np.zeros(x.shape[1]), 0.0
    for x_i, y_i in zip(x, y):
        e = y_i - _y_hat(w, b, x_i)
        w, b = w + eta * e * x_i, b + eta * e
    return w, b, 1


def train_crashes(x, y, eta=1.0, max_epochs=100):
    w = np.zeros(x.shape[0])  # wrong length: the learner's own bug
    return w, 0.0, int(x @ w)


def test_endless_training_is_stopped_with_a_hint():
    result = ch01.check_train_perceptron(train_without_epoch_limit, time_limit=0.5)
    assert result.status == FAILED and "no_epoch_limit" in result.hints
    assert "did not finish" in result.summary


def test_training_stopped_after_one_epoch():
    result = ch01.check_train_perceptron(train_one_epoch_only)
    assert result.status == FAILED and "stopped_early" in result.hints


def test_exception_in_training_is_feedback_with_the_line():
    result = ch01.check_train_perceptron(train_crashes)
    assert result.status == FAILED
    assert "ValueError" in repr(result) and "int(x @ w)" in repr(result)


@pytest.mark.parametrize("check, wrong", [
    (ch01.check_gate_weights, lambda gate: (np.array([1.0, 1.0]), None)),
    (ch01.check_gate_weights, lambda gate: (["a", "b"], 0.0)),
    (ch01.check_perceptron_update, lambda w, b, x, y, eta: (w, None)),
    (ch01.check_perceptron_update, lambda w, b, x, y, eta: ([[1.0], [1.0, 2.0]], b)),  # ragged
    (ch01.check_train_perceptron, lambda x, y, eta, max_epochs: (np.zeros(x.shape[1]), None, 1)),
    (ch01.check_train_perceptron, lambda x, y, eta, max_epochs: (np.zeros(x.shape[1]), 0.0, 1.5)),
])
def test_answers_that_are_not_numbers_are_feedback_not_a_crash(check, wrong):
    result = check(wrong)  # must not raise
    assert result.status == FAILED
    assert "Expected" in repr(result)

