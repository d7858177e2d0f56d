"""Checks of the chapter 11 exercises (filter-normalised directions, rescaling a ReLU layer, the rate alpha).

The references are written here in two lines each (the package computes the
same inside ``lecture_lib.topics.flatness.random_direction`` and
``rescaled_relu_layers``, which work on whole models).
"""
from __future__ import annotations

import numpy as np

from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, check_array_cases, check_tuple_cases,
                   checks_learner_code, real_number_problem, run_cases, same_answer)

__all__ = ["check_filter_normalise", "check_rescale_relu_pair", "check_fit_alpha"]


def _same(a, b):
    return same_answer(a, b, rtol=1e-5, atol=1e-7)   # float32 answers (7 digits) are right too


# --- Exercise 1: filter normalisation --------------------------------------------------------------

def _reference_filter_normalise(d, W):
    return d * (np.linalg.norm(W, axis=0) / np.linalg.norm(d, axis=0))


_FILTER_MISTAKES = [
    Mistake("rows_instead_of_columns",
            "you normalised the rows. A unit's filter is its column W[:, j] (the weights INTO unit j, one per "
            "input): take the norms along axis 0.",
            lambda d, W: d * (np.linalg.norm(W, axis=1) / np.linalg.norm(d, axis=1))[:, None]),
    Mistake("whole_matrix",
            "you scaled the whole direction by ||W|| / ||d||. Filter normalisation scales each unit's column "
            "separately, so that every unit is perturbed in proportion to its own weights.",
            lambda d, W: d * (np.linalg.norm(W) / np.linalg.norm(d))),
    Mistake("unit_columns",
            "every column of your answer has length 1: you divided by ||d_j|| but did not multiply by the unit's "
            "weight norm ||W_j||.",
            lambda d, W: d / np.linalg.norm(d, axis=0)),
    Mistake("not_divided",
            "you multiplied by ||W_j|| but did not divide by ||d_j||: the columns must end up with exactly the "
            "length of W's columns.",
            lambda d, W: d * np.linalg.norm(W, axis=0)),
]


def _filter_case(seed, d_in, units, scales, note):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((d_in, units)) * np.asarray(scales)
    return Case({"d": rng.standard_normal((d_in, units)), "W": W}, note)


_FILTER_CASES = [
    _filter_case(1, 3, 2, [1.0, 3.0], "W of shape (3, 2), columns of different scales"),
    _filter_case(2, 4, 3, [0.5, 1.0, 2.0], "W of shape (4, 3)"),
    _filter_case(3, 2, 5, [1.0, 0.1, 10.0, 1.0, 2.0], "W of shape (2, 5): more units than inputs"),
    _filter_case(4, 6, 1, [4.0], "one unit, six inputs"),
]


