"""A bank of learner answers, one test per class of answer for every exercise (issue 14, item 10).

Every exercise of ``solutions/`` is found automatically (its check call, its
function and its hidden tests). For each, answers of every class go through
the public check and, where the answer can be run safely in this process,
through the hidden tests too:

* correct answers written differently (hand-written below) and the solution's
  answer delivered in float32 must PASS, publicly and hidden;
* typical wrong answers (hand-written below) must FAIL, publicly and hidden;
* broken answers (a numeric string, a complex number, NaN, a list where an
  array is asked for, an argument changed in place, an object whose
  ``__repr__``/``__array__`` raise, ``sys.exit``, ``os._exit``) are feedback,
  never a crash, and public check and hidden tests agree on them;
* answers that hang (a bare ``except:`` around a sleep, ``SIG_IGN`` for the
  alarm, a long C-level call) are stopped at the time limit;
* answers that poison the process (``np.seterr(all="raise")``, the checker
  monkeypatched, the alarm disabled, warnings turned into errors) change
  nothing for a later check; a session left in ``np.seterr(all="raise")``
  does not fail a correct answer.
"""
from __future__ import annotations

import importlib
import os
import re
import signal
import sys
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED
from notebook_code import CHECK_CALL, load_functions
# Right answers the chapter tests already write (loops, another formula): one copy each.
from test_checks_ch09 import forward_loops as batchnorm_forward_loops  # noqa: E402
from test_checks_ch09 import forward_np_var as batchnorm_forward_np_var  # noqa: E402
from test_checks_ch09 import steps_loops as batchnorm_steps_loops  # noqa: E402
from test_checks_ch09 import steps_no_half as batchnorm_steps_no_half  # noqa: E402
from test_checks_ch09 import steps_plus_sign as batchnorm_steps_plus_sign  # noqa: E402
from test_checks_ch09 import steps_float32 as batchnorm_steps_float32  # noqa: E402
from test_checks_ch09 import running_step_form, running_swapped, running_forgets  # noqa: E402
from test_checks_ch09 import running_loop_float32  # noqa: E402
from test_checks_ch09 import (fold_b_forgotten, fold_beta_scaled, fold_by_matrices, fold_kappa_outside,  # noqa: E402
                              fold_loops, fold_no_kappa, fold_rows)
from test_checks_ch10 import block_dW2_from_h as residual_dW2_from_h  # noqa: E402
from test_checks_ch10 import block_no_identity as residual_no_identity  # noqa: E402
from test_checks_ch10 import block_no_relu_derivative as residual_no_relu_derivative  # noqa: E402
from test_checks_ch10 import block_through_W1 as residual_through_W  # noqa: E402
from test_checks_ch10 import loops as residual_loops  # noqa: E402
from test_checks_ch10 import steps_loop as branch_steps_loop  # noqa: E402
from test_checks_ch10 import steps_no_relu_derivative as branch_steps_no_relu  # noqa: E402
from test_checks_ch10 import steps_with_identity as branch_steps_with_identity  # noqa: E402
from test_checks_ch10 import (branch_scale_added, branch_scale_by_bisection, branch_scale_by_logs,  # noqa: E402
                              branch_scale_not_rooted, variance_steps_alpha_not_squared,
                              variance_steps_loop_float32, variance_steps_no_identity, variance_steps_relu_keeps_all,
                              variance_steps_simplified)

ROOT = Path(__file__).resolve().parent.parent
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


@dataclass(frozen=True)
class Exercise:
    notebook: str
    module: str
    check: str
    function: str
    hidden: str

    def __str__(self):
        return self.function


def _exercises():
    found = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            match = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
            if match:
                hidden = _HIDDEN.search(cell.source)
                found.append(Exercise(path.name, *match.groups(), hidden.group(1) if hidden else ""))
    return found


EXERCISES = _exercises()
IDS = [str(e) for e in EXERCISES]


@lru_cache(maxsize=None)
def _solution_namespace(notebook):
    return load_functions(ROOT / "solutions" / notebook)


def solution(exercise):
    return _solution_namespace(exercise.notebook)[exercise.function]


def public(exercise, function, **options):
    check = getattr(importlib.import_module(f"lecture_lib.checks.{exercise.module}"), exercise.check)
    return check(function, **options)


def hidden_passes(exercise, function) -> bool:
    """Run the exercise's hidden tests with ``function`` in place of the solution's (other functions: the solutions')."""
    namespace = dict(_solution_namespace(exercise.notebook))
    namespace[exercise.function] = function
    try:
        with warnings.catch_warnings():  # a naive wrong answer overflows here: that is its verdict, not a warning
            warnings.simplefilter("ignore")
            with np.errstate(divide="warn", over="warn", under="ignore", invalid="warn"):
                exec(compile(exercise.hidden, f"<hidden tests of {exercise}>", "exec"), namespace)
    except Exception:
        return False
    return True


def assert_feedback_not_crash(result):
    assert result.status in (FAILED, PASSED, NOT_ATTEMPTED), result
    assert "could not judge" not in result.summary, result


def test_the_bank_covers_every_exercise():
    assert {e.function for e in EXERCISES} == set(RIGHT) == set(WRONG)
    assert all(e.hidden.strip() for e in EXERCISES)


# --- answers written by hand: right ones written differently, typical wrong ones ----------------------

def _sig(h):
    return 1 / (1 + np.exp(-h))


def _stable_sig(h):
    z = np.exp(-np.abs(h))
    return np.where(h >= 0, 1 / (1 + z), z / (1 + z))


def unit_loop(x, w, b):
    out = np.zeros(len(x), dtype=int)
    for n, row in enumerate(x):
        out[n] = 1 if sum(wi * xi for wi, xi in zip(w, row)) + b >= 0 else 0
    return out


def unit_where(x, w, b):
    return np.where(np.dot(x, w) >= -b, 1, 0)


def gates_as_lists(gate):
    return {"NAND": ([-2, -2], 3), "OR": ([2.0, 2.0], -1.0), "NOR": ([-1.0, -1.0], 0.5)}[gate]


def gates_float32(gate):
    w, b = {"NAND": ([-1.0, -1.0], 1.5), "OR": ([1.0, 1.0], -0.5), "NOR": ([-1.0, -1.0], 0.5)}[gate]
    return np.array(w, dtype=np.float32), np.float32(b)


def update_if(w, b, x, y, eta):
    y_hat = 1 if np.dot(w, x) + b >= 0 else 0
    if y_hat == y:
        return w.copy(), b
    return w + eta * (y - y_hat) * x, b + eta * (y - y_hat)


def update_loop(w, b, x, y, eta):
    error = y - int(sum(wi * xi for wi, xi in zip(w, x)) + b >= 0)
    return np.array([wi + eta * error * xi for wi, xi in zip(w, x)]), float(b + eta * error)


def update_float32(w, b, x, y, eta):
    w32, x32 = w.astype(np.float32), x.astype(np.float32)
    error = y - int(x32 @ w32 + np.float32(b) >= 0)
    return w32 + np.float32(eta) * error * x32, np.float32(b) + np.float32(eta) * error


def train_while(x, y, eta=1.0, max_epochs=100):
    w, b, epochs = np.zeros(x.shape[1]), 0.0, 0
    while epochs < max_epochs:
        epochs += 1
        mistakes = 0
        for x_i, y_i in zip(x, y):
            error = y_i - (1 if x_i @ w + b >= 0 else 0)
            if error:
                w, b, mistakes = w + eta * error * x_i, b + eta * error, mistakes + 1
        if not mistakes:
            break
    return w, b, epochs


def train_counting_errors(x, y, eta=1.0, max_epochs=100):
    w, b = np.zeros(x.shape[1]), 0.0
    for epoch in range(max_epochs):
        errors = [int(y_i - int(x_i @ w + b >= 0) != 0) for x_i, y_i in zip(x, y)][:0]  # (unused)
        changed = False
        for x_i, y_i in zip(x, y):
            e = y_i - int(x_i @ w + b >= 0)
            w, b, changed = w + eta * e * x_i, b + eta * e, changed or e != 0
        if not changed:
            return w, b, epoch + 1 + len(errors)
    return w, b, max_epochs


def h_change_loop(x, y, y_hat, eta):
    weights_part = 0.0
    for x_i in x:
        weights_part += eta * (y - y_hat) * x_i * x_i
    return weights_part, eta * (y - y_hat) * 1.0


def h_change_float32(x, y, y_hat, eta):
    step = np.float32(eta) * np.float32(y - y_hat)
    return step * np.float32(np.dot(x.astype(np.float32), x.astype(np.float32))), step


def log_sigmoid_two_forms(h):
    h = np.asarray(h, dtype=float)
    out = np.empty_like(h)
    positive = h >= 0
    out[positive] = -np.log1p(np.exp(-h[positive]))
    out[~positive] = h[~positive] - np.log1p(np.exp(h[~positive]))
    return out


def log_sigmoid_float32(h):
    h = np.asarray(h, dtype=np.float32)
    return np.minimum(h, np.float32(0)) - np.log1p(np.exp(-np.abs(h)))


def steps_loop(x, y, w, b):
    n = len(y)
    d_loss, d_sig, eps = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        p = 1 / (1 + np.exp(-(sum(x[i, j] * w[j] for j in range(len(w))) + b)))
        d_loss[i] = (p - y[i]) / (p * (1 - p))
        d_sig[i] = p * (1 - p)
        eps[i] = p - y[i]
    return d_loss, d_sig, eps, sum(eps) / n


