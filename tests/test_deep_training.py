"""topics.deep_training and viz.deep_training_plots: block backward, networks, variances, gradient norms, deletion."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from lecture_lib.datasets.digits import load_digits  # noqa: E402
from lecture_lib.nn import Dense, Residual  # noqa: E402
from lecture_lib.topics.deep_training import (KINDS, accuracy_without_block, deep_relu_mlp, gradient_norm_history,  # noqa: E402
                                              hidden_cosine_across_digits, residual_block_backward,
                                              train_deep_relu_mlp, variance_per_block, weight_layers,
                                              block_variances, staged_relu_mlp, train_relu_mlp)
from lecture_lib.viz.deep_training_plots import (VARIANT_COLOURS, draw_gradient_norm_map,  # noqa: E402
                                                 draw_training_loss_over_seeds, draw_variance_over_seeds,
                                                 draw_variance_per_block, variant_colour)


def test_block_backward_matches_the_engine():
    rng = np.random.default_rng(0)
    first, second = Dense(6, activation="relu", input_dim=4, rng=rng), Dense(4, input_dim=6, rng=rng)
    first.params["b"][:] = rng.normal(size=6)
    second.params["b"][:] = rng.normal(size=4)
    block = Residual([first, second], branch_scale=1.0)
    h, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    block.forward(h)
    dh, dW1, db1, dW2, db2 = residual_block_backward(dout, h, first.params["W"], first.params["b"],
                                                     second.params["W"], second.params["b"])
    np.testing.assert_allclose(block.backward(dout), dh, rtol=1e-12)
    for key, value in (("dense_1.W", dW1), ("dense_1.b", db1), ("dense_2.W", dW2), ("dense_2.b", db2)):
        np.testing.assert_allclose(block.grads[key], value, rtol=1e-12)


def test_networks_and_the_variance_per_block():
    x = load_digits("train", flatten=True)[0][:64]
    model = deep_relu_mlp(3, "residual")
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Residual", "Residual", "Dense"]
    assert weight_layers(model) == 5 and weight_layers(deep_relu_mlp(3, "plain")) == 3
    zero = deep_relu_mlp(3, "residual_zero")
    assert not np.any(zero.layers[1].layers[1].params["W"]) and np.any(zero.layers[1].layers[0].params["W"])
    np.testing.assert_allclose(variance_per_block(zero, x)[1:], variance_per_block(zero, x)[0])  # identity blocks
    with pytest.raises(ValueError, match="plain network has no branches"):
        deep_relu_mlp(3, "plain", branch_scale=0.5)
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
    model, acc, history = train_deep_relu_mlp(3, "residual", epochs=2)
    assert 0.3 < acc <= 1 and len(history["loss"]) == len(history["acc"]) == 2 and history["diverged_at"] is None
    assert history["loss"][1] < history["loss"][0] < np.log(10)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    assert 0 <= accuracy_without_block(model, 1, x_test, y_test) <= 1
    with pytest.raises(ValueError, match="hidden layer"):
        accuracy_without_block(model, 3, x_test, y_test)
    _, diverged, history = train_deep_relu_mlp(40, "residual_unscaled", epochs=1)
    assert np.isnan(diverged) and history["loss"] == history["acc"] == []
    epoch, batch = history["diverged_at"]  # where fit found the NaN/inf: not the first batch, whose loss is finite
    assert epoch == 1 and 1 < batch <= 5
    zero_model, zero_acc, _ = train_deep_relu_mlp(3, "residual_zero", epochs=1)
    assert zero_acc > 0.3 and np.any(zero_model.layers[1].layers[1].params["W"])  # a zero start learns


def test_hidden_cosine_across_digits_tells_collapse_from_spread():
    labels = np.repeat(np.arange(10), 3)
    collapsed = deep_relu_mlp(1, "plain")
    collapsed.layers[0].params["W"][:] = 0
    collapsed.layers[0].params["b"][:] = np.linspace(0.5, 1.0, 64)  # the same vector for every input
    x = np.random.default_rng(0).normal(size=(30, 64))
    assert hidden_cosine_across_digits(collapsed, x, labels) == pytest.approx(1.0)
    spread = deep_relu_mlp(1, "plain")
    spread.layers[0].params["W"][:] = 0
    spread.layers[0].params["b"][:] = 0
    spread.layers[0].params["W"][np.arange(10), np.arange(10)] = 1.0  # digit d lights unit d only
    x = np.zeros((30, 64))
    x[np.arange(30), labels] = 1.0
    assert hidden_cosine_across_digits(spread, x, np.eye(10)[labels]) == pytest.approx(0.0)
    spread.layers[0].params["W"][:] = 0
    with pytest.raises(ValueError, match="non-zero last hidden vector"):
        hidden_cosine_across_digits(spread, x, labels)


def test_drawings_check_their_input():
    fig, (a, b) = plt.subplots(1, 2)
    draw_gradient_norm_map(a, np.ones((4, 3)), title="t")
    assert a.get_title() == "t"
    with pytest.raises(ValueError, match="steps, n_layers"):
        draw_gradient_norm_map(a, np.ones(4))
    draw_variance_per_block(b, {"plain": [1.0, 2.0]})
    assert len(b.lines) == 1
    fig2, c = plt.subplots()
    draw_training_loss_over_seeds(c, {("plain", "net"): [[2.0, 1.0], [2.2, 1.4]]}, chance=2.3)
    assert len(c.lines) == 2 and len(c.collections) == 1 and "3 seeds" not in c.get_legend().texts[0].get_text()
    assert c.get_legend().texts[0].get_text().startswith("net")
    with pytest.raises(ValueError, match="n_seeds, epochs"):
        draw_training_loss_over_seeds(c, {"plain": [1.0, 2.0]})
    with pytest.raises(ValueError, match="empty"):
        draw_training_loss_over_seeds(c, {})
    with pytest.raises(ValueError, match="Unknown kind 'net'"):  # a curve must say which network it is
        draw_training_loss_over_seeds(c, {"net": [[2.0, 1.0]]})
    with pytest.raises(ValueError, match="kind or \\(kind, label"):
        draw_training_loss_over_seeds(c, {("plain",): [[2.0, 1.0]]})
    plt.close(fig2)
    fig4, c = plt.subplots()
    draw_training_loss_over_seeds(c, {"plain": [[2.0, 1.0]]}, legend_outside=True)
    fig4.canvas.draw()
    assert c.get_legend().get_window_extent().x0 > c.get_window_extent().x1  # right of the axes
    plt.close(fig4)
    with pytest.raises(ValueError, match="empty"):
        draw_variance_per_block(b, {})
    plt.close(fig)
    fig3, (d, e) = plt.subplots(1, 2)
    draw_variance_over_seeds(d, {("residual", "a"): [[1.0, 2.0, 4.0], [1.0, 3.0, 9.0]], ("plain", "b"): [[1.0, 1.5, 2.0]] * 3},
                             title="t")
    assert d.get_yscale() == "log" and len(d.lines) == 2 and len(d.collections) == 2
    assert "mean of 2 seeds" in d.get_legend().texts[0].get_text() and "min to max" in d.get_ylabel()
    draw_variance_over_seeds(e, {"residual_batchnorm": [[1.0, 1.5, 2.0]]}, log=False)
    assert e.get_yscale() == "linear"
    with pytest.raises(ValueError, match="n_seeds, n_blocks"):
        draw_variance_over_seeds(e, {"plain": [1.0, 2.0]})
    plt.close(fig3)


def test_every_figure_gives_a_variant_its_one_colour():
    """Sections 5 and 8 of chapter 10 list the plain network at different places: its colour must not follow."""
    assert len(set(VARIANT_COLOURS.values())) == len(KINDS) and set(VARIANT_COLOURS) == set(KINDS)
    losses = [[2.3, 2.2], [2.3, 2.1]]
    fig, (five, eight, variance) = plt.subplots(1, 3)
    draw_training_loss_over_seeds(five, {("plain", "10 stages, plain", "--"): losses, ("plain", "40 stages, plain"): losses,
                                         ("residual", "10 stages, residual", "--"): losses,
                                         ("residual", "40 stages, residual"): losses,
                                         ("residual_zero", "40 stages, W2 = 0"): losses})
    draw_training_loss_over_seeds(eight, {("residual", "30 stages, residual"): losses, ("plain", "30 stages, plain"): losses})
    draw_variance_over_seeds(variance, {("residual_unscaled", "signal"): losses, ("residual_batchnorm", "signal"): losses,
                                        ("residual_batchnorm", "branch"): losses})
    colour = {line.get_label().split(" (mean")[0]: to_hex(line.get_color()) for ax in (five, eight) for line in ax.lines}
    assert colour["10 stages, plain"] == colour["40 stages, plain"] == colour["30 stages, plain"] \
        == to_hex(variant_colour("plain"))
    assert colour["40 stages, residual"] == colour["30 stages, residual"] == to_hex(variant_colour("residual"))
    assert [line.get_linestyle() for line in five.lines[:2]] == ["--", "-"]  # depth told by the line style given
    # one network's two quantities: its colour, two line styles
    assert [to_hex(line.get_color()) for line in variance.lines[1:]] == [to_hex(variant_colour("residual_batchnorm"))] * 2
    assert variance.lines[1].get_linestyle() != variance.lines[2].get_linestyle()
    with pytest.raises(ValueError, match="Unknown kind"):
        variant_colour("resnet")
    plt.close(fig)


def test_block_variances_with_and_without_batchnorm_in_the_branch():
    x = load_digits("train", flatten=True)[0][:128]
    plain = block_variances(deep_relu_mlp(12, "residual_unscaled", seed=0), x)
    normed_model = deep_relu_mlp(12, "residual_batchnorm", seed=0)
    running = normed_model.layers[1].layers[1].running_mean.copy()
    normed = block_variances(normed_model, x)
    np.testing.assert_array_equal(normed_model.layers[1].layers[1].running_mean, running)  # a copy was used
    for found in (plain, normed):
        assert all(v.shape == (11,) for v in found.values())
        np.testing.assert_allclose(found["skip"][1:], found["out"][:-1])  # a block's input is the last one's output
    # without batch norm the branch's variance follows the signal's (x ~2 per block); with it, it stays put
    assert np.all(plain["branch"][5:] / plain["skip"][5:] > 0.5)
    share = normed["branch"] / normed["skip"]
    assert np.ptp(normed["branch"]) < 0.3 and share[-1] < 0.15 < share[2] < share[0]
    assert normed["out"][-1] < 20 < plain["out"][-1]
    with pytest.raises(ValueError, match="no residual block"):
        block_variances(deep_relu_mlp(3, "plain"), x)


def test_staged_network_changes_width_with_projection_shortcuts():
    residual = staged_relu_mlp((8, 4), stages_per_width=3, kind="residual", seed=0)
    plain = staged_relu_mlp((8, 4), stages_per_width=3, kind="plain", seed=0)
    assert len(residual.layers) == len(plain.layers) == 7
    assert [getattr(layer, "shortcut", None) for layer in residual.layers[:-1]] == \
        [None, "identity", "identity", "projection", "identity", "identity"]
    assert residual.layers[3].params["shortcut.W"].shape == (8, 4)
    assert [layer.output_shape(layer.input_shape) for layer in plain.layers[:-1]] == [(8,)] * 3 + [(4,)] * 3
    x, y = load_digits("train", one_hot=True, flatten=True)
    model, acc, history = train_relu_mlp(residual, seed=0, eta=0.01, epochs=1)
    assert 0 <= acc <= 1 and len(history["loss"]) == 1
    with pytest.raises(ValueError, match="Unknown kind"):
        staged_relu_mlp(kind="residual_zero")
