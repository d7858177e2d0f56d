"""Checks of the chapter 05 exercises (the Huber loss, its slope and gradient; log-softmax, cross-entropy from logits and from probabilities).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from the engine (``lecture_lib.nn.losses``) and from
``lecture_lib.topics.loss_functions``; the typical mistakes are the wrong
variants defined here.

Answers are compared with a relative tolerance of 1e-5 (an answer computed
in float32 passes; every typical mistake below changes the answer by far
more). A loss is one number: a Python float, a NumPy scalar or a 0-d array.
"""
from __future__ import annotations

import numpy as np

from ..nn.losses import categorical_crossentropy as _reference_probabilities
from ..nn.losses import huber as _reference_huber
from ..nn.losses import huber_gradient as _reference_huber_gradient
from ..topics.loss_functions import cross_entropy_from_logits as _reference_logits
from ..topics.loss_functions import huber_derivative as _reference_huber_slope
from ..topics.loss_functions import log_softmax as _reference_log_softmax
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, array_kind_problem, check_array_cases,
                   checks_learner_code, describe_value)
from .core import same_answer as _same_answer

__all__ = ["check_huber_loss", "check_huber_slope", "check_huber_gradient", "check_log_softmax",
           "check_cross_entropy_from_logits", "check_cross_entropy_from_probabilities"]

#: Tolerances of the comparison (float32 answers pass).
RTOL, ATOL = 1e-5, 1e-6


def _same(a, b):
    return _same_answer(a, b, rtol=RTOL, atol=ATOL, equal_nan=True)


def _scalar_kind_problem(value, shape, what):
    """What is wrong with a loss answer (one finite real number), or None."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
        return f"Expected {what}: one number (a float), got {describe_value(value)}."
    if np.ndim(value) != 0:
        return (f"Expected {what}: one number for the whole batch, got an array of shape {np.shape(value)}. "
                "Sum the per-example losses and divide by the number of examples N.")
    if np.asarray(value).dtype.kind not in "iuf":  # a 0-d complex, string or boolean array: before float() reads it
        return f"Expected {what}: one number (a float), got {describe_value(value)}."
    if not np.isfinite(float(value)):
        return f"Expected {what}: a finite number, got {float(value)}."
    return None


def _run_cases(run, cases, reference, mistakes, what, wrong_answer, kind_problem, extra_hints=None):
    """:func:`~lecture_lib.checks.core.check_array_cases` at this chapter's tolerance (a loss is a 0-d answer).

    ``extra_hints(case, value) -> list of (id, text)``: hints that the
    matching of wrong variants cannot find (e.g. an overflow to NaN).
    """
    return check_array_cases(run, cases, lambda **kwargs: np.asarray(reference(**kwargs), dtype=float), mistakes,
                             what, wrong_answer, kind_problem, same=_same, extra_hints=extra_hints)


def _finite_or_none(value):
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return None


# --- Exercise 1: the Huber loss ------------------------------------------------------------------

def _residual(y, y_hat):
    return np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)


def _huber_elementwise(r, delta, linear):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, linear(a, delta))


_HUBER_MISTAKES = [
    Mistake("squared_error_only",
            "this is the squared error 1/2 r^2 for every residual. Huber switches to the linear loss "
            "delta (|r| - delta/2) where |r| > delta.",
            lambda y, y_hat, delta: float(np.sum(0.5 * _residual(y, y_hat) ** 2) / np.shape(y_hat)[0])),
    Mistake("linear_part_not_shifted",
            "beyond delta you used delta |r|. The linear part must meet the quadratic one at |r| = delta: "
            "1/2 delta^2 there, so it is delta (|r| - delta/2).",
            lambda y, y_hat, delta: float(np.sum(_huber_elementwise(_residual(y, y_hat), delta,
                                                                    lambda a, d: d * a)) / np.shape(y_hat)[0])),
    Mistake("missing_one_half",
            "the quadratic part is 1/2 r^2 (the slides' squared error), not r^2.",
            lambda y, y_hat, delta: float(np.sum(np.where(np.abs(_residual(y, y_hat)) <= delta,
                                                          _residual(y, y_hat) ** 2,
                                                          delta * (np.abs(_residual(y, y_hat)) - 0.5 * delta)))
                                          / np.shape(y_hat)[0])),
    Mistake("signed_residual_compared",
            "you compared r with delta instead of |r|: a large negative residual is an outlier too and "
            "gets the linear loss.",
            lambda y, y_hat, delta: float(np.sum(np.where(_residual(y, y_hat) <= delta,
                                                          0.5 * _residual(y, y_hat) ** 2,
                                                          delta * (_residual(y, y_hat) - 0.5 * delta)))
                                          / np.shape(y_hat)[0])),
    Mistake("summed_not_averaged",
            "you summed over the batch. E is averaged over the N examples (divide the sum by N).",
            lambda y, y_hat, delta: _reference_huber(y, y_hat, delta) * np.shape(y_hat)[0]),
    Mistake("averaged_over_outputs",
            "you divided by the number of entries N x C (Keras's convention). Here, as in the package, "
            "the loss is summed over the outputs and averaged over the N examples only.",
            lambda y, y_hat, delta: _reference_huber(y, y_hat, delta) * np.shape(y_hat)[0] / np.size(y_hat)),
]

_HUBER_CASES = [
    Case({"y": np.array([0.0, 1.0, 2.0, 3.0]), "y_hat": np.array([0.5, 1.2, 1.4, 2.9]), "delta": 1.0},
         "small residuals only: Huber = squared error here"),
    Case({"y": np.array([0.0, 1.0, 2.0, 3.0]), "y_hat": np.array([0.5, 4.0, 1.8, -2.0]), "delta": 1.0},
         "two outliers, one above and one below"),
    Case({"y": np.array([1.0, -1.0, 0.0]), "y_hat": np.array([3.5, -1.25, -0.25]), "delta": 2.0},
         "delta = 2"),
    Case({"y": np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]]),
          "y_hat": np.array([[0.3, 3.0], [-1.5, 0.2], [1.0, 0.6]]), "delta": 0.5},
         "a batch of 3 examples with 2 outputs each"),
]


@checks_learner_code
def check_huber_loss(huber_loss, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``huber_loss(y, y_hat, delta)`` → E = (1/N) sum of L_delta(yhat - y) over all entries, a float."""
    run = CheckRun("ch05.huber_loss", huber_loss, time_limit)
    return _run_cases(run, _HUBER_CASES, _reference_huber, _HUBER_MISTAKES, "the Huber loss E",
                      "The value is not the Huber loss E = (1/N) sum L_delta(yhat - y).", _scalar_kind_problem)


