import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecture_lib.datasets import GATE_TRUTH_TABLES, logic_gate_data
from lecture_lib.topics.units import add_bias_column, logic_gate_unit, threshold, threshold_unit, weighted_sum

finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


def test_threshold_fires_at_zero_and_above():
    assert threshold(np.array([-1e-12, 0.0, 3.0])).tolist() == [0, 1, 1]


def test_weighted_sum_matches_explicit_sum():
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    w = np.array([0.5, -1.0, 2.0])
    assert np.allclose(weighted_sum(x, w, 0.25), [0.5 - 2 + 6 + 0.25, -0.5 - 0.5 + 0.25])


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_each_gate_unit_computes_its_truth_table_with_a_margin(gate):
    w, b = logic_gate_unit(gate)
    x, y = logic_gate_data(gate)
    assert np.array_equal(threshold_unit(x, w, b), y)
    assert np.min(np.abs(weighted_sum(x, w, b))) >= 0.5  # no point near the line


def test_not_gate():
    w, b = logic_gate_unit("NOT")
    assert threshold_unit(np.array([[0.0], [1.0]]), w, b).tolist() == [1, 0]


def test_xor_is_refused_with_an_explanation():
    with pytest.raises(ValueError, match="not linearly separable"):
        logic_gate_unit("XOR")


def test_unknown_gate_lists_the_valid_names():
    with pytest.raises(ValueError, match="'AND'.*'OR'"):
        logic_gate_unit("ADN")


def test_bias_column_is_equivalent_to_bias():
    x = np.random.default_rng(0).normal(size=(5, 3))
    w, b = np.array([1.0, -2.0, 0.5]), 0.7
    assert np.allclose(add_bias_column(x) @ np.concatenate([[b], w]), weighted_sum(x, w, b))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (6, 3), elements=finite), arrays(np.float64, (3,), elements=finite),
       finite, st.floats(0.01, 100))
def test_positive_scaling_of_weights_keeps_outputs(x, w, b, scale):
    h = weighted_sum(x, w, b)
    keep = np.abs(h) > 1e-6 * (1 + np.abs(x) @ np.abs(w) + abs(b))  # rounding can flip points on the line
    assert np.array_equal(threshold_unit(x, w, b)[keep], threshold_unit(x, scale * w, scale * b)[keep])


@pytest.mark.parametrize("x, w, message", [
    (np.ones(3), np.ones(3), r"2-D array of shape \(N, D\).*reshape"),
    (np.ones((2, 3)), np.ones(2), r"w must have length 3"),
    (np.array([["a", "b"]]), np.ones(2), "real numbers"),
    (np.array([[np.nan, 1.0]]), np.ones(2), "NaN"),
    (np.ones((0, 2)), np.ones(2), "at least one example"),
])
def test_bad_inputs_raise_clear_errors(x, w, message):
    with pytest.raises((ValueError, TypeError), match=message):
        threshold_unit(x, w, 0.0)


def test_bias_must_be_a_number():
    with pytest.raises(TypeError, match="b must be a"):
        threshold_unit(np.ones((1, 2)), np.ones(2), np.ones(2))


def test_gate_table_names_match():
    assert set(GATE_TRUTH_TABLES) >= {"AND", "OR", "NAND", "NOR", "XOR"}


# --- which biases compute a gate, and which gate given weights compute ------------------------------

from lecture_lib.topics.units import TWO_INPUT_FUNCTIONS, bias_interval, gate_computed  # noqa: E402


@pytest.mark.parametrize("gate, w, low, high", [
    ("AND", (1.0, 1.0), -2.0, -1.0), ("OR", (1.0, 1.0), -1.0, 0.0),
    ("NAND", (-1.0, -1.0), 1.0, 2.0), ("AND", (2.0, 1.0), -3.0, -2.0),
])
def test_bias_interval_has_closed_low_and_open_high_end(gate, w, low, high):
    x, y = logic_gate_data(gate)
    interval = bias_interval(x, y, w)
    assert (interval.low, interval.high) == (low, high)
    assert low in interval and high not in interval        # f(0) = 1: the low end works, the high end does not
    assert np.array_equal(threshold_unit(x, w, low), y)
    assert not np.array_equal(threshold_unit(x, w, high), y)
    assert str(interval) == f"{low:g} <= b < {high:g}" and "-0" not in str(interval)


@given(st.sampled_from(sorted(GATE_TRUTH_TABLES)), st.tuples(finite, finite), finite)
@settings(max_examples=200, deadline=None)
def test_a_bias_works_exactly_when_it_lies_in_the_interval(gate, w, b):
    x, y = logic_gate_data(gate)
    works = np.array_equal(threshold_unit(x, w, b), y)
    assert works == (b in bias_interval(x, y, w))


def test_no_bias_computes_xor_and_wrong_weights_give_an_empty_interval():
    x, y = logic_gate_data("XOR")
    assert bias_interval(x, y, (1.0, 1.0)).empty and str(bias_interval(x, y, (1.0, 1.0))) == "no bias works"
    x, y = logic_gate_data("AND")
    assert bias_interval(x, y, (-1.0, -1.0)).empty        # AND's weights must be positive
    assert not bias_interval(x, y, (1.0, 1.0)).empty


def test_bias_interval_of_one_class_is_unbounded():
    x = np.array([[0.0], [1.0]])
    assert str(bias_interval(x, np.array([1, 1]), [1.0])) == "0 <= b"
    assert str(bias_interval(x, np.array([0, 0]), [1.0])) == "b < -1"


@pytest.mark.parametrize("w, b, name", [
    ((1.0, 1.0), -1.5, "AND"), ((1.0, 1.0), -0.5, "OR"), ((1.0, 1.0), -1.0, "OR"), ((1.0, 1.0), -2.0, "AND"), ((1.0, 1.0), 0.0, "always 1"),
    ((1.0, 1.0), -2.5, "always 0"), ((-1.0, -1.0), 1.5, "NAND"), ((1.0, -1.0), -0.5, "x1 AND NOT x2"),
    ((0.0, 1.0), -0.5, "x2"),
])
def test_gate_computed_names_what_the_weights_compute(w, b, name):
    assert gate_computed(w, b) == name


def test_gate_computed_is_not_fooled_by_the_gate_the_weights_were_meant_for():
    w_and, b_and = logic_gate_unit("AND")
    assert gate_computed(w_and, b_and) == "AND"
    assert gate_computed(w_and, b_and + 1.0) != "AND"      # the widget's old opening: AND's weights with b = -0.5


def test_every_two_input_function_has_one_name():
    assert len(TWO_INPUT_FUNCTIONS) == 16 and len(set(TWO_INPUT_FUNCTIONS.values())) == 16
