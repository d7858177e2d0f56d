"""Losses: values against per-example loops, gradients against central differences."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_lib.nn.activations import get_activation, sigmoid, softmax
from lecture_lib.nn.gradcheck import numerical_gradient, relative_error
from lecture_lib.nn.losses import (EPSILON, LOSSES, binary_crossentropy, binary_crossentropy_gradient,
                                   categorical_crossentropy, categorical_crossentropy_gradient, get_loss,
                                   huber, mean_squared_error, output_error)
from lecture_lib.nn.one_hot import to_one_hot

shapes = st.tuples(st.integers(1, 6), st.integers(1, 5))
seeds = st.integers(0, 2**32 - 1)


def targets_and_predictions(name, shape, seed):
    """Valid (y, y_hat) for each loss; y_hat away from the clipping region and Huber's kinks."""
    rng = np.random.default_rng(seed)
    n, c = shape
    if name == "categorical_crossentropy":
        c = max(c, 2)  # one class would put yhat = 1 in the clipping region
        y = to_one_hot(rng.integers(0, c, size=n), c)
        u = rng.uniform(0.05, 0.95, size=(n, c))
        return y, u / u.sum(axis=1, keepdims=True)  # rows of probabilities (the loss refuses others)
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.05, 0.95, size=shape)
    y = rng.normal(size=shape)
    r = rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1, 1], size=shape)
    r = np.where(np.abs(np.abs(r) - 1.0) < 0.05, 0.5, r)  # Huber's kink at |r| = delta = 1
    return y, y + r


@pytest.mark.parametrize("name", sorted(LOSSES))
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds)
def test_gradient_matches_central_differences(name, shape, seed):
    loss = get_loss(name)
    y, y_hat = targets_and_predictions(name, shape, seed)
    numeric = numerical_gradient(lambda p: loss.value(y, p), y_hat.copy())
    assert relative_error(loss.gradient(y, y_hat), numeric) < 1e-7


def loop_reference(name, y, y_hat):
    """E computed example by example, output by output (independent of the vectorised code)."""
    total = 0.0
    for yn, pn in zip(y, y_hat):
        for t, p in zip(yn, pn):
            if name == "mean_squared_error":
                total += 0.5 * (p - t) ** 2
            elif name == "binary_crossentropy":
                total += -(t * math.log(p) + (1 - t) * math.log(1 - p))
            elif name == "categorical_crossentropy":
                total += -t * math.log(p)
            else:  # Huber, delta = 1
                total += 0.5 * (p - t) ** 2 if abs(p - t) <= 1 else abs(p - t) - 0.5
    return total / len(y)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_values_match_per_example_loop(name):
    y, y_hat = targets_and_predictions(name, (7, 3), seed=11)
    assert get_loss(name).value(y, y_hat) == pytest.approx(loop_reference(name, y, y_hat), rel=1e-12)


def test_squared_error_convention_half_and_batch_mean():
    # one example, one output: E = 1/2 (yhat - y)^2 (the slides' form)
    assert mean_squared_error([[1.0]], [[3.0]]) == pytest.approx(2.0)
    # sum over outputs, mean over examples: repeating the batch changes nothing
    rng = np.random.default_rng(0)
    y, y_hat = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    e = mean_squared_error(y, y_hat)
    assert mean_squared_error(np.vstack([y, y]), np.vstack([y_hat, y_hat])) == pytest.approx(e)
    # Keras's MSE (no 1/2, mean over outputs) is (2 / C) times ours
    keras = np.mean((y_hat - y) ** 2)
    assert keras == pytest.approx(2 / 3 * e)


def test_huber_is_quadratic_inside_and_linear_outside():
    assert huber([[0.0]], [[0.5]]) == pytest.approx(mean_squared_error([[0.0]], [[0.5]]))
    assert huber([[0.0]], [[10.0]]) == pytest.approx(9.5)           # delta (|r| - delta/2)
    assert huber([[0.0]], [[10.0]], delta=2.0) == pytest.approx(18.0)
    gradient = get_loss("huber", delta=2.0).gradient([[0.0], [0.0]], [[10.0], [-1.0]])
    np.testing.assert_allclose(gradient, [[2.0 / 2], [-1.0 / 2]])  # clipped at delta, / N


def test_huber_names_and_delta():
    assert get_loss("huber").name == get_loss("Huber").name == "Huber"
    assert get_loss("Huber", delta=3.0).options == {"delta": 3.0}
    with pytest.raises(ValueError, match="delta"):
        get_loss("Huber", delta=0.0)


