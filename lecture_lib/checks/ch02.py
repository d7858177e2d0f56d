"""Checks of the chapter 02 exercises (stable log-sigmoid and sigmoid, derivative, cross-entropy, the gradient,
and what one perceptron update does to h, for the comparison with gradient descent).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.nn.activations``, ``lecture_lib.nn.losses`` and
``lecture_lib.topics.logistic``; the typical mistakes are the wrong variants defined
here. The learner's function runs while NumPy's floating-point warnings are
recorded (``Outcome.warnings``, see :mod:`.isolation`), so a sigmoid that is
right only by luck (exp overflowed to inf, 1/inf = 0) is caught by its
overflow warning, even when it hides the warning with ``np.errstate``.
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import sigmoid as _reference_sigmoid
from ..topics.logistic import cross_entropy_gradient, overlapping_blobs, squared_error_gradient
from ..nn.losses import binary_crossentropy as _reference_bce
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, Verdict, array_and_number_problem,
                   checks_learner_code, describe_value, precision_of, real_array_problem, real_number_problem, run_cases,
                   same_answer, tolerance_for)

__all__ = ["check_log_sigmoid", "check_sigmoid", "check_sigmoid_derivative", "check_binary_cross_entropy",
           "check_bias_gradient_steps", "check_logistic_gradient", "check_h_change"]


def _same_loss(a, b) -> bool:
    """Equal losses up to 1e-5 relative: adding a tiny constant κ inside the log (log(yhat + 1e-7)) is fine."""
    return bool(np.isclose(float(a), float(b), rtol=1e-5, atol=1e-9))


def _naive_sigmoid(h):
    with np.errstate(all="ignore"):
        return 1 / (1 + np.exp(-np.asarray(h, dtype=float)))


_OVERFLOW = Mistake(
    "naive_exp_overflow",
    "exp(-h) overflows for h < -709 and exp(h) for h > 709 (float64): the result is inf, and inf/inf is NaN. "
    "Never take exp of a large positive number: for h < 0, multiply the top and the bottom of "
    "1/(1 + exp(-h)) by exp(h), and for each entry use the form whose exponent is <= 0. Careful: "
    "np.where(cond, a, b) computes both a and b for every element, so an overflowing branch is still "
    "evaluated even where it is not chosen.",
    _naive_sigmoid)


def _array_problem(value, shape, low, high, what):
    """What is wrong with the kind of an elementwise answer (type, shape, finiteness, range), or None."""
    if not isinstance(value, np.ndarray):
        return f"Expected an ndarray of shape {shape} (one {what} per entry of h), got {describe_value(value)}."
    if value.shape != shape:
        return f"Expected shape {shape}, the shape of h (elementwise), got shape {value.shape}."
    if value.dtype.kind not in "fiu":
        return f"Expected real numbers (floats), got an array of dtype {value.dtype}."
    if not np.all(np.isfinite(value)):
        return None  # reported with the overflow hint by the caller
    slack = tolerance_for(precision_of(value))[1]
    if value.min() < low - slack or value.max() > high + slack:
        return (f"Every {what} lies in [{low:g}, {high:g}], but your values range from {value.min():g} "
                f"to {value.max():g}.")
    return None


_SILENCED_HINT = ("np.errstate, np.seterr or a warnings filter only hides NumPy's message; exp still overflows to "
                  "inf along the way. Compute a form that never overflows instead of silencing it.")


def _elementwise_check(run, cases, reference, mistakes, what, low, high, overflow=None, where_wrong=None):
    """:func:`~lecture_lib.checks.core.run_cases` for an elementwise exercise; ``overflow`` the Mistake for NaN/inf or
    float warnings (default: the sigmoid's), ``where_wrong(h, wrong)`` the sentence naming the wrong entries
    (default: their h values). Right values computed through a float warning fail too: the learner's NumPy
    warnings come back with the call (``Outcome.warnings``)."""
    overflow = overflow or _OVERFLOW
    where_wrong = where_wrong or (lambda h, wrong: f"The {what} is wrong at h = {_list(h[wrong])}.")

    def judge(case, outcome, expected):
        value = outcome.value
        problem = _array_problem(value, expected.shape, low, high, what)
        if problem is not None:
            return problem, value
        finite = np.isfinite(value)
        if not finite.all():
            bad_h = np.asarray(case.kwargs["h"])[~finite]
            # the typical mistake that gives NaN/inf in exactly these places (log of an underflowed sigmoid,
            # ...); otherwise the overflow of a naive exp
            return Verdict(f"Your result holds NaN or inf at h = {_list(bad_h)}; the {what} is a finite number "
                           "for every h.", value, mistakes=mistakes + [overflow],
                           same=lambda a, b: same_answer(a, b, equal_nan=True), otherwise=[overflow])
        if not same_answer(value, expected):
            rtol, atol = tolerance_for(precision_of(value), scale=float(np.max(np.abs(expected))))
            wrong = ~np.isclose(value, expected, rtol=rtol, atol=atol)
            return where_wrong(np.asarray(case.kwargs["h"]), wrong), value
        warned = [m for m in outcome.warnings if "overflow" in m or "invalid" in m or "divide by zero" in m]
        if not warned:
            return None, None
        return Verdict(f"Your values are right, but NumPy warned: {warned[0]!r}. A stable version computes no inf "
                       "or NaN along the way, not even in a discarded branch.",
                       otherwise=[_mistake_for_warning(warned, mistakes, overflow)],
                       hints_after=[("silenced_overflow", f"your function called {outcome.silenced[0]}. "
                                     + _SILENCED_HINT)] if outcome.silenced else ())

    return run_cases(run, cases, reference, mistakes, judge, same_answer, with_outcome=True)


def _mistake_for_warning(warned, mistakes, overflow):
    """The hint for right values computed with a float warning: log(0) (divide by zero) or an overflow."""
    if any("divide by zero" in message for message in warned):
        return next((m for m in mistakes if m.id == "log_of_underflow"), overflow)
    return overflow


def _list(values, limit=4):
    shown = ", ".join(f"{v:g}" for v in np.ravel(values)[:limit])
    return shown + (", ..." if np.size(values) > limit else "")


# --- Exercise 1a: the stable log-sigmoid, derived ---------------------------------------------

def _reference_log_sigmoid(h):
    return -np.logaddexp(0.0, -np.asarray(h, dtype=float))


_LOG_OVERFLOW = Mistake(
    "naive_exp_overflow",
    "log sigma(h) = -log(1 + exp(-h)) is fine for h >= 0, but for h < -709 exp(-h) overflows to inf (float64). "
    "Derive a second form for h < 0 whose exponent is <= 0: multiply the top and the bottom of 1/(1 + exp(-h)) "
    "by exp(h), then take the log. Use each form only where it is safe; np.where(cond, a, b) computes both a "
    "and b for every entry, so give each branch an exponent that is <= 0 everywhere (e.g. through |h|).",
    lambda h: -np.log(1 + np.exp(-np.asarray(h, dtype=float))))

_LOG_SIGMOID_MISTAKES = [
    Mistake("log_of_underflow",
            "sigma(h) itself rounds to 0 for h below about -745 (float64), and log(0) = -inf. Take the log "
            "on paper first: for h < 0, write sigma(h) with exp(h) (multiply the top and the bottom by exp(h)); "
            "its log splits into h and a term that never overflows.",
            lambda h: np.log(_reference_sigmoid(h))),
    Mistake("wrong_sign_exponent",
            "your values belong to log sigma(-h): log sigma(h) is close to 0 for large positive h and close to h "
            "for large negative h. Check the sign inside exp: sigma(h) = 1 / (1 + exp(-h)).",
            lambda h: _reference_log_sigmoid(-np.asarray(h, dtype=float))),
    Mistake("negated",
            "log sigma(h) is <= 0 (sigma(h) < 1); you returned -log sigma(h), the loss of an example with y = 1.",
            lambda h: -_reference_log_sigmoid(h)),
]


def _log_sigmoid_where_wrong(h, wrong):
    """Name the branch of the derivation that is wrong: h >= 0, h < 0, or both."""
    branches = [name for name, mask in (("h >= 0", h >= 0), ("h < 0", h < 0)) if np.any(wrong & mask)]
    return (f"log sigma(h) is wrong for {' and for '.join(branches)} (at h = {_list(h[wrong])})."
            + ("" if len(branches) == 2 else f" Your form for {'h < 0' if branches == ['h >= 0'] else 'h >= 0'} "
               "is right on this case."))


@checks_learner_code
def check_log_sigmoid(log_sigmoid, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``log_sigmoid(h)`` → ndarray, shape of h: log(1/(1 + exp(-h))), finite and warning-free for any h.

    The two branches of the learner's derivation (h >= 0, h < 0) are judged
    separately in the feedback, so it says which form is wrong.
    """
    run = CheckRun("ch02.log_sigmoid", log_sigmoid, time_limit)
    return _elementwise_check(run, _ELEMENTWISE_CASES, _reference_log_sigmoid, _LOG_SIGMOID_MISTAKES,
                              "log-sigmoid value", -np.inf, 0.0, overflow=_LOG_OVERFLOW,
                              where_wrong=_log_sigmoid_where_wrong)


# --- Exercise 1b: the stable sigmoid --------------------------------------------------------

_ELEMENTWISE_CASES = [
    Case({"h": np.array([-2.0, -0.5, 0.0, 0.5, 2.0])}, "moderate values"),
    Case({"h": np.array([[0.0, 1.0, -1.0], [3.0, -3.0, 10.0]])}, "a batch of shape (2, 3)"),
    Case({"h": np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])}, "large |h|"),
]

