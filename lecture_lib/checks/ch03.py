"""Checks of the chapter 03 exercises (stable softmax, a two-layer forward pass, XOR from threshold units,
the shapes and the number of parameters of a network, the error term of a softmax output layer with
cross-entropy; XOR, shapes and parameters in ``ch03_structure``, re-exported).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.nn.activations``; the typical mistakes are the wrong
variants defined here.
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import sigmoid as _sigmoid
from ..nn.activations import softmax as _reference_softmax
from .ch03_structure import check_count_parameters, check_parameter_shapes, check_xnor_network, check_xor_network
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, checks_learner_code, describe_value,
                   hint_when_call_fails, run_cases, same_answer)

__all__ = ["check_softmax", "check_forward_two_layer", "check_xor_network", "check_xnor_network", "check_parameter_shapes",
           "check_count_parameters", "check_softmax_output_error_term"]


def _same(a, b, precision=None) -> bool:
    """NaN equals NaN here, so a wrong variant that overflows where the learner's answer does is recognised."""
    return same_answer(a, b, atol=1e-10, equal_nan=True, precision=precision)


def _quiet(function):
    """The wrong variants overflow on purpose: no RuntimeWarning in the learner's notebook."""
    def wrapper(**kwargs):
        with np.errstate(all="ignore"):
            return function(**kwargs)
    return wrapper


def _naive_softmax(h):
    e = np.exp(h)
    return e / np.sum(e, axis=1, keepdims=True)


def _kind_problem(value, shape):
    """What is wrong with the kind of answer (type, shape, dtype), or '' if it is a plausible probability table."""
    if value is None:
        return f"Your function returned None (did you forget `return`?); expected an ndarray of shape {shape}."
    if not isinstance(value, np.ndarray):
        return (f"Expected an ndarray of shape {shape} with one probability vector per row, got "
                f"{describe_value(value)}." + (" Return the array itself, not a list." if isinstance(value, list) else ""))
    if value.shape != shape:
        hint = " (one row per example, one column per class)" if value.size == np.prod(shape) else ""
        return f"Expected shape {shape}{hint}, got shape {value.shape}."
    if value.dtype.kind not in "fiu":
        return f"Expected real numbers (floats), got an array of dtype {value.dtype}."
    return ""


# --- Exercise 1: the stable softmax ------------------------------------------------------------

_OVERFLOW_HINT = ("exp(h) overflowed to inf (inf / inf = NaN). Subtract each row's maximum from h before exp: "
                  "the factor exp(-max) cancels in the fraction, and every exponent becomes <= 0.")

_SOFTMAX_MISTAKES = [
    Mistake("overflow", _OVERFLOW_HINT, _quiet(_naive_softmax)),
    Mistake("wrong_axis",
            "your columns sum to 1, not your rows. Each row of h is one example; normalise over the classes "
            "(axis=1, with keepdims=True so the division broadcasts row by row).",
            _quiet(lambda h: np.exp(h - np.max(h, axis=0)) / np.sum(np.exp(h - np.max(h, axis=0)), axis=0))),
    Mistake("sum_over_all",
            "the whole table sums to 1, each row does not. Sum exp(h) over each row (axis=1, keepdims=True), "
            "not over the whole array.",
            _quiet(lambda h: np.exp(h - np.max(h)) / np.sum(np.exp(h - np.max(h))))),
    Mistake("global_max",
            "you subtracted the largest value of the whole array; in a row whose values are all much smaller, "
            "every exp underflows to 0 and 0 / 0 = NaN. Subtract each row's own maximum "
            "(np.max(h, axis=1, keepdims=True)).",
            _quiet(lambda h: np.exp(h - np.max(h)) / np.sum(np.exp(h - np.max(h)), axis=1, keepdims=True))),
    Mistake("missing_keepdims",
            "the row sums were divided in the wrong direction: np.sum(e, axis=1) has shape (N,), which "
            "broadcasts along the rows, so column j was divided by the sum of row j. Keep the summed axis "
            "(keepdims=True, shape (N, 1)) so that each row is divided by its own sum.",
            _quiet(lambda h: np.exp(h - np.max(h, axis=1, keepdims=True))
                   / np.sum(np.exp(h - np.max(h, axis=1, keepdims=True)), axis=1))),
    Mistake("not_normalised",
            "you returned exp(h) (maybe shifted) without dividing by the row sum, so the rows do not sum to 1.",
            _quiet(lambda h: np.exp(h - np.max(h, axis=1, keepdims=True)))),
    Mistake("missing_exp",
            "you divided h by its row sum without taking exp first. Softmax is exp(h_k) / sum_j exp(h_j): the "
            "exponential makes every entry positive before normalising.",
            _quiet(lambda h: h / np.sum(h, axis=1, keepdims=True))),
    Mistake("missing_exp",
            "you divided the shifted h by its row sum without taking exp. Softmax is exp(h_k) / sum_j exp(h_j).",
            _quiet(lambda h: (h - np.max(h, axis=1, keepdims=True))
                   / np.sum(h - np.max(h, axis=1, keepdims=True), axis=1, keepdims=True))),
]

