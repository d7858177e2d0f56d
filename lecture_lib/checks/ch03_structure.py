"""Checks of the chapter 03 exercises on a network's structure: XNOR (and XOR) from three threshold units,
the shapes and the number of parameters of a fully connected network.

The exercise asks for XNOR: the chapter builds XOR and prints its weights, so the learner derives a network
of their own (two hidden features and how to combine them) instead of copying them.

Kept apart from ``ch03`` (which re-exports the checks) so each module stays short. The references are
computed here from the definitions (a 2-2-1 threshold network; W of shape (n_in, n_out), b of shape
(n_out,) per layer with weights).
"""
from __future__ import annotations

import numpy as np

from ..datasets import logic_gate_data
from ..topics.units import threshold
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, checks_learner_code, describe_value, real_array_problem,
                   run_cases)

__all__ = ["check_xor_network", "check_xnor_network", "check_parameter_shapes", "check_count_parameters"]


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


#: What the feedback says about each target gate: its definition, two hidden features and their combination,
#: and its complement.
_GATE_TEXTS = {
    "XOR": {"definition": "XOR is 1 exactly when one input is 1.",
            "features": "e.g. OR and NAND, combined by AND",
            "recipe": "XOR = AND(OR(x1, x2), NAND(x1, x2)): let one hidden unit compute OR, the other NAND, and "
                      "the output unit AND of the two.",
            "complement": "XNOR"},
    "XNOR": {"definition": "XNOR is 1 exactly when both inputs are equal.",
             "features": "e.g. AND and NOR, combined by OR",
             "recipe": "XNOR = OR(AND(x1, x2), NOR(x1, x2)): let one hidden unit compute AND, the other NOR, and "
                       "the output unit OR of the two.",
             "complement": "XOR"},
}


def _check_gate_network(function, gate, name, time_limit):
    """The check of a 2-2-1 threshold network that must compute ``gate`` (XOR or XNOR)."""
    texts = _GATE_TEXTS[gate]
    x, xor = logic_gate_data("XOR")
    target = xor if gate == "XOR" else 1 - xor

    def judge(case, value, target):
        problem = _xor_kind_problem(value)
        if problem is not None:
            return problem, None
        return _gate_network_problem(value, x, target, gate, texts)

    run = CheckRun(name, function, time_limit)
    return run_cases(run, [Case({}, "no arguments: your function returns the weights")], lambda: target, [], judge)


def _gate_network_problem(value, x, target, gate, texts):
    """(problem, None, hint ids) for the weights ``value`` of a 2-2-1 threshold network on the inputs ``x``."""
    W1, b1, W2, b2 = (np.asarray(part, dtype=float) for part in value)
    h_hidden = x @ W1 + b1
    g = threshold(h_hidden)
    h_out = (g @ W2 + b2)[:, 0]
    output = threshold(h_out)
    if np.array_equal(output, target) and np.all(np.abs(h_hidden) > 1e-9) and np.all(np.abs(h_out) > 1e-9):
        return None, None
    lines, hint_ids = [], []
    on_line = ("hidden" if np.any(np.abs(h_hidden) <= 1e-9) else
               "output" if np.any(np.abs(h_out) <= 1e-9) else None)
    if not np.array_equal(output, target):
        wrong = [f"{int(a)}{int(c)}" for (a, c), out, t in zip(x, output, target) if out != t]
        lines.append(f"Your network is wrong on the input(s) {', '.join(wrong)}: {texts['definition']}")
    if on_line is not None:
        lines.append(f"A weighted sum of the {on_line} layer is exactly 0 for some input: that unit sits on its "
                     "threshold (f(0) = 1), and the slightest change flips it.\nHint: shift that unit's bias so "
                     "every weighted sum has a clear margin from 0.")
        hint_ids.append("line_through_point")
    elif np.array_equal(g[:, 0], g[:, 1]):
        lines.append("Hint: both hidden units compute the same function of the inputs, so the output unit sees "
                     f"one feature twice. {gate} needs two different ones, {texts['features']}.")
        hint_ids.append("same_hidden_units")
    elif np.array_equal(output, 1 - target):
        lines.append(f"Hint: your network computes {texts['complement']}, the exact opposite of {gate}: multiplying "
                     "W2 and b2 by -1 flips the output unit (mind weighted sums of exactly 0).")
        hint_ids.append("complement")
    elif output.min() == output.max():
        lines.append(f"Hint: the output is {output[0]} for all four inputs: the output unit's line misses the "
                     "points its hidden units map the inputs to. Adjust b2 (and W2) to put it between them.")
        hint_ids.append("constant_output")
    else:
        gates = [other for other in _GATE_NAMES if np.array_equal(output, logic_gate_data(other)[1])]
        if gates:
            lines.append(f"Hint: your network computes {gates[0]}. {texts['recipe']}")
            hint_ids.append("computes_other_gate")
    return "\n".join(lines), None, hint_ids