_SIGMOID_MISTAKES = [
    Mistake("wrong_sign_exponent",
            "your curve falls where the sigmoid rises: sigma(2) should be above 0.5. Check the sign inside "
            "exp: sigma(h) = 1 / (1 + exp(-h)).",
            lambda h: 1 - _reference_sigmoid(h)),
    Mistake("returned_exp",
            "you returned exp(-h) (or exp(h)) itself, not the sigmoid 1 / (1 + exp(-h)).",
            lambda h: np.exp(-np.asarray(h, dtype=float))),
]


@checks_learner_code
def check_sigmoid(sigmoid, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``sigmoid(h)`` → ndarray, shape of h: 1/(1 + exp(-h)) with no overflow for any h."""
    run = CheckRun("ch02.sigmoid", sigmoid, time_limit)
    return _elementwise_check(run, _ELEMENTWISE_CASES, _reference_sigmoid, _SIGMOID_MISTAKES,
                              "sigmoid value", 0.0, 1.0)


# --- Exercise 1c: its derivative -------------------------------------------------------------

def _reference_derivative(h):
    g = _reference_sigmoid(h)
    return g * (1 - g)


_DERIVATIVE_MISTAKES = [
    Mistake("h_not_sigma",
            "you computed h (1 - h). The formula sigma'(h) = sigma(h)(1 - sigma(h)) uses the sigmoid's "
            "output g = sigma(h), not h itself: compute g first.",
            lambda h: np.asarray(h, dtype=float) * (1 - np.asarray(h, dtype=float))),
    Mistake("returned_sigma",
            "you returned sigma(h) itself. The derivative is sigma(h)(1 - sigma(h)): it is 1/4 at h = 0 "
            "and tends to 0 on both sides.",
            _reference_sigmoid),
    Mistake("negative_derivative",
            "your values are negative. The sigmoid rises everywhere, so its slope is positive: "
            "check the order of the factors in sigma(h)(1 - sigma(h)).",
            lambda h: -_reference_derivative(h)),
]


@checks_learner_code
def check_sigmoid_derivative(sigmoid_derivative, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``sigmoid_derivative(h)`` → ndarray, shape of h: sigma(h)(1 - sigma(h)), finite for every h."""
    run = CheckRun("ch02.sigmoid_derivative", sigmoid_derivative, time_limit)
    return _elementwise_check(run, _ELEMENTWISE_CASES, _reference_derivative, _DERIVATIVE_MISTAKES,
                              "derivative", 0.0, 0.25)


# --- Exercise 2: binary cross-entropy ---------------------------------------------------------

def _bce_terms(y, y_hat):
    with np.errstate(all="ignore"):
        return y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)