_SOFTMAX_CASES = [
    Case({"h": np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.0]])}, "3 examples, 3 classes"),
    Case({"h": np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])}, "small values"),
    Case({"h": np.array([[2.0, -1.0], [0.5, 0.5], [-3.0, 4.0], [1.0, 0.0]])}, "4 examples, 2 classes"),
    Case({"h": np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])}, "large values: exp(1000) overflows"),
    Case({"h": np.array([[0.0, 1.0, 2.0, 3.0], [-1000.0, -1001.0, -999.0, -1002.0], [3.0, 3.0, 3.0, 3.0]])},
         "rows on very different scales"),
    Case({"h": np.array([[710.0, -710.0], [-710.0, 710.0], [1e4, 1e4]])}, "extreme values"),
]


def _unnormalised_rows(answer, reference, mistakes):
    """Rows proportional to the right ones but wrongly scaled: divided by the grand total, or not at all.

    Recognised by this property rather than by one wrong variant, because the
    shift used before exp (none, row max, global max) changes the numbers.
    """
    sums = answer.sum(axis=1, keepdims=True)
    if not (np.all(sums > 0) and np.allclose(answer / sums, reference)):
        return []
    wanted = "sum_over_all" if np.isclose(answer.sum(), 1.0) else "not_normalised"
    return [m for m in mistakes if m.id == wanted]


def _check_probability_rows(run, cases, reference, mistakes, shape_of, call_hints=None):
    """:func:`~lecture_lib.checks.core.run_cases` for an answer that is a (N, C) table of probability rows
    (``shape_of(case)`` its shape); a wrong answer no typical mistake explains is still recognised when its rows
    are the right ones wrongly scaled (:func:`_unnormalised_rows`)."""
    def judge(case, value, expected):
        problem = _kind_problem(value, shape_of(case))
        if problem:
            return problem, None
        if not np.all(np.isfinite(value)):
            return "Your answer contains NaN or inf; softmax probabilities are finite numbers in [0, 1].", value
        if _same(value, expected):
            return None, None
        if np.any(value < -1e-12) or np.any(value > 1 + 1e-12):
            return "Some values lie outside [0, 1]; softmax outputs are probabilities.", value
        if not np.allclose(value.sum(axis=1), 1.0):
            return ("The rows do not each sum to 1; each row should be one probability vector over the C "
                    "classes."), value
        return "The rows are probability vectors, but not the softmax of the input.", value

    def scaled_rows(case, value):
        if _kind_problem(value, shape_of(case)) or not np.all(np.isfinite(value)):
            return []
        return [(m.id, m.hint) for m in _unnormalised_rows(value, reference(**case.kwargs), mistakes)]

    return run_cases(run, cases, reference, mistakes, judge, _same, extra_hints=scaled_rows, call_hints=call_hints)


