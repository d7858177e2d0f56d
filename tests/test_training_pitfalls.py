"""topics.training_pitfalls: the deep networks of chapter 07 and what their runs measure."""
import math

import numpy as np
import pytest

from lecture_lib.topics.training_pitfalls import (INITIALISATIONS, deep_network, digits_split, mean_dead_fraction,
                                                  seed_summary, train_deep_network)


def test_deep_network_shapes_and_initial_weight_scale():
    model = deep_network(4, width=64, activation="relu", init="he", seed=3)
    assert [layer.params["W"].shape for layer in model.layers] == [(64, 64)] * 4 + [(64, 10)]
    stds = [float(np.std(layer.params["W"])) for layer in model.layers[:-1]]
    assert np.allclose(stds, math.sqrt(2 / 64), rtol=0.1)
    large = deep_network(4, init="large", seed=3)
    assert np.allclose(np.std(large.layers[1].params["W"]), 2 / 8, rtol=0.1)
    assert all(np.all(layer.params["b"] == 0) for layer in model.layers)
    # the same seed gives the same network
    again = deep_network(4, width=64, activation="relu", init="he", seed=3)
    assert np.array_equal(again.layers[2].params["W"], model.layers[2].params["W"])


def test_glorot_keeps_the_engine_initialiser():
    model = deep_network(2, activation="tanh", init="glorot", seed=0)
    limit = math.sqrt(6 / 128)
    assert np.max(np.abs(model.layers[0].params["W"])) <= limit
    assert INITIALISATIONS["glorot"] is None


def test_bad_arguments_name_the_choices():
    with pytest.raises(ValueError, match="init"):
        deep_network(2, init="xavier")
    with pytest.raises(ValueError, match="activation"):
        deep_network(2, activation="softplus")
    with pytest.raises(ValueError, match="optimizer"):
        train_deep_network(depth=1, optimizer="lbfgs", n_train=32, epochs=1)
    with pytest.raises(ValueError, match="eta"):
        train_deep_network(depth=1, eta=0, n_train=32, epochs=1)


def test_sigmoid_stack_vanishes_and_relu_he_does_not():
    sigmoid = train_deep_network(depth=10, activation="sigmoid", init="lecun", n_train=64, epochs=1)
    relu = train_deep_network(depth=10, activation="relu", init="he", n_train=64, epochs=1)
    assert sigmoid.before.gradient_ratio < 1e-4
    assert 0.1 < relu.before.gradient_ratio < 10


def test_exploding_run_is_trapped_and_clipping_prevents_it():
    run = train_deep_network(depth=10, init="large", optimizer="sgd", eta=0.1, epochs=3, seed=0, nan_trap=True)
    assert run.diverged and math.isnan(run.test_accuracy) and run.after is None
    assert run.nan_report is not None and run.nan_report.stage in {"forward", "backward", "update", "loss"}
    assert "NaN trap" in run.error
    clipped = train_deep_network(depth=10, init="large", optimizer="sgd", eta=0.1, epochs=1, seed=0,
                                 global_clipnorm=1.0, n_train=256)
    assert not clipped.diverged and 0 <= clipped.test_accuracy <= 1
    assert len(clipped.losses) == 1 and clipped.setting["global_clipnorm"] == 1.0


def test_losses_of_finished_epochs_are_kept_when_a_later_epoch_diverges():
    run = train_deep_network(depth=10, init="large", optimizer="sgd", eta=0.1, epochs=3, seed=0)
    assert run.diverged and run.nan_report is None
    assert all(math.isfinite(loss) for loss in run.losses)


def test_mean_dead_fraction_and_its_error():
    run = train_deep_network(depth=3, activation="relu", n_train=64, epochs=1)
    dead = list(run.after.column("dead_fraction").values())
    assert mean_dead_fraction(run.after) == pytest.approx(np.mean(dead))
    sigmoid = train_deep_network(depth=2, activation="sigmoid", init="lecun", n_train=64, epochs=1)
    with pytest.raises(ValueError, match="no ReLU"):
        mean_dead_fraction(sigmoid.after)


def test_leaky_slope_reaches_the_layers():
    model = deep_network(2, activation="leaky_relu", slope=0.3)
    assert model.layers[0].activation.options["slope"] == 0.3


