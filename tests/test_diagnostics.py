"""Diagnostics: gradient norms, saturation, dead units over a data set, update ratios, the NaN trap."""
import math

import numpy as np
import pytest

from lecture_lib.nn.diagnostics import (
    DiagnosticsRecorder, NaNTrap, NonFiniteError, activation_saturation, dead_unit_fraction, diagnose,
    gradient_norms, trace_nonfinite, update_ratios,
)
from lecture_lib.nn.gradcheck import numerical_gradient
from lecture_lib.nn.layers import Dense
from lecture_lib.nn.model import Sequential, TrainingDivergedError
from lecture_lib.nn.optimizers import SGD, Adam
from lecture_lib.nn.one_hot import to_one_hot


def _classifier(activation="relu", depth=3, width=16, seed=0, optimizer="sgd", init=None):
    layers = [Dense(width, activation=activation, init=init) for _ in range(depth)]
    model = Sequential([*layers, Dense(3, activation="softmax")], seed=seed)
    return model.compile(loss="categorical_crossentropy", optimizer=optimizer)


def _data(n=90, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    return x, to_one_hot(rng.integers(0, 3, n), 3)


def test_gradient_norms_are_those_of_the_mean_loss_over_the_whole_data_set():
    x, y = _data()
    model = _classifier(depth=2, width=4)
    model.build((5,))
    norms = gradient_norms(model, x, y)
    chunked = gradient_norms(model, x, y, batch_size=7)  # 13 chunks, the last of 6
    assert list(norms) == ["dense_1", "dense_2", "dense_3"]
    for name in norms:
        assert chunked[name] == pytest.approx(norms[name], rel=1e-12)
    # independent: central differences of the mean loss with respect to the first layer's W
    w = model.layers[0].params["W"]

    def loss_of(values):
        saved = w.copy()
        w[...] = values
        value = model.evaluate(x, y)[0]
        w[...] = saved
        return value

    numeric = numerical_gradient(loss_of, w.copy())
    assert norms["dense_1"] == pytest.approx(float(np.linalg.norm(numeric)), rel=1e-6)


def test_vanishing_gradients_in_a_deep_sigmoid_network_and_not_with_relu_and_he():
    x, y = _data(n=200, d=20, seed=1)
    sigmoid = Sequential([*[Dense(64, activation="sigmoid") for _ in range(10)], Dense(3, activation="softmax")],
                         seed=0).compile(loss="categorical_crossentropy")
    relu = _classifier("relu", depth=10, width=64, init="he_normal")
    ratio_sigmoid = diagnose(sigmoid, x, y).gradient_ratio
    ratio_relu = diagnose(relu, x, y).gradient_ratio
    assert ratio_sigmoid < 1e-3, ratio_sigmoid      # the first layer learns a thousand times slower or worse
    assert 0.05 < ratio_relu < 20, ratio_relu


def test_saturation_counts_outputs_near_the_asymptotes():
    x, _ = _data()
    model = Sequential([Dense(6, activation="sigmoid", input_dim=5), Dense(6, activation="tanh"),
                        Dense(3, activation="softmax")], seed=2).compile(loss="categorical_crossentropy")
    model.layers[0].params["W"] *= 8  # push the sigmoid units into saturation
    got = activation_saturation(model, x, tol=0.02)
    h = x @ model.layers[0].params["W"] + model.layers[0].params["b"]
    g = 1 / (1 + np.exp(-h))
    expected_sigmoid = np.mean((g < 0.02) | (g > 0.98))
    t = np.tanh(g @ model.layers[1].params["W"] + model.layers[1].params["b"])
    expected_tanh = np.mean(np.abs(t) > 0.98)
    assert got == pytest.approx({"dense_1": expected_sigmoid, "dense_2": expected_tanh}, rel=1e-12)
    assert expected_sigmoid > 0.3
    assert activation_saturation(model, x, tol=0.02, batch_size=11) == got
    with pytest.raises(ValueError, match=r"tol must lie in \(0, 0.5\), got 0.5"):
        activation_saturation(model, x, tol=0.5)


def test_a_unit_is_dead_only_if_no_example_of_the_whole_data_set_fires_it():
    x, y = _data(n=50)
    model = _classifier(depth=1, width=4)
    model.build((5,))
    layer = model.layers[0]
    layer.params["W"][...] = 0.0
    layer.params["b"][...] = [1.0, -1.0, -1.0, -1.0]   # unit 0 always fires, units 1-3 never ...
    layer.params["W"][0, 2] = 1.0                       # ... except unit 2, on examples with x0 > 1
    x[:, 0] = np.minimum(x[:, 0], 0.5)
    x[-1, 0] = 3.0                                      # only the last example fires unit 2
    assert dead_unit_fraction(model, x) == {"dense_1": 0.5}
    assert dead_unit_fraction(model, x, batch_size=10) == {"dense_1": 0.5}   # the last chunk counts
    assert dead_unit_fraction(model, x[:10]) == {"dense_1": 0.75}            # one batch is not the data set


def test_update_ratio_of_sgd_is_eta_grad_over_weight_and_leaves_the_model_alone():
    x, y = _data()
    model = _classifier(depth=2, width=8, optimizer=SGD(eta=0.3))
    model.build((5,))
    before = [{k: p.copy() for k, p in d.items()} for d in model.params]
    ratios = update_ratios(model, x, y)
    norms = gradient_norms(model, x, y)
    for layer in model.layers:
        expected = 0.3 * norms[layer.name] / np.linalg.norm(layer.params["W"])
        assert ratios[layer.name] == pytest.approx(expected, rel=1e-10)
    for old, new in zip(before, model.params):
        np.testing.assert_array_equal(old["W"], new["W"])
    assert model.optimizer.iterations == 0


def test_update_ratio_uses_the_optimisers_state():
    x, y = _data()
    model = _classifier(depth=1, width=8, optimizer=Adam(eta=0.01))
    model.fit(x, y, epochs=1, batch_size=30)
    iterations = model.optimizer.iterations
    first = update_ratios(model, x, y)["dense_1"]
    again = update_ratios(model, x, y)["dense_1"]
    assert first == again and model.optimizer.iterations == iterations
    # Adam's step is ~eta per weight: ||ΔW|| ~ eta sqrt(#W), far from the SGD value
    assert 0.1 * 0.01 * math.sqrt(40) < first * np.linalg.norm(model.layers[0].params["W"]) < 10 * 0.01 * math.sqrt(40)


def _regression(w_last, bias_first=-100.0):
    model = Sequential([Dense(2, activation="relu", input_dim=1), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer=SGD(eta=0.1))
    model.layers[0].params["b"][...] = bias_first
    model.layers[1].params["W"][...] = w_last
    return model


def test_trace_finds_nothing_in_a_healthy_step():
    x, y = _data()
    assert trace_nonfinite(_classifier(), x, y) is None


def test_trace_names_a_nan_weight():
    model = _regression(1.0)
    model.layers[1].params["W"][0, 0] = np.nan
    report = trace_nonfinite(model, np.ones((2, 1)), np.ones(2))
    assert (report.stage, report.tensor, report.n_nan) == ("weights", "weights 'W'", 1)
    assert "dense_2" in report.layer


def test_trace_names_the_layer_whose_forward_output_overflows():
    model = Sequential([Dense(3, input_dim=2), Dense(3), Dense(1)], seed=0).compile(loss="mse")
    model.layers[1].params["W"][...] = 1e200
    report = trace_nonfinite(model, np.full((4, 2), 1e200), np.zeros(4))
    assert report.stage == "forward" and "dense_2" in report.layer   # ~1e200 * 1e200
    model.layers[0].params["W"][...] = 1e200
    report = trace_nonfinite(model, np.full((4, 2), 1e200), np.zeros(4))
    assert report.stage == "forward" and "dense_1" in report.layer and report.n_inf == 12
    assert any("learning rate" in r for r in report.remedies)


def test_trace_finds_a_gradient_that_overflows_backward_only():
    """Forward finite (the ReLU layer outputs 0), but dE/dx = eps W^T overflows: exploding gradients."""
    model = _regression(1e308)
    report = trace_nonfinite(model, np.ones((1, 1)), np.array([1e3]))
    assert report.stage == "backward" and "dense_2" in report.layer and report.tensor.startswith("dE/dx")
    assert any("clip" in r for r in report.remedies)


def test_trace_finds_an_update_that_overflows():
    model = _regression(1.0, bias_first=0.0)
    model.optimizer = SGD(eta=1e307)
    report = trace_nonfinite(model, np.ones((1, 1)), np.array([1e3]))
    assert report.stage == "update" and "after the update" in report.tensor
    assert model.layers[0].params["W"].max() < 1e10  # the model itself was not updated


def test_nan_trap_stops_fit_at_the_first_nonfinite_batch_and_reports_where():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3))
    y = x @ [1.0, 2.0, 3.0]
    model = Sequential([Dense(1, input_dim=3)], seed=0).compile(loss="mse", optimizer=SGD(eta=50.0))
    trap = NaNTrap()
    with pytest.raises(NonFiniteError) as info:
        model.fit(x, y, batch_size=10, epochs=500, callbacks=[trap])
    assert isinstance(info.value, TrainingDivergedError)
    assert info.value.report is trap.report and trap.report is not None
    assert trap.report.stage in ("forward", "loss", "backward", "update")
    assert "NaN trap, epoch" in str(info.value) and "Remedies" in str(info.value)
    # the trap replays the batch from the weights before it: those were finite
    params, _, _, _ = trap._snapshot
    assert all(np.isfinite(p).all() for d in params for p in d.values())