def steps_float32(x, y, w, b):
    p = sigmoid_float32(x.astype(np.float32) @ w.astype(np.float32) + np.float32(b))
    y = y.astype(np.float32)
    return -y / p + (1 - y) / (1 - p), p * (1 - p), p - y, np.float32(np.mean(p - y))


def sigmoid_two_forms(h):
    h = np.asarray(h, dtype=float)
    out = np.empty_like(h)
    positive = h >= 0
    out[positive] = 1 / (1 + np.exp(-h[positive]))
    e = np.exp(h[~positive])
    out[~positive] = e / (1 + e)
    return out


def sigmoid_tanh(h):
    return 0.5 * (1 + np.tanh(np.asarray(h, dtype=float) / 2))


def sigmoid_float32(h):
    h = np.asarray(h, dtype=np.float32)
    z = np.exp(-np.abs(h))
    return np.where(h >= 0, 1 / (1 + z), z / (1 + z))


def derivative_direct(h):
    z = np.exp(-np.abs(np.asarray(h, dtype=float)))
    return z / (1 + z) ** 2


def derivative_float32(h):
    g = sigmoid_float32(h)
    return g * (1 - g)


def bce_loop(y, y_hat):
    total = 0.0
    for t, p in zip(y, y_hat):
        p = min(max(p, 1e-7), 1 - 1e-7)
        total -= np.log(p) if t == 1 else np.log(1 - p)
    return total / len(y)


