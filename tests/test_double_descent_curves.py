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