@pytest.mark.parametrize("loss_name, activation", [
    ("categorical_crossentropy", "softmax"),
    ("binary_crossentropy", "sigmoid"),
    ("mean_squared_error", "linear"),
])
def test_fused_error_term_equals_chain_rule(loss_name, activation):
    loss, act = get_loss(loss_name), get_activation(activation)
    assert loss.output_activation == activation
    rng = np.random.default_rng(1)
    h = rng.normal(size=(6, 4))
    y_hat = act(h)
    y = to_one_hot(rng.integers(0, 4, 6), 4) if activation == "softmax" else (rng.random((6, 4)) > 0.5) * 1.0
    chain = act.backward(y_hat, loss.gradient(y, y_hat))
    np.testing.assert_allclose(output_error(y, y_hat), chain, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(output_error(y, y_hat), (y_hat - y) / 6)


def test_fused_error_term_stays_exact_when_saturated():
    h = np.array([[800.0, 0.0]])  # softmax gives exactly [1, 0]: log(0) and 1/0 in the unfused chain
    y = np.array([[0.0, 1.0]])
    y_hat = softmax(h)
    np.testing.assert_array_equal(output_error(y, y_hat), [[1.0, -1.0]])
    # the unfused chain loses the gradient entirely at the clipped point
    chain = get_activation("softmax").backward(y_hat, categorical_crossentropy_gradient(y, y_hat))
    assert abs(chain[0, 1]) < 1e-3


def test_cross_entropies_are_finite_at_0_and_1():
    y = np.array([[1.0], [0.0]])
    y_hat = np.array([[0.0], [1.0]])  # worst possible predictions
    e = binary_crossentropy(y, y_hat)
    assert e == pytest.approx(-math.log(EPSILON), rel=1e-6)
    assert np.all(np.isfinite(binary_crossentropy_gradient(y, y_hat)))
    assert categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]]) == pytest.approx(-math.log(EPSILON), rel=1e-6)
    assert np.all(np.isfinite(categorical_crossentropy_gradient([[1.0, 0.0]], [[0.0, 1.0]])))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_is_kept(name):
    y, y_hat = targets_and_predictions(name, (4, 3), seed=2)
    loss = get_loss(name)
    assert loss.gradient(y, y_hat.astype(np.float32)).dtype == np.float32
    assert isinstance(loss.value(y, y_hat.astype(np.float32)), float)


def test_one_dimensional_arrays_are_one_output_per_example():
    assert binary_crossentropy([1, 0], [0.9, 0.1]) == pytest.approx(-math.log(0.9))


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as info:
        mean_squared_error(np.zeros((4, 2)), np.zeros((4, 3)))
    assert "(4, 3)" in str(info.value) and "(4, 2)" in str(info.value)
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        binary_crossentropy(np.zeros(4), np.full((4, 1), 0.5))


def test_integer_labels_for_categorical_point_to_to_one_hot():
    with pytest.raises(ValueError, match="to_one_hot"):
        categorical_crossentropy(np.array([0, 2, 1]), softmax(np.zeros((3, 3))))


def test_categorical_targets_must_be_one_hot_rows():
    with pytest.raises(ValueError, match="sum to 1") as info:
        categorical_crossentropy([[1.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [0.5, 0.5]])
    assert "row 1" in str(info.value)


def test_binary_targets_must_be_probabilities():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary_crossentropy([[2.0]], [[0.5]])


def test_nan_targets_are_refused_but_nan_predictions_propagate():
    with pytest.raises(ValueError, match="NaN"):
        mean_squared_error([[np.nan]], [[0.0]])
    assert math.isnan(mean_squared_error([[0.0]], [[np.nan]]))


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        get_loss("categorical_crossentropyy")
    for name in LOSSES:
        assert repr(name) in str(info.value)
    with pytest.raises(TypeError):
        get_loss(None)


def test_sigmoid_plus_binary_crossentropy_is_logistic_regression():
    # chapter 02: the gradient of the log-loss w.r.t. w is X^T (yhat - y) / N
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(8, 3)), rng.normal(size=3)
    y = (rng.random(8) > 0.5) * 1.0
    numeric = numerical_gradient(lambda v: binary_crossentropy(y, sigmoid(x @ v)), w.copy())
    assert relative_error(x.T @ (sigmoid(x @ w) - y) / 8, numeric) < 1e-7
