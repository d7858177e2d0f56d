"""Checks of the chapter 10 exercises: the backward pass of the residual block
h' = h + relu(h W1 + b1) W2 + b2, first along the branch step by step, then the whole block;
and the variance a block with its branch scaled by alpha adds at initialisation, step by step,
then the branch scale that keeps a given number of blocks within a given growth.

The reference answer comes from ``lecture_lib.topics.deep_training.residual_block_backward``
(the closed form); the typical mistakes are the wrong variants defined here.
Notation: dout = epsilon' = dE/dh'; h1 = h W1 + b1 the branch's weighted sum, g1 = relu(h1);
eps1 = dE/dh1 the branch's first error term. Exercise 3's references (``_variance_steps_reference``,
``_branch_scale_reference``) are written here, not in the package, so that the chapter does not
hand the learner the result; tests/test_checks_ch10.py holds them against the engine's measured growth.
"""
from __future__ import annotations

import numpy as np

from ..topics.deep_training import residual_block_backward as _reference
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, check_tuple_cases, checks_learner_code, describe_value,
                   real_number_problem, run_cases, same_answer)

__all__ = ["check_branch_steps", "check_residual_block_backward", "check_block_variance_steps",
           "check_branch_scale_for"]


def _same(answer, expected):
    """``same_answer``: float64's tolerance, or float32's grown 16 times when (part of) the answer is float32."""
    return same_answer(answer, expected, condition=16)


def _case(seed, n, d, k, note, step=False):
    rng = np.random.default_rng(seed)
    kwargs = {"dout": rng.normal(size=(n, d)).round(2), "h": rng.normal(size=(n, d)).round(2),
              "W1": rng.normal(0, 0.7, (d, k)).round(2), "b1": rng.normal(0, 0.3, k).round(2),
              "W2": rng.normal(0, 0.7, (k, d)).round(2), "b2": rng.normal(0, 0.3, d).round(2)}
    if step:
        del kwargs["b2"]
    return Case(kwargs, note)


# The first case has as many hidden units as inputs (K = D), so that answers with a transposed
# matrix still have the right shape there and get their hint; the others have K != D.
_SPECS = [(31, 3, 2, 2, "3 examples, width 2, 2 hidden units"), (32, 4, 3, 5, "4 examples, width 3, 5 hidden units"),
          (33, 1, 4, 3, "one example, width 4, 3 hidden units"), (34, 6, 5, 2, "6 examples, width 5, 2 hidden units")]


def _steps_reference(dout, h, W1, b1, W2):
    h1 = h @ W1 + b1
    dg1 = dout @ W2.T
    eps1 = dg1 * (h1 > 0)
    return dg1, eps1, eps1 @ W1.T


# --- Exercise 1: along the branch, step by step -----------------------------------------------------

def _steps_variant(w2="W2.T", relu_prime="h1", w1="W1.T", identity=False):
    def variant(dout, h, W1, b1, W2):
        h1 = h @ W1 + b1
        dg1 = dout @ (W2.T if w2 == "W2.T" else W2)
        eps1 = dg1 * (h1 > 0) if relu_prime == "h1" else dg1 * (h > 0) if relu_prime == "h" else dg1.copy()
        branch = eps1 @ (W1.T if w1 == "W1.T" else W1)
        return dg1, eps1, branch + dout if identity else branch
    return variant


_STEP_MISTAKES = [
    Mistake("W2_not_transposed",
            "dE/dg1 goes back through W2 transposed: f = g1 W2 + b2, so dE/dg1 = dout W2^T, shape (N, K).",
            _steps_variant(w2="W2")),
    Mistake("missing_relu_derivative",
            "eps1 = dE/dh1 needs the ReLU's derivative: g1 = relu(h1), so eps1 = dE/dg1 * relu'(h1), with "
            "relu'(h1) = 1 where h1 > 0 and 0 elsewhere.",
            _steps_variant(relu_prime=None)),
    Mistake("relu_derivative_of_the_input",
            "relu' is taken at the block's input h; it belongs at the branch's weighted sum h1 = h W1 + b1.",
            _steps_variant(relu_prime="h")),
    Mistake("W1_not_transposed",
            "the branch's error goes back to h through W1 transposed: h1 = h W1 + b1, so its part of dE/dh is "
            "eps1 W1^T.",
            _steps_variant(w1="W1")),
    Mistake("identity_path_included",
            "the third value is the BRANCH's part of dE/dh only, eps1 W1^T; the identity path's dout is added in "
            "Exercise 2.",
            _steps_variant(identity=True)),
]
_STEP_CASES = [_case(*spec, step=True) for spec in _SPECS]