# --- Exercise 2a: the slope dL/dr of the Huber loss ----------------------------------------------------

_SLOPE_MISTAKES = [
    Mistake("slope_positive_on_both_sides",
            "for r < -delta the loss is delta (|r| - delta/2) with |r| = -r, so its slope is -delta, not +delta: "
            "the slope has the sign of r.",
            lambda r, delta: np.where(np.abs(r) <= delta, r, delta)),
    Mistake("slope_of_squared_error",
            "this is the slope r of 1/2 r^2 everywhere. Beyond |r| = delta the loss is linear, so its slope is "
            "constant there.",
            lambda r, delta: np.asarray(r, dtype=float).copy()),
    Mistake("slope_one_beyond_delta",
            "beyond delta the loss is delta (|r| - delta/2): its slope is +-delta, not +-1 (delta multiplies |r|).",
            lambda r, delta: np.where(np.abs(r) <= delta, r, np.sign(r))),
    Mistake("loss_instead_of_slope",
            "these are the values L_delta(r) of the loss; the exercise asks for its derivative dL/dr.",
            lambda r, delta: np.where(np.abs(r) <= delta, 0.5 * np.asarray(r) ** 2, delta * (np.abs(r) - 0.5 * delta))),
    Mistake("signed_residual_compared",
            "large negative residuals are not treated as outliers: the linear part starts where |r| > delta, on "
            "both sides.",
            lambda r, delta: np.where(np.asarray(r) <= delta, r, delta)),
]

_SLOPE_CASES = [
    Case({"r": np.array([-0.5, 0.0, 0.25, 0.9]), "delta": 1.0}, "residuals inside [-delta, delta] only"),
    Case({"r": np.array([-3.0, -0.5, 0.5, 4.0]), "delta": 1.0}, "outliers on both sides"),
    Case({"r": np.array([[2.5, -2.5], [-1.0, 0.1]]), "delta": 2.0}, "a (2, 2) array, delta = 2"),
    Case({"r": np.array([-7.0, -0.3, 0.3, 7.0]), "delta": 0.5}, "delta = 0.5"),
]


