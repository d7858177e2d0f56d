"""Checks of the chapter 07 exercises: per-layer gradient norms, the signal-preserving initial weight scale,
dead units over a data set, clipping by global norm, min-max and z-score scaling.

The references come from ``lecture_lib.nn.clipping`` and
``lecture_lib.topics.feature_scaling``; the typical mistakes are the wrong
variants defined here (clipping each array on its own or each element,
statistics recomputed on the test set, statistics over the whole array, ...).
Answers are compared with a tolerance that also accepts float32 arithmetic
(relative 1e-5): every wrong variant differs from the reference by far more.
"""
from __future__ import annotations

import numpy as np

from ..nn.clipping import clip_by_global_norm as _reference_clip
from ..topics.feature_scaling import fit_min_max, fit_z_score, min_max_scale, z_score
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, check_array_cases, checks_learner_code,
                   describe_value, real_number_problem, run_cases, same_answer)

__all__ = ["check_layer_gradient_norms", "check_signal_preserving_std", "check_dead_unit_fraction",
           "check_clip_by_global_norm", "check_min_max_scale", "check_z_score_scale"]


def _same(a, b):
    return same_answer(a, b, rtol=1e-5, atol=1e-7)


def _arrays_problem(value, shapes, what):
    """What is wrong with the kind of an answer that must be a list/tuple of arrays of ``shapes``, or None."""
    if not isinstance(value, (list, tuple)):
        return f"Expected {what}: a list (or tuple) of {len(shapes)} ndarrays, got {describe_value(value)}."
    if len(value) != len(shapes):
        return f"Expected {what}: {len(shapes)} arrays, got {len(value)}."
    for i, (array, shape) in enumerate(zip(value, shapes)):
        if not isinstance(array, np.ndarray):
            return f"Expected array {i} of {what} to be an ndarray of shape {shape}, got {describe_value(array)}."
        if array.shape != shape:
            return f"Expected array {i} of {what} to have shape {shape}, got shape {array.shape}."
        if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
            return f"Expected finite real numbers in array {i} of {what}."
    return None


def _check_cases(run, cases, reference, mistakes, what, wrong_answer):
    """:func:`~lecture_lib.checks.core.run_cases` for an answer that is a list (or tuple) of arrays."""
    def judge(case, value, expected):
        problem = _arrays_problem(value, [e.shape for e in expected], what)
        if problem is None and not _same(list(value), expected):
            problem = wrong_answer
        return problem, value

    return run_cases(run, cases, reference, mistakes, judge,
                     lambda a, b: isinstance(a, (list, tuple)) and _same(list(a), list(b)))


# --- Exercise 4: clipping by global norm ------------------------------------------------------------

def _clip_reference(grads, max_norm):
    clipped, _ = _reference_clip([np.asarray(g, dtype=float) for g in grads], max_norm)
    return clipped


def _global_norm(grads):
    return float(np.sqrt(sum(np.sum(np.asarray(g, dtype=float) ** 2) for g in grads)))


def _always_rescaled(grads, max_norm):
    norm = _global_norm(grads)
    return [g * (max_norm / norm) for g in grads]


def _inverted_factor(grads, max_norm):
    norm = _global_norm(grads)
    return [g * (norm / max_norm) if norm > max_norm else g.copy() for g in grads]


def _per_tensor(grads, max_norm):
    out = []
    for g in grads:
        norm = float(np.sqrt(np.sum(g ** 2)))
        out.append(g * (max_norm / norm) if norm > max_norm else g.copy())
    return out


def _sum_of_norms(grads, max_norm):
    norm = sum(float(np.sqrt(np.sum(np.asarray(g, dtype=float) ** 2))) for g in grads)
    return [g * (max_norm / norm) if norm > max_norm else g.copy() for g in grads]


def _no_square_root(grads, max_norm):
    squares = _global_norm(grads) ** 2
    return [g * (max_norm / squares) if squares > max_norm else g.copy() for g in grads]


