"""Checks of the chapter 03 exercises (stable softmax, a two-layer forward pass, XOR from threshold units,
the shapes and the number of parameters of a network).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.nn.activations``; the typical mistakes are the wrong
variants defined here.
"""
from __future__ import annotations

import numpy as np

from ..datasets import logic_gate_data
from ..nn.activations import sigmoid as _sigmoid
from ..nn.activations import softmax as _reference_softmax
from ..topics.units import threshold
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, checks_learner_code, describe_value, precision_of,
                   real_array_problem, same_answer)

__all__ = ["check_softmax", "check_forward_two_layer", "check_xor_network", "check_parameter_shapes",
           "check_count_parameters"]


def _same(a, b, precision=None) -> bool:
    """NaN equals NaN here, so a wrong variant that overflows where the learner's answer does is recognised."""
    return same_answer(a, b, atol=1e-10, equal_nan=True, precision=precision)


def _quiet(function):
    """The wrong variants overflow on purpose: no RuntimeWarning in the learner's notebook."""
    def wrapper(**kwargs):
        with np.errstate(all="ignore"):
            return function(**kwargs)
    return wrapper


def _naive_softmax(h):
    e = np.exp(h)
    return e / np.sum(e, axis=1, keepdims=True)


def _kind_problem(value, shape):
    """What is wrong with the kind of answer (type, shape, dtype), or '' if it is a plausible probability table."""
    if value is None:
        return f"Your function returned None (did you forget `return`?); expected an ndarray of shape {shape}."
    if not isinstance(value, np.ndarray):
        return (f"Expected an ndarray of shape {shape} with one probability vector per row, got "
                f"{describe_value(value)}." + (" Return the array itself, not a list." if isinstance(value, list) else ""))
    if value.shape != shape:
        hint = " (one row per example, one column per class)" if value.size == np.prod(shape) else ""
        return f"Expected shape {shape}{hint}, got shape {value.shape}."
    if value.dtype.kind not in "fiu":
        return f"Expected real numbers (floats), got an array of dtype {value.dtype}."
    return ""


# --- Exercise 1: the stable softmax ------------------------------------------------------------

_OVERFLOW_HINT = ("exp(h) overflowed to inf (inf / inf = NaN). Subtract each row's maximum from h before exp: "
                  "the factor exp(-max) cancels in the fraction, and every exponent becomes <= 0.")

_SOFTMAX_MISTAKES = [
    Mistake("overflow", _OVERFLOW_HINT, _quiet(_naive_softmax)),
    Mistake("wrong_axis",
            "your columns sum to 1, not your rows. Each row of h is one example; normalise over the classes "
            "(axis=1, with keepdims=True so the division broadcasts row by row).",
            _quiet(lambda h: np.exp(h - np.max(h, axis=0)) / np.sum(np.exp(h - np.max(h, axis=0)), axis=0))),
    Mistake("sum_over_all",
            "the whole table sums to 1, each row does not. Sum exp(h) over each row (axis=1, keepdims=True), "
            "not over the whole array.",
            _quiet(lambda h: np.exp(h - np.max(h)) / np.sum(np.exp(h - np.max(h))))),
    Mistake("global_max",
            "you subtracted the largest value of the whole array; in a row whose values are all much smaller, "
            "every exp underflows to 0 and 0 / 0 = NaN. Subtract each row's own maximum "
            "(np.max(h, axis=1, keepdims=True)).",
            _quiet(lambda h: np.exp(h - np.max(h)) / np.sum(np.exp(h - np.max(h)), axis=1, keepdims=True))),
    Mistake("missing_keepdims",
            "the row sums were divided in the wrong direction: np.sum(e, axis=1) has shape (N,), which "
            "broadcasts along the rows, so column j was divided by the sum of row j. Keep the summed axis "
            "(keepdims=True, shape (N, 1)) so that each row is divided by its own sum.",
            _quiet(lambda h: np.exp(h - np.max(h, axis=1, keepdims=True))
                   / np.sum(np.exp(h - np.max(h, axis=1, keepdims=True)), axis=1))),
    Mistake("not_normalised",
            "you returned exp(h) (maybe shifted) without dividing by the row sum, so the rows do not sum to 1.",
            _quiet(lambda h: np.exp(h - np.max(h, axis=1, keepdims=True)))),
    Mistake("missing_exp",
            "you divided h by its row sum without taking exp first. Softmax is exp(h_k) / sum_j exp(h_j): the "
            "exponential makes every entry positive before normalising.",
            _quiet(lambda h: h / np.sum(h, axis=1, keepdims=True))),
    Mistake("missing_exp",
            "you divided the shifted h by its row sum without taking exp. Softmax is exp(h_k) / sum_j exp(h_j).",
            _quiet(lambda h: (h - np.max(h, axis=1, keepdims=True))
                   / np.sum(h - np.max(h, axis=1, keepdims=True), axis=1, keepdims=True))),
]