@checks_learner_code
def check_huber_slope(huber_slope, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``huber_slope(r, delta)`` → dL_delta/dr for every residual, shape of r (the derivation's first step)."""
    run = CheckRun("ch05.huber_slope", huber_slope, time_limit)
    return _run_cases(run, _SLOPE_CASES, lambda r, delta: _reference_huber_slope(r, delta), _SLOPE_MISTAKES,
                      "dL/dr for each residual (shape of r)",
                      "The values are not the derivative of Huber's L_delta(r) with respect to r.", array_kind_problem)


# --- Exercise 2b: the gradient of the Huber loss ----------------------------------------------------

def _n(y_hat):
    return np.shape(y_hat)[0]


_GRADIENT_MISTAKES = [
    Mistake("wrong_sign",
            "every entry has the opposite sign. With r = yhat - y, dr/dyhat = +1, so dE/dyhat has the sign of "
            "dL/dr; with the wrong sign gradient descent walks uphill.",
            lambda y, y_hat, delta: -_reference_huber_gradient(y, y_hat, delta)),
    Mistake("missing_division_by_n",
            "your gradient is N times too large: E is averaged over the batch, so each example's "
            "derivative is divided by N.",
            lambda y, y_hat, delta: _reference_huber_gradient(y, y_hat, delta) * _n(y_hat)),
    Mistake("squared_error_gradient",
            "this is the squared error's gradient r / N everywhere. Beyond delta the loss is linear, so "
            "its slope stays at +-delta.",
            lambda y, y_hat, delta: _residual(y, y_hat) / _n(y_hat)),
    Mistake("no_quadratic_part",
            "you returned delta sign(r) / N everywhere. Inside |r| <= delta the loss is 1/2 r^2, whose "
            "derivative is r.",
            lambda y, y_hat, delta: delta * np.sign(_residual(y, y_hat)) / _n(y_hat)),
    Mistake("signed_residual_compared",
            "large negative residuals are not capped: the linear part starts where |r| > delta, on both "
            "sides, so the slope there is -delta.",
            lambda y, y_hat, delta: np.minimum(_residual(y, y_hat), delta) / _n(y_hat)),
]

_GRADIENT_CASES = [
    Case({"y": np.array([0.0, 1.0, 2.0, 3.0]), "y_hat": np.array([0.5, 1.2, 1.4, 2.9]), "delta": 1.0},
         "small residuals only"),
    Case({"y": np.array([0.0, 1.0, 2.0, 3.0]), "y_hat": np.array([0.5, 4.0, 1.8, -2.0]), "delta": 1.0},
         "two outliers, one above and one below"),
    Case({"y": np.array([1.0, -1.0, 0.0]), "y_hat": np.array([3.5, -1.25, -0.25]), "delta": 2.0}, "delta = 2"),
    Case({"y": np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]]),
          "y_hat": np.array([[0.3, 3.0], [-1.5, 0.2], [1.0, 0.6]]), "delta": 0.5},
         "a batch of 3 examples with 2 outputs each"),
]