_BCE_MISTAKES = [
    Mistake("missing_minus",
            "your loss is negative. log of a probability is <= 0, so the negative log-likelihood needs the "
            "minus sign in front: E = -(1/N) sum {y log yhat + (1 - y) log(1 - yhat)}.",
            lambda y, y_hat: float(np.mean(_bce_terms(y, y_hat)))),
    Mistake("sum_not_mean",
            "your loss is N times too large: you summed over the batch. Take the mean (divide by N), so the "
            "size of the loss, and of a good learning rate, does not depend on the batch size.",
            lambda y, y_hat: float(-np.sum(_bce_terms(y, y_hat)))),
    Mistake("swapped_terms",
            "log yhat belongs to the examples with y = 1 and log(1 - yhat) to those with y = 0; yours are "
            "swapped.",
            lambda y, y_hat: float(-np.mean(_bce_terms(1 - y, y_hat)))),
]

_LOG_OF_ZERO = Mistake(
    "log_of_zero",
    "log(0) = -inf: a prediction of exactly 0 or 1 breaks the naive formula (and 0 * log(0) is NaN even "
    "when the prediction is right). Clip the predictions first into [κ, 1 - κ], "
    "np.clip(y_hat, kappa, 1 - kappa) with a small constant κ (kappa; Keras calls it epsilon) such as 1e-7.", lambda y, y_hat: None)