_CLIP_MISTAKES = [
    Mistake("sum_of_norms",
            "you added up the norms of the arrays. The global norm is ONE norm of all entries together: add the "
            "squares of every entry of every array, then take one square root (the sum of the arrays' norms is "
            "larger whenever two arrays are non-zero).",
            _sum_of_norms),
    Mistake("no_square_root",
            "your norm is the sum of the squares, without the square root: ||∇E|| = sqrt(sum of squares).",
            _no_square_root),
    Mistake("per_tensor",
            "you clipped each array by its own norm (Keras's clipnorm). Clipping by the GLOBAL norm uses one norm for "
            "all arrays together, ||∇E|| = sqrt(sum over every array of the sum of its squares), and one factor for all.",
            _per_tensor),
    Mistake("element_wise",
            "you clipped each element into [-max_norm, max_norm] (clipping by value). Clipping by global norm rescales "
            "every array by the same factor, so the direction of the whole gradient is kept.",
            lambda grads, max_norm: [np.clip(g, -max_norm, max_norm) for g in grads]),
    Mistake("always_rescaled",
            "you rescaled the gradients although their global norm was already below max_norm. Only a gradient whose "
            "norm exceeds the threshold is shrunk; a smaller one is returned unchanged.",
            _always_rescaled),
    Mistake("inverted_factor",
            "the factor is upside down: to bring the norm from ||∇E|| down to max_norm multiply by max_norm / ||∇E||.",
            _inverted_factor),
]


def _clip_case(seed, shapes, scale, max_norm, note):
    rng = np.random.default_rng(seed)
    grads = [scale * rng.standard_normal(shape) for shape in shapes]
    return Case({"grads": grads, "max_norm": max_norm}, note)


_CLIP_CASES = [
    _clip_case(1, [(3, 2), (2,)], 2.0, 1.0, "a weight matrix and a bias, global norm above 1"),
    _clip_case(2, [(2, 2), (2,), (2, 1), (1,)], 0.05, 1.0, "two layers, global norm below 1: unchanged"),
    _clip_case(3, [(4, 3), (3,), (3, 2), (2,)], 1.5, 5.0, "two layers, max_norm 5, norm above it"),
    Case({"grads": [np.array([[3.0, 0.0]]), np.array([0.0, 4.0])], "max_norm": 1.0},
         "norm exactly 5: every array divided by 5"),
    Case({"grads": [np.array([[30.0, 0.01], [-0.02, 0.0]]), np.array([0.5, -0.3])], "max_norm": 2.0},
         "one large entry: element-wise clipping would change the direction"),
]