def bce_float32(y, y_hat):
    p = np.clip(y_hat.astype(np.float32), np.float32(1e-7), np.float32(1 - 1e-7))
    return np.float32(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def gradient_loop(x, y, w, b):
    dw, db = np.zeros_like(w), 0.0
    for x_n, y_n in zip(x, y):
        e = float(_stable_sig(np.array(x_n @ w + b))) - y_n
        dw, db = dw + e * x_n, db + e
    return dw / len(y), db / len(y)


def gradient_float32(x, y, w, b):
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    e = sigmoid_float32(x32 @ w32 + np.float32(b)) - y
    return x32.T @ e / len(y), np.float32(np.mean(e))


def softmax_logsumexp(h):
    m = h.max(axis=1, keepdims=True)
    return np.exp(h - m - np.log(np.exp(h - m).sum(axis=1, keepdims=True)))


def softmax_rows(h):
    out = np.empty(h.shape)
    for n, row in enumerate(h):
        e = np.exp(row - row.max())
        out[n] = e / e.sum()
    return out


def softmax_float32(h):
    h = h.astype(np.float32)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward_tanh_form(x, W1, b1, W2, b2):
    g = 0.5 * (1 + np.tanh((x @ W1 + b1) / 2))
    return softmax_rows(g @ W2 + b2)


def forward_float32(x, W1, b1, W2, b2):
    g = sigmoid_float32(x.astype(np.float32) @ W1.astype(np.float32) + b1.astype(np.float32))
    return softmax_float32(g @ W2.astype(np.float32) + b2.astype(np.float32))


def output_loop(y_hat, y):
    out = np.zeros(np.shape(y_hat))
    for index in np.ndindex(out.shape):
        out[index] = (y_hat[index] - y[index]) * y_hat[index] * (1 - y_hat[index])
    return out


def output_float32(y_hat, y):
    y_hat, y = y_hat.astype(np.float32), y.astype(np.float32)
    return (y_hat - y) * y_hat * (1 - y_hat)


def hidden_einsum(eps_next, W_next, g):
    return np.einsum("...k,jk->...j", eps_next, W_next) * g * (1 - g)


def hidden_float32(eps_next, W_next, g):
    g = g.astype(np.float32)
    return (eps_next.astype(np.float32) @ W_next.T.astype(np.float32)) * g * (1 - g)


def backprop_loops(x, y, W1, W2):
    g = _sig(x @ W1)
    y_hat = _sig(g @ W2)
    eps_k = (y_hat - y) * y_hat * (1 - y_hat)
    eps_j = np.array([sum(eps_k[k] * W2[j, k] for k in range(W2.shape[1])) * g[j] * (1 - g[j])
                      for j in range(W2.shape[0])])
    return x[:, None] * eps_j[None, :], g[:, None] * eps_k[None, :]


def backprop_float32(x, y, W1, W2):
    x, y, W1, W2 = (a.astype(np.float32) for a in (x, y, W1, W2))
    g = sigmoid_float32(x @ W1)
    y_hat = sigmoid_float32(g @ W2)
    eps_k = (y_hat - y) * y_hat * (1 - y_hat)
    eps_j = (W2 @ eps_k) * g * (1 - g)
    return np.outer(x, eps_j), np.outer(g, eps_k)


def central_flat(f, w, step):
    w = np.asarray(w, dtype=float)
    flat = w.ravel().copy()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = step
        grad[i] = (f((flat + e).reshape(w.shape)) - f((flat - e).reshape(w.shape))) / (2 * step)
    return grad.reshape(w.shape)


def central_float32(f, w, step):
    w = np.array(w, dtype=np.float32)
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        plus, minus = w.copy(), w.copy()
        plus[index] += step
        minus[index] -= step
        grad[index] = (f(plus) - f(minus)) / (2 * step)
    return grad


def _s(h):
    return 1 / (1 + sp.exp(-h))


def symbolic_piecewise(h, y):
    s = sp.Piecewise((1 / (1 + sp.exp(-h)), h >= 0), (sp.exp(h) / (1 + sp.exp(h)), True))
    return s - y


def symbolic_tanh(h, y):
    return (1 + sp.tanh(h / 2)) / 2 - y


def symbolic_sech(h, y):
    # the chain rule left unsimplified: dE/dyhat * dyhat/dh with sigma' = sech^2(h/2) / 4
    s = (1 + sp.tanh(h / 2)) / 2
    return (-y / s + (1 - y) / (1 - s)) * sp.sech(h / 2) ** 2 / 4


def symbolic_exp_form(h, y):
    return (1 - y) - 1 / (1 + sp.exp(h))


def softmax_eps_loops(h, y):
    out = np.zeros_like(h, dtype=float)
    for n in range(h.shape[0]):
        top = max(h[n])
        total = sum(np.exp(v - top) for v in h[n])
        for k in range(h.shape[1]):
            out[n, k] = np.exp(h[n, k] - top) / total - y[n, k]
    return out


def softmax_eps_float32(h, y):
    h32 = np.asarray(h, dtype=np.float32)
    e = np.exp(h32 - h32.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - np.asarray(y, dtype=np.float32)


def xnor_and_nor_or():
    return (np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([-1.5, 0.5]), np.array([[1.0], [1.0]]), np.array([-0.5]))


def xnor_flipped_xor():
    # the chapter's XOR (OR, NAND, AND) with the output unit flipped: NAND of the two hidden units
    return (np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([-0.5, 1.5]), np.array([[-1.0], [-1.0]]), np.array([1.5]))


def xnor_as_lists():
    return [[2, -2], [2, -2]], [-3, 1], [[2], [2]], [-1]


def shapes_loop(layer_sizes):
    shapes = []
    for i in range(1, len(layer_sizes)):
        shapes.append(((layer_sizes[i - 1], layer_sizes[i]), (layer_sizes[i],)))
    return shapes


def shapes_numpy_ints(layer_sizes):
    sizes = np.array(layer_sizes)
    return [((sizes[i], sizes[i + 1]), (sizes[i + 1],)) for i in range(len(sizes) - 1)]


def count_with_shapes(layer_sizes):
    return int(sum(np.prod(w) + np.prod(b) for w, b in shapes_loop(layer_sizes)))


def count_numpy(layer_sizes):
    sizes = np.array(layer_sizes)
    return np.sum((sizes[:-1] + 1) * sizes[1:])


# chapter 06: optimiser steps

def momentum_loop(w, v, grad, eta, mu):
    w_new, v_new = np.empty_like(w), np.empty_like(v)
    for index in np.ndindex(w.shape):
        v_new[index] = mu * v[index] + eta * grad[index]
        w_new[index] = w[index] - v_new[index]
    return w_new, v_new


def momentum_keras_sign(w, v, grad, eta, mu):
    velocity = -mu * v - eta * grad  # Keras keeps the velocity with the opposite sign
    return w + velocity, -velocity


def rmsprop_loop(w, s, grad, eta, rho, eps):
    w_new, s_new = w.copy(), s.copy()
    for index in np.ndindex(w.shape):
        s_new[index] = rho * s[index] + (1 - rho) * grad[index] * grad[index]
        w_new[index] = w[index] - eta * grad[index] / (s_new[index] ** 0.5 + eps)
    return w_new, s_new


def rmsprop_lerp(w, s, grad, eta, rho, eps):
    s_new = s + (1 - rho) * (np.square(grad) - s)  # the same average, written as a step towards g²
    return w - eta * grad / (np.sqrt(s_new) + eps), s_new


def adam_loop(w, m, s, grad, t, eta, beta1, beta2, eps):
    w_new, m_new, s_new = w.copy(), m.copy(), s.copy()
    for index in np.ndindex(w.shape):
        m_new[index] = beta1 * m[index] + (1 - beta1) * grad[index]
        s_new[index] = beta2 * s[index] + (1 - beta2) * grad[index] ** 2
        w_new[index] = w[index] - eta * (m_new[index] / (1 - beta1 ** t)) / (
            np.sqrt(s_new[index] / (1 - beta2 ** t)) + eps)
    return w_new, m_new, s_new


def adam_counter_from_zero(w, m, s, grad, t, eta, beta1, beta2, eps):
    step = t - 1
    step += 1  # a counter that starts at 0, increased before the correction
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad * grad
    return w - eta * (m / (1 - beta1 ** step)) / (np.sqrt(s / (1 - beta2 ** step)) + eps), m, s


# chapter 08: dropout

def dropout_loops(x, p_drop, u, training):
    out = np.array(x, dtype=float)
    if training:
        for index in np.ndindex(x.shape):
            out[index] = x[index] / (1 - p_drop) if u[index] >= p_drop else 0.0
    return out


def dropout_other_dice_rule(x, p_drop, u, training):
    return np.where(u < 1 - p_drop, x / (1 - p_drop), 0.0) if training else x + 0.0


def dropout_fb_uniform_where(x, dout, p_drop, rng):
    keep = rng.uniform(0.0, 1.0, size=x.shape) >= p_drop
    return np.where(keep, x / (1 - p_drop), 0.0), np.where(keep, dout / (1 - p_drop), 0.0)


def dropout_fb_other_dice_rule(x, dout, p_drop, rng):
    keep = rng.random(x.shape) < 1 - p_drop
    return np.where(keep, x / (1 - p_drop), 0.0), np.where(keep, dout / (1 - p_drop), 0.0)


def dropout_fb_layer_mask(x, dout, p_drop, rng):
    mask = (rng.random(x.shape) >= p_drop).astype(float)
    scale = 1.0 / (1.0 - p_drop)
    return x * mask * scale, dout * mask * scale


# chapter 09: batch normalisation

def batchnorm_backward_by_paths(dout, h, gamma, eps):
    n = h.shape[0]
    m = h.mean(axis=0)
    v = h.var(axis=0)
    inv = 1 / np.sqrt(v + eps)
    u = (h - m) * inv
    du = dout * gamma
    dv = (du * (h - m)).sum(axis=0) * -0.5 * inv ** 3
    dm = -(du * inv).sum(axis=0) + dv * (-2 * (h - m)).mean(axis=0)
    dh = du * inv + dv * 2 * (h - m) / n + dm / n
    return dh, (dout * u).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_centred(dout, h, gamma, eps):
    u = (h - h.mean(axis=0)) / np.sqrt(h.var(axis=0) + eps)
    du = dout * gamma
    dh = (du - du.mean(axis=0) - u * (du * u).mean(axis=0)) / np.sqrt(h.var(axis=0) + eps)
    return dh, np.einsum("nd,nd->d", dout, u), dout.sum(axis=0)


# chapter 10: a residual block

def residual_einsum_where(dout, h, W1, b1, W2, b2):
    h1 = np.einsum("nd,dk->nk", h, W1) + b1
    eps1 = np.where(h1 > 0, np.einsum("nd,kd->nk", dout, W2), 0.0)
    return (dout + np.einsum("nk,dk->nd", eps1, W1), np.einsum("nd,nk->dk", h, eps1), eps1.sum(0),
            np.einsum("nk,nd->kd", np.maximum(h1, 0), dout), dout.sum(0))


def branch_steps_einsum(dout, h, W1, b1, W2):
    dg1 = np.einsum("nd,kd->nk", dout, W2)
    eps1 = dg1 * (h @ W1 + b1 > 0)
    return dg1, eps1, np.einsum("nk,dk->nd", eps1, W1)


# chapter 11: filter normalisation, rescaling a ReLU pair

def filter_normalise_loop(d, W):
    out = np.empty(d.shape)
    for j in range(d.shape[1]):
        out[:, j] = d[:, j] * (np.sqrt(np.sum(W[:, j] ** 2)) / np.sqrt(np.sum(d[:, j] ** 2)))
    return out


def filter_normalise_sums(d, W):
    return d / np.sqrt((d * d).sum(0, keepdims=True)) * np.sqrt((W * W).sum(0, keepdims=True))


def rescale_divides_second(W1, b1, W2, alpha):
    return W1 * alpha, b1 * alpha, W2 * (1 / alpha)


def rescale_loop(W1, b1, W2, alpha):
    new_W1, new_b1, new_W2 = W1.copy(), b1.copy(), W2.copy()
    for j in range(W1.shape[1]):  # unit j: its incoming weights and bias up, its outgoing weights down
        new_W1[:, j] *= alpha
        new_b1[j] *= alpha
        new_W2[j, :] /= alpha
    return new_W1, new_b1, new_W2


def alpha_polyfit_log2(n_params, errors):
    return float(-np.polyfit(np.log2(n_params), np.log2(errors), 1)[0])


def alpha_from_sums(n_params, errors):
    x, y = np.log(n_params), np.log(errors)
    k = len(x)
    return float(-(k * np.sum(x * y) - x.sum() * y.sum()) / (k * np.sum(x * x) - x.sum() ** 2))


# chapter 12: random ReLU features, the minimum-norm solution, ridge derived from the SVD

def ridge_gradient_expanded(phi, y, w, lam):
    return 2 * (phi.T @ phi + lam * np.eye(phi.shape[1])) @ w - 2 * phi.T @ y


def ridge_gradient_columns(phi, y, w, lam):
    if w.ndim == 1:
        return 2 * phi.T @ (phi @ w - y) + 2 * lam * w
    return np.stack([2 * phi.T @ (phi @ w[:, c] - y[:, c]) + 2 * lam * w[:, c] for c in range(w.shape[1])], axis=1)


def ridge_fitted_push_through(U, s, y, lam):
    gram = (U * s ** 2) @ U.T                      # phi phi^T
    return gram @ np.linalg.solve(gram + lam * np.eye(U.shape[0]), y)


def ridge_fitted_one_minus(U, s, y, lam):
    along = U.T @ y
    kept = (1 - lam / (s * s + lam)).reshape((-1,) + (1,) * (along.ndim - 1))
    return U @ (kept * along)


def ridge_fitted_normal_equations(U, s, y, lam):
    phi_v = U * s                                  # phi V (N, r): the same fitted values as phi's
    return phi_v @ np.linalg.solve(phi_v.T @ phi_v + lam * np.eye(s.size), phi_v.T @ y)


def ridge_fitted_weights_factor(U, s, y, lam):
    along = U.T @ y
    return U @ ((s / (s * s + lam)).reshape((-1,) + (1,) * (along.ndim - 1)) * along)


def features_einsum_clip(x, W):
    return np.clip(np.einsum("nd,dp->np", x, W), 0, None) * W.shape[1] ** -0.5


def features_scaled_first(x, W):
    return np.maximum(x @ (W / np.sqrt(W.shape[1])), 0)  # the ReLU is positively homogeneous


def min_norm_pinv(phi, y):
    return np.linalg.pinv(phi) @ y


def min_norm_svd(phi, y):
    U, s, Vt = np.linalg.svd(phi, full_matrices=False)
    kept = s > s.max() * max(phi.shape) * np.finfo(float).eps
    return Vt[kept].T @ ((U[:, kept].T @ y) / (s[kept][:, None] if y.ndim == 2 else s[kept]))


# chapter 13: pruning masks, rewinding

def masks_threshold(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        k = int(round(f * M.sum()))
        cut = np.sort(np.abs(p["W"][M == 1]))[k - 1] if k else -np.inf
        out.append(np.where((M == 1) & (np.abs(p["W"]) > cut), 1.0, 0.0))
    return out


def masks_inf_for_pruned(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        ranked = np.where(M > 0, np.abs(p["W"]), np.inf).ravel()  # pruned weights never count as small
        new = M.astype(float).ravel()  # a new array: the caller's mask stays
        new[np.argsort(ranked, kind="stable")[:int(round(f * M.sum()))]] = 0
        out.append(new.reshape(M.shape))
    return out


def rewind_where(initial_weights, masks):
    return [np.where(M > 0, W0, 0.0) for W0, M in zip(initial_weights, masks)]


def rewind_loop(initial_weights, masks):
    out = []
    for W0, M in zip(initial_weights, masks):
        new = np.zeros(W0.shape)
        for index in np.ndindex(W0.shape):
            if M[index] == 1:
                new[index] = W0[index]
        out.append(new)
    return out


def round_masks_inf_then_where(initial_weights, trained_weights, masks, fractions):
    new = []
    for W, M, f in zip(trained_weights, masks, fractions):
        ranked = np.where(M > 0, np.abs(W), np.inf).ravel()
        m = M.astype(float).ravel()
        m[np.argsort(ranked, kind="stable")[:int(round(f * M.sum()))]] = 0
        new.append(m.reshape(M.shape))
    return new, [np.where(m > 0, W0, 0.0) for W0, m in zip(initial_weights, new)]


def round_threshold_float32(initial_weights, trained_weights, masks, fractions):
    new = []
    for W, M, f in zip(trained_weights, masks, fractions):
        k = int(round(f * M.sum()))
        cut = np.sort(np.abs(W[M == 1]))[k - 1] if k else -np.inf
        new.append(((M == 1) & (np.abs(W) > cut)).astype(np.float32))
    return new, [(W0 * m).astype(np.float32) for W0, m in zip(initial_weights, new)]


def round_rewound_to_trained(initial_weights, trained_weights, masks, fractions):
    new, _ = round_masks_inf_then_where(initial_weights, trained_weights, masks, fractions)
    return new, [W * m for W, m in zip(trained_weights, new)]


def round_ranked_initial(initial_weights, trained_weights, masks, fractions):
    return round_masks_inf_then_where(initial_weights, initial_weights, masks, fractions)


# chapter 05: losses of the training framework

def huber_loop(y, y_hat, delta):
    total = 0.0
    for r in (np.asarray(y_hat, dtype=float) - y).ravel():
        total += 0.5 * r * r if abs(r) <= delta else delta * abs(r) - 0.5 * delta * delta
    return total / len(y_hat)


def huber_from_clipped(y, y_hat, delta):
    r = np.abs(y_hat - y)
    quadratic = np.minimum(r, delta)  # the part of |r| inside the quadratic zone
    return float(np.sum(0.5 * quadratic ** 2 + delta * (r - quadratic)) / y_hat.shape[0])


def huber_slope_loop(r, delta):
    out = np.empty(np.shape(r))
    for index in np.ndindex(out.shape):
        value = float(r[index])
        out[index] = value if abs(value) <= delta else (delta if value > 0 else -delta)
    return out


def huber_slope_clip(r, delta):
    return np.minimum(np.maximum(r, -delta), delta)


def log_softmax_loop(h):
    out = np.empty(np.shape(h))
    for n, row in enumerate(h):
        m = max(row)
        log_sum = m + np.log(sum(np.exp(v - m) for v in row))
        out[n] = [v - log_sum for v in row]
    return out


def log_softmax_logaddexp(h):
    return h - np.logaddexp.reduce(h, axis=1, keepdims=True)


def huber_gradient_where(y, y_hat, delta):
    r = y_hat - y
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r)) / len(y_hat)


def huber_gradient_loop(y, y_hat, delta):
    out = np.empty(np.shape(y_hat))
    for index in np.ndindex(out.shape):
        out[index] = max(-delta, min(delta, y_hat[index] - y[index])) / y_hat.shape[0]
    return out


def cross_entropy_logsumexp_rows(y, h):
    total = 0.0
    for y_n, h_n in zip(y, h):
        m = h_n.max()
        total += m + np.log(np.exp(h_n - m).sum()) - h_n[np.argmax(y_n)]  # one-hot: only the true class counts
    return total / len(h)


def cross_entropy_logaddexp(y, h):
    log_sum = np.logaddexp.reduce(h, axis=1, keepdims=True)
    return float(np.mean(np.sum(y * (log_sum - h), axis=1)))


def cross_entropy_probabilities_loop(y, p, epsilon):
    total = 0.0
    for y_n, p_n in zip(y, p):
        for t, q in zip(y_n, p_n):
            if t:
                total -= t * np.log(min(max(q, epsilon), 1 - epsilon))
    return total / len(p)


def cross_entropy_probabilities_mean(y, p, epsilon):
    return float(np.mean(-np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon)), axis=1)))