_BCE_CASES = [
    Case({"y": np.array([1, 0, 1, 0]), "y_hat": np.array([0.9, 0.2, 0.6, 0.4])}, "ordinary predictions"),
    Case({"y": np.array([1, 1, 0, 0, 1, 0]), "y_hat": np.array([0.99, 0.7, 0.05, 0.5, 0.3, 0.8])},
         "six examples"),
    Case({"y": np.array([1, 0, 1, 0]), "y_hat": np.array([1.0, 0.0, 1.0, 0.0])},
         "predictions exactly 0 and 1, all right"),
    Case({"y": np.array([1, 0, 1]), "y_hat": np.array([0.0, 0.0, 1.0])},
         "one prediction exactly 0 for a y = 1 example"),
    # Two certain and wrong predictions: log(0) replaced by the largest float (np.nan_to_num) instead of clipping
    # stays finite for one of them, but the sum of two overflows (the hidden tests have this case too).
    Case({"y": np.array([1, 0, 0, 1]), "y_hat": np.array([0.0, 1.0, 0.0, 1.0])},
         "two certain and wrong predictions (yhat = 0 for y = 1, yhat = 1 for y = 0)"),
]


def _scalar_problem(value, n_rows):
    """What is wrong with the kind of a loss (one real number; NaN and inf are left to the caller), with hint ids."""
    if isinstance(value, np.ndarray) and value.ndim != 0 and value.dtype.kind in "iuf":
        hint = ["per_example_losses"] if value.shape == (n_rows,) else []
        extra = ("\nHint: that is one loss per example; the loss of the batch is their mean."
                 if hint else "")
        return f"Expected a single number (the mean loss over the batch), got {describe_value(value)}.{extra}", hint
    problem = real_number_problem(value, "a single number (the mean loss over the batch)", finite=False)
    return problem, []