@checks_learner_code
def check_filter_normalise(filter_normalise, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``filter_normalise(d, W)`` → d with each column rescaled to the norm of W's column."""
    run = CheckRun("ch11.filter_normalise", filter_normalise, time_limit, n_cases=len(_FILTER_CASES))
    return check_array_cases(run, _FILTER_CASES, _reference_filter_normalise, _FILTER_MISTAKES,
                             "the direction (shape of W)",
                             "The columns do not point along d's columns with the lengths of W's columns.", same=_same)


# --- Exercise 2: rescaling a ReLU layer -----------------------------------------------------------

def _reference_rescale(W1, b1, W2, alpha):
    return alpha * W1, alpha * b1, W2 / alpha


_RESCALE_MISTAKES = [
    Mistake("bias_not_scaled",
            "the bias b1 must be scaled with W1: relu(alpha (x W1 + b1)) = alpha relu(x W1 + b1) needs the whole "
            "weighted sum h = x W1 + b1 multiplied by alpha.",
            lambda W1, b1, W2, alpha: (alpha * W1, b1, W2 / alpha)),
    Mistake("both_multiplied",
            "you multiplied both layers by alpha. The second layer must undo the first: divide W2 by alpha.",
            lambda W1, b1, W2, alpha: (alpha * W1, alpha * b1, alpha * W2)),
    Mistake("second_unchanged",
            "W2 is unchanged, so the outputs grow by the factor alpha. Divide W2 by alpha to keep the function.",
            lambda W1, b1, W2, alpha: (alpha * W1, alpha * b1, W2)),
    Mistake("bias_divided",
            "you divided b1 by alpha; it belongs to the first layer's weighted sum and is multiplied by alpha, like W1.",
            lambda W1, b1, W2, alpha: (alpha * W1, b1 / alpha, W2 / alpha)),
]


def _rescale_case(seed, d_in, hidden, out, alpha, note):
    rng = np.random.default_rng(seed)
    return Case({"W1": rng.standard_normal((d_in, hidden)), "b1": rng.standard_normal(hidden),
                 "W2": rng.standard_normal((hidden, out)), "alpha": alpha}, note)


_RESCALE_CASES = [
    _rescale_case(1, 3, 4, 2, 2.0, "alpha = 2"),
    _rescale_case(2, 2, 3, 1, 0.5, "alpha = 0.5"),
    _rescale_case(3, 4, 2, 3, 10.0, "alpha = 10"),
]


@checks_learner_code
def check_rescale_relu_pair(rescale_relu_pair, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``rescale_relu_pair(W1, b1, W2, alpha)`` → ``(alpha W1, alpha b1, W2 / alpha)``."""
    run = CheckRun("ch11.rescale_relu_pair", rescale_relu_pair, time_limit, n_cases=len(_RESCALE_CASES))
    return check_tuple_cases(run, _RESCALE_CASES, _reference_rescale, _RESCALE_MISTAKES, ("W1", "b1", "W2"), _same,
                             not_a_tuple="Expected a tuple (W1, b1, W2) of three arrays.",
                             wrong_answer=_rescale_wrong_answer)


def _rescale_wrong_answer(case, answer, expected):
    x = np.random.default_rng(0).standard_normal((5, case.kwargs["W1"].shape[0]))

    def outputs(W1, b1, W2):
        return np.maximum(x @ W1 + b1, 0) @ W2

    problem = "The rescaled layers are not (alpha W1, alpha b1, W2 / alpha)."
    if not np.allclose(outputs(*answer), outputs(case.kwargs["W1"], case.kwargs["b1"], case.kwargs["W2"])):
        problem += " They compute a different function: the outputs changed."
    return problem


# --- Exercise 3: the approximation rate by least squares on the log-log points -------------------------

def _reference_alpha(n_params, errors):
    x, y = np.log(np.asarray(n_params, dtype=float)), np.log(np.asarray(errors, dtype=float))
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    return float(-slope)


def _slope_of(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))


_ALPHA_MISTAKES = [
    Mistake("returned_slope",
            "you returned the slope of log error against log W. The error FALLS as C W^(-alpha): the slope is "
            "-alpha, so alpha is minus the slope (positive for a method that gets better with W).",
            lambda n_params, errors: _slope_of(np.log(n_params), np.log(errors))),
    Mistake("no_logarithms",
            "you fitted a line to the raw values. A power law error = C W^(-alpha) is a line only on log-log "
            "axes: log error = log C - alpha log W. Fit log(errors) against log(n_params).",
            lambda n_params, errors: -_slope_of(n_params, errors)),
    Mistake("log_of_errors_only",
            "you took the logarithm of the errors but not of W: that fits an exponential C exp(-alpha W). Take "
            "the log of both.",
            lambda n_params, errors: -_slope_of(n_params, np.log(errors))),
    Mistake("two_endpoints",
            "you used only the first and the last point. Least squares uses all points: write the sum of squares "
            "over every (log W, log error) point, set its derivatives by a and b to zero and solve for b.",
            lambda n_params, errors: -float((np.log(errors[-1]) - np.log(errors[0]))
                                            / (np.log(n_params[-1]) - np.log(n_params[0])))),
]


def _alpha_case(seed, W, alpha, C, noise, note):
    rng = np.random.default_rng(seed)
    W = np.asarray(W, dtype=float)
    errors = C * W ** -alpha * np.exp(noise * rng.standard_normal(W.size))
    return Case({"n_params": W, "errors": errors}, note)


_ALPHA_CASES = [
    _alpha_case(1, [10, 100], 2.0, 3.0, 0.0, "two points of an exact power law, alpha = 2"),
    _alpha_case(2, [13, 25, 49, 97, 193], 1.0, 0.5, 0.2, "five noisy points, alpha about 1"),
    _alpha_case(3, [7, 19, 31, 43, 55, 67], 0.5, 2.0, 0.3, "six noisy points, unevenly spaced in log W"),
    _alpha_case(4, [20, 40, 80, 160], -0.5, 1.0, 0.1, "an error that GROWS with W (negative alpha)"),
]


@checks_learner_code
def check_fit_alpha(fit_alpha, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``fit_alpha(n_params, errors)`` → alpha, minus the least-squares slope of log error against log W."""
    run = CheckRun("ch11.fit_alpha", fit_alpha, time_limit, n_cases=len(_ALPHA_CASES))

    def judge(case, value, expected):
        problem = real_number_problem(value, "the rate alpha, a single number")
        if problem is None and not _same(float(value), expected):
            problem = "That is not minus the least-squares slope of log(errors) against log(n_params)."
        return problem, value

    return run_cases(run, _ALPHA_CASES, _reference_alpha, _ALPHA_MISTAKES, judge, _same, first_hint_only=True)
