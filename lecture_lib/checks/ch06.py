"""Checks of the chapter 06 exercises: one step of momentum, of RMSProp and of Adam.

Each exercise function takes the weights, the optimiser's state and the
gradient and returns the new weights and the new state, as a tuple of
arrays of the weights' shape. The reference steps are written here from the
formulas of notebook 06 (the slides' momentum, RMSProp as Hinton's lecture
6e defines it with the stabiliser κ (code: ``eps``) outside the root, Kingma &
Ba's Adam with κ outside the corrected root); tests/test_checks_ch06.py
proves them equal to the engine's ``SGD``, ``RMSProp`` and ``Adam`` over
several steps. Answers are compared with a relative tolerance of 1e-5, so
that a learner who computes in float32 passes; the cases are chosen so
that every typical mistake changes the answer by much more than that
(κ = 0.1 next to tiny gradients, bias corrections at small t).
"""
from __future__ import annotations

import numpy as np

from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, checks_learner_code, describe_value, run_cases,
                   real_array_problem, same_answer)

__all__ = ["check_momentum_step", "check_rmsprop_step", "check_adam_step"]

_RTOL = 1e-5


def _same(a, b):
    return same_answer(a, b, rtol=_RTOL, atol=1e-10)


def _same_or_both_nan(a, b):
    """For recognising a mistake: a wrong variant that gives NaN where the learner's answer does."""
    return same_answer(a, b, rtol=_RTOL, atol=1e-10, equal_nan=True)


def _tuple_kind_problem(value, shape, names):
    """What is wrong with an answer that should be a tuple of arrays named ``names``, each of ``shape``, or None."""
    wanted = f"a tuple ({', '.join(names)}) of {len(names)} arrays of shape {shape}"
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        return f"Expected {wanted}, got {describe_value(value)}."
    for name, part in zip(names, value):
        try:
            array = np.asarray(part)
        except (TypeError, ValueError):  # a ragged nested list
            return f"Expected {wanted}; {name} is {describe_value(part)}."
        if array.dtype.kind == "O" or (array.ndim == 0 and array.dtype.kind in "US"):
            return f"Expected {wanted}; {name} is {describe_value(part)}."
        if array.shape != shape:
            return f"Expected {wanted}; {name} has shape {array.shape}."
        # A numeric string or a complex number would pass np.asarray(part, dtype=float): refuse them first.
        problem = real_array_problem(array, shape, name)
        if problem is not None and "finite" not in problem:
            return problem
        if problem is not None:
            return (f"{name} contains NaN or inf. (A square root of a negative number gives NaN: is everything "
                    "under your square root >= 0? A division by 0 gives inf.)")
    return None


def _comparable(value):
    """A returned tuple as float arrays (what the mistakes' variants are compared with), else as returned."""
    if isinstance(value, (tuple, list)):
        try:
            return tuple(np.asarray(p, dtype=float) for p in value)
        except (TypeError, ValueError):
            return value
    return value


def _check_tuple_cases(run, cases, reference, mistakes, names, wrong_answer):
    """:func:`~lecture_lib.checks.core.run_cases` for an optimiser step's tuple (w, state...), arrays of w's shape."""
    def judge(case, value, expected):
        problem = _tuple_kind_problem(value, expected[0].shape, names)
        if problem is None and not _same(tuple(np.asarray(p, dtype=float) for p in value), expected):
            wrong = [name for name, part, right in zip(names, value, expected) if not _same(part, right)]
            problem = f"{wrong_answer} Wrong: {', '.join(wrong)}."
        return problem, _comparable(value)

    return run_cases(run, cases, reference, mistakes, judge, _same_or_both_nan, answer=_comparable)


def _rng_arrays(seed, shape, count, scale=1.0):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(shape) for _ in range(count)]


# --- Exercise 1: momentum (the slides' form) -----------------------------------------------------

def _momentum(w, v, grad, eta, mu):
    v_new = mu * v + eta * grad
    return w - v_new, v_new


