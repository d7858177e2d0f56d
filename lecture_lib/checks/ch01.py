"""Checks of the chapter 01 exercises (threshold unit, logic gates, perceptron rule).

Each ``check_*`` function takes the learner's function and returns a
:class:`~lecture_lib.checks.core.CheckResult`. The reference answers come
from ``lecture_lib.topics.units`` and ``lecture_lib.topics.perceptron``; the typical
mistakes are the wrong variants defined here.
"""
from __future__ import annotations

import numpy as np

from ..datasets import linearly_separable_blobs, logic_gate_data
from ..topics.perceptron import perceptron_update as _reference_update
from ..topics.perceptron import train_perceptron as _reference_training
from ..topics.units import threshold_unit as _reference_unit
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, array_and_number_problem, check_array_cases,
                   checks_learner_code, hint_when_call_fails, describe_value, run_cases, same_answer)

__all__ = ["check_threshold_unit", "check_gate_weights", "check_perceptron_update", "check_train_perceptron"]


# --- Exercise 1: the threshold unit -------------------------------------------------

_UNIT_MISTAKES = [
    Mistake("strict_inequality",
            "an input with h exactly 0 came out as 0. The slides' threshold is f(h) = 1 for h >= 0: "
            "check the comparison at the boundary.",
            lambda x, w, b: (np.asarray(x) @ np.asarray(w) + b > 0).astype(int)),
    Mistake("missing_bias",
            "your output does not change when b changes. Is the bias b added to the weighted sum?",
            lambda x, w, b: (np.asarray(x) @ np.asarray(w) >= 0).astype(int)),
    Mistake("bias_subtracted",
            "you subtracted b. In the slides' form h = sum_i w_i x_i + b the bias is added (it is the weight "
            "w_0 of the constant input x_0 = 1); a threshold theta would be subtracted, and b = -theta.",
            lambda x, w, b: (np.asarray(x) @ np.asarray(w) - b >= 0).astype(int)),
    Mistake("no_threshold",
            "you returned the weighted sum h itself. The unit's output is f(h), which is 0 or 1.",
            lambda x, w, b: np.asarray(x) @ np.asarray(w) + b),
]

_UNIT_CASES = [
    Case({"x": np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]), "w": np.array([1., 1.]), "b": -1.5}, "the AND unit"),
    Case({"x": np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]), "w": np.array([1., 1.]), "b": -1.0},
         "h is exactly 0 at two points"),
    Case({"x": np.array([[2., -1.], [-0.5, 0.5], [0., 0.]]), "w": np.array([0.5, 2.]), "b": 0.25}, "a positive bias"),
    Case({"x": np.array([[1., 2., 3.]]), "w": np.array([-1., 0.5, 0.]), "b": 0.0}, "one example, three inputs"),
]


def _problem_with_unit_output(value, n_rows):
    """What is wrong with the kind of answer (type, shape, values), or None."""
    if not isinstance(value, np.ndarray):
        return f"Expected an ndarray of shape ({n_rows},) holding 0s and 1s, got {describe_value(value)}."
    if value.shape != (n_rows,):
        extra = " (one output per row of x, as a 1-D array)" if value.size == n_rows else ""
        return f"Expected shape ({n_rows},){extra}, got shape {value.shape}."
    if value.dtype == bool:
        return "Expected the numbers 0 and 1, got booleans: convert the comparison with .astype(int)."
    if value.dtype.kind not in "iuf":
        return f"Expected the numbers 0 and 1 (an int array), got an array of dtype {value.dtype}."
    if not np.isin(value, (0, 1)).all():
        return "The threshold unit outputs only 0 or 1, but your array holds other values."
    return None


