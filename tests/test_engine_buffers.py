"""The training fast path: bit for bit the public forward/backward/step, buffers reused, no data-sized temporaries."""
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_lib.nn.activations import ACTIVATIONS
from lecture_lib.nn.layers import Activation, Dense, Flatten
from lecture_lib.nn.losses import LOSSES, get_loss
from lecture_lib.nn.divergence import all_finite
from lecture_lib.nn.model import Sequential, to_one_hot
from lecture_lib.nn.optimizers import SGD, Adam, Optimizer

DTYPES = ["float64", "float32"]


def reference_fit(model, x, y, batch_size, epochs, shuffle=True, seed=0):
    """What fit does, written with the public, checked API only: forward, loss, backward, step."""
    x, y = model._prepare_x(x), model._prepare_y(y, len(x))
    rng, losses = np.random.default_rng(seed), []
    for _ in range(epochs):
        order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            y_hat = model.forward(x[idx])
            loss = model.loss.value(y[idx], y_hat)
            model.backward(y[idx], y_hat)
            model.optimizer.step(model.params, model.grads)
            total += loss * len(idx)
        losses.append(total / len(x))
    return losses


def data_for(loss, n, d, c, rng):
    x = rng.normal(size=(n, d))
    if loss == "categorical_crossentropy":
        return x, to_one_hot(rng.integers(0, c, n), c)
    if loss == "binary_crossentropy":
        return x, (rng.random((n, c)) > 0.5) * 1.0
    return x, rng.normal(size=(n, c))


def assert_same_training(make_model, x, y, **fit_args):
    fast, slow = make_model(), make_model()
    history = fast.fit(x, y, **fit_args)
    losses = reference_fit(slow, x, y, fit_args["batch_size"], fit_args["epochs"],
                           fit_args.get("shuffle", True), fit_args.get("seed", 0))
    assert history.history["loss"] == losses  # exactly equal floats
    for a, b in zip(fast.layers, slow.layers):
        for key in a.params:
            np.testing.assert_array_equal(a.params[key], b.params[key], err_msg=f"{a.name}.{key}")
            np.testing.assert_array_equal(a.grads[key], b.grads[key], err_msg=f"{a.name}.{key} grad")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", sorted(set(ACTIVATIONS) - {"softmax"}))
@pytest.mark.parametrize("output, loss", [
    ("softmax", "categorical_crossentropy"),   # fused
    ("sigmoid", "binary_crossentropy"),        # fused
    ("linear", "mean_squared_error"),          # fused
    ("sigmoid", "mean_squared_error"),         # chain rule through the activation
    ("tanh", "Huber"),                         # chain rule, Huber
])
def test_fit_is_bit_for_bit_the_public_api(dtype, hidden, output, loss):
    rng = np.random.default_rng(0)
    x, y = data_for(loss, 53, 4, 3, rng)  # 53 = 4 batches of 13 + 1: a short last batch

    def make():
        model = Sequential([Dense(6, activation=hidden), Dense(5, activation="relu"),
                            Dense(3, activation=output)], dtype=dtype, seed=1)
        return model.compile(loss=loss, optimizer=SGD(eta=0.05))

    assert_same_training(make, x, y, batch_size=13, epochs=3, seed=4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_with_flatten_activation_layer_and_adam(dtype, shuffle):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 3, 2)), to_one_hot(rng.integers(0, 4, 40), 4)

    def make():
        model = Sequential([Flatten(), Dense(7), Activation("tanh"), Dense(4), Activation("softmax")],
                           dtype=dtype, seed=2)
        return model.compile(loss="categorical_crossentropy", optimizer=Adam(eta=0.01))

    assert_same_training(make, x, y, batch_size=16, epochs=2, shuffle=shuffle)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), batch_size=st.integers(1, 12),
       dtype=st.sampled_from(DTYPES))