@checks_learner_code
def check_clip_by_global_norm(clip_by_global_norm, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``clip_by_global_norm(grads, max_norm)`` → the list of arrays times max_norm / max(max_norm, ||∇E||)."""
    # Clipping the gradients in place (and returning them) is a correct answer, as torch.nn.utils.clip_grad_norm_
    # does it: the check compares what is returned, and each case's arrays are fresh.
    run = CheckRun("ch07.clip_by_global_norm", clip_by_global_norm, time_limit, may_change=("grads",))
    return _check_cases(run, _CLIP_CASES, _clip_reference, _CLIP_MISTAKES, "the clipped gradients (one array per "
                        "input array, same shapes)", "The clipped gradients are not the gradients rescaled by "
                        "max_norm / max(max_norm, ||∇E||) with ||∇E|| the global norm of all arrays.")


# --- Exercises 5 and 6: min-max and z-score scaling, statistics from the training split ---------------

def _min_max_reference(x_train, x_test):
    low, high = fit_min_max(x_train)
    return [min_max_scale(x_train, low, high), min_max_scale(x_test, low, high)]


def _z_reference(x_train, x_test):
    mean, std = fit_z_score(x_train)
    return [z_score(x_train, mean, std), z_score(x_test, mean, std)]


def _min_max_own(x):
    return (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))


def _z_own(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _min_max_global(x_train, x_test):
    low, high = x_train.min(), x_train.max()
    return [(x_train - low) / (high - low), (x_test - low) / (high - low)]


def _min_max_rows(x_train, x_test):
    return [_min_max_own(x_train.T).T, _min_max_own(x_test.T).T]


_TEST_STATS_HINT = ("the test data were scaled with their own statistics. The statistics are part of the model: compute "
                    "them on x_train only and apply the SAME values to x_test (test values may then leave the range "
                    "of the training data).")

_MIN_MAX_MISTAKES = [
    Mistake("test_statistics", "min and max: " + _TEST_STATS_HINT,
            lambda x_train, x_test: [_min_max_own(x_train), _min_max_own(x_test)]),
    Mistake("global_statistics",
            "you used one min and one max for the whole array. Each feature (column) has its own range: use "
            "axis=0.",
            _min_max_global),
    Mistake("per_row",
            "your statistics run along the rows (axis=1): one per example. Each feature is a column; take the min "
            "and max of each column (axis=0).",
            _min_max_rows),
    Mistake("divided_by_max",
            "you divided by the maximum. Linear scaling divides by the range, max - min, after subtracting the min.",
            lambda x_train, x_test: [(x - x_train.min(axis=0)) / x_train.max(axis=0) for x in (x_train, x_test)]),
]


def _z_global(x_train, x_test):
    mean, std = x_train.mean(), x_train.std()
    return [(x_train - mean) / std, (x_test - mean) / std]


_Z_MISTAKES = [
    Mistake("test_statistics", "mean and std: " + _TEST_STATS_HINT,
            lambda x_train, x_test: [_z_own(x_train), _z_own(x_test)]),
    Mistake("global_statistics",
            "you used one mean and one std for the whole array. Each feature (column) has its own: use axis=0.",
            _z_global),
    Mistake("per_row",
            "your statistics run along the rows (axis=1), one per example. Each feature is a column: axis=0.",
            lambda x_train, x_test: [_z_own(x_train.T).T, _z_own(x_test.T).T]),
    Mistake("sample_std",
            "you used the sample standard deviation (ddof=1). This exercise uses np.std's default, ddof=0 (as "
            "scikit-learn's StandardScaler).",
            lambda x_train, x_test: [(x - x_train.mean(axis=0)) / x_train.std(axis=0, ddof=1) for x in (x_train, x_test)]),
    Mistake("divided_by_variance",
            "you divided by the variance. The z-score divides by the standard deviation, the square root of the "
            "variance.",
            lambda x_train, x_test: [(x - x_train.mean(axis=0)) / x_train.var(axis=0) for x in (x_train, x_test)]),
    Mistake("mean_not_subtracted",
            "the mean was not subtracted: (x - mean) / std has mean 0 on the training data.",
            lambda x_train, x_test: [x / x_train.std(axis=0) for x in (x_train, x_test)]),
]


def _scaling_cases():
    rng = np.random.default_rng(7)
    skewed = np.column_stack([rng.integers(1, 9, 12).astype(float), 400 * np.exp(0.8 * rng.standard_normal(12))])
    skewed_test = np.column_stack([rng.integers(1, 9, 5).astype(float), 400 * np.exp(0.8 * rng.standard_normal(5))])
    skewed_test[0, 1] = 40000.0  # a wrong-unit outlier, outside the training range
    return [
        Case({"x_train": np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]]),
              "x_test": np.array([[3.0, 40.0], [0.0, 15.0]])}, "two features, test values outside the training range"),
        Case({"x_train": np.array([[0.0, 5.0, -1.0], [2.0, 7.0, 1.0], [1.0, 9.0, 0.0], [5.0, 6.0, 3.0]]),
              "x_test": np.array([[1.0, 8.0, 2.0]])}, "three features, a single test example"),
        Case({"x_train": skewed, "x_test": skewed_test}, "rooms and a skewed income, an outlier in the test set"),
    ]


_SCALING_CASES = _scaling_cases()


@checks_learner_code
def check_min_max_scale(min_max_scale, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``min_max_scale(x_train, x_test)`` → (x_train', x_test') with the training split's min and max per feature."""
    run = CheckRun("ch07.min_max_scale", min_max_scale, time_limit)
    return _check_cases(run, _SCALING_CASES, _min_max_reference, _MIN_MAX_MISTAKES,
                        "(x_train scaled, x_test scaled), shapes of x_train and x_test",
                        "The scaled values are not (x - min) / (max - min) with each feature's min and max on x_train.")


@checks_learner_code
def check_z_score_scale(z_score_scale, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``z_score_scale(x_train, x_test)`` → (x_train', x_test') with the training split's mean and std per feature."""
    run = CheckRun("ch07.z_score_scale", z_score_scale, time_limit)
    return _check_cases(run, _SCALING_CASES, _z_reference, _Z_MISTAKES,
                        "(x_train scaled, x_test scaled), shapes of x_train and x_test",
                        "The scaled values are not (x - mean) / std with each feature's mean and std (ddof=0) on "
                        "x_train.")


# --- Exercise 1: per-layer gradient norms ------------------------------------------------------------------

def _weight_gradients(inputs, errors):
    return [np.asarray(g, dtype=float).T @ np.asarray(e, dtype=float) / np.shape(g)[0] for g, e in zip(inputs, errors)]


def _norms_reference(inputs, errors):
    return np.array([np.sqrt(np.sum(d ** 2)) for d in _weight_gradients(inputs, errors)])


_NORM_MISTAKES = [
    Mistake("summed_over_examples",
            "your norms are N times too large: E is the MEAN loss over the N examples, not their sum.",
            lambda inputs, errors: _norms_reference(inputs, errors) * np.shape(inputs[0])[0]),
    Mistake("no_square_root",
            "these are the sums of squares: the norm is their square root.",
            lambda inputs, errors: _norms_reference(inputs, errors) ** 2),
    Mistake("mean_of_example_norms",
            "you averaged the norms of the examples' gradients. The layer's gradient is the average of the "
            "examples' gradients (one matrix); take the norm of that matrix. Examples pulling in different "
            "directions cancel in the average, not in the average of norms.",
            lambda inputs, errors: np.array([np.mean([np.linalg.norm(np.outer(gn, en)) for gn, en in zip(g, e)])
                                             for g, e in zip(inputs, errors)])),
    Mistake("error_norms",
            "these are the norms of the error terms ε alone. The weights' gradient also involves the layer's "
            "input g: differentiate E = (1/N) sum_n E_n with respect to w_ij through h_j = sum_i w_ij g_i + b_j.",
            lambda inputs, errors: np.array([np.linalg.norm(np.asarray(e, dtype=float)) for e in errors])),
]


def _norm_cases():
    rng = np.random.default_rng(11)
    sizes = [(5, 4, 3), (6, 3, 3, 2), (4, 2, 5, 5, 1)]
    cases = []
    for n, *widths in [(s[0], *s[1:]) for s in sizes]:
        inputs = [rng.standard_normal((n, a)) for a in widths[:-1]]
        errors = [rng.standard_normal((n, b)) * 10.0 ** -k for k, b in enumerate(widths[1:])]
        cases.append(Case({"inputs": inputs, "errors": errors}, f"{len(inputs)} layers, {n} examples"))
    cases[-1].note += ", error terms shrinking tenfold per layer"
    return cases


_NORM_CASES = _norm_cases()


@checks_learner_code
def check_layer_gradient_norms(layer_gradient_norms, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``layer_gradient_norms(inputs, errors)`` → ndarray (L,) of ||dE/dW_l||, dE/dW_l = g_l^T ε_l / N."""
    run = CheckRun("ch07.layer_gradient_norms", layer_gradient_norms, time_limit)
    return check_array_cases(run, _NORM_CASES, _norms_reference, _NORM_MISTAKES,
                             "the layers' gradient norms (one number per layer)",
                             "The norms are not ||dE/dW|| of each layer (E the mean loss over the N examples).")


# --- Exercise 2: the initial weight scale that keeps the signal's variance -------------------------------

def _std_reference(fan_in, slope):
    return float(np.sqrt(2.0 / ((1.0 + slope ** 2) * fan_in)))


_STD_MISTAKES = [
    Mistake("variance_not_std",
            "you returned the variance Var(w). The function returns the standard deviation, its square root.",
            lambda fan_in, slope: _std_reference(fan_in, slope) ** 2),
    Mistake("he_for_every_slope",
            "this is He's value for ReLU (slope 0) whatever the slope. A leaky unit keeps part of the negative "
            "half too: work out E[g^2] for g = h (h > 0) and g = slope h (h < 0) with h symmetric around 0.",
            lambda fan_in, slope: float(np.sqrt(2.0 / fan_in))),
    Mistake("slope_not_squared",
            "the negative half contributes slope^2 h^2 to E[g^2] (g = slope h is squared), not slope h^2.",
            lambda fan_in, slope: float(np.sqrt(2.0 / ((1.0 + slope) * fan_in)))),
    Mistake("halved_instead_of_doubled",
            "you multiplied by E[g^2]'s factor where it belongs in the denominator: solve fan_in Var(w) E[g^2] = "
            "Var(h_below) for Var(w). Test your formula at slope 0, where it must give He's 2/fan_in.",
            lambda fan_in, slope: float(np.sqrt((1.0 + slope ** 2) / (2.0 * fan_in)))),
    Mistake("fan_in_not_inverted",
            "the variance of h grows with the number of inputs, so Var(w) must shrink as 1/fan_in.",
            lambda fan_in, slope: float(np.sqrt(2.0 * fan_in / (1.0 + slope ** 2)))),
]

_STD_CASES = [
    Case({"fan_in": 64, "slope": 0.0}, "ReLU, 64 inputs"),
    Case({"fan_in": 100, "slope": 1.0}, "slope 1: a linear unit"),
    Case({"fan_in": 50, "slope": 0.3}, "leaky slope 0.3"),
    Case({"fan_in": 784, "slope": 0.01}, "the usual leaky slope, 784 inputs"),
]


def _scalar_cases(run, cases, reference, mistakes, what, wrong_answer):
    """:func:`~lecture_lib.checks.core.run_cases` for an answer that is one real number."""
    def judge(case, value, expected):
        problem = real_number_problem(value, what)
        if problem is None and not _same(float(value), expected):
            problem = wrong_answer
        return problem, value

    return run_cases(run, cases, reference, mistakes, judge,
                     lambda a, b: real_number_problem(a) is None and _same(float(a), float(b)))


@checks_learner_code
def check_signal_preserving_std(signal_preserving_std, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``signal_preserving_std(fan_in, slope)`` → the std of w that keeps Var(h) through leaky-ReLU layers."""
    run = CheckRun("ch07.signal_preserving_std", signal_preserving_std, time_limit)
    return _scalar_cases(run, _STD_CASES, _std_reference, _STD_MISTAKES, "the standard deviation of the weights",
                         "This standard deviation does not keep Var(h) the same from layer to layer.")


# --- Exercise 3: dead units over a data set -----------------------------------------------------------------

def _dead_reference(batches):
    fired = np.any(np.concatenate([np.asarray(b, dtype=float) for b in batches]) > 0, axis=0)
    return float(1.0 - np.mean(fired))


def _per_batch_mean(batches):
    return float(np.mean([1.0 - np.mean(np.any(np.asarray(b) > 0, axis=0)) for b in batches]))


_DEAD_MISTAKES = [
    Mistake("one_batch_at_a_time",
            "you averaged the dead fraction of each batch. A unit that is silent on one batch may fire on "
            "another: it is dead only if its output is 0 on EVERY example of the whole data set.",
            _per_batch_mean),
    Mistake("last_batch_only",
            "only the last batch counted. A unit is dead when it is silent on every example of all the batches.",
            lambda batches: _dead_reference(batches[-1:])),
    Mistake("zero_outputs_fraction",
            "this is the fraction of zero outputs over all examples and units (what TensorBoard's zero fraction "
            "shows), not the fraction of units that are zero on every example.",
            lambda batches: float(np.mean(np.concatenate([np.asarray(b) for b in batches]) <= 0))),
    Mistake("strictly_negative",
            "a unit with h = 0 outputs max(0, 0) = 0 and gets no gradient either: count h <= 0 as silent, not "
            "only h < 0.",
            lambda batches: float(np.mean(np.all(np.concatenate([np.asarray(b) for b in batches]) < 0, axis=0)))),
    Mistake("silent_somewhere",
            "you counted units that are silent on SOME example. Dead means silent on every example (all, not any).",
            lambda batches: float(np.mean(np.any(np.concatenate([np.asarray(b) for b in batches]) <= 0, axis=0)))),
    Mistake("count_not_fraction",
            "return the fraction of the units (between 0 and 1), not their number.",
            lambda batches: _dead_reference(batches) * np.shape(batches[0])[1]),
]


def _dead_cases():
    rng = np.random.default_rng(5)
    h = rng.standard_normal((12, 6))
    h[:, 0] = -np.abs(h[:, 0])          # dead
    h[:, 1] = -np.abs(h[:, 1])
    h[7, 1] = 0.4                       # fires on one example of the second batch only
    h[:, 2] = -np.abs(h[:, 2])
    h[3, 2] = 0.0                       # exactly 0: still silent
    h[:, 3] = -np.abs(h[:, 3])
    h[2, 3] = 0.7                       # fires on one example of the first batch only
    wide = rng.standard_normal((9, 8)) - 1.2
    wide[:, :3] = -np.abs(wide[:, :3]) - 0.1
    wide[8, 3:] = np.abs(wide[8, 3:]) + 0.1  # every other unit fires on the last example
    return [
        Case({"batches": [h[:6], h[6:]]}, "two batches of 6 examples, 6 units"),
        Case({"batches": [wide[:3], wide[3:6], wide[6:]]}, "three batches, 8 units, the live ones firing late"),
        Case({"batches": [h]}, "one batch holding the whole data set"),
    ]


_DEAD_CASES = _dead_cases()


@checks_learner_code
def check_dead_unit_fraction(dead_unit_fraction, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``dead_unit_fraction(batches)`` → the fraction of ReLU units with h <= 0 on every example of all batches."""
    run = CheckRun("ch07.dead_unit_fraction", dead_unit_fraction, time_limit)
    return _scalar_cases(run, _DEAD_CASES, _dead_reference, _DEAD_MISTAKES, "the fraction of dead units",
                         "This is not the fraction of units whose weighted sum h is <= 0 on every example.")