@checks_learner_code
def check_xor_network(xor_network, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``xor_network()`` -> ``(W1, b1, W2, b2)``: a 2-2-1 network of threshold units computing XOR.

    The hidden layer is g = f(x @ W1 + b1), the output f(g @ W2 + b2), with
    the threshold f(h) = 1 for h >= 0; on the four inputs 00, 01, 10, 11 the
    output must be XOR and no weighted sum may be exactly 0 (a margin).
    """
    return _check_gate_network(xor_network, "XOR", "ch03.xor_network", time_limit)


@checks_learner_code
def check_xnor_network(xnor_network, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``xnor_network()`` -> ``(W1, b1, W2, b2)``: a 2-2-1 threshold network computing XNOR (as XOR's check)."""
    return _check_gate_network(xnor_network, "XNOR", "ch03.xnor_network", time_limit)


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
    Mistake("transposed_weights",
            "your W shapes are transposed. In the batch-first form g = f(x @ W + b) with x of shape (N, n_in), W "
            "has shape (n_in, n_out): one row per input, one column per unit.",
            lambda layer_sizes: [((b, a), (b,)) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]),
    Mistake("bias_as_row",
            "b holds one bias per unit of the layer: shape (n_out,), a 1-D array that broadcasts over the rows.",
            lambda layer_sizes: [((a, b), (1, b)) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]),
    Mistake("bias_per_input",
            "a layer's bias belongs to its units (the receiving side): b has shape (n_out,), not (n_in,).",
            lambda layer_sizes: [((a, b), (a,)) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]),
]


def _shapes_answer(value):
    """A returned list of pairs (W shape, b shape) as a list of pairs of int tuples; raises for another kind."""
    answer = [(_as_shape(w), _as_shape(b)) for w, b in value]
    if any(w is None or b is None for w, b in answer):
        raise TypeError("not a list of pairs of shapes")
    return answer


def _judge_shapes(case, value, expected):
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
        return ("Expected a list of pairs (W shape, b shape), one per layer with weights, each shape a tuple of "
                "ints such as (2, 4)."), None
    answer = [(_as_shape(w), _as_shape(b)) for w, b in value]
    if any(w is None or b is None for w, b in answer):
        return "Expected every shape to be a tuple of ints, such as (2, 4) or (4,).", None
    if len(answer) != len(expected):
        return (f"Expected {len(expected)} pair(s) (W shape, b shape), got {len(answer)}.\nHint: the input layer "
                f"has no weights of its own: a network with layer sizes {case.kwargs['layer_sizes']} has "
                f"{len(expected)} layer(s) with weights (one per arrow between two layers)."), None, ["layer_count"]
    if answer == expected:
        return None, None
    return "The shapes are not those of the layers' W and b.", answer


@checks_learner_code
def check_parameter_shapes(parameter_shapes, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``parameter_shapes(layer_sizes)`` -> ``[(W shape, b shape), ...]``, one pair per layer with weights."""
    run = CheckRun("ch03.parameter_shapes", parameter_shapes, time_limit)
    return run_cases(run, _SIZE_CASES, _reference_shapes, _SHAPE_MISTAKES, _judge_shapes,
                     lambda a, b: list(a) == list(b), answer=_shapes_answer)


_COUNT_MISTAKES = [
    Mistake("missing_biases",
            "you counted the weights only: every unit of a layer with weights also has a bias, n_out more "
            "parameters per layer.",
            lambda layer_sizes: sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))),
    Mistake("counted_units",
            "you counted the units. The parameters are the weights (n_in * n_out per layer) and the biases (n_out).",
            lambda layer_sizes: sum(layer_sizes)),
    Mistake("input_biases",
            "the input layer has no biases: it only passes x on. Count biases for the layers with weights.",
            lambda layer_sizes: _reference_count(layer_sizes) + layer_sizes[0]),
]


def _count_answer(value):
    """A returned number of parameters as an int; raises for another kind."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError("not an int")
    return int(value)


def _judge_count(case, value, expected):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return f"Expected an int (a number of parameters), got {describe_value(value)}.", None
    if int(value) == expected:
        return None, None
    return (f"{int(value)} is not the number of weights and biases of a network with layer sizes "
            f"{case.kwargs['layer_sizes']}."), int(value)


@checks_learner_code
def check_count_parameters(count_parameters, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``count_parameters(layer_sizes)`` -> int: the number of weights and biases of the network."""
    run = CheckRun("ch03.count_parameters", count_parameters, time_limit)
    return run_cases(run, _SIZE_CASES, _reference_count, _COUNT_MISTAKES, _judge_count, lambda a, b: a == b,
                     answer=_count_answer)
