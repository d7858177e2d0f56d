"""The gradient checker itself: accurate on known functions, catches a planted bug, checks whole models."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_lib.nn.gradcheck import (check_layer_gradients, check_model_gradients, numerical_gradient,
                                      relative_error)
from lecture_lib.nn.layers import Activation, Dense, Flatten
from lecture_lib.nn.model import Sequential, to_one_hot


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 2**32 - 1))
def test_numerical_gradient_of_a_known_function(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    before = x.copy()
    numeric = numerical_gradient(lambda z: np.sum(z**3) + np.sum(np.sin(z)), x)
    assert relative_error(numeric, 3 * x**2 + np.cos(x)) < 1e-7
    np.testing.assert_array_equal(x, before)  # restored exactly


def test_x_is_restored_even_if_f_raises():
    x = np.array([1.0, 2.0])
    calls = []

    def f(z):
        calls.append(z.copy())
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        numerical_gradient(f, x)
    assert calls[0][0] == 1.0 + 1e-6  # it was perturbed ...
    np.testing.assert_array_equal(x, [1.0, 2.0])  # ... and put back


def test_numerical_gradient_needs_float64_arrays():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, [1.0, 2.0])


def test_relative_error():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(a, 1.001 * a) == pytest.approx(0.001 / 2.001)
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(2), np.zeros(3))


class BuggyDense(Dense):
    """dW off by 1%, in the one backward computation that fit runs too: the kind of bug a gradient check must catch."""

    def _backward_from_eps(self, eps, need_dx=True, buffered=True):
        dx = super()._backward_from_eps(eps, need_dx, buffered)
        self.grads["W"] *= 1.01
        return dx


def test_check_layer_gradients_catches_a_bug():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    good = check_layer_gradients(Dense(2, activation="tanh", input_dim=3, rng=1), x)
    bad = check_layer_gradients(BuggyDense(2, activation="tanh", input_dim=3, rng=1), x)
    assert good["W"] < 1e-7 and good["x"] < 1e-7
    assert bad["W"] > 1e-3
    assert bad["x"] < 1e-7 and bad["b"] < 1e-7  # the bug is where it is reported


def test_check_layer_gradients_leaves_x_alone_and_refuses_float32():
    x = np.random.default_rng(0).normal(size=(2, 3))
    before = x.copy()
    check_layer_gradients(Dense(2, input_dim=3, rng=0), x)
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError, match="float64"):
        check_layer_gradients(Dense(2, input_dim=3, rng=0, dtype="float32"), x)


@pytest.mark.parametrize("hidden, output, loss", [
    ("sigmoid", "softmax", "categorical_crossentropy"),   # fused
    ("tanh", "sigmoid", "binary_crossentropy"),           # fused
    ("relu", "linear", "mean_squared_error"),             # fused (identity)
    ("elu", "sigmoid", "mean_squared_error"),             # plain chain rule (chapter 04's network)
    ("leaky_relu", "linear", "Huber"),                    # plain chain rule
    ("tanh", "softmax", "mean_squared_error"),            # softmax Jacobian in the chain
])
def test_check_model_gradients(hidden, output, loss):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 2, 2))
    n_out = 3
    if loss == "categorical_crossentropy":
        y = to_one_hot(rng.integers(0, n_out, 6), n_out)
    elif loss == "binary_crossentropy":
        y = (rng.random((6, n_out)) > 0.5) * 1.0
    else:
        y = rng.normal(size=(6, n_out)) * 2
    model = Sequential([Flatten(), Dense(5, activation=hidden), Activation("tanh"),
                        Dense(n_out, activation=output)], seed=3)
    model.compile(loss=loss, optimizer="sgd")
    errors = check_model_gradients(model, x, y)
    assert set(errors) == {"dense_1.W", "dense_1.b", "dense_2.W", "dense_2.b"}
    assert max(errors.values()) < 1e-7, errors


def test_check_model_gradients_needs_float64():
    model = Sequential([Dense(1, input_dim=2)], dtype="float32").compile()
    with pytest.raises(ValueError, match="float64"):
        check_model_gradients(model, np.ones((2, 2)), np.ones((2, 1)))


def test_softmax_as_a_separate_last_layer_uses_the_fused_error_term():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 3)), to_one_hot(rng.integers(0, 4, 5), 4)
    model = Sequential([Dense(6, activation="tanh"), Dense(4), Activation("softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.build((3,))
    assert model._fused()
    assert max(check_model_gradients(model, x, y).values()) < 1e-7
