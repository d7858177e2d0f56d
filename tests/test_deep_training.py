"""topics.deep_training and viz.deep_training_plots: block backward, networks, variances, gradient norms, deletion."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.datasets.digits import load_digits  # noqa: E402
from lecture_lib.nn import Dense, Residual  # noqa: E402
from lecture_lib.topics.deep_training import (accuracy_without_block, deep_relu_mlp, gradient_norm_history,  # noqa: E402
                                              residual_block_backward, train_deep_relu_mlp, variance_per_block)
from lecture_lib.viz.deep_training_plots import draw_gradient_norm_map, draw_variance_per_block  # noqa: E402


def test_block_backward_matches_the_engine():
    rng = np.random.default_rng(0)
    branch = Dense(4, activation="relu", input_dim=4, rng=rng)
    branch.params["b"][:] = rng.normal(size=4)
    block = Residual([branch], branch_scale=1.0)
    h, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    block.forward(h)
    dh, dW, db = residual_block_backward(dout, h, branch.params["W"], branch.params["b"])
    np.testing.assert_allclose(block.backward(dout), dh, rtol=1e-12)
    np.testing.assert_allclose(block.grads["dense_1.W"], dW, rtol=1e-12)
    np.testing.assert_allclose(block.grads["dense_1.b"], db, rtol=1e-12)


def test_networks_and_the_variance_per_block():
    x = load_digits("train", flatten=True)[0][:64]
    assert [type(layer).__name__ for layer in deep_relu_mlp(3, "residual").layers] == [
        "Dense", "Residual", "Residual", "Dense"]
    unscaled = variance_per_block(deep_relu_mlp(12, "residual_unscaled"), x)
    scaled = variance_per_block(deep_relu_mlp(12, "residual"), x)
    assert unscaled.shape == (12,) and unscaled[-1] > 100 * unscaled[0]
    assert scaled[-1] < 3 * scaled[0]
    with pytest.raises(ValueError, match="kind"):
        deep_relu_mlp(3, "dense")


def test_gradient_norms_and_a_short_training_run():
    x, y = load_digits("train", one_hot=True, flatten=True)
    norms = gradient_norm_history(deep_relu_mlp(4, "residual"), x, y, steps=5)
    assert norms.shape == (5, 5) and np.all(np.isfinite(norms)) and np.all(norms > 0)
    exploding = gradient_norm_history(deep_relu_mlp(40, "residual_unscaled"), x, y, steps=3)
    assert exploding[0].min() > 1e6 and not np.isfinite(exploding[1:]).all()  # huge, then inf/NaN
    model, acc, curve = train_deep_relu_mlp(3, "residual", epochs=1)
    assert 0.3 < acc <= 1 and len(curve) == 1
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    assert 0 <= accuracy_without_block(model, 1, x_test, y_test) <= 1
    with pytest.raises(ValueError, match="hidden layer"):
        accuracy_without_block(model, 3, x_test, y_test)
    _, diverged, curve = train_deep_relu_mlp(40, "residual_unscaled", epochs=1)
    assert np.isnan(diverged) and curve == []


def test_drawings_check_their_input():
    fig, (a, b) = plt.subplots(1, 2)
    draw_gradient_norm_map(a, np.ones((4, 3)), title="t")
    assert a.get_title() == "t"
    with pytest.raises(ValueError, match="steps, n_layers"):
        draw_gradient_norm_map(a, np.ones(4))
    draw_variance_per_block(b, {"x": [1.0, 2.0]})
    assert len(b.lines) == 1
    with pytest.raises(ValueError, match="empty"):
        draw_variance_per_block(b, {})
    plt.close(fig)
