"""BatchNorm: formulas, both modes' gradients, running statistics of each convention, placement, errors."""
import numpy as np
import pytest

from lecture_lib.nn import Activation, BatchNorm, Dense, Sequential
from lecture_lib.nn.gradcheck import check_layer_gradients, check_model_gradients
from normalisation_tools import normalised_with_loops, with_random_gamma_beta


def _layer_with_random_gamma_beta(d, seed=0, **kwargs):
    return with_random_gamma_beta(BatchNorm(**kwargs), d, seed)


def test_training_forward_is_the_formula_written_with_loops():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=(6, 3))
    layer = _layer_with_random_gamma_beta(3)
    out = layer.forward(x)
    expected = normalised_with_loops(x, layer.params["gamma"], layer.params["beta"], over="batch")
    for n in range(6):
        assert list(out[n]) == pytest.approx(expected[n], rel=1e-12)


def test_identity_recovery():
    x = np.random.default_rng(2).normal(1.0, 2.0, size=(8, 4))
    layer = BatchNorm(eps=1e-5)
    layer.build((4,))
    layer.params["gamma"][:] = np.sqrt(x.var(axis=0) + 1e-5)
    layer.params["beta"][:] = x.mean(axis=0)
    np.testing.assert_allclose(layer.forward(x), x, rtol=1e-12)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("n", [2, 3, 7])
def test_gradients_in_both_modes(mode, n):
    x = np.random.default_rng(n).normal(size=(n, 4))
    layer = _layer_with_random_gamma_beta(4, seed=n)
    layer.running_mean[:] = [0.1, -0.2, 0.3, 0.0]
    layer.running_var[:] = [0.5, 1.5, 2.0, 1.0]
    getattr(layer, mode)()
    errors = check_layer_gradients(layer, x, seed=n + 100)  # (seed n would make R equal x: dx = 0 exactly)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-7, errors


def _running_reference(batches, convention, momentum, unbiased):
    """Running statistics written independently, batch by batch."""
    mean, var = np.zeros(batches[0].shape[1]), np.ones(batches[0].shape[1])
    for k, b in enumerate(batches):
        n = b.shape[0]
        batch_mean = b.sum(axis=0) / n
        batch_var = ((b - batch_mean) ** 2).sum(axis=0) / ((n - 1) if unbiased else n)
        if convention == "pytorch":
            new_weight = momentum
        elif convention == "keras":
            new_weight = 1 - momentum
        else:
            new_weight = 1 / (k + 1)
        mean = mean + new_weight * (batch_mean - mean)
        var = var + new_weight * (batch_var - var)
    return mean, var


@pytest.mark.parametrize("convention, momentum, unbiased", [
    ("pytorch", 0.1, True), ("pytorch", 0.3, True), ("keras", 0.99, False), ("keras", 0.9, False),
    ("average", None, True), ("keras", 0.9, True), ("pytorch", 0.1, False),
])
def test_running_statistics_against_an_independent_computation(convention, momentum, unbiased):
    rng = np.random.default_rng(3)
    batches = [rng.normal(3.0, 2.0, size=(n, 3)) for n in (4, 5, 4, 6, 2)]
    kwargs = {} if momentum is None else {"momentum": momentum}
    layer = BatchNorm(convention=convention, unbiased_running_var=unbiased, **kwargs)
    for b in batches:
        layer.forward(b)
    mean, var = _running_reference(batches, convention, momentum or 0, unbiased)
    np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, var, rtol=1e-12)
    assert layer.n_batches_seen == 5


def test_default_momenta_and_stored_variance_follow_the_convention():
    assert BatchNorm().momentum == 0.1 and BatchNorm().unbiased_running_var
    keras = BatchNorm(convention="keras")
    assert keras.momentum == 0.99 and not keras.unbiased_running_var
    x = np.random.default_rng(4).normal(size=(5, 2))
    torch_like = BatchNorm(momentum=0.5)
    torch_like.forward(x)
    np.testing.assert_allclose(torch_like.running_var, 0.5 + 0.5 * x.var(axis=0, ddof=1))


def test_eval_uses_running_statistics_and_is_per_example():
    rng = np.random.default_rng(5)
    layer = _layer_with_random_gamma_beta(3, momentum=0.5)
    for _ in range(5):
        layer.forward(rng.normal(1.0, 2.0, size=(10, 3)))
    layer.eval()
    x = rng.normal(size=(6, 3))
    expected = layer.params["gamma"] * (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5) + layer.params["beta"]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)
    np.testing.assert_allclose(layer.forward(x[:1]), expected[:1], rtol=1e-12)  # a single example works in eval
    before = layer.running_mean.copy()
    layer.forward(x)
    np.testing.assert_array_equal(layer.running_mean, before)  # inference does not update them


def test_a_training_batch_of_one_is_a_clear_error():
    with pytest.raises(ValueError, match="training batch of 1 example.*at least 2"):
        BatchNorm().forward(np.ones((1, 3)))


def test_fit_with_a_last_batch_of_one_names_the_remedy():
    model = Sequential([Dense(4, input_dim=2), BatchNorm(), Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    x, y = np.random.default_rng(0).normal(size=(5, 2)), np.array([0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=2)


@pytest.mark.parametrize("bad, match", [
    ({"momentum": 0.0}, "strictly between 0 and 1"), ({"momentum": 1.0}, "strictly between"),
    ({"convention": "tensorflow"}, "'pytorch', 'keras', 'average'"), ({"eps": 0}, "eps"),
    ({"convention": "average", "momentum": 0.1}, "no momentum"), ({"unbiased_running_var": "yes"}, "True or False"),
])
def test_bad_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        BatchNorm(**bad)


@pytest.mark.parametrize("placement", ["before", "after"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_model_gradients_before_and_after_the_activation(placement, mode):
    if placement == "before":
        layers = [Dense(5, input_dim=3), BatchNorm(), Activation("tanh"), Dense(2, activation="softmax")]
    else:
        layers = [Dense(5, activation="tanh", input_dim=3), BatchNorm(), Dense(2, activation="softmax")]
    model = Sequential(layers, seed=1)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, 6)]
    model.fit(x, y, batch_size=3, epochs=2)  # non-trivial running statistics and weights
    if mode == "eval":
        # check_model_gradients puts the model in training mode; the eval-mode pass is checked by layer
        bn = model.layers[1]
        bn.eval()
        errors = check_layer_gradients(bn, rng.normal(size=(4, 5)))
    else:
        errors = check_model_gradients(model, x, y)
        if placement == "before":  # the batch mean removes the Dense bias: its gradient is exactly 0
            assert np.abs(model.layers[0].grads["b"]).max() < 1e-12
            errors.pop("dense_1.b")  # only rounding noise left in both, so their ratio means nothing
    assert max(errors.values()) < 1e-7, errors


def test_training_in_float32_keeps_the_dtype():
    model = Sequential([Dense(4, input_dim=2), BatchNorm(), Dense(1)], dtype="float32", seed=0)
    model.compile(loss="mean_squared_error", optimizer="sgd")
    x = np.random.default_rng(0).normal(size=(8, 2))
    model.fit(x, x[:, :1], batch_size=4, epochs=2)
    bn = model.layers[1]
    assert bn.running_mean.dtype == bn.running_var.dtype == bn.params["gamma"].dtype == np.float32
    assert model.predict(x).dtype == np.float32
