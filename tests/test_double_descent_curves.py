"""The double-descent figures and explorer: they draw the sweep they are given and follow the sliders."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.datasets.digits import load_digits  # noqa: E402
from lecture_lib.topics.double_descent import FeatureSweep  # noqa: E402
from lecture_lib.viz.double_descent_curves import (double_descent_explorer, draw_linear_panel,  # noqa: E402
                                                   draw_parameter_sweep, draw_sample_sweep)
from lecture_lib.topics.double_descent import sample_sweep  # noqa: E402
from widget_tools import find_control  # noqa: E402


@pytest.fixture(scope="module")
def data():
    x_train, labels_train = load_digits("train", flatten=True)
    x_test, labels_test = load_digits("test", flatten=True)
    return x_train, labels_train, x_test[:100], labels_test[:100]


@pytest.fixture(scope="module")
def small_sweep(data):
    return FeatureSweep(*data, [10, 30, 60, 120], n=30, seeds=(0, 1))


def test_parameter_sweep_panels_plot_the_sweep(small_sweep):
    result = small_sweep.evaluate()
    fig, axes = plt.subplots(1, 3)
    draw_parameter_sweep(axes, result, n=30)
    mean_line = [line for line in axes[0].lines if line.get_label() == "mean over seeds"][0]
    np.testing.assert_allclose(mean_line.get_ydata(), result.mean())
    assert axes[0].get_yscale() == "log" and axes[0].get_xscale() == "log"
    threshold = [line for line in axes[0].lines if list(line.get_xdata()) == [30, 30]]
    assert threshold, "the interpolation threshold p = n is marked"
    plt.close(fig)
    with pytest.raises(TypeError, match="SweepResult"):
        draw_parameter_sweep(axes, "not a result", n=30)


def test_linear_panel_shows_the_training_error_zero_from_the_threshold(small_sweep):
    result = small_sweep.evaluate()
    fig, ax = plt.subplots()
    draw_linear_panel(ax, result, threshold=30, top=1.5)
    assert ax.get_yscale() == "linear" and ax.get_ylim() == (0.0, 1.5)
    train = [line for line in ax.lines if line.get_label() == "training error (median)"][0]
    y = np.asarray(train.get_ydata())
    assert np.all(y[np.asarray(result.values) >= 30] < 1e-12) and y[0] > 0.01     # interpolation from p = n on
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "each of 2 seeds" in labels and "median" in labels
    plt.close(fig)


def test_sample_sweep_figure(data):
    result = sample_sweep(*data, sizes=[10, 20, 40], p=20, seeds=(0,))
    fig, ax = plt.subplots()
    draw_sample_sweep(ax, result, p=20)
    assert ax.get_xlabel() == "number of training images n"
    plt.close(fig)


def test_explorer_follows_its_sliders_and_reuses_the_given_sweep(data, small_sweep):
    box = double_descent_explorer(*data, sizes=(30, 40), n=30, sweeps=[small_sweep], seeds=(0,))
    image = box.children[-1]
    first = image.value
    find_control(box, "ridge λ").value = 1e-3
    with_ridge = image.value
    assert with_ridge != first
    find_control(box, "label noise").value = 0.3
    assert image.value != with_ridge
    find_control(box, "n images").value = 40             # decomposed on demand
    assert image.value != with_ridge
    with pytest.raises(ValueError, match="one of sizes"):
        double_descent_explorer(*data, sizes=(30,), n=300)
    with pytest.raises(TypeError, match="FeatureSweep"):
        double_descent_explorer(*data, sizes=(30,), n=30, sweeps=["x"])


def test_width_sweep_figure_draws_every_seed_the_means_and_the_threshold():
    import matplotlib.pyplot as plt

    from lecture_lib.topics.width_sweep import SeedSweep
    from lecture_lib.viz.double_descent_curves import draw_width_sweep

    result = SeedSweep((4, 8, 16), (0, 1), 0.15, np.array([[0.3, 0.0, 0.0], [0.2, 0.1, 0.0]]),
                       np.array([[0.5, 0.6, 0.4], [0.5, 0.55, 0.45]]))
    fig, ax = plt.subplots()
    draw_width_sweep(ax, result)
    lines = ax.get_lines()
    assert len(lines) == 2 * (2 + 1) + 1  # seeds and mean, test and training, and the threshold
    np.testing.assert_allclose(lines[2].get_ydata(), [0.5, 0.575, 0.425])
    assert lines[-1].get_xdata()[0] == 16
    assert "15%" in ax.get_title() and ax.get_legend() is not None
    with pytest.raises(TypeError, match="SeedSweep"):
        draw_width_sweep(ax, "not a sweep")
    plt.close(fig)


def test_descent_paths_and_bias_variance_figures():
    from lecture_lib.topics.double_descent import BiasVariance, DescentPath
    from lecture_lib.viz.double_descent_curves import draw_bias_variance, draw_descent_paths

    steps = np.array([1.0, 10.0, 100.0])
    path = DescentPath(p=30, eta=0.1, steps=steps, test_error=np.array([1.0, 0.5, 0.7]),
                       train_error=np.array([1.0, 0.3, 0.0]), distance=np.array([1.0, 0.1, 0.01]),
                       ridge_lam=1 / (0.2 * steps), ridge_test_error=np.array([0.9, 0.5, 0.6]), min_norm_test_error=0.8)
    fig, axes = plt.subplots(1, 3)
    draw_descent_paths(axes[:2], [path])
    assert len(axes[0].get_lines()) == 3 and len(axes[1].get_lines()) == 1
    np.testing.assert_allclose(axes[1].get_lines()[0].get_ydata(), path.distance)
    parts = BiasVariance(np.array([10, 20, 40]), np.array([0.2, -0.01, 0.1]), np.array([0.1, 5.0, 0.2]),
                         np.array([0.3, 4.99, 0.3]))
    draw_bias_variance(axes[2], parts, threshold=20)
    bias_line = axes[2].get_lines()[2]
    assert np.isnan(bias_line.get_ydata()[1])          # a negative estimate leaves the log axis
    with pytest.raises(TypeError, match="DescentPath"):
        draw_descent_paths(axes[:2], ["no path"])
    with pytest.raises(TypeError, match="BiasVariance"):
        draw_bias_variance(axes[2], "no split")
    plt.close(fig)
