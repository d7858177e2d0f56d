"""Checks of the chapter 08 exercises (inverted dropout: forward with given dice, forward and backward).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.topics.dropout_ensemble.inverted_dropout`` and from the
engine's ``lecture_lib.nn.Dropout`` layer; the typical mistakes are the wrong
variants defined here.

Keep rule: the exercises say "unit i is kept when u_i >= p_drop". The
other rule that keeps with probability 1 - p, u_i < 1 - p_drop, is accepted
as well (a correct dropout with other dice), in both exercises.
"""
from __future__ import annotations

import copy

import numpy as np

from ..nn import Dropout
from ..topics.dropout_ensemble import inverted_dropout as _reference_forward
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, array_kind_problem, check_tuple_cases,
                   checks_learner_code, run_cases, same_answer)

__all__ = ["check_dropout_forward", "check_dropout_forward_backward"]


def _same(answer, expected):
    """``same_answer``: float64's tolerance, or float32's when (part of) the answer is float32."""
    return same_answer(answer, expected)


def _kept(u, p_drop):
    return (np.asarray(u) >= p_drop).astype(float)


# --- Exercise 1: inverted dropout forward, given the dice u ----------------------------------------

_FORWARD_MISTAKES = [
    Mistake("p_as_keep_probability",
            "you kept each unit with probability p_drop and scaled by 1/p_drop: that treats p_drop as the KEEP "
            "probability. p_drop is the probability of DROPPING a unit: keep unit i when u_i >= p_drop and scale "
            "by 1/(1 - p_drop). (Passing 0.1 meant as 'drop 10 %' to a keep-probability API keeps only 10 %.)",
            lambda x, p_drop, u, training: x * (u < p_drop) / p_drop if training else x.copy()),
    Mistake("p_as_keep_probability",
            "the units you kept are the ones that should be dropped: keep unit i when u_i >= p_drop (probability "
            "1 - p_drop), not when u_i < p_drop.",
            lambda x, p_drop, u, training: x * (u < p_drop) / (1 - p_drop) if training else x.copy()),
    Mistake("missing_scale",
            "the kept units are not scaled: inverted dropout multiplies them by 1/(1 - p_drop) in training, so that "
            "the expected output equals x and inference needs no change.",
            lambda x, p_drop, u, training: x * _kept(u, p_drop) if training else x.copy()),
    Mistake("multiplied_by_keep_ratio",
            "you multiplied by the keep ratio (1 - p_drop); inverted dropout DIVIDES the kept units by it in training "
            "(the classic form multiplies by it at inference instead).",
            lambda x, p_drop, u, training: x * _kept(u, p_drop) * (1 - p_drop) if training else x.copy()),
    Mistake("dropout_left_on_in_eval",
            "with training=False dropout must be switched off: inference uses every unit, unchanged (the identity "
            "for inverted dropout). Your function still dropped units.",
            lambda x, p_drop, u, training: x * _kept(u, p_drop) / (1 - p_drop)),
    Mistake("classic_scaling_at_inference",
            "at inference you multiplied by (1 - p_drop): that is the classic form's rule, for a network trained "
            "WITHOUT the 1/(1 - p) scaling. Inverted dropout already scaled in training, so inference is the identity.",
            lambda x, p_drop, u, training: x * _kept(u, p_drop) / (1 - p_drop) if training else x * (1 - p_drop)),
]


def _forward_case(seed, shape, p_drop, training, note):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, shape).round(2)
    u = rng.random(shape).round(3)
    u[np.isclose(u, p_drop)] += 0.0005  # no die exactly on the threshold: u >= p and u > p agree
    return Case({"x": x, "p_drop": p_drop, "u": u, "training": training}, note)


_FORWARD_CASES = [
    _forward_case(1, (2, 5), 0.5, True, "training, p_drop = 0.5"),
    _forward_case(2, (3, 4), 0.2, True, "training, p_drop = 0.2"),
    _forward_case(3, (3, 4), 0.2, False, "inference (training=False)"),
    _forward_case(4, (4, 6), 0.7, True, "training, p_drop = 0.7"),
    _forward_case(5, (2, 3), 0.0, True, "training, p_drop = 0: nothing is dropped"),
    _forward_case(6, (5, 3), 0.5, False, "inference, p_drop = 0.5"),
]


def _other_keep_rule(x, p_drop, u, training):
    """The other correct dice rule: keep when u < 1 - p_drop."""
    return x * (np.asarray(u) < 1 - p_drop) / (1 - p_drop) if training else np.array(x, dtype=float)


