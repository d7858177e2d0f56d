"""Figures of chapter 05's losses: squared error against Huber, fits with outliers, cross-entropy at large logits.

The computations are in ``lecture_lib.topics.loss_functions``; matplotlib is
imported by the caller's figure (these functions draw on axes given to them).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array
from ..topics.loss_functions import (cross_entropy_from_logits, cross_entropy_from_probabilities, huber_derivative,
                                     huber_per_residual, squared_error_derivative, squared_error_per_residual)
from .plotting import COLORS

__all__ = ["draw_regression_losses", "draw_line_fits", "draw_cross_entropy_against_margin"]

_DELTA_COLOURS = (COLORS["class1"], COLORS["train"], COLORS["highlight"])


def draw_regression_losses(ax_loss, ax_gradient, deltas=(1.0,), r_max=4.0):
    """Squared error and Huber per residual r = yhat - y (left) and their derivatives dL/dr (right).

    Parameters
    ----------
    ax_loss, ax_gradient : matplotlib Axes
    deltas : sequence of float
        Huber thresholds to draw (up to three get their own colours).
    r_max : float
        Residuals from -r_max to r_max.
    """
    r = np.linspace(-r_max, r_max, 401)
    ax_loss.plot(r, squared_error_per_residual(r), color=COLORS["line"], label="squared error $r^2/2$")
    ax_gradient.plot(r, squared_error_derivative(r), color=COLORS["line"], label="squared error: $r$")
    for delta, colour in zip(deltas, _DELTA_COLOURS * 3):
        ax_loss.plot(r, huber_per_residual(r, delta), color=colour, linestyle="--", label=f"Huber, δ = {delta:g}")
        ax_gradient.plot(r, huber_derivative(r, delta), color=colour, linestyle="--",
                         label=f"Huber: clip(r, ±{delta:g})")
    ax_loss.set(xlabel="residual $r = \\hat y - y$", ylabel="loss $L(r)$", ylim=(0, r_max ** 2 / 2),
                title="Huber grows linearly beyond δ")
    ax_gradient.set(xlabel="residual $r = \\hat y - y$", ylabel="$dL/dr$ (pull on the prediction)",
                    title="Huber's pull is capped at ±δ")
    ax_gradient.axhline(0, color=COLORS["grey"], linewidth=0.8)
    ax_loss.legend(fontsize=9)
    ax_gradient.legend(fontsize=9, loc="upper left")
    return ax_loss, ax_gradient


def draw_line_fits(ax, data, fits, title=None):
    """The points of ``line_with_outliers`` (outliers marked) and one line per fit.

    Parameters
    ----------
    ax : matplotlib Axes
    data : LineData
    fits : dict of str -> (w, b)
        Label -> fitted slope and intercept; the true line is drawn too.
    """
    x, y = data.x.ravel(), data.y.ravel()
    inliers = ~data.outliers
    ax.scatter(x[inliers], y[inliers], s=25, color=COLORS["class0"], edgecolors="black", linewidths=0.5,
               label="data", zorder=3)
    ax.scatter(x[data.outliers], y[data.outliers], s=60, color=COLORS["test"], marker="X", edgecolors="black",
               linewidths=0.5, label="outliers", zorder=3)
    grid = np.array([x.min(), x.max()])
    ax.plot(grid, data.slope * grid + data.intercept, color=COLORS["grey"], linewidth=4, alpha=0.6,
            label=f"true line (slope {data.slope:g})")
    styles = [dict(color=COLORS["line"]), dict(color=COLORS["class1"], linestyle="--"),
              dict(color=COLORS["highlight"], linestyle=":")]
    for (label, (w, b)), style in zip(fits.items(), styles * 3):
        ax.plot(grid, w * grid + b, linewidth=2, label=f"{label} (slope {w:.2f})", **style)
    ax.set(xlabel="x", ylabel="y")
    if title is not None:
        ax.set_title(title)
    ax.legend(fontsize=9, loc="upper left")
    return ax


def draw_cross_entropy_against_margin(ax, margins, epsilon=1e-7):
    """The loss of an example whose true class trails by a margin z: from logits, from probabilities, clipped.

    The logits are h = (0, -z) with the true class second, so the exact
    loss is log(1 + e^z) ~ z.

    Parameters
    ----------
    ax : matplotlib Axes
    margins : array_like, shape (M,), positive
    epsilon : float
        The clipping margin of the clipped curve (Keras: 1e-7).
    """
    margins = as_float_array(margins, "margins")
    target = np.array([[0.0, 1.0]])
    curves = {
        "from logits (log-softmax)": ([cross_entropy_from_logits(target, [[0.0, -z]]) for z in margins],
                                      dict(color=COLORS["train"], linewidth=3)),
        "from probabilities, float32": ([cross_entropy_from_probabilities(target, [[0.0, -z]], dtype="float32")
                                         for z in margins], dict(color=COLORS["class1"], linestyle="--")),
        f"from probabilities clipped at {epsilon:g}": (
            [cross_entropy_from_probabilities(target, [[0.0, -z]], epsilon=epsilon) for z in margins],
            dict(color=COLORS["test"], linestyle=":", linewidth=2.5)),
    }
    for label, (values, style) in curves.items():
        values = np.array(values)
        ax.plot(margins, np.where(np.isfinite(values), values, np.nan), label=label, **style)
    ax.set(xlabel="margin z by which the true class's logit trails", ylabel="loss E of the example",
           xscale="log", yscale="log")
    ax.legend(fontsize=9)
    return ax