# chapter 07: gradient norms, initial weight scale, dead units, clipping, scaling

def norms_outer_products(inputs, errors):
    norms = []
    for g, e in zip(inputs, errors):
        total = sum(np.outer(a, b) for a, b in zip(g, e)) / len(g)
        norms.append(np.sqrt(np.sum(total ** 2)))
    return np.array(norms)


def norms_einsum(inputs, errors):
    return np.array([np.linalg.norm(np.einsum("ni,nj->ij", g, e)) / g.shape[0] for g, e in zip(inputs, errors)])


def std_from_variance(fan_in, slope):
    variance = 1.0 / (fan_in * (0.5 + 0.5 * slope * slope))
    return variance ** 0.5


def std_he_corrected(fan_in, slope):
    return float(np.sqrt(2.0 / fan_in) / np.hypot(1.0, slope))


def dead_loop(batches):
    alive = set()
    for h in batches:
        for j in range(h.shape[1]):
            if np.any(h[:, j] > 0):
                alive.add(j)
    return 1.0 - len(alive) / batches[0].shape[1]


def dead_maximum(batches):
    return float(np.mean(np.max([h.max(axis=0) for h in batches], axis=0) <= 0))


def clip_loop(grads, max_norm):
    squares = 0.0
    for g in grads:
        squares += float(np.sum(g * g))
    norm = squares ** 0.5
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]


def clip_concatenated(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]))
    return [g * min(1.0, max_norm / norm) if norm > 0 else g.copy() for g in grads]


def min_max_loop(x_train, x_test):
    low, high = np.min(x_train, axis=0), np.max(x_train, axis=0)
    return tuple(np.array([(row - low) / (high - low) for row in x]) for x in (x_train, x_test))


def min_max_ptp(x_train, x_test):
    low, span = x_train.min(axis=0), np.ptp(x_train, axis=0)
    return (x_train - low) / span, (x_test - low) / span


def z_score_by_hand(x_train, x_test):
    mean = x_train.sum(axis=0) / len(x_train)
    std = np.sqrt(((x_train - mean) ** 2).sum(axis=0) / len(x_train))
    return (x_train - mean) / std, (x_test - mean) / std


def z_score_loop(x_train, x_test):
    columns = range(x_train.shape[1])
    mean = np.array([np.mean(x_train[:, j]) for j in columns])
    std = np.array([np.std(x_train[:, j]) for j in columns])
    return tuple(np.array([[(row[j] - mean[j]) / std[j] for j in columns] for row in x]) for x in (x_train, x_test))


RIGHT = {
    "threshold_unit": [unit_loop, unit_where],
    "gate_weights": [gates_as_lists, gates_float32],
    "perceptron_update": [update_if, update_loop, update_float32],
    "train_perceptron": [train_while, train_counting_errors],
    "h_change": [h_change_loop, h_change_float32],
    "log_sigmoid": [log_sigmoid_two_forms, log_sigmoid_float32],
    "sigmoid": [sigmoid_two_forms, sigmoid_tanh, sigmoid_float32],
    "sigmoid_derivative": [derivative_direct, derivative_float32],
    "binary_cross_entropy": [bce_loop, bce_float32],
    "bias_gradient_steps": [steps_loop, steps_float32],
    "logistic_gradient": [gradient_loop, gradient_float32],
    "softmax": [softmax_logsumexp, softmax_rows, softmax_float32],
    "forward_two_layer": [forward_tanh_form, forward_float32],
    "output_error_term": [output_loop, output_float32],
    "hidden_error_term": [hidden_einsum, hidden_float32],
    "backprop_one_example": [backprop_loops, backprop_float32],
    "central_difference_gradient": [central_flat, central_float32],
    "output_unit_derivative": [symbolic_piecewise, symbolic_tanh, symbolic_sech, symbolic_exp_form],
    "xnor_network": [xnor_and_nor_or, xnor_flipped_xor, xnor_as_lists],
    "parameter_shapes": [shapes_loop, shapes_numpy_ints],
    "count_parameters": [count_with_shapes, count_numpy],
    "softmax_output_error_term": [softmax_eps_loops, softmax_eps_float32],
    "momentum_step": [momentum_loop, momentum_keras_sign],
    "rmsprop_step": [rmsprop_loop, rmsprop_lerp],
    "adam_step": [adam_loop, adam_counter_from_zero],
    "dropout_forward": [dropout_loops, dropout_other_dice_rule],
    "dropout_forward_backward": [dropout_fb_uniform_where, dropout_fb_layer_mask, dropout_fb_other_dice_rule],
    "batchnorm_forward": [batchnorm_forward_loops, batchnorm_forward_np_var],
    "batchnorm_backward": [batchnorm_backward_by_paths, batchnorm_backward_centred],
    "batchnorm_backward_steps": [batchnorm_steps_loops, batchnorm_steps_float32],
    "running_average_update": [running_step_form, running_loop_float32],
    "fold_batchnorm": [fold_loops, fold_by_matrices],
    "residual_block_backward": [residual_loops, residual_einsum_where],
    "branch_steps": [branch_steps_loop, branch_steps_einsum],
    "block_variance_steps": [variance_steps_loop_float32, variance_steps_simplified],
    "branch_scale_for": [branch_scale_by_logs, branch_scale_by_bisection],
    "filter_normalise": [filter_normalise_loop, filter_normalise_sums],
    "rescale_relu_pair": [rescale_divides_second, rescale_loop],
    "fit_alpha": [alpha_polyfit_log2, alpha_from_sums],
    "ridge_gradient": [ridge_gradient_expanded, ridge_gradient_columns],
    "ridge_fitted_values": [ridge_fitted_push_through, ridge_fitted_one_minus, ridge_fitted_normal_equations],
    "random_relu_features": [features_einsum_clip, features_scaled_first],
    "min_norm_solution": [min_norm_pinv, min_norm_svd],
    "magnitude_masks": [masks_threshold, masks_inf_for_pruned],
    "rewind": [rewind_where, rewind_loop],
    "prune_and_rewind": [round_masks_inf_then_where, round_threshold_float32],
    "huber_loss": [huber_loop, huber_from_clipped],
    "huber_slope": [huber_slope_loop, huber_slope_clip],
    "huber_gradient": [huber_gradient_where, huber_gradient_loop],
    "log_softmax": [log_softmax_loop, log_softmax_logaddexp],
    "cross_entropy_from_logits": [cross_entropy_logsumexp_rows, cross_entropy_logaddexp],
    "cross_entropy_from_probabilities": [cross_entropy_probabilities_loop, cross_entropy_probabilities_mean],
    "layer_gradient_norms": [norms_outer_products, norms_einsum],
    "signal_preserving_std": [std_from_variance, std_he_corrected],
    "dead_unit_fraction": [dead_loop, dead_maximum],
    "clip_by_global_norm": [clip_loop, clip_concatenated],
    "min_max_scale": [min_max_loop, min_max_ptp],
    "z_score_scale": [z_score_by_hand, z_score_loop],
}


