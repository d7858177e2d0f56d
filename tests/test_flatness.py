"""Random directions, loss slices, sharpness, the Dinh rescaling and perturbation sensitivity."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.nn import SGD, Dense, Sequential, to_one_hot  # noqa: E402
from lecture_lib.topics import flatness as fl  # noqa: E402
from lecture_lib.viz.loss_slices import draw_loss_slices  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 5))
    labels = (x[:, 0] + x[:, 1] > 0).astype(int)
    y = to_one_hot(labels, 2)
    model, _ = fl.train_mlp(x, y, 16, seed=0, epochs=200, batch_size=60, optimizer=SGD(eta=0.5))
    return model, x, y, labels


def test_filter_normalised_direction_matches_each_units_norm(trained):
    model = trained[0]
    for layer, d in zip(model.layers, fl.random_direction(model, 1)):
        np.testing.assert_allclose(np.linalg.norm(d, axis=0), np.linalg.norm(layer.params["W"], axis=0))


def test_loss_along_direction_is_the_loss_at_zero_and_restores_weights(trained):
    model, x, y, _ = trained
    before = [layer.params["W"].copy() for layer in model.layers]
    d = fl.random_direction(model, 2)
    losses = fl.loss_along_direction(model, x, y, d, [-0.5, 0.0, 0.5])
    assert losses[1] == pytest.approx(model.evaluate(x, y)[0])
    assert losses[0] > losses[1] and losses[2] > losses[1]          # a minimum: up both ways
    for layer, W in zip(model.layers, before):
        np.testing.assert_array_equal(layer.params["W"], W)
    with pytest.raises(ValueError, match="Dense layers"):
        fl.loss_along_direction(model, x, y, d[:1], [0.0])


def test_rescaling_keeps_the_function_changes_raw_curvature_not_filter_sharpness(trained):
    model, x, y, _ = trained
    twin = fl.rescaled_relu_layers(model, 10.0)
    np.testing.assert_allclose(twin.predict(x), model.predict(x), rtol=1e-10, atol=1e-12)
    assert fl.sharpness(twin, x, y, seed=3) == pytest.approx(fl.sharpness(model, x, y, seed=3), rel=1e-8)
    raw_model = fl.curvature_along(model, x, y, fl.random_direction(model, 4, filter_normalised=False))
    raw_twin = fl.curvature_along(twin, x, y, fl.random_direction(twin, 4, filter_normalised=False))
    assert raw_twin > 2 * raw_model          # the same function, a different curvature
    with pytest.raises(ValueError, match="next Dense layer"):
        fl.rescaled_relu_layers(model, 2.0, layer_index=1)
    softmax_first = Sequential([Dense(3, activation="softmax", input_dim=5), Dense(2)])
    softmax_first.build((5,))
    with pytest.raises(ValueError, match="only a ReLU layer"):
        fl.rescaled_relu_layers(softmax_first, 2.0)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        fl.rescaled_relu_layers(model, -1.0)


def test_per_unit_rescaling_keeps_the_function_but_changes_filter_normalised_sharpness(trained):
    """Dinh et al.'s argument reaches the filter-normalised measure too: one factor per unit, not per layer."""
    model, x, y, _ = trained
    alphas = np.geomspace(0.05, 20.0, 16)[np.random.default_rng(0).permutation(16)]
    twin = fl.rescaled_relu_layers(model, alphas)
    np.testing.assert_allclose(twin.predict(x), model.predict(x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(twin.layers[0].params["W"], model.layers[0].params["W"] * alphas)
    before, after = fl.sharpness(model, x, y, seed=3), fl.sharpness(twin, x, y, seed=3)
    assert after > 3 * before or after < before / 3
    with pytest.raises(ValueError, match="one per unit"):
        fl.rescaled_relu_layers(model, np.ones(3))
    with pytest.raises(ValueError, match="one per unit"):
        fl.rescaled_relu_layers(model, -alphas)


def test_perturbations_lower_accuracy_and_segment_endpoints(trained):
    model, x, y, labels = trained
    clean = float(np.mean(model.predict(x).argmax(1) == labels))
    assert fl.accuracy_under_weight_noise(model, x, labels, 0.0) == clean
    assert fl.accuracy_under_weight_noise(model, x, labels, 3.0) < clean
    assert fl.accuracy_under_input_noise(model, x, labels, 5.0) < clean
    other, _ = fl.train_mlp(x, y, 16, seed=1, epochs=50, batch_size=60, optimizer=SGD(eta=0.5))
    seg = fl.loss_on_segment(model, other, x, y, [0.0, 1.0])
    assert seg[0] == pytest.approx(model.evaluate(x, y)[0]) and seg[1] == pytest.approx(other.evaluate(x, y)[0])
    with pytest.raises(TypeError, match="Sequential"):
        fl.weights_of("model")


def test_loss_slice_figure(trained):
    fig, ax = plt.subplots()
    draw_loss_slices(ax, np.linspace(-1, 1, 5), {"a": np.ones((2, 5)), "b": 2 * np.ones((1, 5))})
    assert len(ax.lines) == 3 and ax.get_yscale() == "log"
    plt.close(fig)


def test_initial_mlp_is_where_train_mlp_starts():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((20, 4))
    y = to_one_hot((x[:, 0] > 0).astype(int), 2)
    start = fl.initial_mlp(x, y, 6, seed=3)
    untrained, _ = fl.train_mlp(x, y, 6, seed=3, epochs=1, batch_size=20, optimizer=SGD(eta=1e-12))
    trained, _ = fl.train_mlp(x, y, 6, seed=3, epochs=5, batch_size=20, optimizer=SGD(eta=0.1))
    np.testing.assert_allclose(fl.weights_of(start), fl.weights_of(untrained), atol=1e-10)
    assert not np.array_equal(fl.weights_of(start), fl.weights_of(trained))
    other = fl.initial_mlp(x, y, 6, seed=4)
    assert not np.array_equal(fl.weights_of(start), fl.weights_of(other))


def test_loss_on_segment_takes_any_measure_of_the_interpolated_model(trained):
    model, x, y, labels = trained
    other, _ = fl.train_mlp(x, y, 16, seed=1, epochs=5, batch_size=60, optimizer=SGD(eta=0.5))
    before = [p.copy() for layer in model.layers for p in layer.params.values()]

    def both(m):
        return [m.evaluate(x, y)[0], float(np.mean(m.predict(x).argmax(1) == labels))]

    seg = fl.loss_on_segment(model, other, x, y, [0.0, 0.5, 1.0], measure=both)
    assert seg.shape == (3, 2)
    np.testing.assert_allclose(seg[:, 0], fl.loss_on_segment(model, other, x, y, [0.0, 0.5, 1.0]))
    assert seg[2, 1] == pytest.approx(float(np.mean(other.predict(x).argmax(1) == labels)))
    assert all(np.array_equal(a, b) for a, b in zip(before, [p for layer in model.layers for p in layer.params.values()]))
