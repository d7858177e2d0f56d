"""Dropout: drop probability, both forms, modes, masks, gradients, model-wide train/eval."""
import numpy as np
import pytest

from lecture_lib.nn import Dense, Dropout, Sequential
from lecture_lib.nn.gradcheck import check_layer_gradients, numerical_gradient, relative_error


def _gradcheck_with_fixed_mask(layer, x, mask_seed=3):
    """dE/dx of L = sum(forward(x) * R) against central differences, the same mask on every forward pass."""
    r = np.random.default_rng(0).standard_normal(x.shape)

    def loss(_):
        layer.rng = np.random.default_rng(mask_seed)
        return np.sum(layer.forward(x) * r)

    loss(None)
    dx = layer.backward(r)
    return relative_error(dx, numerical_gradient(loss, x))


@pytest.mark.parametrize("variant", ["inverted", "classic"])
@pytest.mark.parametrize("p_drop", [0.0, 0.3, 0.5, 1.0])
def test_gradients_in_both_modes(variant, p_drop):
    x = np.random.default_rng(1).normal(size=(4, 6))
    assert _gradcheck_with_fixed_mask(Dropout(p_drop, variant=variant).train(), x) < 1e-7
    assert check_layer_gradients(Dropout(p_drop, rng=0, variant=variant).eval(), x)["x"] < 1e-7


def test_p_drop_is_the_drop_probability():
    x = np.ones((2000, 50))
    g = Dropout(0.2, rng=0).forward(x)
    dropped = np.mean(g == 0)
    assert abs(dropped - 0.2) < 0.01  # 100 000 draws: standard error 0.0013
    np.testing.assert_allclose(np.unique(g), [0.0, 1 / 0.8])


@pytest.mark.parametrize("variant", ["inverted", "classic"])
def test_expected_activation_is_equal_in_training_and_inference(variant):
    x = np.random.default_rng(2).uniform(0.5, 2.0, size=(1, 8))
    layer = Dropout(0.4, rng=5, variant=variant)
    mean_train = np.mean([layer.forward(x) for _ in range(20000)], axis=0)
    inference = layer.eval().forward(x)
    expected = x if variant == "inverted" else 0.6 * x
    np.testing.assert_allclose(inference, expected, rtol=1e-15)
    np.testing.assert_allclose(mean_train, expected, rtol=0.03)  # 20 000 masks: ~1 % standard error


def test_eval_is_identity_or_keep_ratio_and_backward_uses_the_forward_mask():
    x = np.random.default_rng(3).normal(size=(5, 7))
    np.testing.assert_array_equal(Dropout(0.5).eval().forward(x), x)
    np.testing.assert_allclose(Dropout(0.25, variant="classic").eval().forward(x), 0.75 * x)
    layer = Dropout(0.5, rng=1)
    g = layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx == 0, g == 0)
    np.testing.assert_array_equal(dx, layer.mask)


def test_extremes():
    x = np.random.default_rng(4).normal(size=(3, 4)) + 5
    np.testing.assert_array_equal(Dropout(0.0, rng=0).forward(x), x)
    layer = Dropout(1.0, rng=0)
    np.testing.assert_array_equal(layer.forward(x), 0)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), 0)
    assert np.all(np.isfinite(layer.mask))


def test_own_generator_reproducible_and_new_masks_each_call():
    x = np.ones((4, 10))
    a, b = Dropout(0.5, rng=7), Dropout(0.5, rng=7)
    first = a.forward(x)
    np.testing.assert_array_equal(first, b.forward(x))
    assert not np.array_equal(first, a.forward(x))


@pytest.mark.parametrize("bad, match", [(1.5, r"\[0, 1\]"), (-0.1, r"\[0, 1\]"), ("half", "p_drop")])
def test_bad_p_drop(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Dropout(bad)


def test_bad_variant_and_rng():
    with pytest.raises(ValueError, match="'inverted', 'classic'"):
        Dropout(0.5, variant="keep")
    with pytest.raises(ValueError, match="rng"):
        Dropout(0.5, rng=-1)


def test_backward_in_training_needs_a_training_forward():
    layer = Dropout(0.5, rng=0)
    layer.eval().forward(np.ones((2, 3)))
    layer.train()
    with pytest.raises(RuntimeError, match="training forward"):
        layer.backward(np.ones((2, 3)))


def _model(dropout_seed, p_drop=0.5):
    model = Sequential([Dense(16, activation="relu", input_dim=5), Dropout(p_drop, rng=dropout_seed),
                        Dense(3, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["acc"])
    return model


def test_model_eval_is_deterministic_and_training_varies_with_the_generator():
    x = np.random.default_rng(5).normal(size=(8, 5))
    a, b = _model(1), _model(2)
    np.testing.assert_array_equal(a.predict(x), a.predict(x))
    np.testing.assert_array_equal(a.predict(x), b.predict(x))  # same weights, dropout off
    train_a = a.train().forward(x)
    assert not np.array_equal(train_a, a.forward(x))  # a new mask each pass
    assert not np.array_equal(_model(1).train().forward(x), _model(2).train().forward(x))
    np.testing.assert_array_equal(_model(1).train().forward(x), _model(1).train().forward(x))


def test_fit_trains_in_training_mode_and_leaves_eval_mode():
    rng = np.random.default_rng(6)
    x, labels = rng.normal(size=(40, 5)), rng.integers(0, 3, 40)
    y = np.eye(3)[labels]
    model = _model(3, p_drop=1.0)  # p = 1 during training: the first layer gets no error at all
    w_before = model.layers[0].params["W"].copy()
    model.fit(x, y, batch_size=10, epochs=2)
    np.testing.assert_array_equal(model.layers[0].params["W"], w_before)
    assert not model.layers[1].training
    model = _model(3, p_drop=0.5)
    model.fit(x, y, batch_size=10, epochs=2)
    assert not np.array_equal(model.layers[0].params["W"], w_before)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))


def test_in_a_model_the_generator_comes_from_the_model_seed_and_keeps_the_weights():
    plain = Sequential([Dense(4, input_dim=3), Dense(2)], seed=11)
    with_dropout = Sequential([Dense(4, input_dim=3), Dropout(0.5), Dense(2)], seed=11)
    np.testing.assert_array_equal(plain.layers[1].params["W"], with_dropout.layers[2].params["W"])
    x = np.ones((3, 3))
    again = Sequential([Dense(4, input_dim=3), Dropout(0.5), Dense(2)], seed=11)
    np.testing.assert_array_equal(with_dropout.train().forward(x), again.train().forward(x))


def test_model_gradients_with_a_fixed_mask():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(6, 5)), np.eye(3)[rng.integers(0, 3, 6)]
    model = _model(0, p_drop=0.4)
    model.train()
    dropout = model.layers[1]

    def loss(_):
        dropout.rng = np.random.default_rng(9)
        return model.loss.value(y, model.forward(x))

    model.backward(y, _forward_fixed(model, dropout, x))
    for layer in (model.layers[0], model.layers[2]):
        for key, p in layer.params.items():
            analytic = layer.grads[key].copy()
            assert relative_error(analytic, numerical_gradient(loss, p)) < 1e-7


def _forward_fixed(model, dropout, x):
    dropout.rng = np.random.default_rng(9)
    return model.forward(x)


def test_float32_and_repr():
    layer = Dropout(0.3, rng=0, dtype="float32")
    assert layer.forward(np.ones((2, 3), dtype=np.float32)).dtype == np.float32
    assert repr(layer) == "Dropout(p_drop=0.3)"
    assert repr(Dropout(0.5, variant="classic")) == "Dropout(p_drop=0.5, variant='classic')"