def test_fit_matches_for_any_batch_split(seed, n, batch_size, dtype):
    rng = np.random.default_rng(seed)
    x, y = data_for("categorical_crossentropy", n, 3, 2, rng)

    def make():
        model = Sequential([Dense(4, activation="relu"), Dense(2, activation="softmax")], dtype=dtype, seed=seed)
        return model.compile(loss="categorical_crossentropy", optimizer="sgd")

    assert_same_training(make, x, y, batch_size=batch_size, epochs=2, seed=seed)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_inplace_equals_forward(name, dtype):
    act = ACTIVATIONS[name]
    h = (np.random.default_rng(2).normal(size=(6, 5)) * 30).astype(dtype)
    h[0, :2] = [800.0, -800.0]  # overflow territory for exp
    expected = act(h)
    owned = h.copy()
    with np.errstate(over="ignore"):
        g = act.forward_inplace(owned)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, expected)
    if act.inplace is not None:
        assert g is owned  # written over h: no new array


def test_public_functions_do_not_change_their_argument():
    h = np.random.default_rng(3).normal(size=(4, 3))
    before = h.copy()
    for act in ACTIVATIONS.values():
        act(h)
        act.backward(act(h), h)
    np.testing.assert_array_equal(h, before)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_kernels_equal_checked_functions(name, dtype):
    rng = np.random.default_rng(4)
    loss = get_loss(name)
    kind = name if name in ("categorical_crossentropy", "binary_crossentropy") else "regression"
    _, y = data_for(kind, 8, 1, 3, rng)
    y_hat = rng.random((8, 3)) if kind != "regression" else rng.normal(size=(8, 3)) * 3
    if kind == "categorical_crossentropy":
        y_hat /= y_hat.sum(axis=1, keepdims=True)  # rows of probabilities (the checked function refuses others)
    y, y_hat = y.astype(dtype), y_hat.astype(dtype)
    assert loss.value_kernel(y, y_hat) == loss.value(y, y_hat)
    kernel_gradient = loss.gradient_kernel(y, y_hat)
    assert kernel_gradient.dtype == dtype
    np.testing.assert_array_equal(kernel_gradient, loss.gradient(y, y_hat))


def test_fit_reuses_buffers_and_skips_the_first_dx():
    rng = np.random.default_rng(5)
    x, y = data_for("categorical_crossentropy", 50, 4, 3, rng)
    model = Sequential([Dense(6, activation="relu"), Dense(3, activation="softmax")], dtype="float32")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=20, epochs=1)
    first, second = model.layers
    buffers = {key: (layer, layer._buffers[key]) for layer in model.layers for key in layer._buffers}
    assert "dx" not in first._buffers  # nothing below the first layer needs dE/dx
    assert second._buffers["dx"].shape == (20, 6)
    assert all(buffer.dtype == np.float32 for _, buffer in buffers.values())
    model.fit(x, y, batch_size=20, epochs=2)
    for key, (layer, buffer) in buffers.items():
        assert layer._buffers[key] is buffer, key  # the same arrays, batch after batch