def train_returns_max_epochs(x, y, eta=1.0, max_epochs=100):
    w, b, _ = train_while(x, y, eta, max_epochs)
    return w, b, max_epochs


def train_never_resets_counter(x, y, eta=1.0, max_epochs=100):
    w, b, mistakes = np.zeros(x.shape[1]), 0.0, 0
    for epoch in range(1, max_epochs + 1):
        for x_i, y_i in zip(x, y):
            e = y_i - int(x_i @ w + b >= 0)
            w, b, mistakes = w + eta * e * x_i, b + eta * e, mistakes + abs(e)
        if mistakes == 0:
            break
    return w, b, epoch


def train_epoch_minus_one(x, y, eta=1.0, max_epochs=100):
    w, b, epochs = train_while(x, y, eta, max_epochs)
    return w, b, max(1, epochs - 1) if epochs < max_epochs else epochs


def symbolic_expanded_power(h, y):
    return sp.expand((_s(h) - y) ** 20)


def update_strict(w, b, x, y, eta):
    e = y - int(x @ w + b > 0)
    return w + eta * e * x, b + eta * e


def softmax_without_exp(h):
    return h / h.sum(axis=1, keepdims=True)


def sigmoid_naive_silenced(h):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-h))


def derivative_naive_silenced(h):
    g = sigmoid_naive_silenced(h)
    return g * (1 - g)


# chapters 06-13: typical wrong answers (hint ids from lecture_lib/checks/chNN.py)

def momentum_pytorch_form(w, v, grad, eta, mu):
    v_new = mu * v + grad
    return w - eta * v_new, v_new


def rmsprop_old_average(w, s, grad, eta, rho, eps):
    return w - eta * grad / (np.sqrt(s) + eps), rho * s + (1 - rho) * grad ** 2


def rmsprop_swapped_rho(w, s, grad, eta, rho, eps):
    s_new = (1 - rho) * s + rho * grad ** 2
    return w - eta * grad / (np.sqrt(s_new) + eps), s_new


