"""Plotting helpers shared by every chapter, so colours and labels stay consistent.

matplotlib is imported lazily inside the functions: the core package needs
NumPy only.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_binary_labels, as_matrix, as_scalar, as_vector

__all__ = ["COLORS", "CLASS_COLORS", "CLASS_MARKERS", "use_lecture_style", "plot_points", "plot_decision_line", "line_through_box"]

# One palette for the whole series (colour-blind safe, from the Okabe–Ito set).
COLORS = {
    "class0": "#0072B2",  # blue
    "class1": "#E69F00",  # orange
    "line": "#000000",
    "train": "#009E73",   # green
    "test": "#D55E00",    # vermillion
    "highlight": "#CC79A7",
    "grey": "#999999",
}
CLASS_COLORS = (COLORS["class0"], COLORS["class1"])
#: One marker code for the whole series: the class is shown by colour AND shape (class 0 a blue
#: circle, class 1 an orange square); where train and test points share a plot, training points
#: are filled and test points hollow (``viz.playground_explorer``).
CLASS_MARKERS = ("o", "s")


def use_lecture_style() -> None:
    """Set matplotlib defaults used by all notebooks (readable on a projector)."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (6.0, 4.0),
        "figure.dpi": 80,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 11,
        "axes.titlesize": 12,
        "legend.frameon": False,
    })


def plot_points(ax, x, y, size=60):
    """Scatter a 2-D binary data set, class 0 as blue circles, class 1 as orange squares.

    Parameters
    ----------
    ax : matplotlib Axes
    x : ndarray, shape (N, 2)
    y : ndarray, shape (N,), values 0/1
    """
    x = as_matrix(x, "x", n_columns=2)
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    for label in (0, 1):
        members = y == label
        ax.scatter(x[members, 0], x[members, 1], s=size, c=CLASS_COLORS[label],
                   marker=CLASS_MARKERS[label], edgecolors="black", linewidths=0.6,
                   label=f"y = {label}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_decision_line(ax, w, b, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), shade=True, color=None, label=None):
    """Draw the line ``w1 x1 + w2 x2 + b = 0`` and shade the side where the unit outputs 1.

    Parameters
    ----------
    ax : matplotlib Axes
    w : ndarray, shape (2,)
    b : float
    xlim, ylim : (float, float)
        The region to draw (also set as the axes limits).
    shade : bool
        Fill the half-plane where ``h = w·x + b >= 0`` in the class-1 colour.
    """
    w = as_vector(w, "w", length=2)
    b = as_scalar(b, "b")
    color = COLORS["line"] if color is None else color
    # Evaluate h on a grid: this handles vertical lines and w = 0 without special cases.
    grid_1, grid_2 = np.meshgrid(np.linspace(*xlim, 201), np.linspace(*ylim, 201))
    h = w[0] * grid_1 + w[1] * grid_2 + b
    if shade:
        ax.contourf(grid_1, grid_2, (h >= 0).astype(float), levels=[-0.5, 0.5, 1.5],
                    colors=[CLASS_COLORS[0], CLASS_COLORS[1]], alpha=0.15, zorder=0)
    if np.any(w != 0) and h.min() < 0 < h.max():
        ax.contour(grid_1, grid_2, h, levels=[0.0], colors=[color], linewidths=2, zorder=2)
        if label is not None:
            ax.plot([], [], color=color, linewidth=2, label=label)  # a contour has no legend entry of its own
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    return ax


def line_through_box(w, b, level, lim):
    """End points of the line ``w1 x1 + w2 x2 + b = level`` across the square ``lim × lim``.

    For drawing a decision line as a plain Line2D (cheap to update in a live
    figure); the axes clip whatever lies outside.

    Parameters
    ----------
    w : ndarray, shape (2,)
    b, level : float
    lim : (float, float)

    Returns
    -------
    x1, x2 : ndarray, shape (2,) each, or shape (0,) each when w = 0 (no line)
    """
    w = as_vector(w, "w", length=2)
    ends = np.array(lim, dtype=float)
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:
        return ends, (level - b - w[0] * ends) / w[1]
    if w[0] != 0:
        return (level - b - w[1] * ends) / w[0], ends
    return np.array([]), np.array([])
