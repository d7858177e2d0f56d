"""Activations: values against textbook formulas, derivatives against central differences."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_lib.nn.activations import (ACTIVATIONS, elu, get_activation, leaky_relu, relu, sigmoid,
                                        sigmoid_derivative, softmax, softmax_backward, tanh_derivative,
                                        threshold)
from lecture_lib.nn.gradcheck import numerical_gradient, relative_error

NAMES = sorted(ACTIVATIONS)

shapes = st.tuples(st.integers(1, 5), st.integers(1, 6))
seeds = st.integers(0, 2**32 - 1)


def random_h(shape, seed, scale=2.0):
    h = np.random.default_rng(seed).normal(scale=scale, size=shape)
    # keep away from the kink at 0, where central differences straddle two slopes
    return np.where(np.abs(h) < 1e-2, 0.5, h)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds)
def test_backward_matches_central_differences(name, shape, seed):
    act = get_activation(name, slope=0.1, alpha=0.7)
    h = random_h(shape, seed)
    r = np.random.default_rng(seed + 1).normal(size=shape)  # random projection: L = sum(f(h) * r)
    analytic = act.backward(act(h), r)
    numeric = numerical_gradient(lambda z: np.sum(act(z) * r), h)
    assert relative_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("name, reference", [
    ("linear", lambda h: h),
    ("threshold", lambda h: (h >= 0) * 1.0),
    ("sigmoid", lambda h: 1 / (1 + np.exp(-h))),
    ("tanh", lambda h: (np.exp(h) - np.exp(-h)) / (np.exp(h) + np.exp(-h))),
    ("relu", lambda h: h * (h > 0)),
    ("leaky_relu", lambda h: np.array([v if v > 0 else 0.01 * v for v in h.ravel()]).reshape(h.shape)),
    ("elu", lambda h: np.array([v if v > 0 else np.exp(v) - 1 for v in h.ravel()]).reshape(h.shape)),
    ("softmax", lambda h: np.exp(h) / np.exp(h).sum(axis=1, keepdims=True)),
])
def test_values_match_textbook_formula(name, reference):
    h = np.random.default_rng(3).normal(scale=3, size=(4, 5))
    np.testing.assert_allclose(get_activation(name)(h), reference(h), rtol=1e-12, atol=1e-15)


def test_derivatives_use_the_stored_output():
    g = np.linspace(0.05, 0.95, 7)
    np.testing.assert_allclose(sigmoid_derivative(g), g - g**2)
    np.testing.assert_allclose(tanh_derivative(g), 1 - g**2)


def test_sigmoid_is_stable_for_large_inputs():
    h = np.array([-1e5, -800.0, -40.0, 0.0, 40.0, 800.0, 1e5])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        g = sigmoid(h)
    assert np.all(np.isfinite(g))
    assert g[0] == 0.0 and g[-1] == 1.0 and g[3] == 0.5
    assert 0 < g[2] < 1e-17  # tiny but not rounded to 0: exp(-40) ~ 4e-18
    assert np.all(np.diff(g) >= 0)


def test_softmax_is_stable_and_shift_invariant():
    h = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        g = softmax(h)
    np.testing.assert_allclose(g[0], softmax(np.array([[1.0, 2.0, 0.0]]))[0])
    np.testing.assert_allclose(g[1], [1 / 3] * 3)
    np.testing.assert_allclose(g.sum(axis=1), 1.0)


def test_softmax_backward_equals_jacobian_product():
    rng = np.random.default_rng(0)
    g = softmax(rng.normal(size=(3, 4)))
    dout = rng.normal(size=(3, 4))
    for n in range(3):
        jacobian = np.diag(g[n]) - np.outer(g[n], g[n])  # dg_k/dh_j = g_k (delta_kj - g_j)
        np.testing.assert_allclose(softmax_backward(g, dout)[n], jacobian @ dout[n])


def test_elu_does_not_overflow_for_large_positive_inputs():
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        assert elu(np.array([1000.0]))[0] == 1000.0


@pytest.mark.parametrize("name", NAMES)
def test_float32_is_kept(name):
    act = get_activation(name)
    h = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    g = act(h)
    assert g.dtype == np.float32
    assert act.backward(g, np.ones_like(g)).dtype == np.float32


def test_integer_input_becomes_float64():
    assert relu([[-1, 2]]).dtype == np.float64
    assert threshold([0, -1]).tolist() == [1.0, 0.0]


def test_parameters_of_leaky_relu_and_elu():
    assert leaky_relu(np.array([-2.0]), slope=0.2)[0] == pytest.approx(-0.4)
    assert get_activation("leaky_relu", slope=0.3)(np.array([-1.0]))[0] == pytest.approx(-0.3)
    assert get_activation("elu", alpha=2.0)(np.array([-50.0]))[0] == pytest.approx(-2.0)
    with pytest.raises(ValueError, match="slope"):
        leaky_relu(np.array([1.0]), slope=-0.1)
    with pytest.raises(ValueError, match="alpha"):
        get_activation("elu", alpha=0)


def test_lookup_by_name():
    assert get_activation(None).name == "linear"
    assert get_activation("ReLU").name == "relu"
    act = get_activation("tanh")
    assert get_activation(act) is act
    assert np.array_equal(relu(np.array([-1.0, 3.0])), [0.0, 3.0])


def test_typo_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        get_activation("sigmiod")
    message = str(info.value)
    assert "'sigmiod'" in message
    for name in NAMES:
        assert repr(name) in message


def test_non_numeric_input_is_refused():
    with pytest.raises(TypeError, match="h must"):
        sigmoid(["a", "b"])
    with pytest.raises(TypeError, match="activation must be"):
        get_activation(3)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_inplace_is_bit_for_bit_backward(name, dtype):
    rng = np.random.default_rng(3)
    act = ACTIVATIONS[name]
    g = act.forward(rng.normal(size=(7, 5)).astype(dtype))
    g[0, :2] = 0  # ReLU's kink: f'(0) = 0 by convention, in both paths
    dout = rng.normal(size=(7, 5)).astype(dtype)
    expected = act.backward(g, dout.copy())
    got = act.backward_inplace(g, dout)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))  # even the signs of the zeros


def test_relu_backward_inplace_writes_over_dout():
    g = np.array([[0.0, 2.0], [3.0, 0.0]])
    dout = np.array([[5.0, 6.0], [7.0, 8.0]])
    assert ACTIVATIONS["relu"].backward_inplace(g, dout) is dout
    np.testing.assert_array_equal(dout, [[0.0, 6.0], [7.0, 0.0]])
