"""LayerNorm: the formula per example, gradients, batch independence, the frameworks' conventions, errors."""
import numpy as np
import pytest

from lecture_lib.nn import Activation, BatchNorm, Dense, LayerNorm, Sequential
from lecture_lib.nn.gradcheck import check_layer_gradients, check_model_gradients
from normalisation_tools import normalised_with_loops, with_random_gamma_beta


def _layer(d, seed=0, **kwargs):
    return with_random_gamma_beta(LayerNorm(**kwargs), d, seed)


def test_forward_is_the_formula_written_with_loops_over_each_row():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=(4, 5))
    layer = _layer(5)
    out = layer.forward(x)
    expected = normalised_with_loops(x, layer.params["gamma"], layer.params["beta"], over="units")
    for n in range(4):
        assert list(out[n]) == pytest.approx(expected[n], rel=1e-12)


def test_layer_norm_is_batch_norm_along_the_other_axis():
    """Normalising each row of x is normalising each column of x transposed; the backward passes agree too."""
    rng = np.random.default_rng(7)
    x, dout = rng.normal(1.0, 2.0, size=(5, 6)), rng.normal(size=(5, 6))
    ln, bn = LayerNorm(), BatchNorm()
    ln.build((6,))
    bn.build((5,))
    np.testing.assert_allclose(ln.forward(x), bn.forward(x.T).T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ln.backward(dout.copy()), bn.backward(dout.T.copy()).T, rtol=1e-10, atol=1e-12)


def test_each_example_is_normalised_alone_so_the_batch_and_the_mode_do_not_matter():
    x = np.random.default_rng(2).normal(size=(6, 8))
    layer = _layer(8)
    whole = layer.forward(x)
    np.testing.assert_allclose(layer.forward(x[2:3]), whole[2:3], rtol=1e-13)  # a batch of one works
    layer.eval()
    np.testing.assert_allclose(layer.forward(x), whole, rtol=1e-13)
    # batch norm, by contrast, changes an example's output with its batch: the test can tell them apart
    bn = BatchNorm()
    assert not np.allclose(bn.forward(x[:3])[0], bn.forward(x[[0, 4, 5]])[0])


def test_unit_statistics_after_the_layer_and_keras_epsilon():
    x = np.random.default_rng(3).normal(5.0, 2.0, size=(10, 16))
    out = LayerNorm().forward(x)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, atol=1e-5)
    keras_like = LayerNorm(eps=1e-3).forward(x)
    assert np.max(np.abs(keras_like - out)) > 1e-6  # kappa matters: 1e-3 (Keras) is not 1e-5 (PyTorch)


@pytest.mark.parametrize("n, d", [(1, 3), (4, 4), (5, 7)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_gradients(n, d, mode):
    x = np.random.default_rng(n * d).normal(size=(n, d))
    layer = _layer(d, seed=n)
    getattr(layer, mode)()
    errors = check_layer_gradients(layer, x, seed=n + 50)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-7, errors


def test_gradient_of_a_model_with_layer_norm_and_training():
    rng = np.random.default_rng(4)
    x, labels = rng.normal(size=(12, 5)), rng.integers(0, 3, 12)
    y = np.eye(3)[labels]
    model = Sequential([Dense(6), LayerNorm(), Activation("tanh"), Dense(3, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    errors = check_model_gradients(model, x, y)
    assert max(errors.values()) < 1e-7, errors
    before = model.evaluate(x, y)
    model.fit(x, y, batch_size=3, epochs=30, seed=0)
    assert model.evaluate(x, y) < before


def test_errors():
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(eps=0)
    with pytest.raises(ValueError, match="at least 2 units"):
        LayerNorm().forward(np.ones((3, 1)))
    with pytest.raises(ValueError, match="2-D"):
        LayerNorm().forward(np.ones((3, 2, 2)))
    assert repr(LayerNorm()) == "LayerNorm(eps=1e-05)"