def test_diagnose_in_one_call_and_as_a_callback():
    x, y = _data()
    model = Sequential([Dense(8, activation="relu"), Dense(8, activation="tanh"), Dense(3, activation="softmax")],
                       seed=0).compile(loss="categorical_crossentropy", optimizer="adam")
    report = diagnose(model, x, y)
    assert [row.name for row in report.layers] == ["dense_1", "dense_2", "dense_3"]
    assert report.layers[0].dead_fraction is not None and report.layers[0].saturation is None
    assert report.layers[1].saturation is not None and report.layers[1].dead_fraction is None
    assert all(row.grad_norm > 0 and row.update_ratio > 0 for row in report.layers)
    assert report.nonfinite is None and "no NaN/inf" in str(report) and "dense_2" in str(report)
    assert report.column("dead_fraction") == dead_unit_fraction(model, x)
    recorder = DiagnosticsRecorder(x, y, every=2)
    history = model.fit(x, y, epochs=4, batch_size=30, callbacks=[recorder])
    assert [epoch for epoch, _ in recorder.records] == [2, 4]
    assert recorder.records[-1][1].loss == pytest.approx(model.evaluate(x, y)[0], rel=1e-12)
    assert len(history.epoch) == 4


def test_diagnostics_need_a_compiled_model():
    model = Sequential([Dense(2, input_dim=2)])
    with pytest.raises(RuntimeError, match="Compile the model first"):
        gradient_norms(model, np.ones((2, 2)), np.ones((2, 2)))
