"""Checks of the chapter 09 exercises (batch normalisation forward in both modes, backward in training,
derived through the computational graph, the running averages of the two frameworks, and batch norm
folded into the Dense layer before it for inference).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.topics.normalisation``; the typical mistakes are the
wrong variants defined here. Messages use the series' notation in plain text: h_bar the batch mean,
sigma_B^2 the batch variance, h_hat the normalised value, kappa the stabiliser (the argument ``eps``).
"""
from __future__ import annotations

import numpy as np

from ..topics.normalisation import batchnorm_backward_formula, batchnorm_forward_formula
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, check_array_cases, check_tuple_cases,
                   checks_learner_code, same_answer)

__all__ = ["check_batchnorm_forward", "check_batchnorm_backward_steps", "check_batchnorm_backward",
           "check_running_average_update", "check_fold_batchnorm"]


def _same(answer, expected):
    """``same_answer``: float64's tolerance, or float32's grown 16 times when (part of) the answer is float32.

    (The formulas divide by a batch's standard deviation, which amplifies float32's rounding.)
    """
    return same_answer(answer, expected, condition=16)


# --- Exercise 1: forward in training and in inference mode -------------------------------------------

def _reference_forward(h, gamma, beta, eps, training, running_mean, running_var):
    if training:
        return batchnorm_forward_formula(h, gamma, beta, eps)[0]
    return gamma * (h - running_mean) / np.sqrt(running_var + eps) + beta


def _forward_variant(axis=0, ddof=0, root=True, eps_inside=True, stats_in_training="batch",
                     stats_in_inference="running"):
    def variant(h, gamma, beta, eps, training, running_mean, running_var):
        use = stats_in_training if training else stats_in_inference
        if use == "batch":
            m = h.mean(axis=axis, keepdims=True)
            v = h.var(axis=axis, ddof=ddof, keepdims=True)
        else:
            m, v = running_mean, running_var
        if not root:
            scale = v + eps
        else:
            scale = np.sqrt(v + eps) if eps_inside else np.sqrt(v) + eps
        return gamma * (h - m) / scale + beta
    return variant


_FORWARD_MISTAKES = [
    Mistake("statistics_over_wrong_axis",
            "the mean and the variance were taken over the wrong axis (per example, across features). Batch "
            "normalisation normalises each FEATURE over the mini-batch: reduce over axis 0, the examples.",
            _forward_variant(axis=1)),
    Mistake("unbiased_variance",
            "you normalised with the unbiased variance (divided by N - 1). The normalisation uses the batch's "
            "biased variance sigma_B^2 = (1/N) sum (h - h_bar)^2, as PyTorch and Keras do (PyTorch stores the unbiased one only "
            "in running_var).",
            _forward_variant(ddof=1)),
    Mistake("divided_by_variance",
            "you divided by sigma_B^2 + kappa instead of its square root: h_hat = (h - h_bar) / sqrt(sigma_B^2 + kappa), "
            "a standard deviation.",
            _forward_variant(root=False)),
    Mistake("eps_outside_root",
            "kappa (eps) goes inside the square root: sqrt(sigma_B^2 + kappa), not sqrt(sigma_B^2) + kappa.",
            _forward_variant(eps_inside=False)),
    Mistake("running_statistics_in_training",
            "in training mode you used the running statistics. Training normalises with the statistics of the "
            "current mini-batch; the running averages are for inference.",
            _forward_variant(stats_in_training="running")),
    Mistake("batch_statistics_in_inference",
            "with training=False you normalised with the batch's own statistics. Inference uses running_mean and "
            "running_var, so an example's output does not depend on the other examples of its batch.",
            _forward_variant(stats_in_inference="batch")),
]


def _forward_case(seed, n, d, training, eps, note):
    rng = np.random.default_rng(seed)
    return Case({"h": rng.normal(1.0, 2.0, (n, d)).round(2), "gamma": rng.uniform(0.5, 2.0, d).round(2),
                 "beta": rng.normal(0, 1, d).round(2), "eps": eps, "training": training,
                 "running_mean": rng.normal(0.5, 1.0, d).round(2), "running_var": rng.uniform(0.5, 3.0, d).round(2)},
                note)


_FORWARD_CASES = [
    _forward_case(1, 4, 3, True, 1e-5, "training, a batch of 4, 3 features"),
    _forward_case(2, 6, 2, True, 0.1, "training, eps = 0.1"),
    _forward_case(3, 5, 3, False, 1e-5, "inference (training=False)"),
    _forward_case(4, 3, 4, True, 1e-5, "training, 3 examples, 4 features"),
    _forward_case(5, 1, 3, False, 0.01, "inference on a single example"),
]


