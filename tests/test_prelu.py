"""PReLU: a learned negative-side slope per unit (He et al. 2015)."""
import numpy as np
import pytest

from lecture_lib.nn import Adam, Dense, PReLU, Sequential, check_layer_gradients
from lecture_lib.nn.activations import leaky_relu


def _inputs(seed=0, shape=(7, 5)):
    h = np.random.default_rng(seed).normal(size=shape)
    h[np.abs(h) < 1e-3] = 0.5  # keep central differences away from the kink at 0
    return h


def test_forward_is_leaky_relu_with_each_units_own_slope():
    layer = PReLU()
    h = _inputs()
    layer.build(h.shape[1:])
    layer.params["a"][:] = [0.0, 0.1, 0.25, 1.0, -0.5]
    g = layer.forward(h)
    for j, a in enumerate(layer.params["a"]):
        expected = np.maximum(h[:, j], 0) if a == 0 else np.where(h[:, j] > 0, h[:, j], a * h[:, j])
        np.testing.assert_allclose(g[:, j], expected, rtol=0, atol=0)
    np.testing.assert_allclose(g[:, 1], leaky_relu(h[:, 1], slope=0.1))


@pytest.mark.parametrize("slopes", [[0.25] * 5, [0.0, 0.1, -0.3, 1.0, 2.0]])
def test_backward_matches_central_differences_for_input_and_slopes(slopes):
    layer = PReLU()
    h = _inputs(1)
    layer.build(h.shape[1:])
    layer.params["a"][:] = slopes
    errors = check_layer_gradients(layer, h)
    assert set(errors) == {"x", "a"}
    assert max(errors.values()) < 1e-7, errors


def test_slope_gradient_sums_dout_times_h_over_the_negative_side_only():
    layer = PReLU(initial_slope=0.0)
    h = np.array([[-2.0, 3.0], [1.0, -0.5]])
    layer.forward(h)
    dout = np.array([[1.0, 10.0], [100.0, 1000.0]])
    dx = layer.backward(dout)
    np.testing.assert_allclose(layer.grads["a"], [-2.0, -500.0])  # a ReLU (a = 0) still gets a gradient for a
    np.testing.assert_allclose(dx, [[0.0, 10.0], [100.0, 0.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_network_learns_the_slope_that_the_data_need_and_keeps_float32(seed):
    # |s| = prelu(s) with a = -1: only a learned slope can fit it; a ReLU unit fits one half only
    s = np.random.default_rng(0).normal(size=(256, 1)).astype(np.float32)
    model = Sequential([PReLU(), Dense(1)], seed=seed, dtype="float32")  # PReLU first: its need_dx=False path
    model.compile(loss="mean_squared_error", optimizer=Adam(eta=0.05))
    loss = model.fit(s, np.abs(s), epochs=30, batch_size=32, seed=seed).history["loss"][-1]
    slope = model.layers[0].params["a"]
    assert slope.dtype == np.float32 and model.layers[0].name == "prelu_1"
    assert abs(float(slope[0]) + 1) < 1e-3 and loss < 1e-6
    relu = Sequential([Dense(1, input_dim=1, activation="relu"), Dense(1)], seed=seed, dtype="float32")
    relu.compile(loss="mean_squared_error", optimizer=Adam(eta=0.05))
    assert relu.fit(s, np.abs(s), epochs=30, batch_size=32, seed=seed).history["loss"][-1] > 0.05


def test_bad_input_is_refused_with_a_message_naming_what_was_expected():
    with pytest.raises(ValueError, match="initial_slope must be a finite number"):
        PReLU(initial_slope=float("nan"))
    with pytest.raises(ValueError, match=r"expects 2-D input \(N, units\)"):
        PReLU().forward(np.zeros((2, 3, 4)))
    layer = PReLU()
    layer.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="expects input of shape"):
        layer.forward(np.zeros((2, 4)))