@checks_learner_code
def check_binary_cross_entropy(binary_cross_entropy, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``binary_cross_entropy(y, y_hat)`` → float: the mean cross-entropy, finite for yhat in {0, 1}."""
    exact = {id(case) for case in _BCE_CASES[:2]}   # exact values; the others test the clipping
    all_right = id(_BCE_CASES[2])                     # every prediction right and certain

    def judge(case, value, expected):
        n_rows = len(case.kwargs["y"])
        problem, hint_ids = _scalar_problem(value, n_rows)
        if problem is not None:
            return problem, None, hint_ids
        value = float(value)
        if not np.isfinite(value):
            return Verdict("The loss is NaN or inf; with clipped predictions it is a finite number.",
                           otherwise=[_LOG_OF_ZERO])
        if id(case) in exact:
            if _same_loss(value, expected):
                return None, None
            return ("Cross-entropy is never negative." if value < 0 else
                    "The value is not the mean cross-entropy of these predictions."), value
        if value < -1e-6:  # log(yhat + eps) may give a loss of -eps: harmless
            return Verdict("Cross-entropy is never negative.", otherwise=_BCE_MISTAKES[:1])
        if id(case) == all_right and value > 1e-3:
            return ("Every prediction is right and certain, so the loss should be (almost) 0; yours is "
                    f"{value:g}. Is your clipping constant κ small, around 1e-7?"), None
        if id(case) != all_right and value < -np.log(1e-3) / n_rows:
            return ("A certain and wrong prediction (yhat = 0 for y = 1) should cost a very large loss, "
                    f"but your mean loss is only {value:g}. Is your clipping constant κ small, around 1e-7?"), None
        return None, None

    run = CheckRun("ch02.binary_cross_entropy", binary_cross_entropy, time_limit)
    return run_cases(run, _BCE_CASES, _reference_bce, _BCE_MISTAKES, judge, _same_loss, answer=float)


# --- Exercise 3: the bias gradient, derived step by step --------------------------------------

def _reference_steps(x, y, w, b):
    """(dE_n/dŷ_n, dŷ_n/dh_n, ε_n = dE_n/dh_n, dE/db) for the mean cross-entropy of a sigmoid unit."""
    y_hat = _reference_sigmoid(x @ w + b)
    d_loss = (y_hat - y) / (y_hat * (1 - y_hat))
    d_sigmoid = y_hat * (1 - y_hat)
    return d_loss, d_sigmoid, y_hat - y, float(np.mean(y_hat - y))


def _sigmoid_of(x, w, b):
    return _reference_sigmoid(x @ w + b)


_STEP_NAMES = ("dE_dyhat", "dyhat_dh", "eps", "db")
_STEP_TEXTS = (
    "Step 1, dE_dyhat = ∂E_n/∂ŷ_n (the derivative of one example's loss with respect to its prediction), is wrong.",
    "Step 1 is right; step 2, dyhat_dh = ∂ŷ_n/∂h_n (the sigmoid's derivative, written with ŷ_n), is wrong.",
    "Steps 1 and 2 are right; step 3, eps = ε_n = ∂E_n/∂h_n (the chain rule), is wrong.",
    "Steps 1 to 3 are right; step 4, db = ∂E/∂b (the mean loss over the batch, through ∂h_n/∂b), is wrong.",
)

_STEP_MISTAKES = (
    [Mistake("reversed_sign",
             "the sign is reversed. E_n = -{y log ŷ + (1 - y) log(1 - ŷ)} has a minus in front: a prediction "
             "ŷ below y = 1 must have a negative slope (raising ŷ lowers the loss).",
             lambda x, y, w, b: -_reference_steps(x, y, w, b)[0]),
     Mistake("inner_derivative_missing",
             "d/dŷ log(1 - ŷ) is -1/(1 - ŷ): the chain rule gives the inner derivative -1 of (1 - ŷ).",
             lambda x, y, w, b: -y / _sigmoid_of(x, w, b) - (1 - y) / (1 - _sigmoid_of(x, w, b))),
     Mistake("averaged_too_early",
             "your values are N times too small: step 1 is the derivative of one example's loss E_n; the mean "
             "over the batch (the 1/N) comes in at step 4.",
             lambda x, y, w, b: _reference_steps(x, y, w, b)[0] / len(y))],
    [Mistake("h_not_sigma",
             "you computed h (1 - h). The sigmoid's derivative is σ(h)(1 - σ(h)) = ŷ(1 - ŷ): it uses the output "
             "ŷ = σ(h), not h.",
             lambda x, y, w, b: (x @ w + b) * (1 - (x @ w + b))),
     Mistake("returned_sigma",
             "you returned ŷ itself; its derivative with respect to h is ŷ(1 - ŷ).",
             lambda x, y, w, b: _sigmoid_of(x, w, b))],
    [Mistake("not_multiplied",
             "ε_n is only the first factor: the chain rule multiplies it by dŷ_n/dh_n "
             "(∂E_n/∂h_n = ∂E_n/∂ŷ_n · ∂ŷ_n/∂h_n).",
             lambda x, y, w, b: _reference_steps(x, y, w, b)[0]),
     Mistake("reversed_sign",
             "the sign is reversed: ε_n = ∂E_n/∂h_n is positive when the unit predicts too much (ŷ_n > y_n).",
             lambda x, y, w, b: y - _sigmoid_of(x, w, b))],
    [Mistake("sum_not_mean",
             "your db is N times too large: E is the mean of the E_n, so ∂E/∂b is the mean of the ∂E_n/∂b.",
             lambda x, y, w, b: float(np.sum(_sigmoid_of(x, w, b) - y))),
     Mistake("chain_stopped_at_yhat",
             "db is the mean of step 1, ∂E_n/∂ŷ_n: the chain must go on through ŷ_n and h_n to b "
             "(∂E_n/∂b = ε_n · ∂h_n/∂b).",
             lambda x, y, w, b: float(np.mean(_reference_steps(x, y, w, b)[0]))),
     Mistake("reversed_sign",
             "the sign is reversed: for a unit that predicts too much on average, ∂E/∂b is positive.",
             lambda x, y, w, b: -float(np.mean(_sigmoid_of(x, w, b) - y)))],
)


def _steps_cases():
    x_blobs, y_blobs = overlapping_blobs(n_samples=20, seed=5)
    return [
        Case({"x": np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0], [2.0, 1.0]]), "y": np.array([1, 0, 0, 1]),
              "w": np.array([0.5, -0.25]), "b": 0.1}, "four examples"),
        Case({"x": np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0], [-2.0, 1.0, 1.0]]), "y": np.array([0, 1, 1]),
              "w": np.array([0.2, 0.4, -0.6]), "b": 0.7}, "three inputs"),
        Case({"x": x_blobs, "y": y_blobs, "w": np.array([1.0, -0.5]), "b": -0.3}, "20 examples"),
    ]


def _steps_problem(value, n_rows):
    """What is wrong with the kind of a (dE_dyhat, dyhat_dh, eps, db) answer, or None."""
    if not (isinstance(value, tuple) and len(value) == 4):
        return (f"Expected a tuple of the four steps (dE_dyhat, dyhat_dh, eps, db): three arrays of shape "
                f"({n_rows},), one per example, and db a number; got {describe_value(value)}.")
    for part, name in zip(value[:3], _STEP_NAMES):
        problem = real_array_problem(part, (n_rows,), f"{name} (one value per example)")
        if problem is not None:
            return problem
    return real_number_problem(value[3], "db a single number")


@checks_learner_code
def check_bias_gradient_steps(bias_gradient_steps, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``bias_gradient_steps(x, y, w, b)`` → ``(dE_dyhat, dyhat_dh, eps, db)``, the derivation of ∂E/∂b.

    The steps are compared in order; the feedback names the first wrong step
    and, for typical mistakes, why it is wrong. A later step is judged only
    when the earlier ones are right, as in a derivation checked line by line.
    """
    def judge(case, value, expected):
        problem = _steps_problem(value, len(case.kwargs["y"]))
        if problem is not None:
            return problem, None
        precision = precision_of(value)

        def same(a, b):  # at the precision of the whole answer (one float32 step makes it a float32 answer)
            return same_answer(a, b, precision=precision)

        index = next((i for i in range(4) if not same(_step_answer(value, i), expected[i])), None)
        if index is None:
            return None, None
        return Verdict(_STEP_TEXTS[index], _step_answer(value, index), mistakes=_STEP_MISTAKES[index], same=same,
                       answer=lambda returned: _step_answer(returned, index))

    run = CheckRun("ch02.bias_gradient_steps", bias_gradient_steps, time_limit)
    return run_cases(run, _steps_cases(), _reference_steps, [], judge)


def _step_answer(value, index):
    """Step ``index`` of a returned tuple as float64 (array or float); raises for another kind."""
    return float(value[index]) if index == 3 else np.asarray(value[index], dtype=float)


# --- Exercise 4: the logistic-regression gradient ---------------------------------------------

_GRADIENT_MISTAKES = [
    Mistake("reversed_sign",
            "your gradient points the wrong way (it would make gradient descent climb). dE/dh = yhat - y: "
            "positive when the unit predicts too much.",
            lambda x, y, w, b: tuple(-np.asarray(part) for part in cross_entropy_gradient(x, y, w, b))),
    Mistake("missing_mean",
            "your gradient is N times too large: E is the mean over the batch, so its gradient is the mean "
            "of the per-example gradients (divide by N).",
            lambda x, y, w, b: tuple(len(y) * np.asarray(part) for part in cross_entropy_gradient(x, y, w, b))),
    Mistake("db_missing",
            "dw is right but db is 0. The bias is the weight of a constant input 1, so its gradient is the "
            "mean of (yhat - y) times 1.",
            lambda x, y, w, b: (cross_entropy_gradient(x, y, w, b)[0], 0.0)),
    Mistake("squared_error_gradient",
            "your gradient has the extra factor yhat (1 - yhat): that is the gradient of the squared error. "
            "For cross-entropy the sigmoid's derivative cancels and dE/dh = yhat - y.",
            squared_error_gradient),
    Mistake("forgot_sigmoid",
            "you used the weighted sum h where the prediction yhat = sigma(h) belongs.",
            lambda x, y, w, b: (x.T @ (x @ w + b - y) / len(y), float(np.mean(x @ w + b - y)))),
]


def _gradient_cases():
    x_blobs, y_blobs = overlapping_blobs(n_samples=20, seed=3)
    return [
        Case({"x": np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0], [2.0, 1.0]]), "y": np.array([1, 0, 0, 1]),
              "w": np.array([0.5, -0.25]), "b": 0.1}, "four examples"),
        Case({"x": x_blobs, "y": y_blobs, "w": np.array([1.0, -0.5]), "b": -0.3}, "20 examples"),
        Case({"x": np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0], [-2.0, 1.0, 1.0]]), "y": np.array([0, 1, 1]),
              "w": np.array([0.2, 0.4, -0.6]), "b": 0.7}, "three inputs"),
        Case({"x": x_blobs, "y": y_blobs, "w": np.array([-4.0, -3.0]), "b": 0.0},
             "large weights pointing the wrong way (a saturated unit)"),
    ]


