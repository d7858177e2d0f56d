"""Checks of the chapter 12 exercises (random ReLU features, the minimum-norm solution, ridge derived from the SVD).

The references come from ``lecture_lib.topics.double_descent``. The
minimum-norm check has cases where every least-squares formula agrees
(p < n, well conditioned) and cases where only a solver based on the SVD or
on a QR factorisation gets the right digits: p > n, where phi^T phi is
singular, and nearly singular systems (condition number 1e6, as at the
interpolation threshold p = n), where inverting phi phi^T (condition number
1e12) keeps only about 4 of float64's 16 digits.
"""
from __future__ import annotations

import numpy as np

from ..topics.double_descent import min_norm_solution as _reference_min_norm
from ..topics.double_descent import random_relu_features as _reference_features
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, array_kind_problem, check_array_cases,
                   checks_learner_code, hint_when_call_fails, run_cases, same_answer)

__all__ = ["check_random_relu_features", "check_min_norm_solution", "check_ridge_gradient", "check_ridge_fitted_values"]


# --- Exercise 1: random ReLU features -----------------------------------------------------------

_FEATURE_MISTAKES = [
    Mistake("missing_scaling",
            "your features are relu(x @ W) without the factor 1/sqrt(p): then ||phi_n|| grows with the number "
            "of features p, and one ridge strength would mean something different at every width.",
            lambda x, W: np.maximum(x @ W, 0)),
    Mistake("divided_by_p",
            "you divided by p; the scaling is 1/sqrt(p) (p = W.shape[1]), which keeps the squared norm of a "
            "feature row about constant.",
            lambda x, W: np.maximum(x @ W, 0) / W.shape[1]),
    Mistake("divided_by_root_d",
            "you divided by the square root of the input width D = W.shape[0]; the features are scaled by "
            "1/sqrt(p) with p = W.shape[1], the number of features.",
            lambda x, W: np.maximum(x @ W, 0) / np.sqrt(W.shape[0])),
    Mistake("relu_before_weights",
            "you applied the ReLU to the inputs and then multiplied by W, relu(x) @ W. The hidden units compute "
            "h = x @ W first and then g = relu(h): the nonlinearity comes after the weighted sum.",
            lambda x, W: np.maximum(x, 0) @ W / np.sqrt(W.shape[1])),
    Mistake("missing_relu",
            "negative values remain: apply the ReLU, max(0, h), to h = x @ W before scaling. Without it the "
            "features are linear in x and p > D of them are linearly dependent.",
            lambda x, W: (x @ W) / np.sqrt(W.shape[1])),
]


def _feature_case(seed, n, d, p, note):
    rng = np.random.default_rng(seed)
    return Case({"x": rng.standard_normal((n, d)), "W": rng.standard_normal((d, p)) / np.sqrt(d)}, note)


_FEATURE_CASES = [
    _feature_case(1, 4, 3, 5, "4 examples, d = 3, p = 5"),
    _feature_case(2, 3, 5, 2, "3 examples, d = 5, p = 2"),
    _feature_case(3, 6, 4, 16, "6 examples, d = 4, p = 16"),
    _feature_case(4, 1, 2, 9, "one example, d = 2, p = 9"),
]


def _same_features(a, b):
    return same_answer(a, b, rtol=1e-5, atol=1e-6)   # float32 features (7 digits) are right too