@checks_learner_code
def check_huber_gradient(huber_gradient, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``huber_gradient(y, y_hat, delta)`` → dE/dyhat = dL_delta/dr (r = yhat - y) / N, shape of y_hat."""
    run = CheckRun("ch05.huber_gradient", huber_gradient, time_limit)
    return _run_cases(run, _GRADIENT_CASES, _reference_huber_gradient, _GRADIENT_MISTAKES,
                      "dE/dyhat (shape of y_hat)", "The values are not dE/dyhat of the Huber loss.",
                      array_kind_problem)


# --- Exercise 3a: log-softmax -----------------------------------------------------------------------------

def _log_softmax_variant(**how):
    def variant(h):
        with np.errstate(all="ignore"):
            return _log_softmax(h, **how)
    return variant


def _softmax_not_logged(h):
    with np.errstate(all="ignore"):
        return np.exp(_log_softmax(h))


_LOG_SOFTMAX_MISTAKES = [
    Mistake("max_not_added_back",
            "after subtracting m = max_j h_j inside the exponentials it must come back outside the log: "
            "multiply numerator and denominator of softmax by exp(-m) and take the log of both again.",
            _log_softmax_variant(add_back_max=False)),
    Mistake("softmax_over_examples",
            "the sum runs over the wrong axis: each example (row) has its own probability vector, so sum "
            "over the classes, axis=-1, and keep that axis (keepdims=True) so it broadcasts against h.",
            _log_softmax_variant(axis=0)),
    Mistake("logits_used_as_log_probabilities",
            "the logits are not log-probabilities: log yhat_k = h_k minus the log of the softmax's denominator.",
            lambda h: np.asarray(h, dtype=float).copy()),
    Mistake("probabilities_not_logged",
            "these are the probabilities yhat = softmax(h); the exercise asks for their logarithm.",
            _softmax_not_logged),
]

_LOG_SOFTMAX_CASES = [
    Case({"h": np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])}, "2 examples, 3 classes"),
    Case({"h": np.array([[0.2, -0.4, 1.5, 0.9], [0.1, 0.1, 0.1, 0.1], [-2.0, 1.0, 4.0, 0.0]])},
         "3 examples, 4 classes, one with equal logits"),
    Case({"h": np.array([[1000.0, 0.0, -1000.0], [800.0, 790.0, -5.0]])}, "huge logits: exp(1000) overflows"),
    Case({"h": np.array([[-1000.0, -1001.0], [0.0, 0.0]])}, "very negative logits: exp(-1000) underflows to 0"),
]


def _log_softmax_overflow_hint(case, value):
    """A learner who computes exp(h) directly gets inf/NaN on huge logits or -inf on very negative ones."""
    if _finite_or_none(value) is False and np.max(np.abs(case.kwargs["h"])) > 700:
        return [("no_max_subtraction",
                 "exp(h) overflows above ~709 (and underflows to 0 below ~-745, whose log is -inf). Adding the "
                 "same number to every logit of a row leaves softmax unchanged: choose it so that every "
                 "exponent is <= 0 and the largest is exactly 0.")]
    return []


@checks_learner_code
def check_log_softmax(log_softmax, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``log_softmax(h)`` → log softmax(h) per row, shape (N, C), finite for any finite logits."""
    run = CheckRun("ch05.log_softmax", log_softmax, time_limit)
    return _run_cases(run, _LOG_SOFTMAX_CASES, _reference_log_softmax, _LOG_SOFTMAX_MISTAKES,
                      "log softmax(h) (shape of h)", "The values are not log softmax(h), row by row.",
                      array_kind_problem, extra_hints=_log_softmax_overflow_hint)


# --- Exercise 3b: cross-entropy from logits -------------------------------------------------------------

def _log_softmax(h, axis=-1, subtract_max=True, add_back_max=True):
    h = np.asarray(h, dtype=float)
    m = np.max(h, axis=axis, keepdims=True) if subtract_max else 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        log_sum = np.log(np.sum(np.exp(h - m), axis=axis, keepdims=True))
    return h - (m if add_back_max else 0.0) - log_sum if subtract_max else h - log_sum


def _logits_variant(**how):
    sign, scale = how.pop("sign", 1.0), how.pop("scale", "N")

    def variant(y, h):
        y = np.asarray(y, dtype=float)
        with np.errstate(invalid="ignore"):
            total = -sign * np.sum(y * _log_softmax(h, **how))
        divisor = {"N": np.shape(h)[0], "1": 1, "NC": np.size(h)}[scale]
        return float(total / divisor)
    return variant


def _max_not_added_back(y, h):
    h = np.asarray(h, dtype=float)
    m = np.max(h, axis=-1, keepdims=True)
    return float(-np.sum(np.asarray(y) * (h - np.log(np.sum(np.exp(h - m), axis=-1, keepdims=True)))) / h.shape[0])


def _logits_as_log_probabilities(y, h):
    return float(-np.sum(np.asarray(y) * np.asarray(h)) / np.shape(h)[0])


_LOGITS_MISTAKES = [
    Mistake("wrong_sign",
            "your loss has the opposite sign: E = -(1/N) sum y log yhat, positive, since log yhat <= 0.",
            _logits_variant(sign=-1.0)),
    Mistake("summed_not_averaged",
            "you summed over the batch; E is averaged over the N examples.",
            _logits_variant(scale="1")),
    Mistake("averaged_over_classes",
            "you divided by N x C. Sum over the classes j (only the true class's term is non-zero), then "
            "divide by the number of examples N.",
            _logits_variant(scale="NC")),
    Mistake("softmax_over_examples",
            "the softmax runs over the wrong axis: each example (row) has its own probability vector, so "
            "the sum in log sum_j exp(h_j) runs over the classes, axis=-1 (with keepdims=True).",
            _logits_variant(axis=0)),
    Mistake("max_not_added_back",
            "the row's maximum m was taken out inside the exponentials but not put back outside the log. "
            "Compute log yhat with your log_softmax from part (a) (checked there) instead of a new formula.",
            _max_not_added_back),
    Mistake("logits_used_as_log_probabilities",
            "the logits are not log-probabilities: log yhat is what your log_softmax from part (a) returns.",
            _logits_as_log_probabilities),
]


def _exp_directly(y, h):
    with np.errstate(all="ignore"):
        return float(-np.sum(y * (h - np.log(np.sum(np.exp(h), axis=-1, keepdims=True)))) / h.shape[0])


def _log_of_stable_softmax(y, h):
    with np.errstate(all="ignore"):
        e = np.exp(h - h.max(axis=-1, keepdims=True))
        return float(-np.sum(y * np.log(e / e.sum(axis=-1, keepdims=True))) / h.shape[0])


def _one_maximum_for_the_batch(y, h):
    with np.errstate(all="ignore"):
        m = np.max(h)
        return float(-np.sum(y * (h - m - np.log(np.sum(np.exp(h - m), axis=-1, keepdims=True)))) / h.shape[0])


# How a loss turns inf or NaN on finite logits; the cases are built so that each way fails on its own case first
# (every earlier case stays finite for it), and that case's hint names it.
_LOGITS_UNSTABLE = [
    ("log_of_underflowed_probability",
     "each row's maximum was subtracted (softmax stays finite), but the log of a probability that underflowed to "
     "exactly 0 (a logit far below its row's maximum) is -inf. Never take log(softmax(h)): compute "
     "log yhat = h - m - log sum_j exp(h_j - m) directly, with your log_softmax from part (a).",
     _log_of_stable_softmax),
    ("one_maximum_for_the_batch",
     "one maximum was subtracted for the whole batch: in a row whose logits all lie far below it, every exp(h_j - m) "
     "underflows to 0 and log 0 = -inf. Subtract each row's own maximum (max over axis=-1, keepdims=True).",
     _one_maximum_for_the_batch),
    ("no_max_subtraction",
     "exp(h) overflows for logits above ~709 (inf / inf = NaN). Build the loss on your log_softmax "
     "from part (a), which stays finite for any finite logits (its check tests logits of 1000).",
     _exp_directly),
]


def _logits_overflow_hint(case, value):
    """A loss that is inf or NaN: the way of computing it that breaks on this case and on no earlier one."""
    if _finite_or_none(value) is not False:
        return []
    earlier = _LOGITS_CASES[:next((i for i, c in enumerate(_LOGITS_CASES) if c is case), 0)]
    for hint_id, text, variant in _LOGITS_UNSTABLE:
        if not np.isfinite(variant(**case.kwargs)) and all(np.isfinite(variant(**c.kwargs)) for c in earlier):
            return [(hint_id, text)]
    return []


_LOGITS_CASES = [
    Case({"y": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), "h": np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])},
         "2 examples, 3 classes"),
    Case({"y": np.eye(4)[[3, 0, 2, 2, 1]],
          "h": np.array([[0.2, -0.4, 1.5, 0.9], [2.0, 0.0, -1.0, 0.3], [0.1, 0.1, 0.1, 0.1],
                         [-2.0, 1.0, 4.0, 0.0], [0.5, -0.5, 0.0, 1.0]])},
         "5 examples, 4 classes, one with equal logits"),
    Case({"y": np.array([[0.0, 1.0], [1.0, 0.0]]), "h": np.array([[30.0, 0.0], [5.0, -5.0]])},
         "a confident wrong prediction (margin 30)"),
    Case({"y": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
          "h": np.array([[800.0, 790.0, 780.0], [795.0, 800.0, 799.0]])},
         "huge logits close together: exp(800) overflows"),
    Case({"y": np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
          "h": np.array([[1000.0, 0.0, -1000.0], [800.0, 790.0, -5.0]])},
         "logits 2000 apart in one row: the true class's probability underflows to 0"),
    Case({"y": np.array([[1.0, 0.0], [0.0, 1.0]]), "h": np.array([[1000.0, 998.0], [-5.0, 0.0]])},
         "rows of very different scale: the second row lies 1000 below the first"),
]


