"""topics.dropout_mechanisms and viz.dropout_mechanism_plots: the 1-D fit, MC spread, input dropout, variance shift."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.nn import BatchNorm, Dense, Dropout, Sequential  # noqa: E402
from lecture_lib.topics.dropout_ensemble import dropout_mlp, mc_dropout_predict, mc_dropout_samples  # noqa: E402
from lecture_lib.topics.dropout_mechanisms import (dropout_bn_mlp, evaluate_with_refreshed_statistics,  # noqa: E402
                                                   fit_curve, layer_input, noisy_sine, regression_mlp,
                                                   sine_target, spread_inside_and_beyond, total_variation,
                                                   train_dropout_bn, variance_shift)
from lecture_lib.viz.dropout_mechanism_plots import (draw_config_comparison, draw_curve_fits,  # noqa: E402
                                                     draw_mc_spread, draw_variance_shift)


def test_noisy_sine_is_the_sine_plus_noise_of_the_asked_size():
    x, y = noisy_sine(4000, noise_std=0.3, seed=1)
    assert x.shape == y.shape == (4000, 1) and x.min() >= -1 and x.max() <= 1
    assert np.std(y - sine_target(x)) == pytest.approx(0.3, rel=0.05)
    x0, y0 = noisy_sine(20, noise_std=0.0, seed=1)
    np.testing.assert_allclose(y0, np.sin(np.pi * x0))
    with pytest.raises(ValueError, match="n_train"):
        noisy_sine(1)


def test_total_variation_counts_ups_and_downs():
    grid = np.linspace(-1, 1, 2001)
    assert total_variation(np.sin(np.pi * grid)) == pytest.approx(4.0, abs=1e-5)
    assert total_variation(grid) == pytest.approx(2.0)                         # monotone: just the rise
    assert total_variation(np.sin(4 * np.pi * grid)) == pytest.approx(16.0, abs=1e-3)  # wiggles add up
    with pytest.raises(ValueError, match="one curve"):
        total_variation(np.ones((5, 2)))


def test_regression_mlp_with_and_without_dropout_share_initial_weights():
    plain, dropped = regression_mlp(0.0, width=8, seed=3), regression_mlp(0.2, width=8, seed=3)
    assert sum(isinstance(layer, Dropout) for layer in dropped.layers) == 2
    assert not any(isinstance(layer, Dropout) for layer in plain.layers)
    np.testing.assert_array_equal(plain.layers[0].params["W"], dropped.layers[0].params["W"])
    with pytest.raises(ValueError, match="p_drop < 1"):
        regression_mlp(1.0)


def test_fit_curve_scores_are_what_they_say():
    fit = fit_curve(0.0, seed=0, n_train=10, epochs=300, width=32, n_grid=101)
    np.testing.assert_allclose(fit.train_mse, np.mean((fit.model.predict(fit.x) - fit.y) ** 2))
    grid = np.linspace(-1, 1, 101)[:, None]
    np.testing.assert_allclose(fit.test_mse, np.mean((fit.model.predict(grid) - np.sin(np.pi * grid)) ** 2))
    assert fit.total_variation == pytest.approx(total_variation(fit.model.predict(grid)))
    assert fit.train_mse < 0.3 ** 2  # the network fits its points (below the noise variance)


def test_mc_samples_average_to_mc_predict_and_spread_is_zero_without_dropout():
    model = dropout_mlp(0.5, width=16, seed=0)
    x = np.random.default_rng(0).uniform(size=(6, 64))
    samples = mc_dropout_samples(model, x, 7, seed=2)
    assert samples.shape == (7, 6, 10)
    np.testing.assert_allclose(samples.mean(axis=0), mc_dropout_predict(model, x, 7, seed=2))
    assert samples.std(axis=0).max() > 0 and not model.layers[0].training   # ends in eval mode
    no_dropout = dropout_mlp(0.0, width=16, seed=0)
    assert mc_dropout_samples(no_dropout, x, 3).std(axis=0).max() < 1e-15


def test_spread_inside_and_beyond_both_ways():
    grid = np.linspace(-3, 3, 61)
    x_train = np.array([-1.0, 0.0, 1.0])
    growing = 0.1 + np.maximum(np.abs(grid) - 1, 0)
    inside, beyond = spread_inside_and_beyond(grid, growing, x_train)
    assert inside == pytest.approx(0.1) and beyond > inside
    shrinking = 1.0 / (1.0 + grid ** 2)           # largest on the data: the claim "grows beyond" is false
    inside, beyond = spread_inside_and_beyond(grid, shrinking, x_train)
    assert beyond < inside
    with pytest.raises(ValueError, match="beyond"):
        spread_inside_and_beyond(grid, growing, x_train, margin=5.0)
    with pytest.raises(ValueError, match="one value per grid point"):
        spread_inside_and_beyond(grid, growing[:-1], x_train)


def test_input_dropout_layer_is_added_and_used():
    model = dropout_mlp(0.5, width=8, seed=0, p_input=0.2)
    assert isinstance(model.layers[0], Dropout) and model.layers[0].p_drop == 0.2
    assert not isinstance(dropout_mlp(0.5, width=8, seed=0).layers[0], Dropout)


def test_layer_input_leaves_running_statistics_alone():
    model = dropout_bn_mlp(0.5, width=8, seed=0)
    x = np.random.default_rng(1).uniform(size=(20, 64))
    batchnorm = model.layers[3]
    before = batchnorm.running_var.copy()
    off = layer_input(model, x, 3)
    on = layer_input(model, x, 3, dropout_on=True, seed=4)
    np.testing.assert_array_equal(batchnorm.running_var, before)
    np.testing.assert_allclose(off, model.layers[2].forward(model.layers[0].forward(x)))
    assert not np.allclose(on, off)
    np.testing.assert_array_equal(on, layer_input(model, x, 3, dropout_on=True, seed=4))  # seeded masks
    with pytest.raises(ValueError, match="index"):
        layer_input(model, x, 9)


def test_variance_shift_matches_its_formula_and_vanishes_without_dropout():
    x = np.random.default_rng(2).uniform(size=(200, 64))
    model = dropout_bn_mlp(0.5, width=16, seed=1)
    model.train()
    model.forward(x)  # one training pass fills the running variance with a dropout-on batch variance
    model.eval()
    shift = variance_shift(model, x, n_mask_draws=200)
    np.testing.assert_allclose(shift.predicted_var_on, shift.var_dropout_on, rtol=0.1)
    assert np.all(shift.var_dropout_on > shift.var_dropout_off)
    assert np.median(shift.normalised_var_at_inference) < 0.95  # the running variance is the shifted one
    no_shift = dropout_bn_mlp(0.0, width=16, seed=1)
    s0 = variance_shift(no_shift, x, n_mask_draws=2)
    np.testing.assert_allclose(s0.var_dropout_on, s0.var_dropout_off)
    np.testing.assert_allclose(s0.predicted_var_on, s0.var_dropout_off)
    wrong_order = Sequential([Dense(8, activation="relu"), BatchNorm(), Dropout(0.5), Dense(10)], seed=0)
    wrong_order.build((64,))
    with pytest.raises(ValueError, match="Dropout -> Dense"):
        variance_shift(wrong_order, x)


def test_refreshed_statistics_restore_the_model_and_use_dropout_off_statistics():
    run = train_dropout_bn(0.5, seed=0, n_train=64, epochs=2, width=16)
    batchnorm = next(layer for layer in run.model.layers if isinstance(layer, BatchNorm))
    saved = batchnorm.running_var.copy()
    as_trained = run.model.evaluate(run.x, run.y)
    refreshed = evaluate_with_refreshed_statistics(run.model, run.x, run.x, run.y)
    np.testing.assert_array_equal(batchnorm.running_var, saved)
    np.testing.assert_allclose(run.model.evaluate(run.x, run.y), as_trained)
    # with the refreshed statistics batch norm's output over x_statistics has mean 0, variance ~1
    batchnorm.running_mean, batchnorm.running_var = saved * 0 + layer_input(run.model, run.x, 3).mean(0), \
        layer_input(run.model, run.x, 3).var(0, ddof=1)
    h_hat = batchnorm.forward(layer_input(run.model, run.x, 3))
    np.testing.assert_allclose(h_hat.mean(axis=0), batchnorm.params["beta"], atol=1e-8)
    assert refreshed[1] == pytest.approx(run.model.evaluate(run.x, run.y)[1])
    with pytest.raises(ValueError, match="BatchNorm"):
        evaluate_with_refreshed_statistics(dropout_mlp(0.5, width=8), run.x, run.x, run.y)


def test_figures_draw_what_they_label():
    grid = np.linspace(-1, 1, 11)
    fig, axes = plt.subplots(1, 4)
    draw_curve_fits(axes[0], grid, np.sin(grid), {"no dropout": grid, "p_drop = 0.2": grid / 2}, grid[:3], grid[:3])
    assert [line.get_label() for line in axes[0].lines] == ["noise-free sin(πx)", "no dropout", "p_drop = 0.2"]
    samples = np.stack([grid, grid + 1.0])
    draw_mc_spread(axes[1], grid, samples, grid[:3], grid[:3])
    assert any("±1 standard deviation" in text.get_text() for text in axes[1].get_legend().get_texts())
    draw_config_comparison(axes[2], ["a", "b"], [[0.9, 0.8, 0.85], [0.7, 0.75, 0.8]], [[0.8, 0.7, 0.75], [0.9] * 3])
    assert [tick.get_text() for tick in axes[2].get_xticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="one row per setting"):
        draw_config_comparison(axes[2], ["a"], [[0.9, 0.8]], [[0.8, 0.7], [0.1, 0.2]])
    with pytest.raises(ValueError, match="one value per grid point"):
        draw_curve_fits(axes[0], grid, np.sin(grid), {"short": grid[:-1]}, grid, grid)
    with pytest.raises(ValueError, match="samples must have shape"):
        draw_mc_spread(axes[1], grid, samples[:, :-1], grid, grid)
    plt.close(fig)
    model = dropout_bn_mlp(0.5, width=8, seed=0)
    shift = variance_shift(model, np.random.default_rng(0).uniform(size=(30, 64)), n_mask_draws=3)
    fig, (left, right) = plt.subplots(1, 2)
    draw_variance_shift(left, right, shift)
    assert left.get_xlabel().startswith("Var(h), dropout off") and right.get_ylabel() == "number of units"
    assert len(right.patches) == 20
    plt.close(fig)