_SOFTMAX_CASES = [
    Case({"h": np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.0]])}, "3 examples, 3 classes"),
    Case({"h": np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])}, "small values"),
    Case({"h": np.array([[2.0, -1.0], [0.5, 0.5], [-3.0, 4.0], [1.0, 0.0]])}, "4 examples, 2 classes"),
    Case({"h": np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])}, "large values: exp(1000) overflows"),
    Case({"h": np.array([[0.0, 1.0, 2.0, 3.0], [-1000.0, -1001.0, -999.0, -1002.0], [3.0, 3.0, 3.0, 3.0]])},
         "rows on very different scales"),
    Case({"h": np.array([[710.0, -710.0], [-710.0, 710.0], [1e4, 1e4]])}, "extreme values"),
]


def _unnormalised_rows(answer, reference, mistakes):
    """Rows proportional to the right ones but wrongly scaled: divided by the grand total, or not at all.

    Recognised by this property rather than by one wrong variant, because the
    shift used before exp (none, row max, global max) changes the numbers.
    """
    sums = answer.sum(axis=1, keepdims=True)
    if not (np.all(sums > 0) and np.allclose(answer / sums, reference)):
        return []
    wanted = "sum_over_all" if np.isclose(answer.sum(), 1.0) else "not_normalised"
    return [m for m in mistakes if m.id == wanted]


def _check_probability_rows(run, case, value, shape, mistakes, reference):
    """Shared checks of a (N, C) probability table; True if the answer is right."""
    problem = _kind_problem(value, shape)
    if problem:
        run.fail(case, problem, returned=value)
        return False
    precision = precision_of(value)
    answer = value

    def same(a, b, precision=precision):
        return _same(a, b, precision)

    found = run.mistakes_for(mistakes, case, answer, reference, same)
    if not np.all(np.isfinite(answer)):
        run.fail(case, "Your answer contains NaN or inf; softmax probabilities are finite numbers in [0, 1].",
                 returned=value, mistakes=found)
        return False
    if same(answer, reference):
        return True
    if np.any(answer < -1e-12) or np.any(answer > 1 + 1e-12):
        problem = "Some values lie outside [0, 1]; softmax outputs are probabilities."
    elif not np.allclose(answer.sum(axis=1), 1.0):
        problem = "The rows do not each sum to 1; each row should be one probability vector over the C classes."
    else:
        problem = "The rows are probability vectors, but not the softmax of the input."
    run.fail(case, problem, returned=value, mistakes=found or _unnormalised_rows(answer, reference, mistakes))
    return False