def test_digits_split_subset_and_seed_summary():
    x, y, xt, yt = digits_split(100)
    assert x.shape == (100, 64) and y.shape == (100, 10) and xt.shape == (359, 64)
    assert seed_summary([0.5, 0.7, 0.6]) == "0.6 (range 0.5–0.7, 3 seeds)"
    with pytest.raises(ValueError):
        seed_summary([])


# --- the measurements behind the chapter's printed claims ------------------------------------------------

from lecture_lib.topics.training_pitfalls import (ADAM_KAPPA, adam_step_fraction, batch_gradient_rms,  # noqa: E402
                                                  learning_rate_range_test, output_collapse, output_spread, tally)


def test_output_spread_collapses_through_a_sigmoid_stack_and_not_through_relu_he():
    x = digits_split(200)[0]
    sigmoid = output_spread(deep_network(10, activation="sigmoid", init="lecun"), x)
    relu = output_spread(deep_network(10, activation="relu", init="he"), x)
    assert len(sigmoid) == 11 and sigmoid[-2] < 1e-4 * sigmoid[0]  # orders of magnitude lost
    assert relu[-2] > 0.1 * relu[0]  # the claim is false for ReLU + He
    # by hand for one unit that ignores its input
    model = deep_network(1, width=2, activation="relu", init="he")
    model.layers[0].params["W"][:, 0] = 0.0
    model.layers[0].params["b"][0] = 1.0
    assert output_spread(model, x)[0] == pytest.approx(0.5 * float(np.std(np.maximum(x @ model.layers[0].params["W"][:, 1], 0))))


def test_batch_gradient_rms_and_adams_step_fraction():
    x, y, _, _ = digits_split(96)
    def compiled(activation, init):
        model = deep_network(10, activation=activation, init=init)
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        return model

    sigmoid = batch_gradient_rms(compiled("sigmoid", "lecun"), x, y)
    relu = batch_gradient_rms(compiled("relu", "he"), x, y)
    with pytest.raises(RuntimeError, match="Compile"):
        batch_gradient_rms(deep_network(2), x, y)
    assert len(sigmoid) == 11
    assert sigmoid[0] < ADAM_KAPPA and adam_step_fraction(sigmoid[0]) < 0.5  # κ sets the step
    assert relu[0] > 100 * ADAM_KAPPA and adam_step_fraction(relu[0]) > 0.99  # and here it does not
    assert adam_step_fraction([0.0, 1e-7], kappa=1e-7) == [0.0, 0.5]
    with pytest.raises(ValueError, match="finite"):
        adam_step_fraction(-1.0)
    # the root mean square over two batches, by hand
    model = deep_network(1, width=3, activation="relu", init="he")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    squares = []
    for rows in (slice(0, 2), slice(2, 4)):
        model.backward(y[rows], model.forward(x[rows]))
        squares.append([float(np.mean(g["W"] ** 2)) for g in model.grads])
    expected = np.sqrt(np.mean(squares, axis=0))
    assert np.allclose(batch_gradient_rms(model, x[:4], y[:4], batch_size=2), expected)


def test_output_collapse_tells_a_network_that_ignores_its_input():
    x, y, _, _ = digits_split(300)
    model = deep_network(2, activation="relu", init="he")
    proportions = y.mean(axis=0)
    model.layers[-1].params["W"][...] = 0.0
    model.layers[-1].params["b"][...] = np.log(proportions)
    collapsed = output_collapse(model, x, y)
    assert collapsed.collapsed() and collapsed.spread < 1e-12 and collapsed.largest_gap < 1e-12
    assert collapsed.loss == pytest.approx(collapsed.proportion_loss)
    healthy = output_collapse(deep_network(2, activation="relu", init="he"), x, y)
    assert not healthy.collapsed()  # a fresh network's outputs depend on the input
    with pytest.raises(ValueError, match="one-hot"):
        output_collapse(model, x, y[:, :3])


def test_span_prints_one_value_when_the_ends_agree():
    from lecture_lib.topics.training_pitfalls import span
    assert span([3e-3, 2.9e-3]) == "3e-03"
    assert span([0.2, 0.05, 0.1], ".0f", " %") == "0 %"
    assert span([1.0, 0.06], ".0%") == "6% to 100%"
    with pytest.raises(ValueError):
        span([])


