"""Bad input to the engine's public API: a clear error in the package's words, raised before any work.

Each case is one a reviewer found giving NumPy's or Python's wording, a
silent wrong number, or an error only after an epoch had trained.
"""
import numpy as np
import pytest

from lecture_lib.datasets import linearly_separable_blobs
from lecture_lib.nn import Activation, Dense, Flatten, Sequential
from lecture_lib.nn.activations import softmax
from lecture_lib.nn.losses import (binary_crossentropy, binary_crossentropy_gradient, categorical_crossentropy,
                                   categorical_crossentropy_gradient)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 2))


def binary_model():
    model = Sequential([Dense(3, activation="tanh"), Dense(1, activation="sigmoid")], seed=1)
    return model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["acc"])


def weights(model):
    return [p.copy() for layer in model.layers for p in layer.params.values()]


@pytest.mark.parametrize("labels", [[0, 2] * 4, [-1, 1] * 4])
def test_fit_refuses_binary_labels_outside_0_1_before_training(labels):
    model = binary_model()
    model.build((2,))
    before = weights(model)
    with pytest.raises(ValueError, match=r"binary_crossentropy: targets y must lie in \[0, 1\]"):
        model.fit(X, np.array(labels, dtype=float))
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(model)))  # nothing trained


def test_bad_validation_labels_are_found_before_the_first_epoch():
    model = binary_model()
    model.build((2,))
    before = weights(model)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        model.fit(X, np.ones(8), epochs=3, validation_data=(X, np.full(8, 2.0)))
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(model)))


def test_evaluate_and_fit_agree_on_binary_labels():
    model = binary_model()
    y_bad = np.array([0, 2] * 4, dtype=float)
    for call in (lambda: model.fit(X, y_bad), lambda: model.evaluate(X, y_bad)):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            call()


@pytest.mark.parametrize("loss", [binary_crossentropy, binary_crossentropy_gradient])
@pytest.mark.parametrize("epsilon", [0.7, 0.5, -1, float("nan")])
def test_binary_crossentropy_epsilon_range(loss, epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        loss([1.0, 0.0], [0.6, 0.4], epsilon=epsilon)


@pytest.mark.parametrize("loss", [categorical_crossentropy, categorical_crossentropy_gradient])
@pytest.mark.parametrize("epsilon", [0.7, -1e-9, "a"])
def test_categorical_crossentropy_epsilon_range(loss, epsilon):
    with pytest.raises((ValueError, TypeError), match="epsilon"):
        loss([[1.0, 0.0]], [[0.6, 0.4]], epsilon=epsilon)


def test_valid_epsilons_still_work():
    assert binary_crossentropy([1.0], [0.6], epsilon=0.0) == pytest.approx(-np.log(0.6))
    assert np.isfinite(categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]], epsilon=1e-7))


@pytest.mark.parametrize("seed", ["a", -1, 1.5, True])
def test_bad_seeds_are_named(seed):
    with pytest.raises(ValueError, match=r"seed must be None, an integer >= 0 or a numpy.random.Generator"):
        Sequential(seed=seed)
    with pytest.raises(ValueError, match=r"seed must be None"):
        binary_model().fit(X, np.ones(8), seed=seed)
    with pytest.raises(ValueError, match=r"seed must be None"):
        linearly_separable_blobs(seed=seed)


@pytest.mark.parametrize("rng", [-1, "a", 2.0])
def test_bad_layer_generators_are_named(rng):
    with pytest.raises(ValueError, match=r"rng must be None, an integer >= 0 or a numpy.random.Generator"):
        Dense(2, rng=rng)


def test_good_seeds_are_accepted():
    a = Sequential([Dense(2, input_dim=3)], seed=np.int64(3))
    b = Sequential([Dense(2, input_dim=3)], seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a.layers[0].params["W"], b.layers[0].params["W"])


@pytest.mark.parametrize("shape, match", [
    ((-3,), r"positive integer, got -3"),
    ((0,), r"positive integer, got 0"),
    ("ab", r"tuple of positive integers such as \(784,\)"),
    (3, r"tuple of positive integers"),
    ((2.5,), r"positive integer, got 2.5"),
    ((), r"non-empty tuple"),
])
def test_bad_build_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        Sequential([Dense(2)]).build(shape)
    with pytest.raises(ValueError, match=match):
        Dense(2).build(shape)


def test_flatten_and_activation_build_checks_and_scalars():
    with pytest.raises(ValueError, match="tuple of positive integers"):
        Flatten().build("ab")
    assert Activation("relu").forward(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]  # each example a scalar


@pytest.mark.parametrize("h", [np.array([]), np.zeros((3, 0)), np.float64(2.0)])
def test_softmax_needs_a_class_axis(h):
    with pytest.raises(ValueError, match="softmax needs at least one class along the last axis"):
        softmax(h)


@pytest.mark.parametrize("name, value", [("shuffle", "no"), ("shuffle", 1), ("verbose", 5), ("verbose", "yes")])
def test_fit_flags_are_not_silently_truthy(name, value):
    with pytest.raises(ValueError, match=f"{name} must be True"):
        binary_model().fit(X, np.ones(8), **{name: value})


def test_keras_verbose_levels_are_accepted(capsys):
    binary_model().fit(X, np.ones(8), verbose=0)
    assert capsys.readouterr().out == ""
    binary_model().fit(X, np.ones(8), verbose=2)
    assert "Epoch 1/1" in capsys.readouterr().out


def test_layers_and_metrics_containers():
    with pytest.raises(TypeError, match="Sequential takes a list of layers"):
        Sequential(Dense(2))
    with pytest.raises(TypeError, match="metrics must be a list of names"):
        Sequential([Dense(1)]).compile(metrics=3)


def test_model_backward_before_forward():
    model = binary_model()
    with pytest.raises(RuntimeError, match=r"Call model.forward\(x\) on a batch before model.backward"):
        model.backward(np.ones(8), np.ones((8, 1)))
    model.forward(X[:4])
    with pytest.raises(RuntimeError, match="last ran forward on 4 examples"):
        model.backward(np.ones(8), np.ones((8, 1)))