def adam_without_correction(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    return w - eta * m / (np.sqrt(s) + eps), m, s


def adam_t_from_zero(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return w - eta * (m / (1 - beta1 ** (t - 1))) / (np.sqrt(s / (1 - beta2 ** (t - 1))) + eps), m, s


def adam_plain_gradient(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad
    with np.errstate(invalid="ignore"):
        return w - eta * (m / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), m, s


def adam_corrected_state(w, m, s, grad, t, eta, beta1, beta2, eps):
    m_hat = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)
    s_hat = (beta2 * s + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
    return w - eta * m_hat / (np.sqrt(s_hat) + eps), m_hat, s_hat  # the corrected moments kept as the state


def adam_tensorflow(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    return w - eta * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m / (np.sqrt(s) + eps), m, s


def adam_m_only(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    return w - eta * m / (1 - beta1 ** t) / (np.sqrt(s) + eps), m, s


def adam_complement_power(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    return w - eta * (m / (1 - (1 - beta1) ** t)) / (np.sqrt(s / (1 - (1 - beta2) ** t)) + eps), m, s


def dropout_keep_as_p(x, p_drop, u, training):
    return x * (u < p_drop) / p_drop if training else x.copy()


def dropout_unscaled(x, p_drop, u, training):
    return x * (u >= p_drop) if training else x.copy()


def dropout_always_on(x, p_drop, u, training):
    return x * (u >= p_drop) / (1 - p_drop)


def dropout_classic_inference(x, p_drop, u, training):
    return x * (u >= p_drop) / (1 - p_drop) if training else x * (1 - p_drop)


def dropout_fb_fresh_mask(x, dout, p_drop, rng):
    out = x * (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return out, dout * (rng.random(x.shape) >= p_drop) / (1 - p_drop)


def dropout_fb_unscaled_backward(x, dout, p_drop, rng):
    keep = rng.random(x.shape) >= p_drop
    return x * keep / (1 - p_drop), dout * keep


def dropout_fb_unmasked_backward(x, dout, p_drop, rng):
    keep = rng.random(x.shape) >= p_drop
    return x * keep / (1 - p_drop), dout / (1 - p_drop)


def batchnorm_per_example(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = (h.mean(axis=1, keepdims=True), h.var(axis=1, keepdims=True)) if training else (running_mean, running_var)
    return gamma * (h - m) / np.sqrt(v + eps) + beta


def batchnorm_unbiased(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = (h.mean(axis=0), h.var(axis=0, ddof=1)) if training else (running_mean, running_var)
    return gamma * (h - m) / np.sqrt(v + eps) + beta


def batchnorm_batch_stats_always(h, gamma, beta, eps, training, running_mean, running_var):
    return gamma * (h - h.mean(axis=0)) / np.sqrt(h.var(axis=0) + eps) + beta


def batchnorm_running_always(h, gamma, beta, eps, training, running_mean, running_var):
    return gamma * (h - running_mean) / np.sqrt(running_var + eps) + beta


def _bn_parts(dout, h, gamma, eps):
    sigma = np.sqrt(h.var(axis=0) + eps)
    return (h - h.mean(axis=0)) / sigma, sigma, dout * gamma


def batchnorm_backward_no_mean_path(dout, h, gamma, eps):
    u, sigma, du = _bn_parts(dout, h, gamma, eps)
    return (du - u * (du * u).mean(axis=0)) / sigma, (dout * u).sum(0), dout.sum(0)


def batchnorm_backward_no_variance_path(dout, h, gamma, eps):
    u, sigma, du = _bn_parts(dout, h, gamma, eps)
    return (du - du.mean(axis=0)) / sigma, (dout * u).sum(0), dout.sum(0)


def batchnorm_backward_constant_statistics(dout, h, gamma, eps):
    u, sigma, du = _bn_parts(dout, h, gamma, eps)
    return du / sigma, (dout * u).sum(0), dout.sum(0)


def batchnorm_backward_no_gamma(dout, h, gamma, eps):
    u, sigma, _ = _bn_parts(dout, h, gamma, eps)
    return (dout - dout.mean(axis=0) - u * (dout * u).mean(axis=0)) / sigma, (dout * u).sum(0), dout.sum(0)


def masks_repruned(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        m = M.copy().ravel()
        m[np.argsort(np.abs(p["W"]).ravel())[:int(round(f * M.sum()))]] = 0  # the pruned zeros rank first
        out.append(m.reshape(M.shape))
    return out


def masks_largest(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        ranked = np.where(M > 0, -np.abs(p["W"]), np.inf).ravel()
        m = M.copy().ravel()
        m[np.argsort(ranked, kind="stable")[:int(round(f * M.sum()))]] = 0
        out.append(m.reshape(M.shape))
    return out


def masks_global(params, masks, fractions):
    magnitudes = np.concatenate([np.abs(p["W"])[M > 0] for p, M in zip(params, masks)])
    count = int(round(fractions[0] * magnitudes.size))
    cut = np.sort(magnitudes)[count - 1] if count else -np.inf
    return [np.where((M > 0) & (np.abs(p["W"]) > cut), 1.0, 0.0) for p, M in zip(params, masks)]


def huber_not_shifted(y, y_hat, delta):
    r = np.abs(y_hat - y)
    return float(np.sum(np.where(r <= delta, 0.5 * r ** 2, delta * r)) / y_hat.shape[0])


def huber_signed_residual(y, y_hat, delta):
    r = y_hat - y
    return float(np.sum(np.where(r <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))) / y_hat.shape[0])


def cross_entropy_naive(y, h):
    p = np.exp(h) / np.exp(h).sum(axis=1, keepdims=True)
    return float(-np.sum(y * np.log(p)) / h.shape[0])


def clip_per_tensor(grads, max_norm):
    return [g * (max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > max_norm else g.copy() for g in grads]


def min_max_own_statistics(x_train, x_test):
    with np.errstate(invalid="ignore", divide="ignore"):
        return tuple((x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0)) for x in (x_train, x_test))


WRONG = {
    "threshold_unit": [(lambda x, w, b: (x @ w - b >= 0).astype(int), "bias_subtracted"),
                       (lambda x, w, b: (x @ w + b > 0).astype(int), "strict_inequality")],
    "gate_weights": [(lambda gate: (np.array([1.0, 1.0]), -1.5), None)],
    "perceptron_update": [(update_strict, "strict_inequality"),
                          (lambda w, b, x, y, eta: (w - eta * (y - int(x @ w + b >= 0)) * x,
                                                    b - eta * (y - int(x @ w + b >= 0))), "reversed_sign")],
    "train_perceptron": [(train_returns_max_epochs, "epochs_not_counted"),
                         (train_never_resets_counter, "epochs_not_counted"),
                         (train_epoch_minus_one, "epochs_off_by_one")],
    "h_change": [(lambda x, y, y_hat, eta: (eta * (y - y_hat) * float(x @ x), 0.0), "bias_part_missing"),
                 (lambda x, y, y_hat, eta: (eta * (y - y_hat) * float(np.sum(x)), eta * (y - y_hat)),
                  "inputs_not_squared")],
    "log_sigmoid": [(lambda h: np.log(_stable_sig(h)), "log_of_underflow"),
                    (lambda h: -np.log1p(np.exp(-np.abs(h))), None)],
    "bias_gradient_steps": [(lambda x, y, w, b: (lambda p: ((p - y) / (p * (1 - p)), p * (1 - p), p - y,
                                                            float(np.sum(p - y))))(_stable_sig(x @ w + b)),
                             "sum_not_mean")],
    "sigmoid": [(sigmoid_naive_silenced, "naive_exp_overflow"), (lambda h: _stable_sig(-h), "wrong_sign_exponent")],
    "sigmoid_derivative": [(derivative_naive_silenced, "naive_exp_overflow"),
                           (lambda h: -_stable_sig(h) * (1 - _stable_sig(h)), "negative_derivative")],
    "binary_cross_entropy": [(lambda y, y_hat: float(np.mean(y * np.log(np.clip(y_hat, 1e-7, 1))
                                                              + (1 - y) * np.log(np.clip(1 - y_hat, 1e-7, 1)))),
                              "missing_minus")],
    "logistic_gradient": [(lambda x, y, w, b: (x.T @ (_stable_sig(x @ w + b) - y), float(np.sum(_stable_sig(x @ w + b) - y))),
                           "missing_mean")],
    "softmax": [(softmax_without_exp, "missing_exp"),
                (lambda h: np.exp(h) / np.exp(h).sum(axis=1, keepdims=True), "overflow")],
    "forward_two_layer": [(lambda x, W1, b1, W2, b2: softmax_rows(_sig(x @ W1) @ W2 + b2), "missing_bias")],
    "output_error_term": [(lambda y_hat, y: y_hat - y, "missing_sigma_prime")],
    "softmax_output_error_term": [(lambda h, y: y - softmax_rows(h), "wrong_sign")],
    "hidden_error_term": [(lambda eps_next, W_next, g: eps_next @ W_next.T, "missing_sigma_prime")],
    "backprop_one_example": [(lambda x, y, W1, W2: (np.zeros_like(W1), np.zeros_like(W2)), None)],
    "central_difference_gradient": [(lambda f, w, step: np.array([(f(w + step * e) - f(w)) / step
                                                                   for e in np.eye(w.size)]).reshape(w.shape),
                                     "forward_difference")],
    "output_unit_derivative": [(symbolic_expanded_power, None),
                               (lambda h, y: (_s(h) - y) * _s(h) * (1 - _s(h)), "squared_error_habit")],
    "xnor_network": [(lambda: (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-1.5, -1.5]), np.array([[1.0], [1.0]]),
                               np.array([-0.5])), "same_hidden_units"),
                     (lambda: (np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([-0.5, 1.5]), np.array([[1.0], [1.0]]),
                               np.array([-1.5])), "complement"),
                     (lambda: (np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([-2.0, 0.5]), np.array([[1.0], [1.0]]),
                               np.array([-0.5])), "line_through_point")],
    "parameter_shapes": [(lambda layer_sizes: [((b, a), (b,)) for a, b in zip(layer_sizes, layer_sizes[1:])],
                          "transposed_weights"),
                         (lambda layer_sizes: [((a, b), (b,)) for a, b in zip([0] + layer_sizes, layer_sizes)],
                          "layer_count")],
    "count_parameters": [(lambda layer_sizes: sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:])), "missing_biases"),
                         (lambda layer_sizes: sum(layer_sizes), "counted_units")],
    "momentum_step": [(lambda w, v, grad, eta, mu: (w + (mu * v + eta * grad), mu * v + eta * grad), "wrong_sign"),
                      (lambda w, v, grad, eta, mu: (w - v, mu * v + eta * grad), "old_velocity"),
                      (momentum_pytorch_form, "pytorch_form")],
    "rmsprop_step": [(rmsprop_old_average, "old_average"), (rmsprop_swapped_rho, "swapped_rho"),
                     (lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt(rho * s + (1 - rho) * grad) + eps),
                                                         rho * s + (1 - rho) * grad), "gradient_not_squared")],
    "adam_step": [(adam_without_correction, "missing_bias_correction"), (adam_t_from_zero, "t_starts_at_zero"),
                  (adam_plain_gradient, "gradient_not_squared"), (adam_corrected_state, "corrected_state"),
                  (adam_tensorflow, "tensorflow_form"), (adam_m_only, "corrected_m_only"),
                  (adam_complement_power, "power_of_complement")],
    "dropout_forward": [(dropout_keep_as_p, "p_as_keep_probability"), (dropout_unscaled, "missing_scale"),
                        (dropout_always_on, "dropout_left_on_in_eval"),
                        (dropout_classic_inference, "classic_scaling_at_inference")],
    "dropout_forward_backward": [(dropout_fb_fresh_mask, "fresh_mask_in_backward"),
                                 (dropout_fb_unscaled_backward, "backward_missing_scale"),
                                 (dropout_fb_unmasked_backward, "backward_not_masked")],
    "batchnorm_forward": [(batchnorm_per_example, "statistics_over_wrong_axis"), (batchnorm_unbiased, "unbiased_variance"),
                          (batchnorm_batch_stats_always, "batch_statistics_in_inference"),
                          (batchnorm_running_always, "running_statistics_in_training")],
    "running_average_update": [(running_swapped, "keras_rule_for_pytorch"), (running_forgets, "old_value_forgotten")],
    "fold_batchnorm": [(fold_rows, "fold_rows_scaled"), (fold_b_forgotten, "fold_bias_forgotten"),
                       (fold_kappa_outside, "fold_kappa_outside_root"), (fold_beta_scaled, "fold_beta_scaled"),
                       (fold_no_kappa, "fold_kappa_forgotten")],
    "batchnorm_backward_steps": [(batchnorm_steps_no_half, "variance_missing_half"),
                                 (batchnorm_steps_plus_sign, "variance_sign")],
    "batchnorm_backward": [(batchnorm_backward_no_mean_path, "forgot_mean_path"),
                           (batchnorm_backward_no_variance_path, "forgot_variance_path"),
                           (batchnorm_backward_constant_statistics, "constant_statistics"),
                           (batchnorm_backward_no_gamma, "missing_gamma")],
    "residual_block_backward": [(residual_no_identity, "forgot_identity_path"),
                                (residual_no_relu_derivative, "missing_relu_derivative"),
                                (residual_through_W, "transposed_weights"),
                                (residual_dW2_from_h, "dW2_from_the_block_input")],
    "branch_steps": [(branch_steps_no_relu, "missing_relu_derivative"),
                     (branch_steps_with_identity, "identity_path_included")],
    "block_variance_steps": [(variance_steps_relu_keeps_all, "relu_keeps_everything"),
                             (variance_steps_no_identity, "identity_path_missing"),
                             (variance_steps_alpha_not_squared, "alpha_not_squared")],
    "branch_scale_for": [(branch_scale_added, "growth_added_not_multiplied"),
                         (branch_scale_not_rooted, "alpha_not_squared")],
    "filter_normalise": [(lambda d, W: d * np.linalg.norm(W) / np.linalg.norm(d), "whole_matrix"),
                         (lambda d, W: d / np.linalg.norm(d, axis=0), "unit_columns")],
    "rescale_relu_pair": [(lambda W1, b1, W2, alpha: (alpha * W1, b1, W2 / alpha), "bias_not_scaled"),
                          (lambda W1, b1, W2, alpha: (alpha * W1, alpha * b1, alpha * W2), "both_multiplied")],
    "fit_alpha": [(lambda n_params, errors: float(np.polyfit(np.log(n_params), np.log(errors), 1)[0]), "returned_slope"),
                  (lambda n_params, errors: float(-np.polyfit(n_params, errors, 1)[0]), "no_logarithms")],
    "ridge_gradient": [(lambda phi, y, w, lam: 2 * phi.T @ (phi @ w - y), "penalty_missing"),
                       (lambda phi, y, w, lam: phi.T @ (phi @ w - y) + lam * w, "half_gradient"),
                       (lambda phi, y, w, lam: 2 * phi.T @ (phi @ w - y) / len(y) + 2 * lam * w, "data_term_mean")],
    "ridge_fitted_values": [(ridge_fitted_weights_factor, "weights_factor"),
                            (lambda U, s, y, lam: U @ (U.T @ y), "lam_ignored"),
                            (lambda U, s, y, lam: y - U @ np.diag(lam / (s * s + lam)) @ U.T @ y, "outside_part_kept")],
    "random_relu_features": [(lambda x, W: np.maximum(x @ W, 0), "missing_scaling"),
                             (lambda x, W: x @ W / np.sqrt(W.shape[1]), "missing_relu")],
    "min_norm_solution": [(lambda phi, y: np.linalg.inv(phi.T @ phi) @ phi.T @ y, "normal_equations"),
                          (lambda phi, y: np.linalg.lstsq(phi, y, rcond=None), "lstsq_tuple")],
    "magnitude_masks": [(masks_repruned, "repruned_pruned_weights"), (masks_largest, "pruned_largest"),
                        (masks_global, "global_instead_of_per_layer")],
    "rewind": [(lambda initial_weights, masks: [M.copy() for M in masks], "returned_masks"),
               (lambda initial_weights, masks: [W.copy() for W in initial_weights], "mask_not_applied")],
    "prune_and_rewind": [(round_rewound_to_trained, "rewound_to_trained"), (round_ranked_initial, "ranked_initial")],
    "huber_loss": [(lambda y, y_hat, delta: float(np.mean(0.5 * (y_hat - y) ** 2) * np.size(y_hat) / len(y_hat)),
                    "squared_error_only"),
                   (huber_not_shifted, "linear_part_not_shifted"), (huber_signed_residual, "signed_residual_compared")],
    "huber_slope": [(lambda r, delta: np.where(np.abs(r) <= delta, r, delta), "slope_positive_on_both_sides"),
                    (lambda r, delta: np.where(np.abs(r) <= delta, r, np.sign(r)), "slope_one_beyond_delta"),
                    (lambda r, delta: np.array(r, dtype=float), "slope_of_squared_error")],
    "log_softmax": [(lambda h: h - np.log(np.sum(np.exp(h - h.max(axis=1, keepdims=True)), axis=1, keepdims=True)),
                     "max_not_added_back"),
                    (lambda h: np.log(np.exp(h) / np.exp(h).sum(axis=1, keepdims=True)), "no_max_subtraction"),
                    (lambda h: np.array(h, dtype=float), "logits_used_as_log_probabilities")],
    "huber_gradient": [(lambda y, y_hat, delta: np.clip(y - y_hat, -delta, delta) / len(y_hat), "wrong_sign"),
                       (lambda y, y_hat, delta: np.clip(y_hat - y, -delta, delta), "missing_division_by_n"),
                       (lambda y, y_hat, delta: np.minimum(y_hat - y, delta) / len(y_hat), "signed_residual_compared")],
    "cross_entropy_from_logits": [(lambda y, h: -cross_entropy_logaddexp(y, h), "wrong_sign"),
                                  (lambda y, h: cross_entropy_logaddexp(y, h) / h.shape[1], "averaged_over_classes"),
                                  (cross_entropy_naive, "no_max_subtraction")],
    "cross_entropy_from_probabilities": [
        (lambda y, p, epsilon: float(-np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon)))), "summed_not_averaged"),
        (lambda y, p, epsilon: float(np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon))) / len(p)), "wrong_sign")],
    "layer_gradient_norms": [(lambda inputs, errors: np.array([np.linalg.norm(g.T @ e) for g, e in zip(inputs, errors)]),
                              "summed_over_examples"),
                             (lambda inputs, errors: np.array([np.sum((g.T @ e / len(g)) ** 2)
                                                               for g, e in zip(inputs, errors)]), "no_square_root")],
    "signal_preserving_std": [(lambda fan_in, slope: np.sqrt(2.0 / fan_in), "he_for_every_slope"),
                              (lambda fan_in, slope: 2.0 / ((1 + slope ** 2) * fan_in), "variance_not_std")],
    "dead_unit_fraction": [(lambda batches: float(np.mean([np.mean(h.max(axis=0) <= 0) for h in batches])),
                            "one_batch_at_a_time"),
                           (lambda batches: float(np.mean(np.vstack(batches) <= 0)), "zero_outputs_fraction")],
    "clip_by_global_norm": [(clip_per_tensor, "per_tensor"),
                            (lambda grads, max_norm: [g * min(1.0, max_norm / sum(np.linalg.norm(a) for a in grads))
                                                      for g in grads], "sum_of_norms"),
                            (lambda grads, max_norm: [g * min(1.0, max_norm / sum(float(np.sum(a * a)) for a in grads))
                                                      for g in grads], "no_square_root"),
                            (lambda grads, max_norm: [np.clip(g, -max_norm, max_norm) for g in grads], "element_wise"),
                            (lambda grads, max_norm: [g * max_norm / np.sqrt(sum(np.sum(a * a) for a in grads))
                                                      for g in grads], "always_rescaled")],
    "min_max_scale": [(min_max_own_statistics, "test_statistics"),
                      (lambda x_train, x_test: tuple((x - x_train.min(0)) / x_train.max(0) for x in (x_train, x_test)),
                       "divided_by_max")],
    "z_score_scale": [(lambda x_train, x_test: tuple((x - x_train.mean(0)) / x_train.std(0, ddof=1) for x in (x_train, x_test)),
                       "sample_std"),
                      (lambda x_train, x_test: tuple(x / x_train.std(0) for x in (x_train, x_test)), "mean_not_subtracted"),
                      (lambda x_train, x_test: tuple((x - x_train.mean(0)) / x_train.var(0) for x in (x_train, x_test)),
                       "divided_by_variance")],
}


