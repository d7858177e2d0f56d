"""Checks of the chapter 10 exercises: the backward pass of the residual block
h' = h + relu(h W1 + b1) W2 + b2, first along the branch step by step, then the whole block.

The reference answer comes from ``lecture_lib.topics.deep_training.residual_block_backward``
(the closed form); the typical mistakes are the wrong variants defined here.
Notation: dout = epsilon' = dE/dh'; h1 = h W1 + b1 the branch's weighted sum, g1 = relu(h1);
eps1 = dE/dh1 the branch's first error term.
"""
from __future__ import annotations

import numpy as np

from ..topics.deep_training import residual_block_backward as _reference
from .core import DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, check_tuple_cases, checks_learner_code, same_answer

__all__ = ["check_branch_steps", "check_residual_block_backward"]


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