def _gradient_answer(value):
    """A returned (dw, db) as (float array, float); raises for another kind."""
    dw, db = value
    return np.asarray(dw, dtype=float), float(db)


def _gradient_problem(value, n_inputs):
    if isinstance(value, np.ndarray) and value.shape == (n_inputs,):
        return "Expected a pair (dw, db), got one array only.\nHint: is db missing? Return dw, db.", ["db_missing"]
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        return "Expected a pair (dw, db): dw an array like w, db a number.", []
    return array_and_number_problem(*value, (n_inputs,), ("dw", "db")), []


@checks_learner_code
def check_logistic_gradient(logistic_gradient, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``logistic_gradient(x, y, w, b)`` → ``(dw, db)``, the gradient of the mean cross-entropy."""
    def judge(case, value, expected):
        problem, hint_ids = _gradient_problem(value, case.kwargs["x"].shape[1])
        if problem is not None:
            return problem, None, hint_ids
        precision = precision_of(value)

        def same(a, b):
            return same_answer(a, b, precision=precision)

        answer = _gradient_answer(value)
        if same(answer, expected):
            return None, None
        dw_ok, db_ok = same(answer[0], expected[0]), same(answer[1], expected[1])
        where = "dw is right but db is not." if dw_ok else "db is right but dw is not." if db_ok else \
            "Both dw and db differ from the gradient of the mean cross-entropy."
        return Verdict(where, answer, same=same)

    run = CheckRun("ch02.logistic_gradient", logistic_gradient, time_limit)
    return run_cases(run, _gradient_cases(), cross_entropy_gradient, _GRADIENT_MISTAKES, judge,
                     answer=_gradient_answer)


# --- Exercise 5: what one perceptron update does to h, derived ------------------------------------------

def _reference_h_change(x, y, y_hat, eta):
    """(change of h from the new weights, change from the new bias) after one update on (x, y)."""
    step = eta * (y - y_hat)
    return float(step * np.dot(x, x)), float(step)


_H_CHANGE_MISTAKES = {
    "weights": [
        Mistake("norm_not_squared",
                "the weights' part grows like |x|², yours like |x|: w' - w is a multiple of x, and "
                "(w' - w)·x multiplies each input by its own change, x_i times x_i.",
                lambda x, y, y_hat, eta: eta * (y - y_hat) * float(np.linalg.norm(x))),
        Mistake("inputs_not_squared",
                "you added up the inputs once. h = sum_i w_i x_i, so a change of w_i by c x_i changes h by "
                "c x_i times x_i: each input appears twice.",
                lambda x, y, y_hat, eta: eta * (y - y_hat) * float(np.sum(x))),
        Mistake("reversed_sign",
                "the sign is reversed: for a missed positive (y = 1, ŷ = 0) the rule adds η x to w, which must raise h.",
                lambda x, y, y_hat, eta: -eta * (y - y_hat) * float(np.dot(x, x))),
    ],
    "bias": [
        Mistake("bias_part_missing",
                "the bias changes too (it is the weight w_0 of the constant input x_0 = 1), and h contains b: "
                "its change adds to h directly.",
                lambda x, y, y_hat, eta: 0.0),
        Mistake("reversed_sign",
                "the sign is reversed: for a missed positive (y = 1, ŷ = 0) the bias grows, which raises h.",
                lambda x, y, y_hat, eta: -eta * (y - y_hat)),
    ],
}

_H_CHANGE_CASES = [
    Case({"x": np.array([1.0, 2.0]), "y": 1, "y_hat": 0, "eta": 0.5}, "a missed positive"),
    Case({"x": np.array([1.0, -2.0, 0.5]), "y": 0, "y_hat": 1, "eta": 0.1}, "a false positive, three inputs"),
    Case({"x": np.array([3.0, -1.0]), "y": 1, "y_hat": 1, "eta": 1.0}, "already correct"),
    Case({"x": np.array([-1.5]), "y": 0, "y_hat": 1, "eta": 2.0}, "one input, a false positive"),
    Case({"x": np.array([0.5, 0.5, -2.0, 1.0]), "y": 1, "y_hat": 0, "eta": 0.25}, "four inputs, a missed positive"),
]


def _pair_problem(value):
    """What is wrong with the kind of a (weights' part, bias' part) answer, or None."""
    if not (isinstance(value, tuple) and len(value) == 2):
        return ("Expected a tuple (from_weights, from_bias) of two numbers: the change of h due to the new "
                f"weights and the change due to the new bias; got {describe_value(value)}.")
    for part, name in zip(value, ("from_weights", "from_bias")):
        problem = real_number_problem(part, f"{name} a single number")
        if problem is not None:
            return problem
    return None


@checks_learner_code
def check_h_change(h_change, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``h_change(x, y, y_hat, eta)`` → ``(from_weights, from_bias)``: the two parts of h' - h.

    After one perceptron update on the example (x, y) with prediction ŷ, h
    changes by (w' - w)·x + (b' - b) = η(y - ŷ)|x|² + η(y - ŷ), whatever w and b
    were (the function gets neither). Each part is checked on its own, so the
    feedback says which step of the derivation went wrong.

    A chapter 01 rule derived in chapter 02's exercises (beside gradient
    descent, whose one-example step has the same form): chapter 01's graded
    exercises stay the four that the grading suite uses as its fixture
    (tests/test_grading_*.py grade solutions/01 and count its exercises).
    """
    def judge(case, value, expected):
        problem = _pair_problem(value)
        if problem is not None:
            return problem, None
        precision = precision_of(value)

        def same(a, b):
            return same_answer(a, b, precision=precision)

        index = next((i for i in range(2) if not same(float(value[i]), expected[i])), None)
        if index is None:
            return None, None
        part = ("weights", "bias")[index]
        what = ("The change of h due to the new weights, (w' - w)·x, is wrong." if part == "weights" else
                "The weights' part is right, but the change of h due to the new bias, b' - b, is wrong.")
        return Verdict(what, float(value[index]), mistakes=_H_CHANGE_MISTAKES[part], same=same,
                       answer=lambda returned: float(returned[index]))

    run = CheckRun("ch02.h_change", h_change, time_limit)
    return run_cases(run, _H_CHANGE_CASES, _reference_h_change, [], judge)
