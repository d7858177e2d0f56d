"""Chapter 05's loss figures draw the package's numbers."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lecture_lib.topics.loss_functions import huber_derivative, line_with_outliers  # noqa: E402
from lecture_lib.viz.loss_function_plots import (draw_cross_entropy_against_margin, draw_line_fits,  # noqa: E402
                                                 draw_regression_losses)


def test_regression_losses_draw_both_losses_and_capped_gradients():
    fig, (ax_loss, ax_gradient) = plt.subplots(1, 2)
    draw_regression_losses(ax_loss, ax_gradient, deltas=(0.5, 2.0))
    assert len(ax_loss.lines) == 3
    huber_line = next(line for line in ax_gradient.lines if line.get_label() == "Huber: clip(r, ±2)")
    assert np.allclose(huber_line.get_ydata(), huber_derivative(huber_line.get_xdata(), 2.0))
    assert huber_line.get_ydata().max() == 2.0
    plt.close(fig)


def test_line_fits_mark_outliers_and_label_slopes():
    data = line_with_outliers(seed=0)
    fig, ax = plt.subplots()
    draw_line_fits(ax, data, {"squared error": (4.0, 2.5), "Huber": (2.25, 1.3)})
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["true line (slope 2)", "squared error (slope 4.00)", "Huber (slope 2.25)"]
    assert len(ax.collections[1].get_offsets()) == data.outliers.sum()
    plt.close(fig)


def test_cross_entropy_curves_show_the_cap_and_the_overflow():
    fig, ax = plt.subplots()
    margins = np.geomspace(1, 1000, 31)
    draw_cross_entropy_against_margin(ax, margins)
    exact, float32, clipped = (line.get_ydata() for line in ax.lines)
    assert np.allclose(exact[margins > 40], margins[margins > 40])
    assert np.nanmax(clipped) < 16.2                       # -log(1e-7): the cap
    assert np.isnan(float32[-1]) and np.isfinite(float32[0])  # float32 underflow: log(0) = -inf, left out
    plt.close(fig)
