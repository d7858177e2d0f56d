"""Figures of the two-weight loss surface: 3-D surface, contours with descent paths, loss curves,
and the learning-rate explorer with its static twin (chapter 04).

The computations (data, E(w1, w2), gradient descent) are in
``lecture_lib.topics.loss_surface``; matplotlib and ipywidgets are imported
inside the functions that need them.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_scalar, check_positive, check_positive_int
from ..topics.loss_surface import find_minimum, gradient_descent, loss_grid, random_start, two_weight_data, two_weight_loss
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["draw_surface_3d", "draw_contours", "draw_loss_curve", "learning_rate_explorer",
           "learning_rate_small_multiples"]



def _mark_points(ax, start, minimum):
    ax.plot(*start, "o", color=COLORS["test"], markersize=9, markeredgecolor="black", zorder=5)
    ax.annotate("A", start, textcoords="offset points", xytext=(7, 5), fontsize=13, weight="bold")
    ax.plot(*minimum, "*", color=COLORS["highlight"], markersize=16, markeredgecolor="black", zorder=5)
    ax.annotate("F", minimum, textcoords="offset points", xytext=(8, 6), fontsize=13, weight="bold")


def draw_surface_3d(ax, grid, path=None, minimum=None):
    """Draw E(w1, w2) as a 3-D surface on ``ax`` (made with projection='3d').

    Parameters
    ----------
    grid : (w1_grid, w2_grid, E) from ``loss_grid``
    path : DescentPath, optional
        Drawn on the surface, A marked at its start.
    minimum : ndarray, shape (2,), optional
        F, marked with a star.
    """
    w1_grid, w2_grid, loss = grid
    ax.plot_surface(w1_grid, w2_grid, loss, cmap="viridis", alpha=0.75, linewidth=0, rstride=3, cstride=3)
    if path is not None:
        inside = _inside(path.weights, w1_grid, w2_grid)
        ax.plot(path.weights[inside, 0], path.weights[inside, 1], path.losses[inside] + 0.02, ".-",
                color=COLORS["test"], zorder=10)
        ax.text(*path.weights[0], path.losses[0] + 0.3, "A", fontsize=13, weight="bold")
    if minimum is not None:
        ax.scatter(*minimum, np.min(loss), marker="*", s=200, color=COLORS["highlight"], edgecolors="black")
        ax.text(minimum[0], minimum[1], np.min(loss) - 0.6, "F", fontsize=13, weight="bold")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_zlabel("$E(w_1, w_2)$")
    return ax


def _inside(weights, w1_grid, w2_grid):
    return ((weights[:, 0] >= w1_grid.min()) & (weights[:, 0] <= w1_grid.max())
            & (weights[:, 1] >= w2_grid.min()) & (weights[:, 1] <= w2_grid.max()))


def draw_contours(ax, grid, path=None, minimum=None, title=None, colorbar=False):
    """Contour lines of E (log-spaced levels, every third one labelled) with an optional descent path from A.

    Parameters
    ----------
    grid : (w1_grid, w2_grid, E) from ``loss_grid``
    path : DescentPath, optional
        Drawn as dots joined by lines; a diverging path is clipped at the frame.
    minimum : ndarray, shape (2,), optional
        F, marked with a star.
    colorbar : bool
        Add a colour bar of E beside the axes (its bands are the contour levels).
    """
    w1_grid, w2_grid, loss = grid
    levels = np.geomspace(max(loss.min(), 1e-4) * 1.5, loss.max(), 14)
    filled = ax.contourf(w1_grid, w2_grid, loss, levels=np.concatenate([[0], levels]), cmap="viridis", alpha=0.5)
    lines = ax.contour(w1_grid, w2_grid, loss, levels=levels, colors="black", linewidths=0.5, alpha=0.6)
    ax.clabel(lines, levels[1::3], fmt="%.2g", fontsize=7, inline_spacing=2)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, ticks=levels[::2], format="%.2g")
        bar.set_label("loss $E(w_1, w_2)$ (levels log-spaced)")
    if path is not None:
        ax.plot(path.weights[:, 0], path.weights[:, 1], ".-", color=COLORS["test"], linewidth=1.5, markersize=6)
    if path is not None and minimum is not None:
        _mark_points(ax, path.weights[0], minimum)
    elif minimum is not None:
        ax.plot(*minimum, "*", color=COLORS["highlight"], markersize=16, markeredgecolor="black")
    ax.set_xlim(w1_grid.min(), w1_grid.max())
    ax.set_ylim(w2_grid.min(), w2_grid.max())
    ax.set_xlabel("$w_1$ (input to hidden)")
    ax.set_ylabel("$w_2$ (hidden to output)")
    if title is not None:
        ax.set_title(title)
    return ax


def draw_loss_curve(ax, path, label=None, color=None):
    """E against the step number, on a log axis; a diverged run is marked "diverged" at its last finite E.

    Parameters
    ----------
    ax : matplotlib Axes
    path : DescentPath
        An infinite E (overflow) is left out of the curve.
    label : str, optional
        Legend entry of the curve.
    color : matplotlib colour, optional
        Colour of the curve (default: the axes' next colour).

    Returns
    -------
    ax : matplotlib Axes
    """
    losses = np.where(np.isfinite(path.losses), path.losses, np.nan)
    ax.semilogy(np.arange(len(losses)), losses, ".-", color=color, label=label)
    if path.diverged:
        ax.annotate("diverged", (len(losses) - 1, np.nanmax(losses)), textcoords="offset points",
                    xytext=(-60, -15), color=COLORS["test"])
    ax.set_xlabel("step")
    ax.set_ylabel("loss $E$")
    return ax


def _verdict(path, minimum_loss):
    if path.diverged:
        return "diverges"
    if path.final_loss < 1.5 * minimum_loss:
        return "reaches F"
    if np.any(np.diff(path.losses) > 0):
        return "overshoots, zigzags"
    return "too small: still far from F"


def learning_rate_small_multiples(etas=(0.1, 1.0, 5.0, 6.0), steps=30, seed=2, data=None):
    """The static twin of ``learning_rate_explorer``: one contour panel per learning rate.

    Parameters
    ----------
    etas : sequence of float
    steps : int
    seed : int
        Seeds the start A (``random_start``).
    data : (x, y), optional
        Default ``two_weight_data()``.

    Returns
    -------
    fig : matplotlib Figure
    paths : list of DescentPath, one per eta
    """
    import matplotlib.pyplot as plt

    x, y = two_weight_data() if data is None else data
    grid = loss_grid(x, y)
    minimum = find_minimum(x, y)
    minimum_loss = two_weight_loss(*minimum, x, y)
    start = random_start(seed)
    paths = [gradient_descent(start, eta, steps, x, y) for eta in etas]
    fig, axes = plt.subplots(1, len(paths), figsize=(3.6 * len(paths), 3.8), squeeze=False)
    for ax, path in zip(axes[0], paths):
        draw_contours(ax, grid, path, minimum, title=f"η = {path.eta:g}: {_verdict(path, minimum_loss)}")
    fig.tight_layout()
    return fig, paths


def learning_rate_explorer(eta=1.0, steps=30, seed=2, data=None):
    """Sliders for the learning rate eta (log scale) and the number of steps.

    Left: the run from A on the contour plot; right: E against the step.
    The contours, A and F are drawn once; a slider move only redraws the
    path, the loss curve and the titles (``LiveFigure``), so the plot
    follows the slider at once.

    Returns
    -------
    ipywidgets.VBox
        Display it (last expression of a cell).
    """
    import ipywidgets as widgets

    eta = check_positive(eta, "eta")
    steps = check_positive_int(steps, "steps")
    seed = int(as_scalar(seed, "seed"))
    x, y = two_weight_data() if data is None else data
    grid = loss_grid(x, y)
    minimum = find_minimum(x, y)
    minimum_loss = two_weight_loss(*minimum, x, y)
    start = random_start(seed)
    max_steps = 100

    figure = new_figure(figsize=(10, 4))
    ax_contour, ax_loss = figure.subplots(1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.13,
                                                             "top": 0.9, "wspace": 0.25})
    draw_contours(ax_contour, grid)
    _mark_points(ax_contour, start, minimum)
    path_line, = ax_contour.plot([], [], ".-", color=COLORS["test"], linewidth=1.5, markersize=6)
    loss_line, = ax_loss.semilogy([], [], ".-", color=COLORS["train"])
    ax_loss.axhline(minimum_loss, color=COLORS["grey"], linestyle="--", label="E at F")
    # Fixed limits: the cached background stays valid; a diverging run leaves the frame at the top.
    ax_loss.set(xlim=(0, max_steps), ylim=(0.5 * minimum_loss, 1e3), xlabel="step", ylabel="loss $E$")
    ax_loss.legend(loc="upper right")
    live = LiveFigure(figure, [path_line, loss_line, ax_contour.title, ax_loss.title])

    def redraw(change=None):
        path = gradient_descent(start, controls["eta"].value, controls["steps"].value, x, y)
        path_line.set_data(path.weights[:, 0], path.weights[:, 1])
        losses = np.where(np.isfinite(path.losses), path.losses, np.nan)
        loss_line.set_data(np.arange(len(losses)), losses)
        ax_contour.set_title(f"η = {path.eta:.3g}: {_verdict(path, minimum_loss)}")
        ax_loss.set_title(f"final E = {path.final_loss:.4g} after {len(path.losses) - 1} steps"
                          + (" (diverged)" if path.diverged else ""))
        live.refresh()

    controls = {
        "eta": widgets.FloatLogSlider(value=eta, base=10, min=-2, max=1, step=0.05, description="η",
                                      readout_format=".3g", continuous_update=False),
        "steps": widgets.IntSlider(value=min(steps, max_steps), min=1, max=max_steps, description="steps",
                                   continuous_update=False),
    }
    image = live.image_widget()
    redraw()
    for control in controls.values():
        control.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox(list(controls.values())), image])
