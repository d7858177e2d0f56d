"""topics.normalisation: the formulas against the engine, SymPy proof, statistics streams, gaps, deep MLPs."""
import numpy as np
import pytest

from lecture_lib.nn import BatchNorm
from lecture_lib.topics.normalisation import (batchnorm_backward_formula, batchnorm_forward_formula, deep_mlp,
                                              depth_eta_map, running_statistics_stream,
                                              symbolic_batchnorm_gradient_check, train_eval_gap, train_deep_mlp)


def test_formulas_match_the_engine_layer():
    rng = np.random.default_rng(0)
    h, dout = rng.normal(2, 3, (7, 4)), rng.normal(size=(7, 4))
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    layer = BatchNorm()
    layer.build((4,))
    layer.params["gamma"][:], layer.params["beta"][:] = gamma, beta
    out, u, m, v = batchnorm_forward_formula(h, gamma, beta)
    np.testing.assert_allclose(layer.forward(h), out, rtol=1e-12)
    dh, dgamma, dbeta = batchnorm_backward_formula(dout, h, gamma)
    np.testing.assert_allclose(layer.backward(dout), dh, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(layer.grads["gamma"], dgamma, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["beta"], dbeta, rtol=1e-12)
    with pytest.raises(ValueError, match="N >= 2"):
        batchnorm_forward_formula(h[:1], gamma, beta)


def test_symbolic_check_proves_the_formula():
    assert symbolic_batchnorm_gradient_check(2) == [0, 0]
    with pytest.raises(ValueError, match="at least 2"):
        symbolic_batchnorm_gradient_check(1)


def test_stream_records_each_convention():
    rng = np.random.default_rng(1)
    batches = [rng.normal(5, 1, (8, 2)) for _ in range(30)]
    traces = running_statistics_stream(batches, {"torch": BatchNorm(0.1), "keras": BatchNorm(convention="keras"),
                                                 "swapped": BatchNorm(0.99)})
    means = {name: trace[0] for name, trace in traces.items()}
    assert means["torch"].shape == (30, 2)
    np.testing.assert_allclose(means["swapped"][-1], 0.01 * means["swapped"][-2] + 0.99 * batches[-1].mean(0))
    assert abs(means["torch"][-1] - 5).max() < abs(means["keras"][-1] - 5).min()  # 0.1 converges faster than 0.99
    with pytest.raises(TypeError, match="BatchNorm"):
        running_statistics_stream(batches, {"x": object()})


def test_train_eval_gap_shrinks_with_the_batch_size():
    x = np.random.default_rng(2).normal(1, 2, (500, 3))
    gaps = [train_eval_gap(x, b, 0.1, n_batches=100) for b in (2, 16, 128)]
    assert gaps[0] > gaps[1] > gaps[2] > 0


def test_deep_mlp_layers_and_a_short_run():
    model = deep_mlp(3, batch_norm=True)
    assert [type(layer).__name__ for layer in model.layers[:3]] == ["Dense", "BatchNorm", "Activation"]
    assert len(deep_mlp(3).layers) == 4
    acc = train_deep_mlp(2, 0.1, batch_norm=True, epochs=1)
    assert 0.3 < acc <= 1.0
    grid = depth_eta_map((1,), (0.1, 0.2), batch_norm=False, seeds=(0,), epochs=1)
    assert grid.shape == (1, 2, 1)


def test_divergence_is_nan():
    assert np.isnan(train_deep_mlp(3, 1e3, activation="linear", epochs=2))


def test_saturated_fraction_counts_the_flat_tails_only():
    from lecture_lib.topics.normalisation import saturated_fraction
    g = np.array([-0.999, -0.5, 0.0, 0.995, 0.98])
    assert saturated_fraction(g, "tanh") == pytest.approx(2 / 5)
    assert saturated_fraction(np.tanh(np.linspace(-1, 1, 11)), "tanh") == 0.0  # a centred, unsaturated layer
    assert saturated_fraction(np.array([0.001, 0.5, 0.999, 0.3]), "sigmoid") == pytest.approx(0.5)
    with pytest.raises(ValueError, match="threshold"):
        saturated_fraction(g, "tanh", threshold=1.2)
    with pytest.raises(ValueError, match="'tanh' or 'sigmoid'"):
        saturated_fraction(g, "relu")


def test_hidden_activations_and_layer_gradients_show_the_batch_norm_factor():
    from lecture_lib.datasets.digits import load_digits
    from lecture_lib.topics.normalisation import deep_mlp, hidden_activations, layer_gradients
    x, y = load_digits("train", one_hot=True, flatten=True)
    plain, normalised = deep_mlp(6, "sigmoid", seed=0), deep_mlp(6, "sigmoid", batch_norm=True, seed=0)
    for model in (plain, normalised):
        model.compile(loss="categorical_crossentropy", optimizer="sgd")
    outputs = hidden_activations(normalised, x[:50])
    assert len(outputs) == 6 and all(g.shape == (50, 64) and g.min() > 0 and g.max() < 1 for g in outputs)
    shrinking, kept = layer_gradients(plain, x[:128], y[:128]), layer_gradients(normalised, x[:128], y[:128])
    assert shrinking["bn_factor"].size == 0 and kept["bn_factor"].shape == (6,)
    # without batch norm the gradient shrinks toward the input by sigma' <= 1/4 per layer; with it, it does not
    assert shrinking["weight_grad_norm"][0] < 1e-2 * shrinking["weight_grad_norm"][-1]
    assert kept["weight_grad_norm"][0] > 0.2 * kept["weight_grad_norm"][-1]
    assert np.all(kept["bn_factor"] > 1)  # gamma = 1 over sigma_B < 1: the backward factor that makes up for it


@pytest.mark.parametrize("fraction, band", [(0.0, "under 10 %"), (0.099, "under 10 %"), (0.1, "between 10 and 90 %"),
                                            (0.9, "between 10 and 90 %"), (0.91, "over 90 %"), (1.0, "over 90 %")])
def test_saturation_band(fraction, band):
    from lecture_lib.topics.normalisation import saturation_band
    assert saturation_band(fraction) == band


def test_saturation_band_refuses_a_share_outside_0_1():
    from lecture_lib.topics.normalisation import saturation_band
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        saturation_band(1.5)


def test_folded_dense_equals_dense_then_batchnorm_in_inference():
    from lecture_lib.nn import Dense
    from lecture_lib.topics.normalisation import fold_batchnorm
    rng = np.random.default_rng(5)
    dense = Dense(4, input_dim=3, rng=0)
    dense.params["b"][:] = rng.normal(size=4)
    bn = BatchNorm(momentum=0.5)
    for _ in range(5):  # running statistics away from 0 and 1
        bn.forward(dense.forward(rng.normal(1.0, 2.0, (8, 3))))
    bn.params["gamma"][:], bn.params["beta"][:] = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    x = rng.normal(size=(6, 3))
    W, b = fold_batchnorm(dense, bn)
    # the weights written with loops, independently of the vectorised form
    for j in range(4):
        s = bn.params["gamma"][j] / (bn.running_var[j] + bn.eps) ** 0.5
        assert b[j] == pytest.approx(s * (dense.params["b"][j] - bn.running_mean[j]) + bn.params["beta"][j])
        np.testing.assert_allclose(W[:, j], s * dense.params["W"][:, j], rtol=1e-14)
    bn.eval()
    np.testing.assert_allclose(x @ W + b, bn.forward(dense.forward(x)), rtol=1e-12, atol=1e-12)
    bn.train()  # in training mode batch norm uses the batch's statistics: the folded layer differs
    assert np.max(np.abs(x @ W + b - bn.forward(dense.forward(x)))) > 1e-3


def test_fold_refuses_what_does_not_fold():
    from lecture_lib.nn import Dense
    from lecture_lib.topics.normalisation import fold_batchnorm
    bn = BatchNorm()
    bn.build((4,))
    with pytest.raises(ValueError, match="linear"):
        fold_batchnorm(Dense(4, activation="tanh", input_dim=3, rng=0), bn)
    with pytest.raises(ValueError, match="units"):
        fold_batchnorm(Dense(5, input_dim=3, rng=0), bn)
    with pytest.raises(ValueError, match="built"):
        fold_batchnorm(Dense(4), bn)
    with pytest.raises(TypeError, match="Dense and a BatchNorm"):
        fold_batchnorm(bn, bn)


def test_folded_model_predicts_as_the_trained_model_in_inference():
    from lecture_lib.nn import Dropout
    from lecture_lib.topics.normalisation import fold_batchnorm_model, train_deep_mlp_model
    from lecture_lib.datasets.digits import load_digits
    model, _ = train_deep_mlp_model(2, 0.1, batch_norm=True, epochs=1)
    folded = fold_batchnorm_model(model)
    assert len(folded.layers) == len(model.layers) - 2
    assert not any(isinstance(layer, BatchNorm) for layer in folded.layers)
    x, _ = load_digits("test", flatten=True)
    np.testing.assert_allclose(folded.predict(x), model.predict(x), rtol=1e-10, atol=1e-12)
    model.train()  # with batch statistics the predictions are not the folded ones
    assert np.max(np.abs(model.forward(x[:8]) - folded.predict(x[:8]))) > 1e-4
    with pytest.raises(TypeError, match="supports"):
        fold_batchnorm_model(deep_mlp(1).__class__([Dropout(0.5)]))


def test_scale_invariance_output_gradient_and_relative_step():
    from lecture_lib.datasets.digits import load_digits
    from lecture_lib.topics.normalisation import scale_invariance
    x, y = load_digits("train", one_hot=True, flatten=True)
    r = scale_invariance(2, (1.0, 2.0, 4.0), x[:64], y[:64], eta=0.1)
    assert np.all(r["output_change"] < 1e-3)
    np.testing.assert_allclose(r["weight_norm"] / r["weight_norm"][0], [1, 2, 4], rtol=1e-12)
    np.testing.assert_allclose(r["grad_norm"] * [1, 2, 4], r["grad_norm"][0], rtol=1e-3)     # 1/a
    np.testing.assert_allclose(r["relative_step"] * [1, 4, 16], r["relative_step"][0], rtol=1e-3)  # 1/a^2
    assert np.all(r["cosine"] < 1e-3)
    # without batch norm none of this holds: the gradient of a plain tanh layer does not shrink as 1/a
    from lecture_lib.topics.normalisation import scale_weights_before_batchnorm
    with pytest.raises(ValueError, match="no Dense layer followed by a BatchNorm"):
        scale_weights_before_batchnorm(deep_mlp(2), 2.0)


def test_weight_scale_and_small_batch_sweeps_shapes_and_what_they_show():
    from lecture_lib.topics.normalisation import small_batch_sweep, weight_scale_sweep
    plain = weight_scale_sweep((0.1, 1.0), batch_norm=False, seeds=(0,), depth=3, epochs=1)
    normalised = weight_scale_sweep((0.1, 1.0), batch_norm=True, seeds=(0,), depth=3, epochs=1)
    assert plain["train_acc"].shape == (2, 1)
    assert plain["train_acc"][0, 0] < 0.2 < 0.5 < normalised["train_acc"][0, 0]  # small weights: only BN learns
    sweep = small_batch_sweep((2,), ("batch", "layer"), seeds=(0,), epochs=1)
    assert set(sweep) == {"batch", "layer"} and sweep["layer"]["test_acc"].shape == (1, 1)
    assert sweep["layer"]["test_acc"][0, 0] > sweep["batch"]["test_acc"][0, 0]
    with pytest.raises(ValueError, match="'none', 'batch' or 'layer'"):
        small_batch_sweep((2,), ("group",), seeds=(0,))
    with pytest.raises(ValueError, match="not both"):
        deep_mlp(2, batch_norm=True, layer_norm=True)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_layer_errors_give_the_engines_weight_gradients(batch_norm):
    from lecture_lib.datasets.digits import load_digits
    from lecture_lib.nn import Dense
    from lecture_lib.topics.normalisation import layer_errors
    x, y = load_digits("train", one_hot=True, flatten=True)
    model = deep_mlp(3, "tanh", batch_norm, seed=1)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    errors = layer_errors(model, x[:40], y[:40])
    dense = [layer for layer in model.layers[:-1] if isinstance(layer, Dense)]
    assert len(errors) == 3 and all(e.shape == (40, 64) for e in errors)
    inputs = [layer._x.copy() for layer in dense]
    model.train()
    model.backward(y[:40], model.forward(x[:40]))
    for layer, x_in, eps in zip(dense, inputs, errors):
        np.testing.assert_allclose(x_in.T @ eps, layer.grads["W"], rtol=1e-9, atol=1e-15)  # dE/dW = x^T eps
    # the errors of different layers are different arrays (a wrong bookkeeping would repeat one)
    assert not np.allclose(errors[0], errors[1])
    with pytest.raises(ValueError, match="one-hot"):
        layer_errors(model, x[:40], y[:40, :5])