@checks_learner_code
def check_batchnorm_forward(batchnorm_forward, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``batchnorm_forward(h, gamma, beta, eps, training, running_mean, running_var)`` → out (N, D)."""
    run = CheckRun("ch09.batchnorm_forward", batchnorm_forward, time_limit, n_cases=len(_FORWARD_CASES))
    return check_array_cases(
        run, _FORWARD_CASES, _reference_forward, _FORWARD_MISTAKES, "the normalised output (shape of h)",
        "The output is not gamma * (h - h_bar) / sqrt(sigma_B^2 + kappa) + beta with the right statistics: the "
        "batch's (training) or the running ones (inference).", same=_same, first_hint_only=True)


# --- Exercise 2: the nodes of the computational graph, one at a time -------------------------------

def _steps_reference(dout, h, gamma, eps):
    h_bar = h.mean(axis=0)
    sigma_B = np.sqrt(((h - h_bar) ** 2).mean(axis=0) + eps)
    dh_hat = dout * gamma
    dvar = -0.5 * (dh_hat * (h - h_bar)).sum(axis=0) / sigma_B ** 3
    dmean = -dh_hat.sum(axis=0) / sigma_B
    return dh_hat, dvar, dmean


def _steps_variant(gamma_in=True, power=3, half=True, sign=-1, mean_from="dh_hat", mean_sigma=True):
    def variant(dout, h, gamma, eps):
        h_bar = h.mean(axis=0)
        sigma_B = np.sqrt(((h - h_bar) ** 2).mean(axis=0) + eps)
        dh_hat = dout * gamma if gamma_in else dout.copy()
        dvar = sign * (0.5 if half else 1.0) * (dh_hat * (h - h_bar)).sum(axis=0) / sigma_B ** power
        source = dh_hat if mean_from == "dh_hat" else dout
        dmean = -source.sum(axis=0) / (sigma_B if mean_sigma else 1.0)
        return dh_hat, dvar, dmean
    return variant


_STEP_MISTAKES = [
    Mistake("missing_gamma",
            "dE/dh_hat misses gamma: out = gamma h_hat + beta, so dE/dh_hat = dout * gamma.",
            _steps_variant(gamma_in=False)),
    Mistake("variance_power",
            "dE/dsigma_B^2: h_hat = (h - h_bar) (sigma_B^2 + kappa)^(-1/2), and d/dx of x^(-1/2) is "
            "-(1/2) x^(-3/2): the power of sigma_B is 3.",
            _steps_variant(power=1)),
    Mistake("variance_missing_half",
            "dE/dsigma_B^2 misses the factor 1/2 of d/dx x^(-1/2) = -(1/2) x^(-3/2).",
            _steps_variant(half=False)),
    Mistake("variance_sign",
            "dE/dsigma_B^2 has the wrong sign: a larger variance makes every |h_hat| smaller, "
            "d/dx x^(-1/2) = -(1/2) x^(-3/2) < 0.",
            _steps_variant(sign=1)),
    Mistake("mean_from_dout",
            "dE/dh_bar is built from dout; the mean enters through h_hat, so use dE/dh_hat = dout * gamma.",
            _steps_variant(mean_from="dout")),
    Mistake("mean_missing_sigma",
            "dE/dh_bar misses 1/sigma_B: d h_hat_n / d h_bar = -1 / sigma_B for every n.",
            _steps_variant(mean_sigma=False)),
]


def _gradient_case(seed, n, d, note, eps=1e-5):
    """A case of the two backward exercises: ``(dout, h, gamma, eps)``, dout and h of shape (n, d)."""
    rng = np.random.default_rng(seed)
    return Case({"dout": rng.normal(0, 1, (n, d)).round(2), "h": rng.normal(0.5, 1.5, (n, d)).round(2),
                 "gamma": rng.uniform(0.5, 2.0, d).round(2), "eps": eps}, note)


_STEP_CASES = [_gradient_case(41, 4, 3, "a batch of 4, 3 features"), _gradient_case(42, 2, 2, "a batch of 2"),
               _gradient_case(43, 6, 1, "one feature, kappa = 0.1", eps=0.1), _gradient_case(44, 5, 4, "a batch of 5")]


@checks_learner_code
def check_batchnorm_backward_steps(batchnorm_backward_steps, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``batchnorm_backward_steps(dout, h, gamma, eps)`` → ``(dE/dh_hat, dE/dsigma_B^2, dE/dh_bar)``."""
    run = CheckRun("ch09.batchnorm_backward_steps", batchnorm_backward_steps, time_limit, n_cases=len(_STEP_CASES))
    return check_tuple_cases(run, _STEP_CASES, _steps_reference, _STEP_MISTAKES, ("dE/dh_hat", "dE/dsigma_B^2", "dE/dh_bar"),
                             _same, not_a_tuple="Expected a tuple (dh_hat, dvar, dmean).")


# --- Exercise 3: backward in training mode ------------------------------------------------------------

def _backward_variant(path="full", gamma_in_du=True, dgamma_with_u=True):
    def variant(dout, h, gamma, eps):
        n = h.shape[0]
        m = h.mean(axis=0)
        v = h.var(axis=0)
        sigma = np.sqrt(v + eps)
        u = (h - m) / sigma
        du = dout * gamma if gamma_in_du else dout
        if path == "full":
            dh = (n * du - du.sum(axis=0) - u * (du * u).sum(axis=0)) / (n * sigma)
        elif path == "no_mean":
            dh = (n * du - u * (du * u).sum(axis=0)) / (n * sigma)
        elif path == "no_variance":
            dh = (n * du - du.sum(axis=0)) / (n * sigma)
        else:
            dh = du / sigma
        dgamma = (dout * u).sum(axis=0) if dgamma_with_u else dout.sum(axis=0)
        return dh, dgamma, dout.sum(axis=0)
    return variant


_BACKWARD_MISTAKES = [
    Mistake("forgot_mean_path",
            "dh misses the path through the batch mean h_bar: every h_n moves h_bar, and h_bar enters every h_hat. "
            "That path contributes (dE/dh_bar) / N = -(1/N) sum_n (dE/dh_hat_n) / sigma_B to each dh.",
            _backward_variant(path="no_mean")),
    Mistake("forgot_variance_path",
            "dh misses the path through the batch variance sigma_B^2: every h_n moves sigma_B^2, and sigma_B^2 enters "
            "every h_hat. That path contributes (dE/dsigma_B^2) 2 (h_n - h_bar) / N.",
            _backward_variant(path="no_variance")),
    Mistake("constant_statistics",
            "dh = dout * gamma / sigma_B treats h_bar and sigma_B^2 as constants: that is the inference-mode gradient. "
            "In training they are computed from the batch, so dh has two more terms (the mean's and the variance's "
            "paths).",
            _backward_variant(path="none")),
    Mistake("missing_gamma",
            "gamma is missing from dh: out = gamma h_hat + beta, so dE/dh_hat = dout * gamma.",
            _backward_variant(gamma_in_du=False)),
    Mistake("dgamma_without_u",
            "dgamma is sum_n dout_n * h_hat_n (gamma multiplies h_hat), not sum_n dout_n (that is dbeta).",
            _backward_variant(dgamma_with_u=False)),
]


_BACKWARD_CASES = [
    _gradient_case(11, 4, 3, "a batch of 4, 3 features"),
    _gradient_case(12, 2, 2, "a batch of 2"),
    _gradient_case(13, 6, 1, "one feature", eps=0.1),
    _gradient_case(14, 5, 4, "a batch of 5, 4 features"),
]


@checks_learner_code
def check_batchnorm_backward(batchnorm_backward, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``batchnorm_backward(dout, h, gamma, eps)`` → ``(dh, dgamma, dbeta)`` of a training-mode batch norm."""
    run = CheckRun("ch09.batchnorm_backward", batchnorm_backward, time_limit, n_cases=len(_BACKWARD_CASES))
    return check_tuple_cases(run, _BACKWARD_CASES, batchnorm_backward_formula, _BACKWARD_MISTAKES,
                             ("dh", "dgamma", "dbeta"), _same)


# --- Exercise 4: the running averages of the two frameworks ------------------------------------------

def _running_reference(running, batch_stat, momentum, convention):
    if convention == "pytorch":
        return (1 - momentum) * running + momentum * batch_stat
    return momentum * running + (1 - momentum) * batch_stat


def _running_variant(rule):
    def variant(running, batch_stat, momentum, convention):
        pytorch = (1 - momentum) * running + momentum * batch_stat
        keras = momentum * running + (1 - momentum) * batch_stat
        if rule == "pytorch_always":
            return pytorch
        if rule == "keras_always":
            return keras
        return momentum * batch_stat  # "no_old_value"
    return variant


# The first failing case shows which rule was used where: a PyTorch case computed with Keras's rule (a swapped
# answer, or Keras's rule everywhere) or a Keras case computed with PyTorch's rule.
_RUNNING_MISTAKES = [
    Mistake("keras_rule_for_pytorch",
            "for convention='pytorch' you used Keras's rule. PyTorch's momentum is the weight of the NEW batch: "
            "(1 - momentum) running + momentum h_bar (default 0.1).",
            _running_variant("keras_always")),
    Mistake("pytorch_rule_for_keras",
            "for convention='keras' you used PyTorch's rule. Keras's momentum is the weight of the OLD value: "
            "momentum running + (1 - momentum) h_bar (default 0.99).",
            _running_variant("pytorch_always")),
    Mistake("old_value_forgotten",
            "the running value must keep part of its old value: a running average mixes the old value and the "
            "new batch's statistic, with weights that add up to 1.",
            _running_variant("no_old_value")),
]


def _running_case(seed, d, momentum, convention, note):
    rng = np.random.default_rng(seed)
    return Case({"running": rng.normal(0, 1, d).round(2), "batch_stat": rng.normal(2, 1, d).round(2),
                 "momentum": momentum, "convention": convention}, note)


_RUNNING_CASES = [
    _running_case(51, 3, 0.1, "pytorch", "PyTorch, momentum 0.1"),
    _running_case(52, 3, 0.99, "keras", "Keras, momentum 0.99"),
    _running_case(53, 2, 0.3, "keras", "Keras, momentum 0.3"),
    _running_case(54, 4, 0.7, "pytorch", "PyTorch, momentum 0.7"),
]


@checks_learner_code
def check_running_average_update(running_average_update, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``running_average_update(running, batch_stat, momentum, convention)`` → the new running value (D,)."""
    run = CheckRun("ch09.running_average_update", running_average_update, time_limit, n_cases=len(_RUNNING_CASES))
    return check_array_cases(
        run, _RUNNING_CASES, _running_reference, _RUNNING_MISTAKES, "the new running value (shape of running)",
        lambda case, value, expected: (f"The new running value is not the {case.kwargs['convention']} convention's "
                                       f"running average with momentum {case.kwargs['momentum']}."),
        same=_same, first_hint_only=True)


# --- Exercise 5: folding batch norm into the Dense layer before it, for inference ---------------------
# (A check of its own on the shared case loop of checks/core.py: check_tuple_cases.)

def _fold_variant(root=True, kappa="inside", with_gamma=True, shift_sign=-1, mean_factor="s", with_beta=True,
                  weights="columns", bias="scaled", beta_inside=False):
    """The answer (gamma', beta', W', b') computed with one step changed; the defaults give the right answer.

    Each later step is computed from the earlier ones as the learner would: a wrong gamma' carries into W' and b'.
    (In the code s stands for gamma' and t for beta'.)
    """
    def variant(W, b, gamma, beta, running_mean, running_var, eps):
        if root:
            spread = {"inside": np.sqrt(running_var + eps), "outside": np.sqrt(running_var) + eps,
                      "forgotten": np.sqrt(running_var)}[kappa]
        else:
            spread = running_var + eps
        s = (gamma if with_gamma else np.ones_like(gamma)) / spread
        mean_part = {"s": s * running_mean, "none": running_mean, "gamma": gamma * running_mean,
                     "forgotten": np.zeros_like(running_mean)}[mean_factor]
        t = (beta if with_beta else np.zeros_like(beta)) + shift_sign * mean_part
        if weights == "columns":
            W_folded = W * s
        elif weights == "rows":
            W_folded = s[:, None] * W
        else:  # "unchanged"
            W_folded = W.copy()
        if beta_inside:
            b_folded = s * (b - running_mean + beta)
        elif bias == "scaled":
            b_folded = s * b + t
        elif bias == "unscaled":
            b_folded = b + t
        else:  # "forgotten"
            b_folded = t.copy()
        return s, t, W_folded, b_folded
    return variant


_fold_reference = _fold_variant()

_FOLD_MISTAKES = [
    Mistake("fold_gamma_forgotten",
            "gamma' leaves out gamma: out = gamma h_hat + beta multiplies the normalised value by gamma, so the factor on h "
            "must carry it too.",
            _fold_variant(with_gamma=False)),
    Mistake("fold_divided_by_variance",
            "gamma' divides by sigma^2_run + kappa instead of its square root: h_hat = (h - h_bar_run) / sqrt(sigma^2_run + "
            "kappa), a standard deviation.",
            _fold_variant(root=False)),
    Mistake("fold_kappa_outside_root",
            "kappa (eps) goes inside the square root: sqrt(sigma^2_run + kappa), not sqrt(sigma^2_run) + kappa.",
            _fold_variant(kappa="outside")),
    Mistake("fold_kappa_forgotten",
            "gamma' divides by sqrt(sigma^2_run) without kappa (eps): inference-mode batch norm keeps the stabiliser, "
            "sqrt(sigma^2_run + kappa), as in training.",
            _fold_variant(kappa="forgotten")),
    Mistake("fold_shift_sign",
            "beta' has the wrong sign of the mean: expand gamma (h - h_bar_run) / sqrt(sigma^2_run + kappa) + beta; the "
            "part without h is what is left of - h_bar_run.",
            _fold_variant(shift_sign=1)),
    Mistake("fold_mean_not_scaled",
            "in beta' the running mean is not multiplied by gamma': the whole difference h - h_bar_run is divided by the "
            "standard deviation and multiplied by gamma, the mean as much as h.",
            _fold_variant(mean_factor="none")),
    Mistake("fold_mean_times_gamma_only",
            "in beta' the running mean is multiplied by gamma but not divided by the standard deviation: the whole "
            "difference h - h_bar_run is divided by sqrt(sigma^2_run + kappa) before gamma scales it.",
            _fold_variant(mean_factor="gamma")),
    Mistake("fold_mean_forgotten",
            "beta' leaves out the running mean: batch norm subtracts h_bar_run before it scales, so the part of the "
            "output without h contains it.",
            _fold_variant(mean_factor="forgotten")),
    Mistake("fold_beta_forgotten",
            "beta' leaves out beta: out = gamma h_hat + beta adds beta after the scaling, and it does not depend on h.",
            _fold_variant(with_beta=False)),
    Mistake("fold_rows_scaled",
            "W' scales the ROWS of W (its inputs), but gamma'_j belongs to unit j. In h_j = sum_i x_i W_ij + b_j, which "
            "index of W names the unit?",
            _fold_variant(weights="rows")),
    Mistake("fold_weights_unchanged",
            "W' is W: the factor gamma'_j multiplies all of h_j = x W_j + b_j, the x-part as well as the bias.",
            _fold_variant(weights="unchanged")),
    Mistake("fold_bias_not_scaled",
            "b' adds b unscaled: b enters through h = x W + b, so it is multiplied by gamma' like the rest of h.",
            _fold_variant(bias="unscaled")),
    Mistake("fold_bias_forgotten",
            "b' leaves out the Dense layer's bias b: substitute h = x W + b completely; b passes through the batch "
            "norm as much as x W does.",
            _fold_variant(bias="forgotten")),
    Mistake("fold_beta_scaled",
            "beta is multiplied by gamma' in b': beta is added after the scaling (out = gamma h_hat + beta), so it stays "
            "as it is.",
            _fold_variant(beta_inside=True)),
]


def _fold_case(seed, d_in, d, eps, note):
    rng = np.random.default_rng(seed)
    return Case({"W": rng.normal(0, 0.5, (d_in, d)).round(2), "b": rng.normal(0, 0.5, d).round(2),
                 "gamma": rng.uniform(0.5, 2.0, d).round(2), "beta": rng.normal(0, 1, d).round(2),
                 "running_mean": rng.normal(0.5, 1.0, d).round(2), "running_var": rng.uniform(0.2, 3.0, d).round(2),
                 "eps": eps}, note)


# The first case is square (3 inputs, 3 units), so that scaling the rows of W instead of its columns gives an
# answer (not an error) and earns its hint; the others change the width, as most layers do.
_FOLD_CASES = [
    _fold_case(61, 3, 3, 1e-5, "3 inputs, 3 units"),
    _fold_case(62, 4, 2, 0.1, "4 inputs, 2 units, kappa = 0.1"),
    _fold_case(63, 2, 5, 1e-5, "2 inputs, 5 units"),
    _fold_case(64, 1, 1, 1e-3, "one input, one unit"),
]


@checks_learner_code
def check_fold_batchnorm(fold_batchnorm, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps)``.

    Returns ``(gamma_folded, beta_folded, W_folded, b_folded)``: gamma_folded, beta_folded (D,) write
    inference-mode batch norm as out = gamma' h + beta' (primed: gamma and beta stay the layer's own scale and
    shift, and the notation page gives s and t other meanings); W_folded (D_in, D), b_folded (D,) make one Dense
    layer x W' + b' that computes Dense(W, b) → BatchNorm in inference mode.
    """
    run = CheckRun("ch09.fold_batchnorm", fold_batchnorm, time_limit, n_cases=len(_FOLD_CASES))
    return check_tuple_cases(run, _FOLD_CASES, _fold_reference, _FOLD_MISTAKES,
                             ("gamma_folded", "beta_folded", "W_folded", "b_folded"),
                             _same, not_a_tuple="Expected a tuple (gamma_folded, beta_folded, W_folded, b_folded).")