_MOMENTUM_MISTAKES = [
    Mistake("wrong_sign",
            "the weights moved uphill. v_t = mu v_{t-1} + eta grad points uphill (grad does); the update "
            "subtracts it: w' = w - v_t.",
            lambda w, v, grad, eta, mu: (w + (mu * v + eta * grad), mu * v + eta * grad)),
    Mistake("old_velocity",
            "the weights moved by the old velocity. Compute the new v_t first, then move the weights by it.",
            lambda w, v, grad, eta, mu: (w - v, mu * v + eta * grad)),
    Mistake("missing_eta",
            "the learning rate is missing: in the slides' form eta multiplies every gradient inside the sum "
            "that makes v_t.",
            lambda w, v, grad, eta, mu: (w - (mu * v + grad), mu * v + grad)),
    Mistake("pytorch_form",
            "this is PyTorch's form (v <- mu v + grad, w <- w - eta v), which keeps a different velocity. "
            "The exercise asks for the slides' form, where eta is inside the velocity.",
            lambda w, v, grad, eta, mu: (w - eta * (mu * v + grad), mu * v + grad)),
    Mistake("mu_on_gradient",
            "mu multiplies the gradient instead of the old velocity. In the sum that defines v_t the newest "
            "gradient has weight mu^0 = 1; every older one gains a factor mu per step.",
            lambda w, v, grad, eta, mu: (w - (v + mu * eta * grad), v + mu * eta * grad)),
]


def _momentum_cases():
    w, v, g = _rng_arrays(1, (4,), 3)
    W, V, G = _rng_arrays(2, (3, 2), 3)
    return [
        Case({"w": np.array([1.0, -2.0]), "v": np.zeros(2), "grad": np.array([0.5, -1.0]), "eta": 0.1,
              "mu": 0.9}, "the first step: v = 0"),
        Case({"w": w, "v": v, "grad": g, "eta": 0.05, "mu": 0.9}, "a later step"),
        Case({"w": W, "v": V, "grad": G, "eta": 0.3, "mu": 0.5}, "a weight matrix"),
    ]


@checks_learner_code
def check_momentum_step(momentum_step, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``momentum_step(w, v, grad, eta, mu)`` -> (w_new, v_new) of the slides' momentum."""
    run = CheckRun("ch06.momentum_step", momentum_step, time_limit)
    return _check_tuple_cases(run, _momentum_cases(), _momentum, _MOMENTUM_MISTAKES, ("w_new", "v_new"),
                              "This is not one step of the slides' momentum.")


# --- Exercise 2: RMSProp ----------------------------------------------------------------------------

def _rmsprop(w, s, grad, eta, rho, eps):
    s_new = rho * s + (1 - rho) * grad ** 2
    return w - eta * grad / (np.sqrt(s_new) + eps), s_new


_RMSPROP_MISTAKES = [
    Mistake("wrong_sign",
            "the weights moved uphill: the step is w' = w - eta grad / (sqrt(s) + eps).",
            lambda w, s, grad, eta, rho, eps: (w + eta * grad / (np.sqrt(rho * s + (1 - rho) * grad ** 2) + eps),
                                               rho * s + (1 - rho) * grad ** 2)),
    Mistake("gradient_not_squared",
            "the running average must be of the squared gradient grad² (element-wise grad * grad), not of grad: "
            "s estimates the mean of grad², whose root sets each weight's step size.",
            lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt(rho * s + (1 - rho) * grad) + eps),
                                               rho * s + (1 - rho) * grad)),
    Mistake("eps_inside_root",
            "eps (the stabiliser κ) belongs outside the square root here: divide by sqrt(s) + eps, not by "
            "sqrt(s + eps). Inside is Keras's convention; this exercise puts it outside, as PyTorch does.",
            lambda w, s, grad, eta, rho, eps: (w - eta * grad / np.sqrt(rho * s + (1 - rho) * grad ** 2 + eps),
                                               rho * s + (1 - rho) * grad ** 2)),
    Mistake("old_average",
            "the step used the old average s. Update s with the new gradient first, then divide by its root.",
            lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt(s) + eps), rho * s + (1 - rho) * grad ** 2)),
    Mistake("swapped_rho",
            "rho and 1 - rho are swapped: rho is the weight of the old average, the new grad² gets 1 - rho.",
            lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt((1 - rho) * s + rho * grad ** 2) + eps),
                                               (1 - rho) * s + rho * grad ** 2)),
]