@checks_learner_code
def check_softmax(softmax, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``softmax(h)`` -> probabilities of shape (N, C), each row summing to 1, for any size of h."""
    call_hints = hint_when_call_fails(
        "missing_keepdims", "np.sum(e, axis=1) has shape (N,) and cannot divide an "
        "(N, C) array row by row; keep the summed axis with keepdims=True (shape (N, 1)).",
        error_mentions="broadcast")

    run = CheckRun("ch03.softmax", softmax, time_limit)
    # a naive answer overflows on the cases, in its own process: feedback, not a warning
    return _check_probability_rows(run, _SOFTMAX_CASES, lambda h: _reference_softmax(h), _SOFTMAX_MISTAKES,
                                   lambda case: case.kwargs["h"].shape, call_hints=call_hints)


# --- Exercise 2: the forward pass of a two-layer network ------------------------------------------

def _reference_forward(x, W1, b1, W2, b2):
    return _reference_softmax(_sigmoid(x @ W1 + b1) @ W2 + b2)


_WRONG_ORDER_HINT = ("the matrix product is in the wrong order. In the batch-first form each row of x is one "
                     "example, so the input comes first: x @ W1 (then g @ W2), not W1 @ x.")
_MISSING_BIAS_HINT = ("a bias is missing: each layer adds its bias to the weighted sum (b1 in the hidden layer, "
                      "b2 in the output layer).")

_FORWARD_MISTAKES = [
    Mistake("transposed_weights",
            "you multiplied by the transposed weight matrices. With x of shape (N, D), W1 is (D, H): "
            "the weighted sums are h = x @ W1 + b1, shape (N, H), with no transpose.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1.T + b1) @ W2.T + b2))),
    Mistake("wrong_order",
            _WRONG_ORDER_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(W1 @ x + b1) @ W2 + b2))),
    Mistake("wrong_order",
            _WRONG_ORDER_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(W2 @ _sigmoid(x @ W1 + b1) + b2))),
    Mistake("missing_hidden_activation",
            "the hidden layer's activation is missing: the hidden units output g = sigmoid(h), not h itself. "
            "Without it the two layers collapse into one linear map.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax((x @ W1 + b1) @ W2 + b2))),
    Mistake("softmax_hidden",
            "you applied softmax in the hidden layer. The hidden units use the sigmoid; softmax belongs "
            "only to the output layer.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_reference_softmax(x @ W1 + b1) @ W2 + b2))),
    Mistake("missing_softmax",
            "the output layer's softmax is missing: you returned the weighted sums h of the output units. "
            "Turn them into class probabilities with softmax.",
            _quiet(lambda x, W1, b1, W2, b2: _sigmoid(x @ W1 + b1) @ W2 + b2)),
    Mistake("sigmoid_output",
            "the output layer uses the sigmoid; for C classes it needs softmax, so that each row sums to 1.",
            _quiet(lambda x, W1, b1, W2, b2: _sigmoid(_sigmoid(x @ W1 + b1) @ W2 + b2))),
    Mistake("biases_swapped",
            "the biases are swapped: b1 belongs to the hidden layer (h = x @ W1 + b1), b2 to the output "
            "layer.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1 + b2) @ W2 + b1))),
    Mistake("bias_after_activation",
            "a bias was added after the activation. The bias is part of the weighted sum: "
            "g = sigmoid(x @ W1 + b1), not sigmoid(x @ W1) + b1.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax((_sigmoid(x @ W1) + b1) @ W2 + b2))),
    Mistake("missing_bias",
            _MISSING_BIAS_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1) @ W2 + b2))),
    Mistake("missing_bias",
            _MISSING_BIAS_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1 + b1) @ W2))),
    Mistake("overflow", "your softmax overflowed on large output sums. " + _OVERFLOW_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _naive_softmax(_sigmoid(x @ W1 + b1) @ W2 + b2))),
]


def _forward_case(seed, n, d, h, c, scale=1.0, note=""):
    rng = np.random.default_rng(seed)
    return Case({"x": rng.normal(size=(n, d)), "W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
                 "W2": scale * rng.normal(size=(h, c)), "b2": rng.normal(size=c)}, note)


_FORWARD_CASES = [
    # all sizes equal first, so that transposed or reordered products run and can be recognised
    _forward_case(3, 3, 3, 3, 3, note="N = D = H = C = 3"),
    _forward_case(4, 5, 2, 4, 3, note="N=5 examples, D=2 inputs, H=4 hidden units, C=3 classes"),
    _forward_case(5, 4, 3, 2, 2, note="N=4, D=3, H=2, C=2"),
    _forward_case(6, 3, 2, 3, 4, scale=2000.0, note="large output weights: the output sums reach ~1000"),
]


@checks_learner_code
def check_forward_two_layer(forward_two_layer, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``forward_two_layer(x, W1, b1, W2, b2)`` -> yhat (N, C): sigmoid hidden layer, softmax output."""
    call_hints = hint_when_call_fails(
        "shape_mismatch", "follow the shapes: x (N, D) @ W1 (D, H) gives (N, H); "
        "g (N, H) @ W2 (H, C) gives (N, C). Biases b1 (H,) and b2 (C,) add to every row.",
        error_mentions=("mismatch", "shapes"))

    run = CheckRun("ch03.forward_two_layer", forward_two_layer, time_limit)
    return _check_probability_rows(run, _FORWARD_CASES, _reference_forward, _FORWARD_MISTAKES,
                                   lambda case: (case.kwargs["x"].shape[0], case.kwargs["W2"].shape[1]),
                                   call_hints=call_hints)


# --- Exercise 6: the error term of a softmax output layer with cross-entropy ------------------------

def _reference_softmax_eps(h, y):
    """eps_k = dE/dh_k of E = -sum_k y_k log softmax(h)_k, one row per example: softmax(h) - y (targets summing to 1)."""
    return _reference_softmax(h) - y


_SOFTMAX_EPS_MISTAKES = [
    Mistake("wrong_sign",
            "every entry has the opposite sign. E = -sum_k y_k log yhat_k falls when yhat of the true class rises, "
            "so dE/dh of the true class is negative.",
            _quiet(lambda h, y: y - _reference_softmax(h))),
    Mistake("squared_error_habit",
            "your answer has the factor yhat (1 - yhat) of the sigmoid with squared error. With softmax and "
            "cross-entropy, differentiate -log yhat_t (t the true class) with respect to every h_k: the factors cancel.",
            _quiet(lambda h, y: (_reference_softmax(h) - y) * _reference_softmax(h) * (1 - _reference_softmax(h)))),
    Mistake("only_true_class",
            "only the true class's entry is non-zero. Every h_k enters the softmax's denominator, so -log yhat_t "
            "depends on every h_k: the other classes get an error term too.",
            _quiet(lambda h, y: -y * (1 - _reference_softmax(h)))),
    Mistake("stopped_at_dE_dyhat",
            "this is dE/dyhat_k = -y_k / yhat_k. The error term is dE/dh_k: one more chain-rule step through the "
            "softmax, whose every output depends on every h_k.",
            _quiet(lambda h, y: -y / _reference_softmax(h))),
    Mistake("mean_over_batch",
            "your rows are divided by N. The exercise asks for each example's own error term (E of one example); "
            "the 1/N of a batch mean belongs to the gradient of the mean loss, not here.",
            _quiet(lambda h, y: (_reference_softmax(h) - y) / len(h))),
    Mistake("overflow", "exp(h) overflowed on large weighted sums. " + _OVERFLOW_HINT,
            _quiet(lambda h, y: _naive_softmax(h) - y)),
]

_SOFTMAX_EPS_CASES = [
    Case({"h": np.array([[0.3, -1.2]]), "y": np.array([[0.0, 1.0]])},
         "one example, two classes: compare with chapter 02's sigmoid unit, yhat_2 = sigma(h_2 - h_1)"),
    Case({"h": np.array([[2.0, 1.0, 0.1]]), "y": np.array([[1.0, 0.0, 0.0]])}, "one example, three classes"),
    Case({"h": np.array([[0.5, -0.3, 1.1, 0.0], [1.0, 1.0, 1.0, 1.0], [-2.0, 0.4, 0.3, 2.5]]),
          "y": np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])},
         "a batch of 3 examples, one row each"),
    Case({"h": np.array([[1000.0, 1001.0, 999.0], [-5.0, 0.0, 5.0]]), "y": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])},
         "large weighted sums: exp(1000) overflows"),
]


@checks_learner_code
def check_softmax_output_error_term(softmax_output_error_term, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``softmax_output_error_term(h, y)`` -> eps = dE/dh of a softmax output layer with cross-entropy, (N, C)."""
    def judge(case, value, expected):
        problem = _kind_problem(value, expected.shape).replace("probability vector", "row of error terms")
        if problem:
            return problem, None
        if _same(value, expected):
            return None, None
        if not np.all(np.isfinite(value)):
            return "Your answer contains NaN or inf; the error terms are finite numbers.", value
        return "The error terms are not dE/dh_k of a softmax output layer with cross-entropy.", value

    run = CheckRun("ch03.softmax_output_error_term", softmax_output_error_term, time_limit)
    # a naive softmax overflows on the cases, in its own process
    return run_cases(run, _SOFTMAX_EPS_CASES, _reference_softmax_eps, _SOFTMAX_EPS_MISTAKES, judge, _same)
