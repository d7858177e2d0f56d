"""Checks of the chapter 04 exercises (error terms, backpropagation, central differences, SymPy).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.topics.backprop`` and ``lecture_lib.nn.gradcheck``; the typical
mistakes are the wrong variants defined here. The SymPy check
(``ch04_symbolic``) rebuilds the learner's expression from SymPy's own
classes, compares it with the reference at sample points and tries an exact
proof, all within a time limit.
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import sigmoid
from ..topics.backprop import backprop_one_example as _reference_backprop
from ..topics.backprop import hidden_error_term as _reference_hidden
from ..topics.backprop import output_error_term as _reference_output
from ..nn.gradcheck import numerical_gradient
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, array_kind_problem, check_array_cases,
                   checks_learner_code, run_cases, same_answer)

from .ch04_symbolic import check_output_unit_derivative

__all__ = ["check_output_error_term", "check_hidden_error_term", "check_backprop_one_example",
           "check_central_difference_gradient", "check_output_unit_derivative"]


def _sigma_prime(g):
    return g * (1 - g)


def _sigma_prime_of_output_again(g):
    """sigma'(h) = sigma(h)(1 - sigma(h)) applied to g, as if g were h."""
    s = sigmoid(g)
    return s * (1 - s)


def _rng_cases(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, shape) for shape in shapes]


# --- Exercise 1: output-layer error term ----------------------------------------------------

_OUTPUT_MISTAKES = [
    Mistake("missing_sigma_prime",
            "you returned dE/dyhat = yhat - y only. eps_k is dE/dh_k: by the chain rule it also has the factor "
            "dyhat_k/dh_k, the derivative of the sigmoid.",
            lambda y_hat, y: y_hat - y),
    Mistake("wrong_sign",
            "every entry has the opposite sign. E = 1/2 (yhat - y)^2 gives dE/dyhat = yhat - y, not y - yhat; "
            "with the wrong sign gradient descent walks uphill.",
            lambda y_hat, y: (y - y_hat) * _sigma_prime(y_hat)),
    Mistake("sigmoid_applied_again",
            "y_hat is already the unit's output g = sigma(h). Write the derivative with it, "
            "sigma'(h) = yhat (1 - yhat); do not put y_hat through the sigmoid again.",
            lambda y_hat, y: (y_hat - y) * _sigma_prime_of_output_again(y_hat)),
    Mistake("missing_one_minus",
            "a factor of the sigmoid's derivative is missing: sigma'(h) has two factors, yhat and (1 - yhat).",
            lambda y_hat, y: (y_hat - y) * y_hat),
    Mistake("factor_two",
            "your answer is twice too large. The 1/2 in E = 1/2 sum (yhat - y)^2 cancels the 2 of the square's "
            "derivative.",
            lambda y_hat, y: 2 * (y_hat - y) * _sigma_prime(y_hat)),
]

_OUTPUT_CASES = [
    Case({"y_hat": np.array([0.2, 0.7, 0.9]), "y": np.array([0.0, 1.0, 1.0])}, "one example, three outputs"),
    Case({"y_hat": np.array([0.6, 0.3]), "y": np.array([0.0, 1.0])}, "one example, two outputs"),
    Case({"y_hat": np.array([[0.1, 0.8], [0.55, 0.45], [0.9, 0.35]]),
          "y": np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])}, "a batch: one row per example"),
    Case({"y_hat": np.array([0.999, 0.001, 0.5]), "y": np.array([0.0, 1.0, 0.5])},
         "saturated outputs and a perfect one"),
]