@checks_learner_code
def check_threshold_unit(threshold_unit, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``threshold_unit(x, w, b)`` → ndarray of shape (N,) with f(x @ w + b)."""
    run = CheckRun("ch01.threshold_unit", threshold_unit, time_limit)
    return check_array_cases(
        run, _UNIT_CASES, _reference_unit, _UNIT_MISTAKES, "the unit's outputs",
        lambda case, value, expected: f"The output is wrong for the row(s) {np.flatnonzero(value != expected).tolist()} of x.",
        kind_problem=lambda value, shape, what: _problem_with_unit_output(value, shape[0]))


# --- Exercise 2: logic gates as threshold units --------------------------------------

GATES_TO_CHOOSE = ("NAND", "OR", "NOR")


def _judge_gate(case, value, target):
    """(problem, None, hint ids) for the answer ``(w, b)`` to one gate: no reference weights (many are right),
    the unit built from them is judged on the gate's truth table ``target``."""
    gate = case.kwargs["gate"]
    if not (isinstance(value, tuple) and len(value) == 2):
        return "Expected a tuple (w, b): w an array of 2 weights, b a number.", None
    w, b = value
    problem = array_and_number_problem(w, b, (2,), ("w", "b"))
    if problem is not None:
        return problem, None
    x, _ = logic_gate_data(gate)
    output = _reference_unit(x, np.asarray(w, dtype=float), float(b))
    h = x @ np.asarray(w, dtype=float) + float(b)
    on_line = [f"{int(a)}{int(c)}" for (a, c), h_value in zip(x, h) if np.isclose(h_value, 0)]
    if np.array_equal(output, target) and not on_line:
        return None, None
    if np.array_equal(output, target):
        return (f"For {gate} the truth table is right, but the input(s) {', '.join(on_line)} lie "
                "exactly on the line (h = 0): the slightest change of a weight flips them.\nHint: shift b "
                "so that every input has a clear margin from the line.", None, ["line_through_point"])
    hints = []
    if np.array_equal(output, 1 - target):
        hints.append(("complement", "your unit outputs the exact opposite of the gate on all four inputs. "
                      "Multiplying w and b by -1 flips every output (but mind points with h = 0)."))
    elif output.min() == output.max():
        hints.append(("one_side", f"all four points are on the same side of the line (output {output[0]} "
                      "everywhere): the line misses the unit square. Adjust b to move it between the points."))
    if np.any(np.isclose(h, 0)):
        hints.append(("line_through_point", "the line passes exactly through an input point, where h = 0 "
                      "gives output 1. Shift b a little so no point lies on the line."))
    wrong = [f"{int(a)}{int(c)}" for (a, c), out, t in zip(x, output, target) if out != t]
    problem = f"For {gate}, the unit with your weights is wrong on the input(s) {', '.join(wrong)}."
    for _, hint in hints:
        problem += f"\nHint: {hint}"
    return problem, None, [hint_id for hint_id, _ in hints]


@checks_learner_code
def check_gate_weights(gate_weights, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``gate_weights(gate)`` → ``(w, b)`` making a threshold unit compute NAND, OR and NOR."""
    run = CheckRun("ch01.gate_weights", gate_weights, time_limit)
    cases = [Case({"gate": gate}) for gate in GATES_TO_CHOOSE]
    return run_cases(run, cases, lambda gate: logic_gate_data(gate)[1], [], _judge_gate)


# --- Exercise 3: one perceptron update ---------------------------------------------------

def _prediction(w, x, b):
    return int(np.asarray(x) @ np.asarray(w) + b >= 0)


def _strict_prediction(w, x, b):
    return int(np.asarray(x) @ np.asarray(w) + b > 0)


_UPDATE_MISTAKES = [
    Mistake("strict_inequality",
            "with h exactly 0 your unit predicted 0. The slides' threshold is f(h) = 1 for h >= 0, so the "
            "prediction y_hat is 1 there: check the comparison at the boundary.",
            lambda w, b, x, y, eta: (w + eta * (y - _strict_prediction(w, x, b)) * x,
                                     b + eta * (y - _strict_prediction(w, x, b)))),
    Mistake("reversed_sign",
            "the line moved the wrong way: after your update the example is even further on the wrong side. "
            "Check the sign of the correction: for y = 1 predicted as 0, w must move towards x.",
            lambda w, b, x, y, eta: (w - eta * (y - _prediction(w, x, b)) * x, b - eta * (y - _prediction(w, x, b)))),
    Mistake("bias_not_updated",
            "the weights are right but b did not change. The bias is the weight w_0 of the constant input "
            "x_0 = 1, so it is updated by the same rule.",
            lambda w, b, x, y, eta: (w + eta * (y - _prediction(w, x, b)) * x, b)),
    Mistake("eta_ignored",
            "the step has the right direction but the wrong size: is the learning rate eta used?",
            lambda w, b, x, y, eta: (w + (y - _prediction(w, x, b)) * x, b + (y - _prediction(w, x, b)))),
    Mistake("update_when_correct",
            "a correctly classified example changed the weights. The correction is proportional to "
            "(y - ŷ), which is 0 when the prediction ŷ is right.",
            lambda w, b, x, y, eta: (w + eta * (2 * y - 1) * x, b + eta * (2 * y - 1))),
    Mistake("used_h_not_prediction",
            "you used the weighted sum h in place of the prediction ŷ = f(h). The perceptron rule uses the "
            "unit's 0/1 output (using h gives a different rule, the delta rule).",
            lambda w, b, x, y, eta: (w + eta * (y - (x @ w + b)) * x, b + eta * (y - (x @ w + b)))),
]

_UPDATE_CASES = [
    Case({"w": np.array([0.0, 0.0]), "b": 0.0, "x": np.array([1.0, 2.0]), "y": 0, "eta": 1.0},
         "class 0 predicted as 1"),
    Case({"w": np.array([1.0, -1.0]), "b": -0.5, "x": np.array([0.5, 1.5]), "y": 1, "eta": 0.5},
         "class 1 predicted as 0"),
    Case({"w": np.array([2.0, 1.0]), "b": 0.5, "x": np.array([1.0, 1.0]), "y": 1, "eta": 0.1},
         "already correct"),
    Case({"w": np.array([0.5, -0.25, 1.0]), "b": 1.0, "x": np.array([-2.0, 1.0, 0.5]), "y": 0, "eta": 0.3},
         "three inputs, class 0 predicted as 0"),
    Case({"w": np.array([0.5, -0.25, 1.0]), "b": -1.0, "x": np.array([1.0, 2.0, 0.5]), "y": 1, "eta": 0.3},
         "three inputs, class 1 predicted as 0"),
]


def _update_answer(value):
    """A returned (w_new, b_new) as (float array, float) at the precision it came in (float32 stays float32, so
    that the comparison's tolerance fits it), keeping nothing else; raises for another kind."""
    w_new, b_new = value
    w_new, b_new = np.asarray(w_new), np.asarray(b_new)
    return (w_new if w_new.dtype.kind == "f" else w_new.astype(float),
            b_new[()] if b_new.dtype.kind == "f" and b_new.ndim == 0 else float(b_new))


def _judge_update(case, value, expected):
    if not (isinstance(value, tuple) and len(value) == 2):
        return "Expected a tuple (w_new, b_new).", None
    w_new, b_new = value
    problem = array_and_number_problem(w_new, b_new, case.kwargs["w"].shape, ("w_new (like w)", "b_new"))
    if problem is not None:
        return problem, None
    answer = _update_answer(value)
    if same_answer(answer, expected):
        return None, None
    return "The updated weights are not what one step of the perceptron rule gives.", answer


@checks_learner_code
def check_perceptron_update(perceptron_update, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``perceptron_update(w, b, x, y, eta)`` → ``(w_new, b_new)``, one step of the perceptron rule.

    The caller's ``w`` must be left unchanged (the exercise asks for a new array).
    """
    run = CheckRun("ch01.perceptron_update", perceptron_update, time_limit)
    return run_cases(run, _UPDATE_CASES, _reference_update, _UPDATE_MISTAKES, _judge_update, answer=_update_answer)


# --- Exercise 4: training until convergence -------------------------------------------

def _separable_case(seed):
    x, y = linearly_separable_blobs(n_samples=30, margin=0.4, seed=seed)
    return Case({"x": x, "y": y, "eta": 1.0, "max_epochs": 100}, f"linearly separable, seed {seed}")


def _epoch_hint(epochs, expected, max_epochs):
    """(hint id, text) explaining a wrong epoch count on data where training converged, or None."""
    if epochs == max_epochs:
        return ("epochs_not_counted",
                f"training converged after {expected} epoch(s) with the rule, yet your count is max_epochs. Is the "
                "mistake counter reset to 0 at the start of every epoch, does the loop stop after the first "
                "epoch without a mistake, and do you return the number of the epoch where it stopped?")
    if epochs == expected - 1:
        return ("epochs_off_by_one",
                "your count is one short: the last epoch, the one that made no mistake, counts too "
                "(epochs are counted from 1).")
    if epochs == expected + 1:
        return ("epochs_off_by_one",
                "your count is one too many: count only the epochs that ran, from 1, and stop after the "
                "first epoch without a mistake.")
    return None


@checks_learner_code
def check_train_perceptron(train_perceptron, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``train_perceptron(x, y, eta, max_epochs)`` → ``(w, b, epochs)``.

    Passes when the learned line separates linearly separable data, the
    epoch count is exactly the number of epochs the rule needs (start at 0,
    examples in order, stop after the first epoch without a mistake: the
    count is determined) and on XOR the function stops after ``max_epochs``.
    """
    x_gate, y_gate = logic_gate_data("AND")
    x_xor, y_xor = logic_gate_data("XOR")
    xor_case = Case({"x": x_xor, "y": y_xor, "eta": 1.0, "max_epochs": 20}, "XOR: not linearly separable")
    cases = [Case({"x": x_gate, "y": y_gate, "eta": 1.0, "max_epochs": 50}, "the AND gate"),
             _separable_case(1), _separable_case(7), xor_case]
    separable = {id(case): case is not xor_case for case in cases}

    def judge(case, value, expected_epochs):
        if not (isinstance(value, tuple) and len(value) == 3):
            return "Expected a tuple (w, b, epochs).", None
        w, b, epochs = value
        x, y, max_epochs = case.kwargs["x"], case.kwargs["y"], case.kwargs["max_epochs"]
        problem = array_and_number_problem(w, b, (x.shape[1],), ("w", "b"))
        if problem is None and (isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, (int, np.integer))):
            problem = f"Expected epochs an int (the number of passes made), got {describe_value(epochs)}."
        if problem is not None:
            return problem, None
        epochs = int(epochs)
        correct = int(np.sum(_reference_unit(x, np.asarray(w, float), float(b)) == y))
        if separable[id(case)] and correct < len(y):
            problem = (f"The learned line classifies {correct}/{len(y)} training points correctly; on "
                       "linearly separable data the perceptron rule reaches all of them.")
            if epochs == 1:
                return (problem + "\nHint: training stopped after the first epoch. Keep going until an epoch makes "
                        "no mistake (or max_epochs is reached).", None, ["stopped_early"])
            return problem, None
        if not 1 <= epochs <= max_epochs:
            return (f"epochs should count the passes over the data made, between 1 and "
                    f"max_epochs={max_epochs}; got {epochs}.", None)
        if not separable[id(case)] and epochs != max_epochs:
            return ("On XOR the perceptron can never classify all four points, so training must use "
                    f"all max_epochs={max_epochs} epochs; got epochs={epochs}.", None)
        if epochs == expected_epochs:
            return None, None
        hint = _epoch_hint(epochs, expected_epochs, max_epochs)
        problem = (f"epochs={epochs} is not the number of epochs the rule runs on this data (starting from "
                   "w = 0, b = 0, the examples in order, stopping after the first epoch without a mistake).")
        if hint:
            return problem + f"\nHint: {hint[1]}", None, [hint[0]]
        return problem, None

    call_hints = hint_when_call_fails("no_epoch_limit", "on data that is not linearly separable the perceptron never "
                                      "stops making mistakes; the loop must also end after max_epochs epochs.",
                                      timed_out=True)

    run = CheckRun("ch01.train_perceptron", train_perceptron, time_limit)
    return run_cases(run, cases, lambda **kwargs: _reference_training(**kwargs).epochs, [], judge,
                     call_hints=call_hints)