# --- issue 23, items 12-15: answers on which public check and hidden tests disagreed, or a check was fooled ----
# Each was judged differently publicly and hidden (or passed both) before; now both agree, with the hint named.

def gates_0d_bias(gate):
    """b a 0-d array: one real number, as the public check always accepted (the hidden tests refused it)."""
    w, b = gates_float32(gate)
    return np.array(w, dtype=float), np.array(float(b))


def bce_nan_to_num(y, y_hat):
    """log(0) replaced by the largest float instead of clipping: finite for one certain-and-wrong example only."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.nan_to_num(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return float(-np.mean(terms))


def backprop_float32_inputs(x, y, W1, W2):
    """Computed on the inputs rounded to float32, returned as float64: right to float32's rounding."""
    dW1, dW2 = backprop_float32(x, y, W1, W2)
    return dW1.astype(np.float64), dW2.astype(np.float64)


def cross_entropy_one_maximum(y, h):
    m = h.max()  # one maximum for the whole batch
    return float(-np.sum(y * (h - m - np.log(np.exp(h - m).sum(axis=1, keepdims=True)))) / len(h))


def cross_entropy_log_of_stable_softmax(y, h):
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return float(-np.sum(y * np.log(e / e.sum(axis=1, keepdims=True))) / len(h))


def dropout_fb_mask_from_output(x, dout, p_drop, rng):
    out = x * (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return out, dout * (out != 0) / (1 - p_drop)


def masks_first_fraction(params, masks, fractions):
    return masks_inf_for_pruned(params, masks, [fractions[0]] * len(masks))


def round_masks_from_trained_weights(initial_weights, trained_weights, masks, fractions):
    return round_masks_inf_then_where(initial_weights, trained_weights,
                                      [(W != 0).astype(float) for W in trained_weights], fractions)


def round_rewound_where_trained_nonzero(initial_weights, trained_weights, masks, fractions):
    new, _ = round_masks_inf_then_where(initial_weights, trained_weights, masks, fractions)
    return new, [W0 * (W * m != 0) for W0, W, m in zip(initial_weights, trained_weights, new)]


RIGHT["gate_weights"].append(gates_0d_bias)
RIGHT["backprop_one_example"].append(backprop_float32_inputs)
WRONG["gate_weights"].append((lambda gate: (np.array([-1.0, -1.0]), np.array([1.5])) if gate == "NAND"
                              else gates_float32(gate), None))  # b of shape (1,): not one number, both refuse
WRONG["binary_cross_entropy"].append((bce_nan_to_num, "log_of_zero"))
WRONG["cross_entropy_from_logits"] += [(cross_entropy_one_maximum, "one_maximum_for_the_batch"),
                                       (cross_entropy_log_of_stable_softmax, "log_of_underflowed_probability")]
WRONG["dropout_forward_backward"].append((dropout_fb_mask_from_output, "mask_from_the_output"))
WRONG["magnitude_masks"].append((masks_first_fraction, "first_fraction_for_every_layer"))
WRONG["rewind"].append((lambda initial_weights, masks: tuple(rewind_where(initial_weights, masks)), None))  # item 11
WRONG["prune_and_rewind"] += [(round_masks_from_trained_weights, "mask_from_weights"),
                              (round_rewound_where_trained_nonzero, "mask_from_weights")]


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_right_answers_written_differently_pass_publicly_and_hidden(exercise):
    for answer in RIGHT[exercise.function]:
        result = public(exercise, answer)
        assert result.status == PASSED, (answer.__name__, result)
        assert hidden_passes(exercise, answer), answer.__name__


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_typical_wrong_answers_fail_publicly_and_hidden_with_their_hint(exercise):
    for answer, hint in WRONG[exercise.function]:
        started = time.perf_counter()
        result = public(exercise, answer)
        assert result.status == FAILED, (answer, result)
        assert time.perf_counter() - started < 60  # a hang guard, not a speed target (those live in benchmarks/)
        if hint:
            assert result.hints == [hint] or (hint in result.hints and "silenced_overflow" in result.hints), result
        assert not hidden_passes(exercise, answer), (answer, "passes the hidden tests")


# --- the solution's answer, delivered in another form ------------------------------------------------

def _map_answer(value, array_form, number_form, symbolic_form=None):
    if isinstance(value, (tuple, list)):
        return type(value)(_map_answer(v, array_form, number_form, symbolic_form) for v in value)
    if isinstance(value, np.ndarray):
        return array_form(value)
    if isinstance(value, sp.Basic):
        return symbolic_form(value) if symbolic_form else value
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return number_form(value)
    return value


def delivered(exercise, array_form, number_form, symbolic_form=None):
    """The solution's function, its answer turned into another form."""
    right = solution(exercise)

    def answer(*args, **kwargs):  # the hidden tests call by position, the checks by keyword
        return _map_answer(right(*args, **kwargs), array_form, number_form, symbolic_form)
    return answer


def _round_to_float32(array):
    return array.astype(np.float32) if array.dtype.kind == "f" else array


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_answer_rounded_to_float32_passes_publicly_and_hidden(exercise):
    answer = delivered(exercise, _round_to_float32, lambda v: np.float32(v) if isinstance(v, float) else v)
    assert public(exercise, answer).status == PASSED
    assert hidden_passes(exercise, answer)


BROKEN_FORMS = {
    "numeric_string": (lambda a: a.astype(str), str, str, ("str", "text", "strings")),
    "complex": (lambda a: a + 0j, complex, lambda e: e + sp.I * sp.Rational(1, 10 ** 40), ("complex", "I")),
    "nan": (lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a), lambda v: float("nan"),
            lambda e: sp.nan, ("NaN", "nan", "finite")),
}