def _rmsprop_cases():
    w, g = _rng_arrays(3, (5,), 2)
    s = np.abs(_rng_arrays(4, (5,), 1)[0])
    W, G = _rng_arrays(5, (2, 3), 2)
    S = np.abs(_rng_arrays(6, (2, 3), 1)[0])
    return [
        Case({"w": np.array([1.0, -1.0, 0.5]), "s": np.zeros(3), "grad": np.array([0.2, -0.4, 1.0]), "eta": 0.01,
              "rho": 0.9, "eps": 1e-7}, "the first step: s = 0"),
        Case({"w": w, "s": s, "grad": g, "eta": 0.001, "rho": 0.9, "eps": 1e-7}, "a later step"),
        Case({"w": np.array([0.3, -0.7]), "s": np.array([1e-4, 4e-4]), "grad": np.array([0.01, -0.02]),
              "eta": 0.1, "rho": 0.8, "eps": 0.1}, "small gradients, large eps"),
        Case({"w": W, "s": S, "grad": G, "eta": 0.05, "rho": 0.99, "eps": 1e-8}, "a weight matrix"),
    ]


@checks_learner_code
def check_rmsprop_step(rmsprop_step, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``rmsprop_step(w, s, grad, eta, rho, eps)`` -> (w_new, s_new), κ = eps outside the root."""
    run = CheckRun("ch06.rmsprop_step", rmsprop_step, time_limit)
    return _check_tuple_cases(run, _rmsprop_cases(), _rmsprop, _RMSPROP_MISTAKES, ("w_new", "s_new"),
                              "This is not one step of RMSProp.")


# --- Exercise 3: Adam ---------------------------------------------------------------------------------

def _adam_with(w, m, s, grad, t, eta, beta1, beta2, eps, sign=1.0, square=True, correct=True, eps_inside=False,
               t_shift=0, correct_m_only=False, power_of_complement=False, tensorflow=False, corrected_state=False):
    m_new = beta1 * m + (1 - beta1) * grad
    s_new = beta2 * s + (1 - beta2) * (grad ** 2 if square else grad)
    with np.errstate(divide="ignore", invalid="ignore"):
        if power_of_complement:
            m_factor, s_factor = 1 - (1 - beta1) ** t, 1 - (1 - beta2) ** t
        elif correct:
            m_factor, s_factor = 1 - beta1 ** (t + t_shift), 1 - beta2 ** (t + t_shift)
        else:
            m_factor = s_factor = 1.0
        if correct_m_only:
            s_factor = 1.0
        m_hat, s_hat = m_new / m_factor, s_new / s_factor
        if tensorflow:
            # TensorFlow/Keras: η_t = η √(1 - β2^t)/(1 - β1^t), κ added to the uncorrected root √s
            step = eta * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m_new / (np.sqrt(s_new) + eps)
        else:
            root = np.sqrt(s_hat + eps) if eps_inside else np.sqrt(s_hat) + eps
            step = eta * m_hat / root
        w_new = w - sign * step
        if corrected_state:
            return w_new, m_hat, s_hat
        return w_new, m_new, s_new


def _adam(w, m, s, grad, t, eta, beta1, beta2, eps):
    return _adam_with(w, m, s, grad, t, eta, beta1, beta2, eps)


def _adam_mistake(**wrong):
    return lambda w, m, s, grad, t, eta, beta1, beta2, eps: _adam_with(w, m, s, grad, t, eta, beta1, beta2, eps,
                                                                       **wrong)


_T_HINT = ("the bias correction uses the wrong t. t is the number of this step counting from 1 (the first step has "
           "t = 1); a counter that starts at 0 must be increased before the correction.")

_ADAM_MISTAKES = [
    Mistake("wrong_sign", "the weights moved uphill: w' = w - eta m_hat / (sqrt(s_hat) + eps).",
            _adam_mistake(sign=-1.0)),
    Mistake("missing_bias_correction",
            "the bias correction is missing: m and s start at 0, so after t steps of a constant gradient they hold "
            "only a fraction of it. Unroll m for two or three steps of the same gradient to find that fraction as a "
            "function of beta1 and t, then divide by it before the step (m_hat; the same for s and beta2).",
            _adam_mistake(correct=False)),
    Mistake("corrected_m_only",
            "only m is corrected. s starts at 0 too and is too small in the same way (with beta2 where m has beta1): "
            "without its correction the first steps are far too large.",
            _adam_mistake(correct_m_only=True)),
    Mistake("power_of_complement",
            "the correction factor is not 1 - (1 - beta)^t. Unroll m_1, m_2, m_3 for a constant gradient g from "
            "m_0 = 0 and compare each with g: the fraction of g that m_t holds is the factor.",
            _adam_mistake(power_of_complement=True)),
    Mistake("corrected_state",
            "you returned the corrected m_hat and s_hat as the new state. The correction is for this step's update "
            "only; the state is the running averages m and s themselves, which the next step continues (and "
            "corrects with its own t).",
            _adam_mistake(corrected_state=True)),
    Mistake("tensorflow_form",
            "this is TensorFlow's (and Keras's) form: eta_t = eta sqrt(1 - beta2^t)/(1 - beta1^t) with eps added to "
            "the uncorrected sqrt(s). It equals the paper's step only when eps is negligible. The exercise adds eps "
            "to sqrt(s_hat), as the paper and PyTorch do.",
            _adam_mistake(tensorflow=True)),
    Mistake("gradient_not_squared",
            "s must average the squared gradient grad² (element-wise), not grad: s estimates the mean of grad².",
            _adam_mistake(square=False)),
    Mistake("eps_inside_root",
            "eps belongs outside the square root: divide by sqrt(s_hat) + eps, not by sqrt(s_hat + eps).",
            _adam_mistake(eps_inside=True)),
    Mistake("t_starts_at_zero", _T_HINT, _adam_mistake(t_shift=-1)),
    Mistake("t_one_too_large", _T_HINT, _adam_mistake(t_shift=1)),
]


def _adam_cases():
    w, m, g = _rng_arrays(7, (4,), 3)
    s = np.abs(_rng_arrays(8, (4,), 1)[0])
    W, M, G = _rng_arrays(9, (3, 2), 3, scale=0.5)
    S = 0.1 * np.abs(_rng_arrays(10, (3, 2), 1)[0])
    return [
        Case({"w": np.array([1.0, -2.0, 0.5]), "m": np.zeros(3), "s": np.zeros(3), "grad": np.array([0.1, -3.0, 0.0]),
              "t": 1, "eta": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, "the first step: m = s = 0, t = 1"),
        Case({"w": w, "m": 0.1 * m, "s": 0.01 * s, "grad": g, "t": 3, "eta": 0.001, "beta1": 0.9, "beta2": 0.999,
              "eps": 1e-7}, "step t = 3"),
        Case({"w": np.array([0.2, -0.4]), "m": np.array([0.001, -0.002]), "s": np.array([1e-5, 2e-5]),
              "grad": np.array([0.003, 0.001]), "t": 2, "eta": 0.1, "beta1": 0.8, "beta2": 0.9, "eps": 0.05},
         "small gradients, large eps"),
        Case({"w": W, "m": M, "s": S, "grad": G, "t": 10, "eta": 0.02, "beta1": 0.5, "beta2": 0.6, "eps": 1e-8},
             "a weight matrix at t = 10"),
    ]


@checks_learner_code
def check_adam_step(adam_step, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``adam_step(w, m, s, grad, t, eta, beta1, beta2, eps)`` -> (w_new, m_new, s_new), t counted from 1."""
    run = CheckRun("ch06.adam_step", adam_step, time_limit)
    return _check_tuple_cases(run, _adam_cases(), _adam, _ADAM_MISTAKES, ("w_new", "m_new", "s_new"),
                              "This is not one step of Adam.")