def test_tally_counts_true_flags():
    assert tally([True, False, True]) == "2/3"
    assert tally(np.array([1.0, 0.0]) > 0.5) == "1/2"
    with pytest.raises(ValueError):
        tally([])


def test_range_test_finds_the_fall_and_the_blow_up():
    test = learning_rate_range_test(depth=2, steps=40, eta_min=1e-4, eta_max=10.0)
    assert test.etas[0] == pytest.approx(1e-4) and test.etas == sorted(test.etas)
    assert test.blow_up_eta is not None and test.lowest_eta < test.blow_up_eta
    assert min(test.smoothed) < test.smoothed[0]  # the loss fell somewhere in the sweep
    tiny = learning_rate_range_test(depth=2, steps=20, eta_min=1e-7, eta_max=1e-6)
    assert tiny.blow_up_eta is None  # too small to blow up: the claim is false here
    with pytest.raises(ValueError, match="eta_max"):
        learning_rate_range_test(eta_min=1.0, eta_max=0.1)


def test_runs_keep_their_model_and_the_epoch_they_diverged_in():
    run = train_deep_network(depth=10, init="large", optimizer="sgd", eta=0.1, epochs=3, seed=0)
    assert run.diverged and run.diverged_epoch == len(run.losses) + 1
    fine = train_deep_network(depth=2, activation="elu", n_train=64, epochs=1)
    assert fine.diverged_epoch is None and fine.model.layers[0].activation.name == "elu"
    assert fine.train_accuracy == pytest.approx(fine.model.evaluate(*digits_split(64)[:2])[1])
    assert math.isnan(run.train_accuracy)


def test_start_gradients_alone_give_the_same_ratio_as_diagnose():
    full = train_deep_network(depth=4, activation="sigmoid", init="lecun", n_train=64, epochs=1)
    light = train_deep_network(depth=4, activation="sigmoid", init="lecun", n_train=64, epochs=1, diagnose_before=False)
    assert light.before.gradient_ratio == pytest.approx(full.before.gradient_ratio, rel=1e-9)
    assert light.before.column("grad_norm") == pytest.approx(full.before.column("grad_norm"), rel=1e-9)
    assert light.test_accuracy == full.test_accuracy  # the measurement does not change the training
    with pytest.raises(ValueError, match="only 'grad_norm'"):
        light.before.column("saturation")


def test_start_diagnostics_is_the_start_of_the_run():
    from lecture_lib.topics.training_pitfalls import start_diagnostics
    run = train_deep_network(depth=3, activation="relu", n_train=64, epochs=1, seed=4)
    start = start_diagnostics(depth=3, activation="relu", n_train=64, seed=4)
    assert start.column("grad_norm") == pytest.approx(run.before.column("grad_norm"))
    assert start.column("dead_fraction") == run.before.column("dead_fraction")
    other = start_diagnostics(depth=3, activation="relu", n_train=64, seed=5)
    assert other.column("grad_norm") != pytest.approx(run.before.column("grad_norm"))


def test_prelu_network_reports_its_slopes_and_the_units_negative_on_every_image():
    from lecture_lib.nn import PReLU
    from lecture_lib.topics.training_pitfalls import always_negative_fractions, digits_split, train_prelu_network

    run = train_prelu_network(depth=2, width=16, eta=0.01, epochs=1, seed=0)
    assert sum(isinstance(layer, PReLU) for layer in run.model.layers) == 2
    assert [a.shape for a in run.slopes] == [(16,), (16,)]
    assert not np.allclose(run.slopes[0], 0.25)  # the slopes are trained
    assert 0.5 < run.train_accuracy <= 1 and 0.5 < run.test_accuracy <= 1
    x_train = digits_split()[0]
    assert always_negative_fractions(run.model, x_train) == run.always_negative
    # three units of the first layer pushed below 0 on every image, one unit of the second: counted
    run.model.layers[0].params["b"][:3] = -1e6
    run.model.layers[2].params["b"][:1] = -1e9
    first, second = always_negative_fractions(run.model, x_train)
    assert first >= 3 / 16 and second >= 1 / 16
    assert first == pytest.approx(np.mean(np.all(run.model.layers[0].forward(x_train) <= 0, axis=0)))