@pytest.mark.parametrize("form", sorted(BROKEN_FORMS))
@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_answer_in_a_wrong_type_fails_naming_the_expected_type_publicly_and_hidden(exercise, form):
    array_form, number_form, symbolic_form, words = BROKEN_FORMS[form]
    answer = delivered(exercise, array_form, number_form, symbolic_form)
    result = public(exercise, answer)
    assert_feedback_not_crash(result)
    assert result.status == FAILED, result
    assert any(word in repr(result) for word in words + ("Expected",)), result
    assert not hidden_passes(exercise, answer)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_list_in_place_of_an_array_public_and_hidden_agree(exercise):
    answer = delivered(exercise, lambda a: a.tolist(), lambda v: v, lambda e: [e])
    result = public(exercise, answer)
    assert_feedback_not_crash(result)
    assert (result.status == PASSED) == hidden_passes(exercise, answer), result


def _first_array_argument(kwargs):
    return next((name for name, value in kwargs.items() if isinstance(value, np.ndarray)), None)


#: Exercises whose function takes no array or list argument that it could change.
NO_MUTABLE_ARGUMENTS = ("gate_weights", "output_unit_derivative", "xnor_network", "signal_preserving_std",
                        "block_variance_steps", "branch_scale_for")
#: Exercises whose function may change an argument in place: clip_by_global_norm may clip the caller's gradients
#: in place, as torch.nn.utils.clip_grad_norm_ does (tests/test_checks_ch07.py accepts that answer).
MAY_CHANGE_ARGUMENTS = ("clip_by_global_norm",)


_MUTATION_EXERCISES = [e for e in EXERCISES if e.function not in NO_MUTABLE_ARGUMENTS + MAY_CHANGE_ARGUMENTS]


@pytest.mark.parametrize("exercise", _MUTATION_EXERCISES, ids=[str(e) for e in _MUTATION_EXERCISES])
def test_answer_that_changes_an_argument_in_place_fails_publicly_and_hidden(exercise):
    right = solution(exercise)

    def mutating(*args, **kwargs):
        value = right(*args, **kwargs)
        for argument in list(args) + list(kwargs.values()):
            if isinstance(argument, np.ndarray) and argument.dtype.kind == "f":
                argument += 1.0  # the caller's array
            elif isinstance(argument, list):
                argument.reverse()  # the caller's list
        return value
    result = public(exercise, mutating)
    assert result.status == FAILED and "modified_input" in result.hints, result
    assert "in place" in result.summary
    assert not hidden_passes(exercise, mutating)


class Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr for you")

    __str__ = __repr__

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array either")

    def __float__(self):
        raise RuntimeError("no float")

    def __len__(self):
        raise RuntimeError("no len")


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_answer_whose_repr_and_array_raise_is_feedback(exercise):
    result = public(exercise, lambda **kwargs: Unprintable())
    assert_feedback_not_crash(result)
    assert result.status == FAILED and "Unprintable" in repr(result), result
    result = public(exercise, lambda **kwargs: (Unprintable(), Unprintable()))
    assert result.status == FAILED, result


@pytest.mark.parametrize("how", ["sys.exit", "os._exit", "KeyboardInterrupt"])
@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_answer_that_exits_is_feedback(exercise, how):
    def leaves(**kwargs):
        if how == "sys.exit":
            sys.exit(1)
        if how == "os._exit":
            os._exit(3)
        raise KeyboardInterrupt
    result = public(exercise, leaves)
    assert result.status == FAILED, result
    assert {"sys.exit": "sys.exit(1)", "os._exit": "ended the Python process",
            "KeyboardInterrupt": "KeyboardInterrupt"}[how] in repr(result), result


# --- answers that hang ---------------------------------------------------------------------------------

def _sleeps_swallowing_everything(**kwargs):
    while True:
        try:
            time.sleep(10)
        except:  # noqa: E722 - the learner's bare except
            pass


def _ignores_the_alarm(**kwargs):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        try:
            sum(range(1000))
        except BaseException:
            pass


def _one_long_c_call(**kwargs):
    return re.match(r"(a*)*b", "a" * 64)  # catastrophic backtracking inside the C regex engine


@pytest.mark.parametrize("hang", [_sleeps_swallowing_everything, _ignores_the_alarm, _one_long_c_call],
                         ids=["bare_except", "SIG_IGN", "C_call"])
@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_answer_that_hangs_is_stopped_at_the_limit(exercise, hang):
    started = time.perf_counter()
    result = public(exercise, hang, time_limit=0.3)
    assert time.perf_counter() - started < 2.0
    assert result.status == FAILED and "did not finish within 0.3 s" in result.summary, result
    assert signal.getsignal(signal.SIGALRM) is not signal.SIG_IGN  # the learner's SIG_IGN stayed in its process


# --- answers that poison the process -----------------------------------------------------------------

def _poison(**kwargs):
    import warnings

    import lecture_lib.checks.core as core

    np.seterr(all="raise")
    warnings.simplefilter("error")
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    core.same_answer = lambda *args, **kw: True          # the checker, monkeypatched
    np.allclose = lambda *args, **kw: True
    np.array_equal = lambda *args, **kw: True
    return None


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_poisoning_answer_changes_nothing_for_later_checks(exercise):
    import lecture_lib.checks.core as core

    before = (np.geterr(), signal.getsignal(signal.SIGALRM), core.same_answer, np.allclose)
    assert public(exercise, _poison).status == FAILED
    assert (np.geterr(), signal.getsignal(signal.SIGALRM), core.same_answer, np.allclose) == before
    wrong, _ = WRONG[exercise.function][0]
    assert public(exercise, wrong).status == FAILED
    assert public(exercise, solution(exercise)).status == PASSED


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_session_in_raise_mode_does_not_fail_a_correct_answer(exercise):
    with np.errstate(all="raise"):
        result = public(exercise, solution(exercise))
    assert result.status == PASSED, result


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_correct_answer_is_checked_with_few_calls(exercise):
    """A check stays cheap: it calls the learner's function about once per case (plus the repeated first
    call that shows kept state). Counted, not timed: a wall-clock limit fails on a loaded machine."""
    import functools

    from lecture_lib.checks.isolation import isolation

    right = solution(exercise)
    calls = []

    @functools.wraps(right)
    def counted(*args, **kwargs):
        calls.append(1)
        return right(*args, **kwargs)

    with isolation("inline"):
        result = public(exercise, counted)
    assert result.status == PASSED, result
    assert 1 <= len(calls) <= 2 * max(result.cases_total, 1) + 2, (len(calls), result.cases_total)


class ZeroDifference(sp.Expr):
    """A learner's Expr subclass whose difference with anything is 0: fools simplify(answer - truth) == 0."""

    def __sub__(self, other):
        return sp.Integer(0)

    def __rsub__(self, other):
        return sp.Integer(0)


WRONG["output_unit_derivative"].append((lambda h, y: ZeroDifference(h, y), "not_sympy_class"))


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e.function != "xnor_network"],
                         ids=[str(e) for e in EXERCISES if e.function != "xnor_network"])
def test_renamed_parameters_get_the_keep_the_names_hint(exercise):
    right = solution(exercise)

    def renamed(*positional):  # what a learner who renamed every parameter looks like to a keyword call
        return right(*positional)
    result = public(exercise, renamed)
    assert result.status == FAILED and "renamed_parameter" in result.hints, result
    assert "keep the parameter names" in repr(result)


# --- an answer that keeps state between calls; a namedtuple in place of a tuple -----------------------------

def _counting_repeats(right):
    """``right`` with a memory of its inputs: an input it has seen before gets its answer shifted by 1 (arrays and
    numbers; a classic counter or mutable default argument)."""
    seen = []

    def key(value):
        if isinstance(value, np.ndarray):
            return ("array", value.shape, value.dtype.str, value.tobytes())
        if isinstance(value, (list, tuple)):
            return tuple(key(item) for item in value)
        if isinstance(value, np.random.Generator):
            return repr(value.bit_generator.state)
        return getattr(value, "__qualname__", type(value).__name__) if callable(value) else repr(value)

    def answer(**kwargs):
        value = right(**kwargs)
        this = tuple(sorted((name, key(item)) for name, item in kwargs.items()))
        repeated = this in seen
        seen.append(this)
        return _map_answer(value, lambda a: a + 1, lambda v: v + 1, lambda e: e + 1) if repeated else value
    return answer


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_answer_that_keeps_state_between_calls_fails_publicly(exercise):
    """Every check repeats its first case after the others: a function whose answer depends on earlier calls fails."""
    result = public(exercise, _counting_repeats(solution(exercise)))
    assert result.status == FAILED and "keeps_state" in result.hints, result


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_tuple_answer_as_a_namedtuple_passes(exercise):
    """A namedtuple is a tuple for every check (one contract, README)."""
    from collections import namedtuple
    right = solution(exercise)

    def answer(*args, **kwargs):
        value = right(*args, **kwargs)
        if type(value) is not tuple:
            return value
        return namedtuple("Answer", [f"part{i}" for i in range(len(value))])(*value)
    assert public(exercise, answer).status == PASSED
