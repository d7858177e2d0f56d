"""Checks of the chapter 12 exercises (random ReLU features, the minimum-norm solution, ridge from the SVD).

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
                   checks_learner_code, run_cases, same_answer)

__all__ = ["check_random_relu_features", "check_min_norm_solution", "check_ridge_from_svd"]


# --- Exercise 1: random ReLU features -----------------------------------------------------------

_FEATURE_MISTAKES = [
    Mistake("missing_scaling",
            "your features are relu(a @ W) without the factor 1/sqrt(p): then ||phi_n|| grows with the number "
            "of features p, and one ridge strength would mean something different at every width.",
            lambda a, W: np.maximum(a @ W, 0)),
    Mistake("divided_by_p",
            "you divided by p; the scaling is 1/sqrt(p) (p = W.shape[1]), which keeps the squared norm of a "
            "feature row about constant.",
            lambda a, W: np.maximum(a @ W, 0) / W.shape[1]),
    Mistake("divided_by_root_d",
            "you divided by the square root of the input width d = W.shape[0]; the features are scaled by "
            "1/sqrt(p) with p = W.shape[1], the number of features.",
            lambda a, W: np.maximum(a @ W, 0) / np.sqrt(W.shape[0])),
    Mistake("relu_before_weights",
            "you applied the ReLU to the inputs and then multiplied by W, relu(a) @ W. The hidden units compute "
            "h = a @ W first and then g = relu(h): the nonlinearity comes after the weighted sum.",
            lambda a, W: np.maximum(a, 0) @ W / np.sqrt(W.shape[1])),
    Mistake("missing_relu",
            "negative values remain: apply the ReLU, max(0, h), to h = a @ W before scaling. Without it the "
            "features are linear in a and p > d of them are linearly dependent.",
            lambda a, W: (a @ W) / np.sqrt(W.shape[1])),
]


def _feature_case(seed, n, d, p, note):
    rng = np.random.default_rng(seed)
    return Case({"a": rng.standard_normal((n, d)), "W": rng.standard_normal((d, p)) / np.sqrt(d)}, note)


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
    """Check ``random_relu_features(a, W)`` → relu(a @ W) / sqrt(p), shape (N, p)."""
    run = CheckRun("ch12.random_relu_features", random_relu_features, time_limit, n_cases=len(_FEATURE_CASES))
    return check_array_cases(run, _FEATURE_CASES, _reference_features, _FEATURE_MISTAKES,
                             "the features phi, one row per example and one column per feature",
                             "The features are not relu(a @ W) / sqrt(p).", same=_same_features)


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

    def call_hints(run):
        if not any("Singular matrix" in line for line in run.feedback):
            return []
        return [("normal_equations", "np.linalg.inv refused a singular matrix: for p > n, phi^T phi has rank n < p "
                 "and no inverse. The minimum-norm solution needs no inverse: np.linalg.lstsq(phi, y, rcond=None)[0] "
                 "or np.linalg.pinv(phi) @ y.")]

    run = CheckRun("ch12.min_norm_solution", min_norm_solution, time_limit)
    return run_cases(run, _MIN_NORM_CASES, _reference_min_norm, _MIN_NORM_MISTAKES, judge, _same_weights,
                     call_hints=call_hints, first_hint_only=True)


# --- Exercise 3: the ridge solution from the SVD ---------------------------------------------------------

def _reference_ridge(phi, y, lam):
    U, s, Vt = np.linalg.svd(phi, full_matrices=False)
    factors = s / (s * s + lam)
    return Vt.T @ (factors[:, None] * (U.T @ y)) if np.ndim(y) == 2 else Vt.T @ (factors * (U.T @ y))


def _svd_variant(factor):
    def variant(phi, y, lam):
        U, s, Vt = np.linalg.svd(phi, full_matrices=False)
        f = factor(s, lam)
        return Vt.T @ (f[:, None] * (U.T @ y)) if np.ndim(y) == 2 else Vt.T @ (f * (U.T @ y))
    return variant


_RIDGE_MISTAKES = [
    Mistake("lam_added_to_s",
            "you used 1 / (s + lam). Ridge changes each direction's factor 1/s into s / (s^2 + lam): set the "
            "gradient of ||phi w - y||^2 + lam ||w||^2 to zero and write phi = U diag(s) V^T.",
            _svd_variant(lambda s, lam: 1.0 / (s + lam))),
    Mistake("lam_ignored",
            "this is the minimum-norm solution, factor 1/s: lam is missing. With ridge the factor is "
            "s / (s^2 + lam), which never exceeds 1 / (2 sqrt(lam)).",
            _svd_variant(lambda s, lam: 1.0 / s)),
    Mistake("lam_squared",
            "you used s / (s^2 + lam^2). The penalty lam ||w||^2 adds lam (not lam^2) to each s^2.",
            _svd_variant(lambda s, lam: s / (s * s + lam * lam))),
    Mistake("s_squared_over",
            "you used s^2 / (s^2 + lam): that is the factor by which ridge shrinks the FITTED values along each "
            "direction. The weights get s / (s^2 + lam) (one factor s fewer).",
            _svd_variant(lambda s, lam: s * s / (s * s + lam))),
]

_RIDGE_CASES = [
    Case({**_conditioned(11, 8, 3, 10.0), "lam": 0.5}, "n = 8, p = 3, lam = 0.5"),
    Case({**_conditioned(12, 4, 9, 10.0, c=2), "lam": 0.1}, "n = 4, p = 9 (p > n), two outputs, lam = 0.1"),
    Case({**_conditioned(13, 6, 6, 1e6, c=3), "lam": 1e-4}, "n = p = 6, condition number 1e6, lam = 1e-4"),
]


@checks_learner_code
def check_ridge_from_svd(ridge_from_svd, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``ridge_from_svd(phi, y, lam)`` → w minimising ||phi w - y||^2 + lam ||w||^2, shape (p,) or (p, C)."""
    run = CheckRun("ch12.ridge_from_svd", ridge_from_svd, time_limit, n_cases=len(_RIDGE_CASES))
    return check_array_cases(run, _RIDGE_CASES, _reference_ridge, _RIDGE_MISTAKES,
                             "the weights w, one row per feature (column of phi)",
                             "The weights do not minimise ||phi w - y||^2 + lam ||w||^2.", same=_same_weights,
                             first_hint_only=True)