@checks_learner_code
def check_softmax(softmax, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``softmax(h)`` -> probabilities of shape (N, C), each row summing to 1, for any size of h."""
    run = CheckRun("ch03.softmax", softmax, time_limit, n_cases=len(_SOFTMAX_CASES))
    run.prefetch(_SOFTMAX_CASES)  # a naive answer overflows there, in its own process: feedback, not a warning
    for case in _SOFTMAX_CASES:
        outcome = run.call(case)
        if outcome is None:
            if any("broadcast" in text for text in run.feedback):
                run.hints.append("missing_keepdims")
                run.feedback.append("Hint: np.sum(e, axis=1) has shape (N,) and cannot divide an (N, C) "
                                    "array row by row; keep the summed axis with keepdims=True (shape (N, 1)).")
            break
        reference = _reference_softmax(case.kwargs["h"])
        if not _check_probability_rows(run, case, outcome.value, case.kwargs["h"].shape, _SOFTMAX_MISTAKES,
                                       reference):
            break
        run.case_passed()
    return run.finish()


# --- Exercise 2: the forward pass of a two-layer network ------------------------------------------

def _reference_forward(x, W1, b1, W2, b2):
    return _reference_softmax(_sigmoid(x @ W1 + b1) @ W2 + b2)


_WRONG_ORDER_HINT = ("the matrix product is in the wrong order. In the batch-first form each row of x is one "
                     "example, so the input comes first: x @ W1 (then g @ W2), not W1 @ x.")
_MISSING_BIAS_HINT = ("a bias is missing: each layer adds its bias to the weighted sum (b1 in the hidden layer, "
                      "b2 in the output layer).")

_FORWARD_MISTAKES = [
    Mistake("transposed_weights",
            "you multiplied by the transposed weight matrices. With x of shape (N, D), W1 is (D, H): "
            "the weighted sums are h = x @ W1 + b1, shape (N, H), with no transpose.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1.T + b1) @ W2.T + b2))),
    Mistake("wrong_order",
            _WRONG_ORDER_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(W1 @ x + b1) @ W2 + b2))),
    Mistake("wrong_order",
            _WRONG_ORDER_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(W2 @ _sigmoid(x @ W1 + b1) + b2))),
    Mistake("missing_hidden_activation",
            "the hidden layer's activation is missing: the hidden units output g = sigmoid(h), not h itself. "
            "Without it the two layers collapse into one linear map.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax((x @ W1 + b1) @ W2 + b2))),
    Mistake("softmax_hidden",
            "you applied softmax in the hidden layer. The hidden units use the sigmoid; softmax belongs "
            "only to the output layer.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_reference_softmax(x @ W1 + b1) @ W2 + b2))),
    Mistake("missing_softmax",
            "the output layer's softmax is missing: you returned the weighted sums h of the output units. "
            "Turn them into class probabilities with softmax.",
            _quiet(lambda x, W1, b1, W2, b2: _sigmoid(x @ W1 + b1) @ W2 + b2)),
    Mistake("sigmoid_output",
            "the output layer uses the sigmoid; for C classes it needs softmax, so that each row sums to 1.",
            _quiet(lambda x, W1, b1, W2, b2: _sigmoid(_sigmoid(x @ W1 + b1) @ W2 + b2))),
    Mistake("biases_swapped",
            "the biases are swapped: b1 belongs to the hidden layer (h = x @ W1 + b1), b2 to the output "
            "layer.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1 + b2) @ W2 + b1))),
    Mistake("bias_after_activation",
            "a bias was added after the activation. The bias is part of the weighted sum: "
            "g = sigmoid(x @ W1 + b1), not sigmoid(x @ W1) + b1.",
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax((_sigmoid(x @ W1) + b1) @ W2 + b2))),
    Mistake("missing_bias",
            _MISSING_BIAS_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1) @ W2 + b2))),
    Mistake("missing_bias",
            _MISSING_BIAS_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _reference_softmax(_sigmoid(x @ W1 + b1) @ W2))),
    Mistake("overflow", "your softmax overflowed on large output sums. " + _OVERFLOW_HINT,
            _quiet(lambda x, W1, b1, W2, b2: _naive_softmax(_sigmoid(x @ W1 + b1) @ W2 + b2))),
]


def _forward_case(seed, n, d, h, c, scale=1.0, note=""):
    rng = np.random.default_rng(seed)
    return Case({"x": rng.normal(size=(n, d)), "W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
                 "W2": scale * rng.normal(size=(h, c)), "b2": rng.normal(size=c)}, note)


_FORWARD_CASES = [
    # all sizes equal first, so that transposed or reordered products run and can be recognised
    _forward_case(3, 3, 3, 3, 3, note="N = D = H = C = 3"),
    _forward_case(4, 5, 2, 4, 3, note="N=5 examples, D=2 inputs, H=4 hidden units, C=3 classes"),
    _forward_case(5, 4, 3, 2, 2, note="N=4, D=3, H=2, C=2"),
    _forward_case(6, 3, 2, 3, 4, scale=2000.0, note="large output weights: the output sums reach ~1000"),
]


@checks_learner_code
def check_forward_two_layer(forward_two_layer, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``forward_two_layer(x, W1, b1, W2, b2)`` -> yhat (N, C): sigmoid hidden layer, softmax output."""
    run = CheckRun("ch03.forward_two_layer", forward_two_layer, time_limit, n_cases=len(_FORWARD_CASES))
    run.prefetch(_FORWARD_CASES)
    for case in _FORWARD_CASES:
        outcome = run.call(case)
        if outcome is None:
            if run.feedback and any("mismatch" in text or "shapes" in text for text in run.feedback):
                run.hints.append("shape_mismatch")
                run.feedback.append("Hint: follow the shapes: x (N, D) @ W1 (D, H) gives (N, H); "
                                    "g (N, H) @ W2 (H, C) gives (N, C). Biases b1 (H,) and b2 (C,) add to "
                                    "every row.")
            break
        kw = case.kwargs
        shape = (kw["x"].shape[0], kw["W2"].shape[1])
        if not _check_probability_rows(run, case, outcome.value, shape, _FORWARD_MISTAKES,
                                       _reference_forward(**kw)):
            break
        run.case_passed()
    return run.finish()


# --- Exercise 3: XOR from three threshold units -----------------------------------------------------

_XOR_SHAPES = (("W1", (2, 2)), ("b1", (2,)), ("W2", (2, 1)), ("b2", (1,)))
_GATE_NAMES = ("AND", "OR", "NAND", "NOR")


def _xor_kind_problem(value):
    """What is wrong with the kind of a returned (W1, b1, W2, b2), or None."""
    if not (isinstance(value, tuple) and len(value) == 4):
        return "Expected a tuple (W1, b1, W2, b2) of four arrays."
    for part, (name, shape) in zip(value, _XOR_SHAPES):
        problem = real_array_problem(part, shape, name, require_ndarray=False)
        if problem is not None:
            if name == "W2" and np.shape(part) == (2,):
                problem += " W2 has one row per hidden unit and one column per output unit: reshape it to (2, 1)."
            if name == "b2" and np.ndim(part) == 0:
                problem += " b2 holds one bias per output unit: np.array([b]) of shape (1,)."
            return problem
    return None


@checks_learner_code
def check_xor_network(xor_network, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``xor_network()`` -> ``(W1, b1, W2, b2)``: a 2-2-1 network of threshold units computing XOR.

    The hidden layer is g = f(x @ W1 + b1), the output f(g @ W2 + b2), with
    the threshold f(h) = 1 for h >= 0; on the four inputs 00, 01, 10, 11 the
    output must be XOR and no weighted sum may be exactly 0 (a margin).
    """
    case = Case({}, "no arguments: your function returns the weights")
    run = CheckRun("ch03.xor_network", xor_network, time_limit, n_cases=1)
    run.prefetch([case])
    outcome = run.call(case)
    if outcome is None:
        return run.finish()
    value = outcome.value
    problem = _xor_kind_problem(value)
    if problem is not None:
        run.fail(case, problem, returned=value)
        return run.finish()
    W1, b1, W2, b2 = (np.asarray(part, dtype=float) for part in value)
    x, target = logic_gate_data("XOR")
    h_hidden = x @ W1 + b1
    g = threshold(h_hidden)
    h_out = (g @ W2 + b2)[:, 0]
    output = threshold(h_out)
    if np.array_equal(output, target) and np.all(np.abs(h_hidden) > 1e-9) and np.all(np.abs(h_out) > 1e-9):
        run.case_passed()
        return run.finish()
    lines, hint_ids = [], []
    on_line = ("hidden" if np.any(np.abs(h_hidden) <= 1e-9) else
               "output" if np.any(np.abs(h_out) <= 1e-9) else None)
    if not np.array_equal(output, target):
        wrong = [f"{int(a)}{int(c)}" for (a, c), out, t in zip(x, output, target) if out != t]
        lines.append(f"Your network is wrong on the input(s) {', '.join(wrong)}: XOR is 1 exactly when one input is 1.")
    if on_line is not None:
        lines.append(f"A weighted sum of the {on_line} layer is exactly 0 for some input: that unit sits on its "
                     "threshold (f(0) = 1), and the slightest change flips it.\nHint: shift that unit's bias so "
                     "every weighted sum has a clear margin from 0.")
        hint_ids.append("line_through_point")
    elif np.array_equal(g[:, 0], g[:, 1]):
        lines.append("Hint: both hidden units compute the same function of the inputs, so the output unit sees "
                     "one feature twice. XOR needs two different ones, e.g. OR and NAND, combined by AND.")
        hint_ids.append("same_hidden_units")
    elif np.array_equal(output, 1 - target):
        lines.append("Hint: your network computes XNOR, the exact opposite of XOR: multiplying W2 and b2 by -1 "
                     "flips the output unit (mind weighted sums of exactly 0).")
        hint_ids.append("complement")
    elif output.min() == output.max():
        lines.append(f"Hint: the output is {output[0]} for all four inputs: the output unit's line misses the "
                     "points its hidden units map the inputs to. Adjust b2 (and W2) to put it between them.")
        hint_ids.append("constant_output")
    else:
        gates = [name for name in _GATE_NAMES if np.array_equal(output, logic_gate_data(name)[1])]
        if gates:
            lines.append(f"Hint: your network computes {gates[0]}. XOR = AND(OR(x1, x2), NAND(x1, x2)): let one "
                         "hidden unit compute OR, the other NAND, and the output unit AND of the two.")
            hint_ids.append("computes_other_gate")
    run.fail(case, "\n".join(lines), returned=value, hint_ids=hint_ids)
    return run.finish()


# --- Exercises 4 and 5: the shapes and the number of parameters of a network -------------------------

def _reference_shapes(layer_sizes):
    return [((n_in, n_out), (n_out,)) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]


def _reference_count(layer_sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


_SIZE_CASES = [
    Case({"layer_sizes": [2, 3]}, "one layer with weights"),
    Case({"layer_sizes": [2, 4, 3]}, "2 inputs, 4 hidden units, 3 classes"),
    Case({"layer_sizes": [784, 100, 50, 10]}, "a digit classifier with two hidden layers"),
    Case({"layer_sizes": [3, 5, 5, 1]}, "two hidden layers of 5, one output"),
]


def _as_shape(value):
    """A shape as a tuple of ints, or None when ``value`` is not a tuple/list of ints."""
    if not isinstance(value, (tuple, list)):
        return None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) for n in value):
        return None
    return tuple(int(n) for n in value)


_SHAPE_MISTAKES = [
    ("transposed_weights", lambda sizes: [((b, a), (b,)) for a, b in zip(sizes[:-1], sizes[1:])],
     "your W shapes are transposed. In the batch-first form g = f(x @ W + b) with x of shape (N, n_in), W has "
     "shape (n_in, n_out): one row per input, one column per unit."),
    ("bias_as_row", lambda sizes: [((a, b), (1, b)) for a, b in zip(sizes[:-1], sizes[1:])],
     "b holds one bias per unit of the layer: shape (n_out,), a 1-D array that broadcasts over the rows."),
    ("bias_per_input", lambda sizes: [((a, b), (a,)) for a, b in zip(sizes[:-1], sizes[1:])],
     "a layer's bias belongs to its units (the receiving side): b has shape (n_out,), not (n_in,)."),
]


@checks_learner_code
def check_parameter_shapes(parameter_shapes, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``parameter_shapes(layer_sizes)`` -> ``[(W shape, b shape), ...]``, one pair per layer with weights."""
    run = CheckRun("ch03.parameter_shapes", parameter_shapes, time_limit, n_cases=len(_SIZE_CASES))
    run.prefetch(_SIZE_CASES)
    for case in _SIZE_CASES:
        outcome = run.call(case)
        if outcome is None:
            break
        sizes, value = case.kwargs["layer_sizes"], outcome.value
        expected = _reference_shapes(sizes)
        if not isinstance(value, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
            run.fail(case, "Expected a list of pairs (W shape, b shape), one per layer with weights, each shape a "
                     "tuple of ints such as (2, 4).", returned=value)
            break
        answer = [(_as_shape(w), _as_shape(b)) for w, b in value]
        if any(w is None or b is None for w, b in answer):
            run.fail(case, "Expected every shape to be a tuple of ints, such as (2, 4) or (4,).", returned=value)
            break
        if len(answer) != len(expected):
            hint = ("\nHint: the input layer has no weights of its own: a network with layer sizes "
                    f"{sizes} has {len(expected)} layer(s) with weights (one per arrow between two layers).")
            run.fail(case, f"Expected {len(expected)} pair(s) (W shape, b shape), got {len(answer)}." + hint,
                     returned=value, hint_ids=["layer_count"])
            break
        if answer != expected:
            found = [(hint_id, text) for hint_id, variant, text in _SHAPE_MISTAKES if variant(sizes) == answer]
            problem = "The shapes are not those of the layers' W and b."
            problem += "".join(f"\nHint: {text}" for _, text in found)
            run.fail(case, problem, returned=value, hint_ids=[hint_id for hint_id, _ in found])
            break
        run.case_passed()
    return run.finish()


_COUNT_MISTAKES = [
    ("missing_biases", lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])),
     "you counted the weights only: every unit of a layer with weights also has a bias, n_out more parameters "
     "per layer."),
    ("counted_units", lambda sizes: sum(sizes),
     "you counted the units. The parameters are the weights (n_in * n_out per layer) and the biases (n_out)."),
    ("input_biases", lambda sizes: _reference_count(sizes) + sizes[0],
     "the input layer has no biases: it only passes x on. Count biases for the layers with weights."),
]


@checks_learner_code
def check_count_parameters(count_parameters, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``count_parameters(layer_sizes)`` -> int: the number of weights and biases of the network."""
    run = CheckRun("ch03.count_parameters", count_parameters, time_limit, n_cases=len(_SIZE_CASES))
    run.prefetch(_SIZE_CASES)
    for case in _SIZE_CASES:
        outcome = run.call(case)
        if outcome is None:
            break
        sizes, value = case.kwargs["layer_sizes"], outcome.value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            run.fail(case, f"Expected an int (a number of parameters), got {describe_value(value)}.", returned=value)
            break
        expected = _reference_count(sizes)
        if int(value) != expected:
            found = [(hint_id, text) for hint_id, variant, text in _COUNT_MISTAKES
                     if variant(sizes) == int(value) != expected]
            problem = f"{int(value)} is not the number of weights and biases of a network with layer sizes {sizes}."
            problem += "".join(f"\nHint: {text}" for _, text in found)
            run.fail(case, problem, returned=value, hint_ids=[hint_id for hint_id, _ in found])
            break
        run.case_passed()
    return run.finish()
