"""Sequential: learning XOR and the digits, dtype end to end, divergence, error messages."""
import re

import numpy as np
import pytest

from lecture_lib.datasets.digits import load_digits
from lecture_lib.nn.layers import Dense, Flatten
from lecture_lib.nn.losses import categorical_crossentropy, get_loss
from lecture_lib.nn.model import Sequential, TrainingDivergedError, to_one_hot
from lecture_lib.nn.optimizers import SGD, Adam

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def xor_model(seed=0, dtype="float64"):
    model = Sequential([Dense(8, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")],
                       dtype=dtype, seed=seed)
    return model.compile(loss="binary_crossentropy", optimizer=Adam(eta=0.05), metrics=["acc"])


def digits_model(dtype="float64"):
    model = Sequential([Flatten(), Dense(128, activation="sigmoid"), Dense(10, activation="softmax")],
                       dtype=dtype)
    return model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_xor_with_a_hidden_layer(seed):
    model = xor_model(seed)
    history = model.fit(XOR_X, XOR_Y, batch_size=4, epochs=300)
    loss, acc = model.evaluate(XOR_X, XOR_Y)
    assert acc == 1.0  # all 4 points right
    assert loss < 0.05 < history.history["loss"][0]
    np.testing.assert_array_equal(model.predict(XOR_X).ravel() > 0.5, XOR_Y == 1)


def test_digits_example_from_the_slides_reaches_90_percent():
    x_train, y_train = load_digits("train", one_hot=True)
    x_test, y_test = load_digits("test", one_hot=True)
    model = digits_model()
    history = model.fit(x_train, y_train, batch_size=200, epochs=80, validation_data=(x_test, y_test))
    loss, acc = model.evaluate(x_test, y_test)
    assert acc > 0.90
    assert history.history["val_acc"][-1] == pytest.approx(acc)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_float32_is_kept_end_to_end():
    x_train, y_train = load_digits("train", one_hot=True)  # float64 data, converted once
    model = digits_model(dtype="float32")
    model.fit(x_train[:400], y_train[:400], batch_size=100, epochs=2)
    for layer in model.layers:
        for key in layer.params:
            assert layer.params[key].dtype == np.float32, (layer.name, key)
            assert layer.grads[key].dtype == np.float32, (layer.name, key)
    dense = model.layers[1]
    assert dense._x.dtype == dense._g.dtype == np.float32  # cached activations
    assert all(a.dtype == np.float32 for _, state in model.optimizer._state.values()
               for a in state.values() if isinstance(a, np.ndarray))
    assert model.predict(x_train[:5]).dtype == np.float32


def test_evaluate_returns_loss_and_accuracy_like_keras():
    x, y = load_digits("test", one_hot=True)
    model = digits_model()
    model.fit(x, y, batch_size=100, epochs=3)
    scores = model.evaluate(x, y)
    assert isinstance(scores, list) and len(scores) == 2
    y_hat = model.predict(x)
    assert scores[0] == pytest.approx(categorical_crossentropy(y, y_hat))
    assert scores[1] == pytest.approx(np.mean(y_hat.argmax(axis=1) == y.argmax(axis=1)))
    assert model.evaluate(x, y, batch_size=50) == pytest.approx(scores)  # chunked the same
    np.testing.assert_allclose(model.predict(x, batch_size=64), y_hat)


def test_binary_accuracy_thresholds_at_one_half():
    model = Sequential([Dense(1, activation="sigmoid", input_dim=1)])
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
    model.layers[0].params["W"][:] = 1.0
    x = np.array([[-2.0], [-0.1], [0.1], [3.0]])
    assert model.evaluate(x, [0, 1, 1, 1])[1] == pytest.approx(0.75)


def test_history_per_epoch():
    model = xor_model()
    history = model.fit(XOR_X, XOR_Y, batch_size=2, epochs=5, validation_data=(XOR_X, XOR_Y))
    assert list(history.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert all(len(values) == 5 for values in history.history.values())
    assert history.epoch == [1, 2, 3, 4, 5]
    assert "val_loss" not in xor_model().fit(XOR_X, XOR_Y, epochs=2).history


def test_seeds_make_training_reproducible():
    runs = [xor_model(seed=3).fit(XOR_X, XOR_Y, batch_size=2, epochs=10, seed=7).history["loss"]
            for _ in range(2)]
    assert runs[0] == runs[1]
    other = xor_model(seed=4).fit(XOR_X, XOR_Y, batch_size=2, epochs=10, seed=7).history["loss"]
    assert other != runs[0]


def test_fused_and_unfused_backward_agree():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 4)), to_one_hot(rng.integers(0, 3, 6), 3)
    model = Sequential([Dense(5, activation="tanh"), Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.backward(y, model.forward(x))
    fused = [g.copy() for layer in model.layers for g in layer.grads.values()]
    # same loss under another name has no fusion: the plain chain rule runs
    loss = get_loss("categorical_crossentropy")
    model.loss = type(loss)("categorical_crossentropy", loss.value, loss.gradient, None)
    assert not model._fused()
    model.backward(y, model.forward(x))
    plain = [g for layer in model.layers for g in layer.grads.values()]
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_summary_table():
    model = digits_model()
    model.build((8, 8))
    text = model.summary()
    assert "flatten_1 (Flatten)" in text and "dense_2 (Dense)" in text
    assert "(None, 64)" in text and "(None, 128)" in text and "(None, 10)" in text
    assert f"{64 * 128 + 128:,}" in text and f"{128 * 10 + 10:,}" in text
    assert f"Total params: {64 * 128 + 128 + 128 * 10 + 10:,}" in text
    with pytest.raises(ValueError, match="not built"):
        digits_model().summary()


def test_verbose_prints_only_when_asked(capsys):
    xor_model().fit(XOR_X, XOR_Y, epochs=3)
    assert capsys.readouterr().out == ""
    xor_model().fit(XOR_X, XOR_Y, epochs=3, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("Epoch 3/3") and "acc:" in lines[-1]


# --- divergence ---------------------------------------------------------------------------

def test_huge_learning_rate_raises_training_diverged():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)) * 10
    y = x @ np.array([[1.0], [2.0], [3.0]])
    model = Sequential([Dense(16, input_dim=3), Dense(16), Dense(1)])
    model.compile(loss="mean_squared_error", optimizer=SGD(eta=1e3))
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(x, y, batch_size=16, epochs=20)
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert re.search(r"epoch \d+, batch \d+ of 4", message)
    assert re.search(r"layer 'dense_\d' Dense\(", message)
    assert "learning rate" in message and "standardise" in message and "clip" in message


def test_divergence_in_the_weights_names_epoch_layer_and_weight():
    model = Sequential([Dense(1, input_dim=1)])
    model.compile(loss="mean_squared_error", optimizer=SGD(eta=1e307))
    with pytest.raises(TrainingDivergedError) as info:
        model.fit([[1.0]], [[100.0]], epochs=3)  # loss ~5e3 is finite; the update overflows
    message = str(info.value)
    assert "epoch 1, batch 1 of 1" in message
    assert "weights 'W' of layer 'dense_1'" in message


def test_an_overflowing_update_in_a_later_batch_is_blamed_on_that_batch():
    # Batch 1 (x = y = 0) changes nothing; batch 2's loss (~1e200) is finite
    # but its update sends W to inf, which batch 3's loss shows. The weights
    # are checked then, not after every update, so the message must point
    # back to batch 2.
    x = np.array([[0.0], [0.0], [1e100], [1e100], [1.0], [1.0]])
    model = Sequential([Dense(1, input_dim=1)])
    model.compile(loss="mean_squared_error", optimizer=SGD(eta=1e120))
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(x, np.zeros((6, 1)), batch_size=2, shuffle=False)
    message = str(info.value)
    assert "epoch 1, batch 2 of 3" in message
    assert "weights 'W' of layer 'dense_" in message and "after this batch's update" in message
    assert "likely cause, an earlier one (batch 1) possible" in message  # honest about the check


def test_a_nan_weight_that_keeps_the_loss_finite_is_found_at_the_end_of_the_epoch():
    # An update (batch 1 of 2) sends W to -inf: the sigmoid output saturates
    # at 0, the clipped cross-entropy stays finite in batch 2, so only the
    # check after the epoch can find it, and it must not claim that batch 2
    # alone is to blame.
    class OverflowsOnce(SGD):
        def _update(self, p, g, state):
            super()._update(p, g, state)
            if p.ndim == 2 and not state:
                state["overflowed"] = True
                p[...] = -np.inf

    model = Sequential([Dense(1, activation="sigmoid", input_dim=1)])
    model.compile(loss="binary_crossentropy", optimizer=OverflowsOnce(eta=0.1))
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(np.ones((8, 1)), np.ones(8), batch_size=4, epochs=5, shuffle=False)
    message = str(info.value)
    assert "epoch 1, batch 2 of 2" in message and "weights 'W'" in message
    assert "Every loss of the epoch was finite" in message and "an earlier one (batch 1) possible" in message


def test_weights_already_nan_before_training_are_named_as_such():
    model = Sequential([Dense(1, input_dim=1)])
    model.compile(loss="mean_squared_error", optimizer="sgd")
    model.build((1,))
    model.layers[0].params["b"][...] = np.nan
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(np.ones((4, 1)), np.ones((4, 1)), batch_size=2)
    message = str(info.value)
    assert "epoch 1, batch 1 of 2" in message and "weights 'b'" in message and "before this batch" in message


def test_a_weight_hidden_by_saturation_before_training_is_named_before_the_first_batch():
    model = Sequential([Dense(1, activation="sigmoid", input_dim=1)])
    model.compile(loss="binary_crossentropy", optimizer=SGD(eta=0.1))
    model.build((1,))
    model.layers[0].params["W"][...] = -np.inf  # every loss would stay finite (clipped at log 1e-7)
    with pytest.raises(TrainingDivergedError) as info:
        model.fit(np.ones((8, 1)), np.ones(8), batch_size=4, epochs=5)
    message = str(info.value)
    assert "epoch 1, batch 1 of 2" in message and "weights 'W'" in message and "before this batch" in message


def test_a_custom_loss_whose_gradient_is_y_itself_does_not_change_the_callers_arrays():
    # fit's layers overwrite the loss gradient (ReLU backward in place); a
    # caller's gradient function may hand back one of its own arrays.
    from lecture_lib.nn.losses import Loss

    returns_y = Loss("returns_y", value=lambda y, y_hat: float(np.sum(y_hat)), gradient=lambda y, y_hat: y)
    model = Sequential([Dense(2, activation="relu", input_dim=1)])
    model.compile(loss=returns_y, optimizer=SGD(eta=1e-3))
    model.build((1,))
    model.layers[0].params["W"][...] = [[1.0, -1.0]]  # h = (1, -1): the second ReLU output is 0
    y = np.ones((4, 2))
    model.fit(np.ones((4, 1)), y, batch_size=4, shuffle=False)  # unshuffled batches are views of y
    np.testing.assert_array_equal(y, 1.0)


# --- bad input ----------------------------------------------------------------------------

def test_shape_mismatch_between_layers():
    with pytest.raises(ValueError) as info:
        Sequential([Dense(4, input_dim=3), Dense(2, input_dim=5)])
    message = str(info.value)
    assert "'dense_2'" in message and "input_dim=5" in message
    assert "previous layer 'dense_1'" in message and "(N, 4)" in message


def test_wrong_input_width_names_the_first_layer():
    model = xor_model()
    with pytest.raises(ValueError) as info:
        model.predict(np.ones((3, 5)))
    assert "'dense_1'" in str(info.value) and "(N, 2)" in str(info.value) and "(3, 5)" in str(info.value)


def test_integer_labels_for_categorical_suggest_to_one_hot():
    x, labels = load_digits("test")
    with pytest.raises(ValueError) as info:
        digits_model().fit(x, labels, epochs=1)
    assert "to_one_hot(y, 10)" in str(info.value) and "(N, 10)" in str(info.value)


def test_wrong_target_shape():
    x, y = load_digits("test", one_hot=True)
    with pytest.raises(ValueError, match=r"outputs shape \(N, 10\).*\(359, 9\)"):
        digits_model().fit(x, y[:, :9])
    with pytest.raises(ValueError, match="359 examples"):
        digits_model().fit(x, y[:100])
    with pytest.raises(ValueError, match="sum to 1"):
        digits_model().fit(x, y * 0.5)


def test_non_numeric_and_nan_inputs():
    with pytest.raises(TypeError, match="x must contain real numbers"):
        xor_model().fit(np.array([["a", "b"]]), [1])
    x = XOR_X.copy()
    x[1, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        xor_model().fit(x, XOR_Y)
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        xor_model().fit(XOR_X, [0, np.nan, 1, 0])


def test_unknown_names_in_compile():
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match="'mean_squared_error'"):
        model.compile(loss="mean_square_error")
    with pytest.raises(ValueError, match="'adam'"):
        model.compile(optimizer="adma")
    with pytest.raises(ValueError, match="'acc'"):
        model.compile(metrics=["acuracy"])


def test_fit_before_compile_and_dtype_clash():
    with pytest.raises(RuntimeError, match="compile"):
        Sequential([Dense(1, input_dim=2)]).fit(XOR_X, XOR_Y)
    with pytest.raises(ValueError, match="float32"):
        Sequential([Dense(1, dtype="float32")], dtype="float64")
    with pytest.raises(TypeError, match="Layer"):
        Sequential(["dense"])


def test_to_one_hot():
    np.testing.assert_array_equal(to_one_hot([2, 0]), [[0, 0, 1], [1, 0, 0]])
    assert to_one_hot([1], 4, dtype="float32").dtype == np.float32
    with pytest.raises(ValueError, match="n_classes=3"):
        to_one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="whole numbers"):
        to_one_hot([0.5])