@checks_learner_code
def check_output_error_term(output_error_term, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``output_error_term(y_hat, y)`` → eps_k = (yhat_k - y_k) yhat_k (1 - yhat_k), shape of y_hat."""
    run = CheckRun("ch04.output_error_term", output_error_term, time_limit)
    return check_array_cases(run, _OUTPUT_CASES, _reference_output, _OUTPUT_MISTAKES, "eps (one value per output unit)",
                             "The error terms are not dE/dh_k of a sigmoid output unit with squared error.")


# --- Exercise 2: hidden-layer error term --------------------------------------------------------

def _hidden_wrong_axis(eps_next, W_next, g):
    if np.ndim(eps_next) != 1:
        raise ValueError("only defined for one example")
    return np.sum(eps_next * W_next, axis=0) * _sigma_prime(g)


_HIDDEN_MISTAKES = [
    Mistake("missing_sigma_prime",
            "you returned sum_k eps_k w_jk only, which is dE/dg_j. eps_j is dE/dh_j: multiply by the sigmoid's "
            "derivative at this unit, written with its output g.",
            lambda eps_next, W_next, g: eps_next @ W_next.T),
    Mistake("transposed_weights",
            "you used the transposed weight matrix. Row j of W_next holds the weights w_jk leaving unit j; "
            "eps_j needs sum_k eps_k w_jk, a sum along that row.",
            lambda eps_next, W_next, g: (eps_next @ W_next) * _sigma_prime(g)),
    Mistake("wrong_sum_axis",
            "the sum runs over the wrong index. eps_j = (sum_k eps_k w_jk) g_j (1 - g_j): for each hidden unit j "
            "sum over the units k of the next layer (the columns of W_next).",
            _hidden_wrong_axis),
    Mistake("summed_over_examples",
            "you summed over the examples of the batch. Each example (row) has its own error terms; the result "
            "has one row per example.",
            lambda eps_next, W_next, g: np.sum((eps_next @ W_next.T) * _sigma_prime(g), axis=0)),
    Mistake("sigmoid_applied_again",
            "g is already the unit's output sigma(h). Write the derivative with it, sigma'(h) = g (1 - g); do not "
            "put g through the sigmoid again.",
            lambda eps_next, W_next, g: (eps_next @ W_next.T) * _sigma_prime_of_output_again(g)),
    Mistake("weights_missing",
            "the weights w_jk are missing: each eps_k reaches unit j through the weight w_jk, so the sum is "
            "sum_k eps_k w_jk.",
            lambda eps_next, W_next, g: np.sum(eps_next, axis=-1, keepdims=True) * _sigma_prime(g)),
]


def _hidden_case(seed, n_hidden, n_next, n_examples=None, note=""):
    batch = () if n_examples is None else (n_examples,)
    eps, W = _rng_cases(seed, batch + (n_next,), (n_hidden, n_next))
    g = np.random.default_rng(seed + 100).uniform(0.05, 0.95, batch + (n_hidden,))
    return Case({"eps_next": 0.2 * eps, "W_next": W, "g": g}, note)


_HIDDEN_CASES = [
    _hidden_case(1, 2, 2, note="one example, 2 hidden units, 2 next units"),
    _hidden_case(2, 3, 2, note="one example, 3 hidden units, 2 next units"),
    _hidden_case(3, 2, 3, note="one example, 2 hidden units, 3 next units"),
    _hidden_case(4, 3, 2, n_examples=4, note="a batch of 4 examples (rows)"),
]


@checks_learner_code
def check_hidden_error_term(hidden_error_term, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``hidden_error_term(eps_next, W_next, g)`` → eps_j = (sum_k eps_k w_jk) g_j (1 - g_j), shape of g."""
    run = CheckRun("ch04.hidden_error_term", hidden_error_term, time_limit)
    return check_array_cases(run, _HIDDEN_CASES, _reference_hidden, _HIDDEN_MISTAKES, "eps (shape of g)",
                             "The error terms are not dE/dh_j of the hidden units.")


# --- Exercise 3: backpropagation for one example ---------------------------------------------

def _backprop_variant(output_factor="g", hidden_factor="g", sign=1.0, weights="W2.T", gradient="outer(g, eps)"):
    """A wrong backprop for one example, built from named mistakes (defaults: the right one)."""
    def variant(x, y, W1, W2):
        h_j = x @ W1
        g = sigmoid(h_j)
        h_k = g @ W2
        y_hat = sigmoid(h_k)
        factor = {"g": _sigma_prime(y_hat), "h": h_k * (1 - h_k), "none": 1.0}[output_factor]
        eps_k = sign * (y_hat - y) * factor
        back = {"W2.T": lambda: W2 @ eps_k, "W2": lambda: eps_k @ W2,
                "axis": lambda: np.sum(eps_k * W2, axis=0)}[weights]()
        factor = {"g": _sigma_prime(g), "h": h_j * (1 - h_j), "none": 1.0}[hidden_factor]
        eps_j = back * factor
        if gradient == "outer(g, eps)":
            return np.outer(x, eps_j), np.outer(g, eps_k)
        return np.outer(eps_j, x), np.outer(eps_k, g)
    return variant


_BACKPROP_MISTAKES = [
    Mistake("missing_sigma_prime",
            "a sigmoid derivative is missing. Both error terms are dE/dh, so each has the factor g (1 - g) of its "
            "own unit: yhat_k (1 - yhat_k) at the output, g_j (1 - g_j) in the hidden layer.",
            _backprop_variant(output_factor="none")),
    Mistake("missing_sigma_prime",
            "the hidden error term lacks the sigmoid's derivative g_j (1 - g_j): sum_k eps_k w_jk is dE/dg_j, "
            "not dE/dh_j.",
            _backprop_variant(hidden_factor="none")),
    Mistake("missing_sigma_prime",
            "no sigmoid derivative at all: each error term needs the factor g (1 - g) of its own unit.",
            _backprop_variant(output_factor="none", hidden_factor="none")),
    Mistake("wrong_sign",
            "all gradients have the opposite sign: the output error is (yhat - y), not (y - yhat).",
            _backprop_variant(sign=-1.0)),
    Mistake("derivative_of_h",
            "the sigmoid's derivative must be written with the unit's OUTPUT, g (1 - g) with g = sigma(h), "
            "not with the weighted sum h (h (1 - h) is not a derivative of anything here).",
            _backprop_variant(output_factor="h", hidden_factor="h")),
    Mistake("derivative_of_h",
            "in the hidden layer you used h_j (1 - h_j); the derivative is g_j (1 - g_j) with the output g_j = sigma(h_j).",
            _backprop_variant(hidden_factor="h")),
    Mistake("derivative_of_h",
            "at the output you used h_k (1 - h_k); the derivative is yhat_k (1 - yhat_k) with the output yhat_k.",
            _backprop_variant(output_factor="h")),
    Mistake("transposed_weights",
            "the error goes back through the transposed weight matrix. eps_j sums eps_k w_jk over k, along "
            "row j of W2 (shape (H, K)).",
            _backprop_variant(weights="W2")),
    Mistake("wrong_sum_axis",
            "the sum in the hidden error term runs over the wrong index: for hidden unit j sum eps_k w_jk over the "
            "output units k.",
            _backprop_variant(weights="axis")),
    Mistake("transposed_gradient",
            "your gradients are transposed: dE/dw_ij = eps_j g_i belongs at row i, column j, like w_ij in W1 "
            "(shape (D, H)); np.outer(a, b)[i, j] = a_i b_j.",
            _backprop_variant(gradient="outer(eps, g)")),
]


def _backprop_case(seed, d, h, k, note):
    x, W1, W2 = _rng_cases(seed, (d,), (d, h), (h, k))
    y = np.random.default_rng(seed + 50).random(k).round(1)
    return Case({"x": x, "y": y, "W1": W1, "W2": W2}, note)


_BACKPROP_CASES = [
    _backprop_case(11, 2, 2, 2, "a 2-2-2 network"),
    _backprop_case(12, 3, 2, 2, "a 3-2-2 network"),
    _backprop_case(13, 3, 4, 2, "a 3-4-2 network"),
    _backprop_case(14, 2, 3, 1, "a 2-3-1 network, one output"),
]


_FLOAT32_EPS = float(np.finfo(np.float32).eps)


def _backprop_answer(value):
    """A returned (dW1, dW2) as two float arrays; raises for another kind."""
    dW1, dW2 = value
    return np.asarray(dW1, dtype=float), np.asarray(dW2, dtype=float)


@checks_learner_code
def check_backprop_one_example(backprop_one_example, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``backprop_one_example(x, y, W1, W2)`` → ``(dW1, dW2)`` for one example, no biases."""
    run = CheckRun("ch04.backprop_one_example", backprop_one_example, time_limit, n_cases=len(_BACKPROP_CASES))

    def judge(case, value, expected):
        if not (isinstance(value, tuple) and len(value) == 2):
            return "Expected a tuple (dW1, dW2).", None
        shapes = (case.kwargs["W1"].shape, case.kwargs["W2"].shape)
        problems = [array_kind_problem(v, s, name) for v, s, name in zip(value, shapes, ("dW1", "dW2"))]
        problems = [p for p in problems if p]
        hint_ids = []
        if problems and all(np.shape(v) == s[::-1] for v, s in zip(value, shapes)):
            problems.append("Hint: both gradients have the transposed shape. dW1[i, j] = dE/dw_ij belongs where "
                            "w_ij sits in W1 (shape (D, H)); np.outer(a, b)[i, j] = a_i b_j.")
            hint_ids.append("transposed_gradient")
        if problems:
            return "\n".join(problems), None, hint_ids
        answer = _backprop_answer(value)
        if _same_to_float32(answer, expected):
            return None, None
        right = [name for name, a, b in zip(("dW1", "dW2"), answer, expected) if _same_to_float32(a, b)]
        problem = "The gradients are not dE/dW1 and dE/dW2 of E = 1/2 sum_k (yhat_k - y_k)^2."
        if right == ["dW2"]:
            problem += " dW2 is right, dW1 is not: look at the hidden layer's error term."
        return problem, answer

    return run_cases(run, _BACKPROP_CASES, _reference_backprop, _BACKPROP_MISTAKES, judge, _same_to_float32,
                     answer=_backprop_answer, first_hint_only=True)


def _same_to_float32(a, b):
    """At float32's tolerance at least, whatever the dtype: inputs rounded to float32 and the answer cast back to
    float64 are right to float32's rounding (float32 is the floor of every check), and the hidden tests
    (rtol 1e-5) accept them too; every typical mistake is off by far more."""
    return same_answer(a, b, precision=_FLOAT32_EPS)


# --- Exercise 4: central differences ------------------------------------------------------------

class _Function:
    """A test function with a readable repr (feedback shows it instead of a memory address)."""

    def __init__(self, text, function):
        self.text, self.function = text, function

    def __call__(self, w):
        return self.function(np.asarray(w, dtype=float))

    def __repr__(self):
        return f"f(w) = {self.text}"


_A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 1.0]])
_CUBE = _Function("sum(w**3)", lambda w: float(np.sum(w ** 3)))
_QUADRATIC = _Function("w @ A @ w with A = [[2, 1, 0], [1, 3, -1], [0, -1, 1]]", lambda w: float(w @ _A @ w))
_MIXED = _Function("sin(w[0]) * w[1]**2", lambda w: float(np.sin(w[0]) * w[1] ** 2))
_MATRIX = _Function("sum(exp(w) * [[1, 2, 3], [4, 5, 6]])",
                    lambda w: float(np.sum(np.exp(w) * np.arange(1.0, 7.0).reshape(2, 3))))


def _one_sided(direction):
    def variant(f, w, step):
        w = np.array(w, dtype=float)
        grad, base = np.zeros_like(w), f(w)
        for index in np.ndindex(w.shape):
            shifted = w.copy()
            shifted[index] += direction * step
            grad[index] = direction * (f(shifted) - base) / step
        return grad
    return variant


def _central(f, w, step, divide_by=2.0, restore=True):
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        old = w[index]
        w[index] = old + step
        f_plus = f(w)
        w[index] = old - step
        f_minus = f(w)
        if restore:
            w[index] = old
        grad[index] = (f_plus - f_minus) / (divide_by * step)
    return grad


def _all_at_once(f, w, step):
    w = np.array(w, dtype=float)
    return np.full_like(w, (f(w + step) - f(w - step)) / (2 * step))


_DIFFERENCE_MISTAKES = [
    Mistake("forward_difference",
            "this is the forward difference (f(w + s) - f(w)) / s, whose error shrinks only like s. Use the "
            "central difference: evaluate f on both sides of w.",
            _one_sided(+1)),
    Mistake("backward_difference",
            "this is the one-sided difference (f(w) - f(w - s)) / s. Use the central difference: evaluate f at "
            "w + s and at w - s.",
            _one_sided(-1)),
    Mistake("step_not_doubled",
            "your answer is twice too large: w + s and w - s are 2s apart, so divide by 2s, not by s.",
            lambda f, w, step: _central(f, w, step, divide_by=1.0)),
    Mistake("perturbed_all_weights",
            "every entry came out the same: you moved all weights at once. Perturb one weight at a time "
            "(w + s e_i, with e_i the i-th unit vector) to get the partial derivative for weight i.",
            _all_at_once),
    Mistake("weights_not_restored",
            "after perturbing a weight you did not put it back, so later partial derivatives are taken at a "
            "shifted point. Restore w[i] after its two evaluations (or perturb a copy).",
            lambda f, w, step: _central(f, w, step, restore=False)),
]

_DIFFERENCE_CASES = [
    Case({"f": _QUADRATIC, "w": np.array([1.0, -0.5, 2.0]), "step": 0.5}, "a quadratic: central differences are exact"),
    Case({"f": _CUBE, "w": np.array([1.0, -2.0, 0.5]), "step": 0.1}, "a large step"),
    Case({"f": _MIXED, "w": np.array([0.3, 1.5]), "step": 1e-3}, "two weights"),
    Case({"f": _MATRIX, "w": np.array([[0.1, -0.2, 0.3], [0.0, 0.5, -1.0]]), "step": 1e-2},
         "w is a matrix, shape (2, 3)"),
]


@checks_learner_code
def check_central_difference_gradient(central_difference_gradient, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``central_difference_gradient(f, w, step)`` → (f(w + s e_i) - f(w - s e_i)) / (2 s) for every i."""
    run = CheckRun("ch04.central_difference_gradient", central_difference_gradient, time_limit)
    return check_array_cases(
        run, _DIFFERENCE_CASES, lambda f, w, step: numerical_gradient(f, w.copy(), step=step), _DIFFERENCE_MISTAKES,
        "the gradient (shape of w)",
        lambda case, value, expected: f"The gradient is not the central difference with step s = {case.kwargs['step']:g}.",
        condition=_difference_condition)


def _difference_condition(case):
    """A central difference in float32 loses |w| / step of its digits: w + s is rounded to the precision of w."""
    return 1.0 + float(np.max(np.abs(case.kwargs["w"]))) / case.kwargs["step"]