def test_public_forward_and_backward_return_new_arrays_after_fit():
    rng = np.random.default_rng(6)
    x, y = data_for("categorical_crossentropy", 30, 4, 3, rng)
    model = Sequential([Dense(5, activation="relu"), Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=10)
    out = model.forward(x[:10])
    kept = out.copy()
    dx = model.backward(y[:10], out)
    dx_kept = dx.copy()
    model.fit(x, y, batch_size=10)
    model.forward(x[10:20])
    model.backward(y[10:20], model.forward(x[10:20]))
    np.testing.assert_array_equal(out, kept)
    np.testing.assert_array_equal(dx, dx_kept)
    assert dx.shape == (10, 4)  # the public backward still returns dE/dx of the input


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blocked_sgd_update_equals_the_formula(dtype):
    rng = np.random.default_rng(7)
    w = rng.normal(size=(300, 500)).astype(dtype)  # more values than one block
    g = rng.normal(size=(300, 500)).astype(dtype)
    column = rng.normal(size=(300, 4)).astype(dtype)[:, 1]  # not contiguous: the plain formula
    g_column = rng.normal(size=300).astype(dtype)
    expected, expected_column = w - 0.3 * g, column - 0.3 * g_column
    SGD(eta=0.3).step([{"W": w, "c": column}], [{"W": g, "c": g_column}])
    np.testing.assert_array_equal(w, expected)
    np.testing.assert_array_equal(column, expected_column)
    assert w.dtype == dtype


def test_fit_calls_an_optimizers_own_step():
    calls = []

    class Counting(SGD):
        def step(self, params, grads):
            calls.append(len(params))
            super().step(params, grads)

    class Halving(Optimizer):
        def _update(self, p, g, state):
            p *= 0.5

    x, y = np.ones((9, 2)), np.ones((9, 1))
    model = Sequential([Dense(1, input_dim=2)]).compile(loss="mse", optimizer=Counting(eta=0.1))
    model.fit(x, y, batch_size=4)
    assert calls == [1, 1, 1]
    model = Sequential([Dense(1, input_dim=2)]).compile(loss="mse", optimizer=Halving())
    w = model.layers[0].params["W"].copy()
    model.fit(x, y, batch_size=4)
    np.testing.assert_array_equal(model.layers[0].params["W"], w / 8)


def test_all_finite_handles_overflowing_sums_of_squares():
    big = np.full(10, 1e30, dtype=np.float32)  # finite, but sum of squares overflows
    with np.errstate(over="ignore"):
        assert all_finite(big)
        assert all_finite(np.zeros(0))
        for bad in [np.nan, np.inf, -np.inf]:
            a = big.copy()
            a[7] = bad
            assert not all_finite(a)
            assert not all_finite(np.where(np.arange(10) == 3, bad, 0.5))


def test_fit_holds_no_temporary_the_size_of_the_data_set():
    rng = np.random.default_rng(8)
    n, d = 200_000, 40
    x = rng.normal(size=(n, d))
    y = to_one_hot(rng.integers(0, 3, n), 3)
    model = Sequential([Dense(16, activation="relu"), Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x[:1000], y[:1000], batch_size=100)  # buffers exist from here on
    tracemalloc.start()
    try:
        model.fit(x, y, batch_size=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Arrays of n values (the shuffled order, the one-hot check of y: ~5 MB)
    # are expected; a copy of x (64 MB) or a boolean mask of it (8 MB) is not.
    assert peak < x.nbytes / 10, f"peak {peak / 1e6:.1f} MB during fit on {x.nbytes / 1e6:.0f} MB of data"


def test_fit_and_the_gradient_checker_run_the_same_backward_code():
    """One training path: a bug in a layer's one backward computation shows in fit and in the checker."""
    from lecture_lib.nn.gradcheck import check_model_gradients

    calls = []

    class CountingDense(Dense):
        def _backward_from_eps(self, eps, need_dx=True, buffered=True):
            calls.append(("buffered" if buffered else "new arrays", need_dx))
            return super()._backward_from_eps(eps, need_dx, buffered)

    rng = np.random.default_rng(8)
    x, y = data_for("categorical_crossentropy", 12, 4, 3, rng)
    model = Sequential([Dense(5, activation="tanh"), CountingDense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=6, epochs=1)
    assert calls == [("buffered", True)] * 2  # two batches, through the fused output error
    calls.clear()
    errors = check_model_gradients(model, x, y)
    assert calls and all(kind == "new arrays" for kind, _ in calls)
    assert max(errors.values()) < 1e-7

    class WrongDense(Dense):
        def _backward_from_eps(self, eps, need_dx=True, buffered=True):
            dx = super()._backward_from_eps(eps, need_dx, buffered)
            self.grads["b"] *= 0.5
            return dx

    wrong = Sequential([Dense(5, activation="tanh"), WrongDense(3, activation="softmax")])
    wrong.compile(loss="categorical_crossentropy", optimizer="sgd")
    assert check_model_gradients(wrong, x, y)["wrongdense_1.b"] > 0.1
