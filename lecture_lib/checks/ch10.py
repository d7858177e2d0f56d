"""Checks of the chapter 10 exercise (the backward pass of a residual block h' = h + relu(h W + b)).

The reference answer comes from ``lecture_lib.topics.deep_training.residual_block_backward``;
the typical mistakes are the wrong variants defined here.
"""
from __future__ import annotations

import numpy as np

from ..topics.deep_training import residual_block_backward as _reference
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, array_kind_problem, checks_learner_code,
                   matching_mistakes, same_answer)

__all__ = ["check_residual_block_backward"]


def _same(answer, expected):
    """``same_answer``: float64's tolerance, or float32's grown 16 times when (part of) the answer is float32.

    (The formulas divide by a batch's standard deviation, which amplifies float32's rounding.)
    """
    return same_answer(answer, expected, condition=16)


def _variant(identity=True, branch=True, relu_prime=True, weights="W.T", dW_transposed=False):
    def variant(dout, h, W, b):
        z = h @ W + b
        eps = dout * (z > 0) if relu_prime else dout.copy()
        back = eps @ (W.T if weights == "W.T" else W)
        dh = (dout if identity else 0) + (back if branch else 0)
        dW = eps.T @ h if dW_transposed else h.T @ eps
        return np.asarray(dh, dtype=float), dW, eps.sum(axis=0)
    return variant


_MISTAKES = [
    Mistake("forgot_identity_path",
            "dh is only the branch's gradient. h' = h + f(h): the identity path adds dE/dh' itself, so "
            "dh = dout + (branch's dE/dh). The block's backward ADDS its two paths.",
            _variant(identity=False)),
    Mistake("forgot_branch_path",
            "dh is dout unchanged: that is the identity path alone. The branch f(h) = relu(h W + b) depends on h "
            "too and adds (dout * relu'(z)) W^T.",
            _variant(branch=False)),
    Mistake("missing_relu_derivative",
            "the ReLU's derivative is missing: the error reaches z = h W + b only where z > 0, so the branch's "
            "error term is dout * (z > 0).",
            _variant(relu_prime=False)),
    Mistake("transposed_weights",
            "the error goes back through W, not its transpose: z = h W, so dE/dh of the branch is eps W^T.",
            _variant(weights="W")),
    Mistake("transposed_gradient",
            "dW is transposed: dW[i, j] = dE/dW_ij = sum_n h_ni eps_nj, i.e. h^T eps, with the shape of W.",
            _variant(dW_transposed=True)),
]


def _case(seed, n, d, note):
    rng = np.random.default_rng(seed)
    return Case({"dout": rng.normal(size=(n, d)).round(2), "h": rng.normal(size=(n, d)).round(2),
                 "W": rng.normal(0, 0.7, (d, d)).round(2), "b": rng.normal(0, 0.3, d).round(2)}, note)


_CASES = [_case(21, 3, 2, "3 examples, width 2"), _case(22, 4, 3, "4 examples, width 3"),
          _case(23, 1, 4, "one example, width 4"), _case(24, 6, 5, "6 examples, width 5")]


@checks_learner_code
def check_residual_block_backward(residual_block_backward, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``residual_block_backward(dout, h, W, b)`` → ``(dh, dW, db)`` of h' = h + relu(h W + b)."""
    run = CheckRun("ch10.residual_block_backward", residual_block_backward, time_limit, n_cases=len(_CASES))
    for case in _CASES:
        outcome = run.call(case)
        if outcome is None:
            break
        value = outcome.value
        expected = _reference(**case.kwargs)
        if not (isinstance(value, tuple) and len(value) == 3):
            run.fail(case, "Expected a tuple (dh, dW, db).", returned=value)
            break
        shapes = (case.kwargs["h"].shape, case.kwargs["W"].shape, case.kwargs["b"].shape)
        problems = [p for p in (array_kind_problem(v, s, name) for v, s, name in zip(value, shapes, ("dh", "dW", "db")))
                    if p]
        if problems:
            run.fail(case, "\n".join(problems), returned=value)
            break
        answer = tuple(np.asarray(v) for v in value)
        if not _same(answer, expected):
            wrong = [name for name, a, e in zip(("dh", "dW", "db"), answer, expected) if not _same((a,), (e,))]
            problem = f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right."
            found = matching_mistakes(_MISTAKES, case, answer, expected, _same)
            run.fail(case, problem, returned=value, mistakes=found[:1])
            break
        run.case_passed()
    return run.finish()