@checks_learner_code
def check_cross_entropy_from_logits(cross_entropy_from_logits, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``cross_entropy_from_logits(y, h)`` → -(1/N) sum y log softmax(h), finite for any finite logits."""
    run = CheckRun("ch05.cross_entropy_from_logits", cross_entropy_from_logits, time_limit)
    return _run_cases(run, _LOGITS_CASES, _reference_logits, _LOGITS_MISTAKES, "the cross-entropy E",
                      "The value is not the categorical cross-entropy of softmax(h).", _scalar_kind_problem,
                      extra_hints=_logits_overflow_hint)


# --- Exercise 4: cross-entropy from probabilities --------------------------------------------------------

def _probabilities_variant(clip="p", sign=1.0, scale="N"):
    def variant(y, p, epsilon):
        y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
        if clip == "p":
            p = np.clip(p, epsilon, 1 - epsilon)
        elif clip == "y":
            y = np.clip(y, epsilon, 1 - epsilon)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = y * np.log(p)
        terms = np.where(y > 0, terms, 0.0) if clip == "none" else terms
        divisor = {"N": p.shape[0], "1": 1}[scale]
        return float(-sign * np.sum(terms) / divisor)
    return variant


_PROBABILITY_MISTAKES = [
    Mistake("not_clipped",
            "a probability of exactly 0 gives log(0) = -inf. Clip p into [epsilon, 1 - epsilon] before the log "
            "(np.clip), as Keras does.",
            _probabilities_variant(clip="none")),
    Mistake("clipped_the_targets",
            "you clipped the targets y; it is the predicted probabilities p that must stay away from 0.",
            _probabilities_variant(clip="y")),
    Mistake("wrong_sign",
            "your loss has the opposite sign: E = -(1/N) sum y log p is positive.",
            _probabilities_variant(sign=-1.0)),
    Mistake("summed_not_averaged",
            "you summed over the batch; E is averaged over the N examples.",
            _probabilities_variant(scale="1")),
]

_PROBABILITY_CASES = [
    Case({"y": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), "p": np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]),
          "epsilon": 1e-7}, "2 examples, 3 classes"),
    Case({"y": np.eye(4)[[3, 0, 2]], "p": np.array([[0.1, 0.2, 0.3, 0.4], [0.97, 0.01, 0.01, 0.01],
                                                    [0.25, 0.25, 0.25, 0.25]]), "epsilon": 1e-7},
         "3 examples, 4 classes"),
    Case({"y": np.array([[0.0, 1.0], [1.0, 0.0]]), "p": np.array([[1.0, 0.0], [0.9, 0.1]]), "epsilon": 1e-7},
         "the true class got probability 0 (softmax underflowed)"),
    Case({"y": np.array([[1.0, 0.0, 0.0]]), "p": np.array([[0.0, 0.5, 0.5]]), "epsilon": 1e-3},
         "epsilon = 1e-3"),
]


@checks_learner_code
def check_cross_entropy_from_probabilities(cross_entropy_from_probabilities, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``cross_entropy_from_probabilities(y, p, epsilon)`` → -(1/N) sum y log clip(p, epsilon, 1 - epsilon).

    Clipping from below only (np.maximum(p, epsilon)) passes too: for the
    true class it differs from the two-sided clip by at most -log(1 - epsilon)
    ~ epsilon per example, inside the tolerance.
    """
    run = CheckRun("ch05.cross_entropy_from_probabilities", cross_entropy_from_probabilities, time_limit)
    return _run_cases(run, _PROBABILITY_CASES,
                      lambda y, p, epsilon: _reference_probabilities(y, p, epsilon=epsilon),
                      _PROBABILITY_MISTAKES, "the cross-entropy E",
                      "The value is not the cross-entropy -(1/N) sum y log p with p clipped into "
                      "[epsilon, 1 - epsilon].", _scalar_kind_problem)