@checks_learner_code
def check_dropout_forward(dropout_forward, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``dropout_forward(x, p_drop, u, training)`` → inverted dropout of x (N, D) with dice u (N, D)."""
    run = CheckRun("ch08.dropout_forward", dropout_forward, time_limit, n_cases=len(_FORWARD_CASES))

    def judge(case, value, expected):
        problem = array_kind_problem(value, expected.shape, "the layer output (shape of x)")
        if problem is None and not (_same(value, expected) or _same(value, _other_keep_rule(**case.kwargs))):
            problem = ("The output is not inverted dropout of x: keep unit i when u_i >= p_drop, scale the kept "
                       "units by 1/(1 - p_drop) in training; the identity in inference.")
        return problem, value

    return run_cases(run, _FORWARD_CASES, _reference_forward, _FORWARD_MISTAKES, judge, _same, first_hint_only=True)


# --- Exercise 2: forward and backward in training mode, with a generator --------------------------------

def _reference_forward_backward(x, dout, p_drop, rng):
    layer = Dropout(p_drop, rng=rng)  # draws u = rng.random(x.shape) and keeps u >= p_drop
    out = layer.forward(x)
    return out, layer.backward(dout)


def _other_keep_rule_forward_backward(x, dout, p_drop, rng):
    """The other correct dice rule with a generator: u = rng.random(x.shape), keep when u < 1 - p_drop."""
    mask = (rng.random(x.shape) < 1 - p_drop) / (1 - p_drop)
    return x * mask, dout * mask


def _forward_backward_variant(fresh_mask=False, backward_scaled=True, backward_masked=True, keep_as_p=False,
                              mask_from_output=False):
    def variant(x, dout, p_drop, rng):
        u = rng.random(x.shape)
        keep = (u < p_drop) / p_drop if keep_as_p else (u >= p_drop) / (1 - p_drop)
        out = x * keep
        if mask_from_output:
            return out, dout * (out != 0) / (1 - p_drop)
        if fresh_mask:
            keep = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
        if not backward_masked:
            return out, dout / (1 - p_drop) if backward_scaled else dout.copy()
        return out, dout * (keep if backward_scaled else keep * (1 - p_drop))
    return variant


_FB_MISTAKES = [
    Mistake("fresh_mask_in_backward",
            "dx uses a different mask from the forward pass: you drew new dice in the backward pass. The error flows "
            "back only through the units that were kept in THIS forward pass: keep the mask and reuse it.",
            _forward_backward_variant(fresh_mask=True)),
    Mistake("backward_missing_scale",
            "dx is masked but not scaled. The forward pass multiplied the kept units by 1/(1 - p_drop), so by the "
            "chain rule dE/dx = dE/dout * mask / (1 - p_drop), the same factor.",
            _forward_backward_variant(backward_scaled=False)),
    Mistake("backward_not_masked",
            "dx is not zero where units were dropped. A dropped unit did not influence the output: its gradient is 0.",
            _forward_backward_variant(backward_masked=False)),
    Mistake("backward_not_masked",
            "dx is dout unchanged: the backward pass of dropout multiplies dout by the same scaled mask as the forward "
            "pass.",
            _forward_backward_variant(backward_masked=False, backward_scaled=False)),
    Mistake("p_as_keep_probability",
            "you kept units with probability p_drop: p_drop is the DROP probability. Keep unit i when u_i >= p_drop "
            "and scale by 1/(1 - p_drop).",
            _forward_backward_variant(keep_as_p=True)),
    Mistake("mask_from_the_output",
            "dx is 0 where out is 0, but a KEPT unit whose input x is 0 also gives out = 0: its gradient is still "
            "dout / (1 - p_drop). Keep the mask of the forward pass and reuse it; out != 0 is not the mask.",
            _forward_backward_variant(mask_from_output=True)),
    Mistake("mask_from_the_output",
            "dx is 0 where out is 0, but a KEPT unit whose input x is 0 also gives out = 0: its gradient is still "
            "dout / (1 - p_drop). Keep the mask of the forward pass and reuse it; out != 0 is not the mask.",
            lambda x, dout, p_drop, rng: (lambda out: (out, dout * (out != 0) / (1 - p_drop)))(
                _other_keep_rule_forward_backward(x, dout, p_drop, rng)[0])),
]


def _fb_case(seed, shape, p_drop, note, zero_columns=()):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, shape).round(2)
    x[:, list(zero_columns)] = 0.0  # inputs exactly 0 (a ReLU's output): kept units with out = 0
    dout = rng.uniform(-1, 1, shape).round(2)
    return Case({"x": x, "dout": dout, "p_drop": p_drop, "rng": np.random.default_rng(100 + seed)}, note)


_FB_CASES = [
    _fb_case(11, (2, 5), 0.5, "p_drop = 0.5"),
    _fb_case(12, (3, 4), 0.25, "p_drop = 0.25"),
    _fb_case(13, (4, 6), 0.6, "p_drop = 0.6, a larger batch"),
    _fb_case(14, (1, 8), 0.1, "one example, p_drop = 0.1"),
    _fb_case(15, (3, 5), 0.4, "some inputs exactly 0 (as after a ReLU)", zero_columns=(1, 3)),
]


@checks_learner_code
def check_dropout_forward_backward(dropout_forward_backward, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``dropout_forward_backward(x, dout, p_drop, rng)`` → ``(out, dx)`` of inverted dropout in training."""
    run = CheckRun("ch08.dropout_forward_backward", dropout_forward_backward, time_limit, n_cases=len(_FB_CASES))

    def wrong_answer(case, answer, expected):
        if _same(answer[0], expected[0]) or _same(answer[0], _other_keep_rule_forward_backward(
                **copy.deepcopy(case.kwargs))[0]):
            return "out is right, dx is not: look at the backward pass."
        return ("out is not inverted dropout of x with the dice u = rng.random(x.shape) (drawn once; keep "
                "u_i >= p_drop, scale by 1/(1 - p_drop)).")

    return check_tuple_cases(
        run, _FB_CASES, lambda **kwargs: _reference_forward_backward(**copy.deepcopy(kwargs)),  # a fresh generator
        _FB_MISTAKES, ("out", "dx"), _same, not_a_tuple="Expected a tuple (out, dx).", wrong_answer=wrong_answer,
        # the other keep rule (u < 1 - p_drop), as in Exercise 1
        also_right=lambda case, answer: _same(answer, _other_keep_rule_forward_backward(**copy.deepcopy(case.kwargs))))