@checks_learner_code
def check_random_relu_features(random_relu_features, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``random_relu_features(x, W)`` → relu(x @ W) / sqrt(p), shape (N, p)."""
    run = CheckRun("ch12.random_relu_features", random_relu_features, time_limit, n_cases=len(_FEATURE_CASES))
    return check_array_cases(run, _FEATURE_CASES, _reference_features, _FEATURE_MISTAKES,
                             "the features phi, one row per example and one column per feature",
                             "The features are not relu(x @ W) / sqrt(p).", same=_same_features)


# --- Exercise 2: the minimum-norm solution ---------------------------------------------------------

def _normal_equations(phi, y):
    return np.linalg.inv(phi.T @ phi) @ phi.T @ y


def _gram_inverse(phi, y):
    return phi.T @ np.linalg.inv(phi @ phi.T) @ y


def _lstsq_tuple(phi, y):
    return np.linalg.lstsq(phi, y, rcond=None)


def _predictions(phi, y):
    return phi @ np.linalg.lstsq(phi, y, rcond=None)[0]


def _lstsq_cutoff(phi, y):
    return np.linalg.lstsq(phi, y, rcond=1e-4)[0]


def _pinv_gram(phi, y):
    return np.linalg.pinv(phi.T @ phi) @ phi.T @ y


def _solve_gram(phi, y):
    return phi.T @ np.linalg.solve(phi @ phi.T, y)


def _ridge(phi, y):
    return np.linalg.solve(phi.T @ phi + 1e-3 * np.eye(phi.shape[1]), phi.T @ y)


_MIN_NORM_MISTAKES = [
    Mistake("normal_equations",
            "this is the normal-equation formula (phi^T phi)^{-1} phi^T y. For p > n, phi^T phi (p x p) has rank "
            "n < p: it is singular, and its 'inverse' is rounding noise. Use a least-squares solver, "
            "np.linalg.lstsq(phi, y, rcond=None)[0], or the pseudo-inverse np.linalg.pinv(phi) @ y.",
            _normal_equations),
    Mistake("gram_inverse",
            "this is phi^T (phi phi^T)^{-1} y with an explicit inverse. It is right in exact arithmetic, but "
            "phi phi^T has the SQUARED condition number of phi (here 1e12), so inv() keeps only about 4 of "
            "float64's 16 digits. Let a solver work on phi itself: np.linalg.lstsq(phi, y, rcond=None)[0] or np.linalg.pinv.",
            _gram_inverse),
    Mistake("lstsq_cutoff",
            "lstsq with rcond=1e-4 treats every singular value below 1e-4 times the largest as 0, so the small "
            "directions of phi are dropped and the fit is no longer exact. Use rcond=None (the cut-off at machine "
            "precision) for the minimum-norm least-squares solution.",
            _lstsq_cutoff),
    Mistake("pinv_of_gram",
            "pinv(phi^T phi) @ phi^T @ y is the minimum-norm solution in exact arithmetic, but phi^T phi has the "
            "SQUARED condition number of phi (here 1e12): pinv cuts or amplifies its smallest singular values and "
            "keeps only a few digits. Apply the pseudo-inverse to phi itself: np.linalg.pinv(phi) @ y.",
            _pinv_gram),
    Mistake("solve_gram",
            "phi^T solve(phi phi^T, y) is right in exact arithmetic for p >= n, but phi phi^T has the SQUARED "
            "condition number of phi (here 1e12), so a solver on it keeps only about 4 of 16 digits (and fails "
            "for p < n, where phi phi^T is singular). Let a solver work on phi itself: "
            "np.linalg.lstsq(phi, y, rcond=None)[0].",
            _solve_gram),
    Mistake("lstsq_tuple",
            "np.linalg.lstsq returns a tuple (w, residuals, rank, singular_values); return only its first "
            "element, w.",
            _lstsq_tuple),
    Mistake("predictions",
            "you returned the fitted outputs phi @ w (one row per example). The exercise asks for the weights w, "
            "one row per feature.",
            _predictions),
    Mistake("ridge",
            "this is a ridge solution (a small lam * I added): close, but not the minimum-norm solution, "
            "which is the limit lam -> 0.",
            _ridge),
]


def _conditioned(seed, n, p, condition, c=None):
    """phi : (n, p) = U diag(s) V^T with singular values log-spaced from 1 down to 1/condition."""
    rng = np.random.default_rng(seed)
    r = min(n, p)
    U = np.linalg.qr(rng.standard_normal((n, r)))[0]
    V = np.linalg.qr(rng.standard_normal((p, r)))[0]
    phi = U @ np.diag(np.geomspace(1.0, 1.0 / condition, r)) @ V.T
    y = rng.standard_normal((n,) if c is None else (n, c))
    return {"phi": phi, "y": y}


_MIN_NORM_CASES = [
    Case(_conditioned(1, 8, 3, 10.0), "n = 8 examples, p = 3 features (p < n: one least-squares solution)"),
    Case(_conditioned(2, 6, 4, 10.0, c=3), "n = 6, p = 4, three outputs: y of shape (6, 3)"),
    Case(_conditioned(3, 4, 9, 10.0, c=2), "n = 4, p = 9 (p > n: infinitely many exact fits)"),
    Case(_conditioned(4, 5, 12, 1e6, c=2), "n = 5, p = 12, nearly singular: condition number 1e6"),
    Case(_conditioned(5, 6, 6, 1e6, c=3), "n = p = 6 (the interpolation threshold), condition number 1e6"),
]

# The nearly singular cases determine w to about condition * eps = 1e-10 (relative); a formula that squares
# the condition number is off by about 1e-4. The tolerance lies between the two.
_RTOL, _ATOL = 1e-6, 1e-9


def _same_weights(a, b):
    return same_answer(a, b, rtol=_RTOL, atol=_ATOL)


@checks_learner_code
def check_min_norm_solution(min_norm_solution, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``min_norm_solution(phi, y)`` → the least-squares w of smallest norm, shape (p,) or (p, C)."""
    def judge(case, value, expected):
        problem = array_kind_problem(value, expected.shape, "the weights w, one row per feature (column of phi)")
        if problem is None and _same_weights(value, expected):
            return None, None
        if problem is None:
            problem = "The weights are not the least-squares solution of smallest norm."
            phi, y = case.kwargs["phi"], case.kwargs["y"]
            if np.allclose(phi @ np.asarray(value, dtype=float), y, atol=1e-6) and phi.shape[1] > phi.shape[0]:
                problem += (" They do fit the data exactly, but there are infinitely many such w when p > n; "
                            "you need the one with the smallest norm ||w||.")
        return problem, value

    call_hints = hint_when_call_fails(
        "normal_equations", "np.linalg.inv refused a singular matrix: for p > n, phi^T phi "
        "has rank n < p and no inverse. The minimum-norm solution needs no inverse: "
        "np.linalg.lstsq(phi, y, rcond=None)[0] or np.linalg.pinv(phi) @ y.",
        error_mentions="Singular matrix")

    run = CheckRun("ch12.min_norm_solution", min_norm_solution, time_limit)
    return run_cases(run, _MIN_NORM_CASES, _reference_min_norm, _MIN_NORM_MISTAKES, judge, _same_weights,
                     call_hints=call_hints, first_hint_only=True)


# --- Exercise 3: ridge from the SVD, derived in two steps -------------------------------------------
# The chapter prints the factor ridge gives each singular direction of the WEIGHTS (section 4). The
# exercise asks for something it does not print: the gradient of the ridge loss (the first step of the
# derivation) and the fitted values phi w from U and the singular values alone (its result), whose
# factor per direction has one power of the singular value more than the weights' factor.

def _reference_ridge_gradient(phi, y, w, lam):
    return 2.0 * (phi.T @ (phi @ w - y)) + 2.0 * lam * w


def _gradient_variant(data_factor, penalty_factor, sign=1.0):
    def variant(phi, y, w, lam):
        return sign * data_factor * (phi.T @ (phi @ w - y)) + penalty_factor * lam * w
    return variant


_GRADIENT_MISTAKES = [
    Mistake("half_gradient",
            "your answer is exactly half the gradient. Differentiate each square again: (phi_n w - y_n)^2 and "
            "w_i^2 each bring down a factor 2 (a 1/2 in front of the loss would cancel it, but this E has none).",
            _gradient_variant(1.0, 1.0)),
    Mistake("penalty_not_doubled",
            "the data term is right, but the penalty's is not: differentiate lam ||w||^2 = lam sum_i w_i^2 "
            "with respect to one w_i.",
            _gradient_variant(2.0, 1.0)),
    Mistake("penalty_missing",
            "this is the gradient of ||phi w - y||^2 alone: the penalty lam ||w||^2 depends on w too and adds "
            "a term of its own.",
            _gradient_variant(2.0, 0.0)),
    Mistake("data_term_half",
            "the penalty term is right, but the data term is half of what it should be: the derivative of "
            "a square (phi_n w - y_n)^2 brings down a factor 2.",
            _gradient_variant(1.0, 2.0)),
    Mistake("data_term_mean",
            "your data term is divided by the number of examples N, as for a mean squared error. This E is "
            "the sum ||phi w - y||^2 with no 1/N in front: differentiate it as it stands.",
            lambda phi, y, w, lam: 2.0 * (phi.T @ (phi @ w - y)) / phi.shape[0] + 2.0 * lam * w),
    Mistake("residual_sign",
            "the data term has the wrong sign: the chain rule on (phi_n w - y_n)^2 gives the residual "
            "phi_n w - y_n (prediction minus target), not y_n - phi_n w.",
            _gradient_variant(2.0, 2.0, sign=-1.0)),
]


def _gradient_case(seed, n, p, lam, c=None, note=""):
    rng = np.random.default_rng(seed)
    system = _conditioned(seed, n, p, 10.0, c)
    w = rng.standard_normal((p,) if c is None else (p, c))
    return Case({**system, "w": w, "lam": lam}, note)


_GRADIENT_CASES = [
    _gradient_case(31, 6, 3, 0.5, note="n = 6, p = 3, one output, lam = 0.5"),
    _gradient_case(32, 4, 7, 2.0, c=2, note="n = 4, p = 7 (p > n), two outputs, lam = 2"),
    _gradient_case(33, 5, 5, 0.1, c=3, note="n = p = 5, three outputs, lam = 0.1"),
]


def _same_gradient(a, b):
    return same_answer(a, b, rtol=1e-5, atol=1e-6)   # well conditioned: float32 (7 digits) is right too


@checks_learner_code
def check_ridge_gradient(ridge_gradient, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``ridge_gradient(phi, y, w, lam)`` → the gradient of ||phi w - y||^2 + lam ||w||^2 at w."""
    run = CheckRun("ch12.ridge_gradient", ridge_gradient, time_limit, n_cases=len(_GRADIENT_CASES))
    return check_array_cases(run, _GRADIENT_CASES, _reference_ridge_gradient, _GRADIENT_MISTAKES,
                             "the gradient, one row per weight (the shape of w)",
                             "This is not the gradient of ||phi w - y||^2 + lam ||w||^2 at w.",
                             same=_same_gradient, first_hint_only=True)


def _reference_fitted(U, s, y, lam):
    return _fitted_with(lambda s, lam: s * s / (s * s + lam))(U, s, y, lam)


def _fitted_with(factor):
    def variant(U, s, y, lam):
        f = factor(np.asarray(s, dtype=float), lam)
        coefficients = U.T @ y                                   # (r,) or (r, C): y along each direction u_i
        return U @ (f[:, None] * coefficients if np.ndim(y) == 2 else f * coefficients)
    return variant


def _outside_part_kept(U, s, y, lam):
    """y minus ridge's shrinkage along each u_i: right only when U is square (p >= n)."""
    f = np.asarray(s, dtype=float)
    shrunk = lam / (f * f + lam)
    coefficients = U.T @ y
    return y - U @ (shrunk[:, None] * coefficients if np.ndim(y) == 2 else shrunk * coefficients)


_FITTED_MISTAKES = [
    Mistake("weights_factor",
            "you used s / (s^2 + lam), the factor of the WEIGHTS along each direction v_i (the one the chapter "
            "prints in section 4). The exercise asks for the fitted values phi w: write phi with its SVD and "
            "see what it does to the weights' coordinates V^T w.",
            _fitted_with(lambda s, lam: s / (s * s + lam))),
    Mistake("lam_ignored",
            "this is U U^T y, the fitted values of the minimum-norm (lam = 0) solution: every direction "
            "kept whole. Ridge shrinks direction i by a factor that depends on s_i and lam: set your gradient "
            "of step 1 to zero and write the equations in the coordinates c = V^T w.",
            _fitted_with(lambda s, lam: np.ones_like(s))),
    Mistake("residual_factor",
            "you used lam / (s^2 + lam): that is the part of y along u_i that ridge leaves OUT of the fit "
            "(it belongs to the residual y - phi w). The exercise asks for the fitted values phi w themselves.",
            _fitted_with(lambda s, lam: lam / (s * s + lam))),
    Mistake("outside_part_kept",
            "your answer is right when U is square, but not here: U has fewer columns than rows (p < n), and "
            "the part of y outside the columns of U cannot be fitted by any w (phi w always lies in their span). "
            "It belongs to the residual, not to the fitted values.",
            _outside_part_kept),
    Mistake("lam_added_to_s",
            "you used s / (s + lam) (from a factor 1 / (s + lam) for the weights). Look again at the equations "
            "of step 1 in the coordinates c = V^T w: phi^T phi contributes s_i^2 to direction i, and the "
            "penalty's lam is added to that.",
            _fitted_with(lambda s, lam: s / (s + lam))),
    Mistake("lam_squared",
            "you used s^2 / (s^2 + lam^2). The penalty lam ||w||^2 adds lam (not lam^2) to each s^2.",
            _fitted_with(lambda s, lam: s * s / (s * s + lam * lam))),
]


def _fitted_case(seed, n, p, condition, lam, c=None, note=""):
    system = _conditioned(seed, n, p, condition, c)
    U, s, _ = np.linalg.svd(system["phi"], full_matrices=False)
    return Case({"U": U, "s": s, "y": system["y"], "lam": lam}, note)


_FITTED_CASES = [
    _fitted_case(41, 8, 3, 10.0, 0.5, note="n = 8, r = 3 singular values (p < n), lam = 0.5"),
    _fitted_case(42, 4, 9, 10.0, 0.1, c=2, note="n = 4 (p = 9 > n: r = 4), two outputs, lam = 0.1"),
    _fitted_case(43, 6, 6, 1e6, 1e-4, c=3,
                 note="n = p = 6, singular values from 1 down to 1e-6, lam = 1e-4, three outputs"),
]


@checks_learner_code
def check_ridge_fitted_values(ridge_fitted_values, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``ridge_fitted_values(U, s, y, lam)`` → phi w of the ridge solution, shape of y."""
    def judge(case, value, expected):
        problem = array_kind_problem(value, expected.shape,
                                     "the fitted values phi w, one row per example (the shape of y)")
        if problem is None and not _same_gradient(value, expected):
            problem = "These are not the fitted values phi w of the ridge solution."
        return problem, value

    call_hints = hint_when_call_fails(
        "factor_not_broadcast", "with y of shape (N, C), U^T y has shape (r, C) but one "
        "factor per direction has shape (r,): NumPy cannot multiply them elementwise. Give "
        "the factors a column axis, factors[:, None], or multiply by np.diag(factors) "
        "from the left.", error_mentions="broadcast")

    run = CheckRun("ch12.ridge_fitted_values", ridge_fitted_values, time_limit, n_cases=len(_FITTED_CASES))
    return run_cases(run, _FITTED_CASES, _reference_fitted, _FITTED_MISTAKES, judge, _same_gradient,
                     call_hints=call_hints, first_hint_only=True)
