"""Layers: forward values, backward against central differences, shapes, modes and errors."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from lecture_lib.nn.activations import ACTIVATIONS
from lecture_lib.nn.gradcheck import check_layer_gradients
from lecture_lib.nn.layers import Activation, Dense, Flatten

seeds = st.integers(0, 2**32 - 1)
KINKED = {"relu", "leaky_relu", "elu", "threshold"}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 5), units=st.integers(1, 5), seed=seeds)
def test_dense_gradients_for_every_activation(activation, n, d, units, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(units, activation=activation, input_dim=d, rng=rng)
    layer.params["b"][:] = rng.normal(size=units)  # non-zero biases, so db is tested too
    x = rng.normal(size=(n, d))
    if activation in KINKED:  # central differences straddling h = 0 see two slopes
        assume(np.abs(x @ layer.params["W"] + layer.params["b"]).min() > 1e-4)
    errors = check_layer_gradients(layer, x, seed=seed)
    assert set(errors) == {"x", "W", "b"}
    # 1e-6, not the usual 1e-7: with one weight and four examples dW = sum_n x_n eps_n can cancel to
    # near 0 (seed 273441183, n=4, d=1, units=1: 2.0e-7), where the relative error of a correct
    # gradient grows; a real bug (a missing factor, a wrong sign) gives 1e-3 or more.
    assert max(errors.values()) < 1e-6, errors


@settings(max_examples=10, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), n=st.integers(1, 3), seed=seeds)
def test_flatten_gradients_and_shapes(shape, n, seed):
    x = np.random.default_rng(seed).normal(size=(n, *shape))
    layer = Flatten()
    out = layer.forward(x)
    assert out.shape == (n, int(np.prod(shape)))
    np.testing.assert_array_equal(out[-1], x[-1].ravel())
    assert layer.backward(out).shape == x.shape
    assert check_layer_gradients(Flatten(), x, seed=seed)["x"] < 1e-7


@pytest.mark.parametrize("activation", ["sigmoid", "softmax", "elu"])
def test_activation_layer_gradients(activation):
    x = np.random.default_rng(0).normal(size=(3, 4))
    assert check_layer_gradients(Activation(activation), x)["x"] < 1e-7


def test_dense_forward_is_sigmoid_of_weighted_sum():
    rng = np.random.default_rng(1)
    layer = Dense(3, activation="sigmoid", input_dim=2, rng=rng)
    layer.params["b"][:] = [0.1, -0.2, 0.3]
    x = rng.normal(size=(5, 2))
    w, b = layer.params["W"], layer.params["b"]
    expected = [[1 / (1 + np.exp(-(sum(x[n, i] * w[i, j] for i in range(2)) + b[j]))) for j in range(3)]
                for n in range(5)]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)


def test_backward_overwrites_gradients():
    rng = np.random.default_rng(2)
    layer = Dense(3, activation="tanh", input_dim=4, rng=rng)
    x, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer.forward(x)
    layer.backward(dout)
    first = {key: g.copy() for key, g in layer.grads.items()}
    layer.backward(dout)  # a second call must not add to the first
    for key in first:
        np.testing.assert_allclose(layer.grads[key], first[key])
    eps = dout * (1 - layer.forward(x) ** 2)
    np.testing.assert_allclose(layer.grads["W"], x.T @ eps)
    np.testing.assert_allclose(layer.grads["b"], eps.sum(axis=0))


def test_lazy_build_from_first_input():
    layer = Dense(3, activation="relu")
    assert layer.params == {} and repr(layer) == "Dense(? -> 3, activation='relu')"
    layer.forward(np.ones((2, 7)))
    assert layer.params["W"].shape == (7, 3) and layer.params["b"].shape == (3,)
    assert repr(layer) == "Dense(7 -> 3, activation='relu')"


def test_repr_matches_keras_style():
    assert repr(Dense(128, activation="sigmoid", input_dim=64)) == "Dense(64 -> 128, activation='sigmoid')"
    assert repr(Flatten()) == "Flatten()"
    assert repr(Activation("relu")) == "Activation('relu')"


def test_glorot_uniform_bounds_for_sigmoid():
    layer = Dense(300, activation="sigmoid", input_dim=200, rng=0)
    limit = np.sqrt(6 / (200 + 300))
    w = layer.params["W"]
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.95 * limit            # it really uses the whole range
    assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.03)  # std of U(-a, a)
    assert np.all(layer.params["b"] == 0)


def test_he_normal_for_relu_family():
    for activation in ["relu", "leaky_relu", "elu"]:
        w = Dense(300, activation=activation, input_dim=400, rng=0).params["W"]
        assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.03)
        assert np.abs(w).max() > np.sqrt(6 / 700)  # unbounded normal, unlike Glorot's uniform


def test_rng_makes_initialisation_reproducible():
    a = Dense(4, input_dim=3, rng=np.random.default_rng(5)).params["W"]
    b = Dense(4, input_dim=3, rng=np.random.default_rng(5)).params["W"]
    c = Dense(4, input_dim=3, rng=np.random.default_rng(6)).params["W"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_float32_layer_keeps_float32():
    layer = Dense(3, activation="sigmoid", input_dim=2, rng=0, dtype="float32")
    out = layer.forward(np.ones((4, 2)))  # float64 input is converted
    dx = layer.backward(np.ones((4, 3)))
    assert out.dtype == dx.dtype == np.float32
    assert all(a.dtype == np.float32 for a in [*layer.params.values(), *layer.grads.values()])


def test_train_and_eval_modes():
    layer = Dense(2, input_dim=2, rng=0)
    assert layer.training
    assert layer.eval() is layer and not layer.training
    assert layer.train().training


def test_wrong_width_names_layer_expected_and_got():
    layer = Dense(3, activation="tanh", input_dim=4, rng=0, name="hidden")
    with pytest.raises(ValueError) as info:
        layer.forward(np.ones((2, 5)))
    message = str(info.value)
    assert "'hidden'" in message and "(N, 4)" in message and "(2, 5)" in message


def test_images_into_dense_suggest_flatten():
    with pytest.raises(ValueError, match="Flatten"):
        Dense(3).forward(np.ones((2, 8, 8)))


def test_single_example_suggests_reshape():
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        Dense(3, input_dim=4, rng=0).forward(np.ones(4))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="forward"):
        Dense(3, input_dim=4, rng=0).backward(np.ones((1, 3)))


def test_dout_shape_is_checked():
    layer = Dense(3, input_dim=2, rng=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"\(4, 3\)"):
        layer.backward(np.ones((4, 2)))


def test_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        Dense(0)
    with pytest.raises(ValueError, match="'sigmoid'"):
        Dense(3, activation="sigmod")
    with pytest.raises(ValueError, match="init"):
        Dense(3, init="zeros")
    with pytest.raises(TypeError, match="real numbers"):
        Dense(2, input_dim=1, rng=0).forward(np.array([["a"], ["b"]]))
    with pytest.raises(ValueError, match="dtype"):
        Dense(2, dtype="int32")
