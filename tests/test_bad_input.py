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


# --- silent wrong numbers turned into errors (issue: cross-entropies of logits, sigmoid' of h, NaN gradients) ---

LOGITS = np.array([[3.2, -1.0, 0.5], [0.1, 2.0, -4.0]])
ONE_HOT = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@pytest.mark.parametrize("loss", [categorical_crossentropy, categorical_crossentropy_gradient])
def test_categorical_crossentropy_refuses_logits(loss):
    with pytest.raises(ValueError, match=r"These look like logits.*softmax.*from_logits=True"):
        loss(ONE_HOT, LOGITS)


@pytest.mark.parametrize("loss", [categorical_crossentropy, categorical_crossentropy_gradient])
def test_categorical_crossentropy_refuses_rows_that_do_not_sum_to_1(loss):
    in_range = np.array([[0.2, 0.1, 0.1], [0.3, 0.3, 0.3]])  # every value in [0, 1], no row sums to 1
    with pytest.raises(ValueError, match=r"2 row\(s\) do not, e.g. row 0 sums to 0.4.*look like logits"):
        loss(ONE_HOT, in_range)


@pytest.mark.parametrize("loss", [binary_crossentropy, binary_crossentropy_gradient])
@pytest.mark.parametrize("y_hat", [[2.5, -0.3], [0.5, 1.2], [-0.01, 0.5]])
def test_binary_crossentropy_refuses_values_outside_0_1(loss, y_hat):
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*look like logits.*sigmoid"):
        loss([1.0, 0.0], y_hat)


def test_cross_entropies_still_take_probabilities_edges_rounding_and_nan():
    # the edges 0 and 1, a numerical-gradient step past them, float32 softmax rows, and a diverged NaN output
    assert np.isfinite(binary_crossentropy([1.0, 0.0], [1.0, 0.0]))
    assert np.isfinite(binary_crossentropy([1.0, 0.0], [1.0 + 1e-6, -1e-6]))
    rows = softmax(LOGITS.astype(np.float32))
    assert np.isfinite(categorical_crossentropy(ONE_HOT, rows))
    assert np.isfinite(categorical_crossentropy(ONE_HOT, rows + np.array([1e-6, 0, 0], dtype=np.float32)))
    assert np.isnan(binary_crossentropy([1.0, 0.0], [np.nan, 0.5]))
    assert np.isnan(categorical_crossentropy(ONE_HOT, np.array([[np.nan] * 3, [0.2, 0.5, 0.3]])))


def test_evaluate_of_a_model_whose_output_is_not_softmax_says_so():
    model = Sequential([Dense(3)], seed=0).compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match="look like logits"):
        model.evaluate(RNG.normal(size=(4, 2)) * 10, np.eye(3)[[0, 1, 2, 0]])


def test_sigmoid_derivative_refuses_weighted_sums():
    from lecture_lib.nn.activations import sigmoid, sigmoid_derivative
    h = np.array([-2.0, 0.0, 2.0])
    with pytest.raises(ValueError, match=r"takes the sigmoid's output g = sigma\(h\), in \[0, 1\], got values from -2"):
        sigmoid_derivative(h)
    g = sigmoid(h)
    np.testing.assert_array_equal(sigmoid_derivative(g), g * (1 - g))  # outputs still work
    np.testing.assert_array_equal(sigmoid_derivative([0.0, 1.0]), [0.0, 0.0])  # the edges too
    assert np.isnan(sigmoid_derivative(np.array([np.nan, 0.5]))[0])  # NaN passes through


def test_relative_error_of_a_non_finite_gradient_is_inf_so_every_check_fails():
    from lecture_lib.nn.gradcheck import TARGET, relative_error
    good = np.array([1.0, 2.0, 3.0])
    for bad in (np.array([1.0, np.nan, 3.0]), np.array([np.inf, 2.0, 3.0])):
        assert relative_error(bad, good) == np.inf
        assert relative_error(good, bad) == np.inf
        assert not max([relative_error(good, good), relative_error(bad, good)]) < TARGET  # NaN would pass here
    assert relative_error(good, good) == 0.0


def test_check_layer_gradients_fails_a_layer_whose_gradient_holds_a_nan():
    from lecture_lib.nn.gradcheck import TARGET, check_layer_gradients

    class NanInDW(Dense):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["W"][0, 0] = np.nan
            return dx

    errors = check_layer_gradients(NanInDW(2, dtype="float64", rng=0), RNG.normal(size=(3, 2)))
    assert errors["W"] == np.inf and not max(errors.values()) < TARGET
    correct = check_layer_gradients(Dense(2, dtype="float64", rng=0), RNG.normal(size=(3, 2)))
    assert max(correct.values()) < TARGET


# --- unclear errors made clear ---

@pytest.mark.parametrize("params, grads, match", [
    ({"W": np.zeros(2)}, {"W": "ab"}, r"grads\[0\]\['W'\] must be an array of numbers \(dE/dparam, shape \(2,\)\), got str"),
    ({"W": np.zeros(2)}, {"W": ["a", "b"]}, r"grads\[0\]\['W'\] must be an array of numbers"),
    ("W", "grad", r"params and grads must be dicts of arrays.*got str and str"),
])
def test_optimizer_step_given_strings(params, grads, match):
    from lecture_lib.nn.optimizers import SGD, Adam
    for optimizer in (SGD(eta=0.1), Adam()):
        with pytest.raises(TypeError, match=match):
            optimizer.step(params, grads)


def test_numerical_gradient_needs_a_function_returning_one_number():
    from lecture_lib.nn.gradcheck import numerical_gradient
    with pytest.raises(TypeError, match=r"f must be a function f\(x\) -> float.*got int 3"):
        numerical_gradient(3, np.zeros(2))
    with pytest.raises(ValueError, match=r"returned an array of shape \(2,\).*np.sum"):
        numerical_gradient(lambda x: 2 * x, np.zeros(2))
    with pytest.raises(TypeError, match=r"f must return one real number"):
        numerical_gradient(lambda x: "loss", np.zeros(2))
    np.testing.assert_allclose(numerical_gradient(lambda x: np.sum(x ** 2), np.array([1.0, -2.0])), [2.0, -4.0])
    np.testing.assert_allclose(numerical_gradient(lambda x: np.array([[x[0] * 3]]).sum(), np.array([1.0])), [3.0])


def test_check_layer_gradients_needs_a_layer_and_numbers():
    from lecture_lib.nn.gradcheck import check_layer_gradients
    with pytest.raises(TypeError, match=r"layer must be a layer object with forward, backward.*numerical_gradient"):
        check_layer_gradients(lambda x: 2 * x, np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"x must contain real numbers"):
        check_layer_gradients(Dense(2, dtype="float64"), [["a", "b"]])
    with pytest.raises(TypeError, match=r"x must be numeric"):
        check_layer_gradients(Dense(2, dtype="float64"), "ab")


@pytest.mark.parametrize("hidden_units", [5, "5"])
def test_measure_gradient_costs_needs_a_sequence_of_sizes(hidden_units):
    from lecture_lib.topics.backprop import measure_gradient_costs
    with pytest.raises(TypeError, match=r"hidden_units must be a sequence of hidden-layer sizes such as \(1, 3, 10\)"):
        measure_gradient_costs(hidden_units=hidden_units)
