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