@checks_learner_code
def check_branch_steps(branch_steps, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``branch_steps(dout, h, W1, b1, W2)`` → ``(dE/dg1, eps1, the branch's part of dE/dh)``."""
    run = CheckRun("ch10.branch_steps", branch_steps, time_limit, n_cases=len(_STEP_CASES))
    return check_tuple_cases(run, _STEP_CASES, _steps_reference, _STEP_MISTAKES, ("dE/dg1", "eps1", "the branch's dE/dh"),
                             _same, not_a_tuple="Expected a tuple (dg1, eps1, dh_branch).")


# --- Exercise 2: the whole block ---------------------------------------------------------------------

def _block_variant(identity=True, branch=True, relu_prime=True, dW2_input="g1", dW1_transposed=False,
                   w1="W1.T"):
    def variant(dout, h, W1, b1, W2, b2):
        h1 = h @ W1 + b1
        g1 = np.maximum(h1, 0)
        eps1 = (dout @ W2.T) * (h1 > 0) if relu_prime else dout @ W2.T
        back = eps1 @ (W1.T if w1 == "W1.T" else W1)
        dh = (dout if identity else 0) + (back if branch else 0)
        dW1 = eps1.T @ h if dW1_transposed else h.T @ eps1
        dW2 = (g1 if dW2_input == "g1" else h1 if dW2_input == "h1" else h).T @ dout
        return np.asarray(dh, dtype=float), dW1, eps1.sum(axis=0), dW2, dout.sum(axis=0)
    return variant


_BLOCK_MISTAKES = [
    Mistake("forgot_identity_path",
            "dh is only the branch's gradient. h' = h + f(h): the identity path adds dE/dh' itself, so "
            "dh = dout + (the branch's dE/dh). The block's backward ADDS its two paths.",
            _block_variant(identity=False)),
    Mistake("forgot_branch_path",
            "dh is dout unchanged: that is the identity path alone. The branch f(h) depends on h too and adds "
            "eps1 W1^T (your branch_steps).",
            _block_variant(branch=False)),
    Mistake("missing_relu_derivative",
            "the ReLU's derivative is missing: the error reaches h1 = h W1 + b1 only where h1 > 0, so "
            "eps1 = (dout W2^T) * (h1 > 0).",
            _block_variant(relu_prime=False)),
    Mistake("dW2_from_the_block_input",
            "dW2 is built from the block's input h; the second layer's input is g1 = relu(h W1 + b1), so "
            "dW2 = g1^T dout.",
            _block_variant(dW2_input="h")),
    Mistake("dW2_from_the_weighted_sum",
            "dW2 is built from h1 = h W1 + b1, before the ReLU; the second layer's input is g1 = relu(h1).",
            _block_variant(dW2_input="h1")),
    Mistake("transposed_gradient",
            "dW1 is transposed: dW1[i, j] = dE/dW1_ij = sum_n h_ni eps1_nj, i.e. h^T eps1, with the shape of W1.",
            _block_variant(dW1_transposed=True)),
    Mistake("transposed_weights",
            "the error goes back to h through W1 transposed: h1 = h W1, so the branch's dE/dh is eps1 W1^T.",
            _block_variant(w1="W1")),
]
_BLOCK_CASES = [_case(*spec) for spec in _SPECS]


@checks_learner_code
def check_residual_block_backward(residual_block_backward, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``residual_block_backward(dout, h, W1, b1, W2, b2)`` → ``(dh, dW1, db1, dW2, db2)``."""
    run = CheckRun("ch10.residual_block_backward", residual_block_backward, time_limit, n_cases=len(_BLOCK_CASES))
    return check_tuple_cases(run, _BLOCK_CASES, _reference, _BLOCK_MISTAKES, ("dh", "dW1", "db1", "dW2", "db2"), _same)


# --- Exercise 3: the variance a scaled branch adds ----------------------------------------------------
# One block h' = h + relu(h W1) W2 at initialisation: h's D entries mean 0, variance v; W1 (D, K)
# entries mean 0, variance 2/D (He); W2 (K, D) entries mean 0, variance alpha^2 / K (the last layer's
# weights scaled by the branch scale alpha); all independent, biases 0.

def _variance_steps_reference(v, D, K, alpha):
    var_h1 = D * (2.0 / D) * v  # D terms Var(W1) E[h^2]
    ms_g1 = 0.5 * var_h1  # relu keeps the positive half of a symmetric h1: E[g1^2] = Var(h1) / 2
    var_f = K * (alpha ** 2 / K) * ms_g1  # K terms Var(W2) E[g1^2]
    return var_h1, ms_g1, var_f, v + var_f  # f is uncorrelated with h: the variances add


def _steps_variant(var_h1=None, ms_g1=None, var_f=None, var_out=None):
    """The reference with one step done wrong (each argument: a function of (v, D, K, alpha, previous steps))."""
    def variant(v, D, K, alpha):
        a = var_h1(v, D) if var_h1 else 2.0 * v
        b = ms_g1(a) if ms_g1 else 0.5 * a
        c = var_f(b, D, K, alpha) if var_f else alpha ** 2 * b
        d = var_out(v, c) if var_out else v + c
        return a, b, c, d
    return variant


_VARIANCE_MISTAKES = [
    Mistake("he_factor_missing",
            "Var(h1): each of the D terms h_i W1_ik contributes Var(W1) E[h_i^2] = (2/D) v; the 2 of He's "
            "variance is part of Var(W1).",
            _steps_variant(var_h1=lambda v, D: v)),
    Mistake("sum_not_counted",
            "Var(h1): h1_k = sum over the D inputs of h_i W1_ik, so D terms of (2/D) v are added, not one.",
            _steps_variant(var_h1=lambda v, D: 2.0 * v / D)),
    Mistake("relu_keeps_everything",
            "E[g1^2]: relu sets the negative half of the symmetric h1 to 0, so only half of E[h1^2] is left.",
            _steps_variant(ms_g1=lambda a: a)),
    Mistake("variance_of_relu_not_mean_square",
            "E[g1^2] is asked for, not Var(g1): relu's output is never negative, its mean is not 0, and the "
            "next weighted sum needs the mean square E[g1^2] (fact (i)).",
            _steps_variant(ms_g1=lambda a: a * (0.5 - 1.0 / (2.0 * np.pi)))),
    Mistake("alpha_not_squared",
            "Var(f): the weights W2 have variance alpha^2 / K; scaling weights by alpha scales their variance "
            "by alpha squared.",
            _steps_variant(var_f=lambda b, D, K, alpha: alpha * b)),
    Mistake("sum_over_the_wrong_units",
            "Var(f): f_j = sum over the K hidden units of g1_k W2_kj: K terms of (alpha^2 / K) E[g1^2], not D.",
            _steps_variant(var_f=lambda b, D, K, alpha: D * alpha ** 2 / K * b)),
    Mistake("identity_path_missing",
            "Var(h'): h' = h + f(h); the identity path's h is part of the output, so its variance v is added.",
            _steps_variant(var_out=lambda v, c: c)),
    Mistake("standard_deviations_added",
            "Var(h'): for uncorrelated h and f the VARIANCES add; you added the standard deviations and squared.",
            _steps_variant(var_out=lambda v, c: (np.sqrt(v) + np.sqrt(c)) ** 2)),
]

_VARIANCE_CASES = [
    Case({"v": 0.5, "D": 10, "K": 30, "alpha": 0.3}, "v = 0.5, 10 inputs, 30 hidden units, alpha = 0.3"),
    Case({"v": 1.0, "D": 64, "K": 64, "alpha": 1.0}, "the chapter's unscaled block: 64 units, alpha = 1"),
    Case({"v": 2.0, "D": 30, "K": 12, "alpha": 0.1}, "v = 2, 30 inputs, 12 hidden units, alpha = 0.1"),
    Case({"v": 0.25, "D": 5, "K": 8, "alpha": 2.0}, "alpha = 2: a branch larger than He's"),
]
_STEP_NAMES = ("Var(h1)", "E[g1^2]", "Var(f)", "Var(h')")


def _steps_problem(value):
    """What is wrong with the kind of a 4-number answer, or None."""
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        return f"Expected a tuple of four numbers (var_h1, ms_g1, var_f, var_out), got {describe_value(value)}."
    for name, number in zip(_STEP_NAMES, value):
        problem = real_number_problem(number, name)
        if problem:
            return problem
    return None


def _same_number(a, b):
    return same_answer(a, b, rtol=1e-6, atol=1e-12)


@checks_learner_code
def check_block_variance_steps(block_variance_steps, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``block_variance_steps(v, D, K, alpha)`` → ``(Var(h1), E[g1^2], Var(f), Var(h'))``."""
    def judge(case, value, expected):
        problem = _steps_problem(value)
        if problem:
            return problem, None
        answer = tuple(float(v) for v in value)
        if _same_number(answer, expected):
            return None, None
        wrong = [name for name, a, e in zip(_STEP_NAMES, answer, expected) if not _same_number(a, e)]
        first = wrong[0]
        return (f"{first} is not right{' (and the steps after it)' if len(wrong) > 1 else ''}."
                if first != "Var(h')" else "Var(h') is not right."), value

    def same(a, b):  # a: a learner's answer (any kind), b: the reference's or a wrong variant's
        return _steps_problem(a) is None and _same_number(tuple(float(x) for x in a), tuple(b))

    run = CheckRun("ch10.block_variance_steps", block_variance_steps, time_limit)
    return run_cases(run, _VARIANCE_CASES, _variance_steps_reference, _VARIANCE_MISTAKES, judge, same,
                     first_hint_only=True)


def _branch_scale_reference(depth, total_growth):
    return float(np.sqrt(total_growth ** (1.0 / depth) - 1.0))  # (1 + alpha^2)^depth = total_growth


_SCALE_MISTAKES = [
    Mistake("growth_added_not_multiplied",
            "the blocks' factors MULTIPLY: each block multiplies the variance by its own factor, so depth blocks "
            "give (factor per block)^depth, not 1 + depth (factor - 1).",
            lambda depth, total_growth: float(np.sqrt((total_growth - 1.0) / depth))),
    Mistake("alpha_not_squared",
            "the factor per block has alpha squared in it (your Var(h') / v); solve it for alpha, a square root.",
            lambda depth, total_growth: float(total_growth ** (1.0 / depth) - 1.0)),
    Mistake("depth_ignored",
            "this lets ONE block grow the variance by total_growth; the depth blocks together must stay within it.",
            lambda depth, total_growth: float(np.sqrt(total_growth - 1.0))),
]

_SCALE_CASES = [
    Case({"depth": 39, "total_growth": 10.0}, "the chapter's 39 blocks, at most 10 times the variance"),
    Case({"depth": 1, "total_growth": 2.0}, "one block that may double the variance"),
    Case({"depth": 10, "total_growth": 4.0}, "10 blocks, at most 4 times"),
    Case({"depth": 100, "total_growth": 2.0}, "100 blocks, at most 2 times"),
]


@checks_learner_code
def check_branch_scale_for(branch_scale_for, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``branch_scale_for(depth, total_growth)`` → the alpha whose ``depth`` blocks multiply Var by ``total_growth``."""
    def judge(case, value, expected):
        problem = real_number_problem(value, "the branch scale alpha")
        if problem is None and _same_number(float(value), expected):
            return None, None
        return problem or (f"With this alpha, {case.kwargs['depth']} blocks do not multiply the variance by "
                           f"{case.kwargs['total_growth']}."), value

    def same(a, b):
        return real_number_problem(a) is None and _same_number(float(a), float(b))

    run = CheckRun("ch10.branch_scale_for", branch_scale_for, time_limit)
    return run_cases(run, _SCALE_CASES, _branch_scale_reference, _SCALE_MISTAKES, judge, same, first_hint_only=True)
