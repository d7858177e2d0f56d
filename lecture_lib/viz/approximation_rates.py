"""Approximation-rate figures: max |f - g| against the number of parameters W on log-log axes.

``draw_error_against_parameters`` draws one curve per method with the
fitted rate alpha in its label; ``draw_function_and_network`` shows a target
function and a network's output over [0, 1]. ``approximation_explorer`` is
the lecture's slider: the width H of the interpolating ReLU layer against
its error on the smooth and on the jump function (static twin: the rate
figure and the H = 8 panels of the chapter). matplotlib and ipywidgets are
imported lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_int_at_least
from ..topics.approximation import (fit_rate, interpolating_relu_network, jump_function, max_error, network_output,
                                    smooth_function)
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["draw_error_against_parameters", "draw_function_and_network", "approximation_explorer"]


def draw_error_against_parameters(ax, curves, title=None):
    """Log-log curves of error against W, each labelled with its fitted rate.

    Parameters
    ----------
    ax : matplotlib Axes
    curves : dict label -> (W, errors), sequences of positive numbers
    title : str, optional

    Returns
    -------
    dict label -> alpha (the fitted rates)
    """
    colours = [COLORS["class0"], COLORS["test"], COLORS["train"], COLORS["highlight"], COLORS["class1"]]
    rates = {}
    for (label, (W, errors)), colour in zip(curves.items(), colours):
        alpha, C = fit_rate(W, errors)
        rates[label] = alpha
        ax.plot(W, errors, "o-", color=colour, label=f"{label}: α = {alpha:.2f}")
        ax.plot(W, C * np.asarray(W, dtype=float) ** -alpha, color=colour, linestyle="dotted", linewidth=1,
                label="fitted C W^(−α)" if not rates.get("_fit_labelled") else None)
        rates["_fit_labelled"] = True
    rates.pop("_fit_labelled", None)
    ax.set(xscale="log", yscale="log", xlabel="number of parameters W", ylabel="max |f(x) − g(x)|")
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())      # minor labels overlap on a log axis
    ax.yaxis.set_minor_formatter(NullFormatter())
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
    return rates


def draw_function_and_network(ax, x, f_values, g_values, title=None, label="network g(x)"):
    """The target f (thick grey) and a network's output g over x : (N,)."""
    ax.plot(x, f_values, color=COLORS["grey"], linewidth=4, alpha=0.6, label="target f(x)")
    ax.plot(x, g_values, color=COLORS["class0"], linewidth=1.5, label=label)
    ax.set(xlabel="x", ylabel="f(x) and g(x)")
    if title:
        ax.set_title(title, fontsize=10)


def approximation_explorer(max_units=128, n_points=2001):
    """A slider for the width H of one hidden ReLU layer that interpolates f at H + 1 equally spaced knots.

    Left and middle: the smooth and the jump function with the network; right: max |f - g| against
    W = 3H + 1 for every H (computed once) with the current H marked. The smooth error falls as W^-2,
    the jump error stays near 1/2 or above. Each move builds two small networks (milliseconds).

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    max_units = check_int_at_least(max_units, "max_units", 2)
    x = np.linspace(0.0, 1.0, check_int_at_least(n_points, "n_points", 101))
    widths = np.unique(np.geomspace(1, max_units, 24).astype(int))
    errors = {name: [max_error(f, lambda t, H=H, f=f: network_output(interpolating_relu_network(f, H), t), x)
                     for H in widths] for name, f in (("smooth", smooth_function), ("jump", jump_function))}
    slider = widgets.IntSlider(value=8, min=1, max=max_units, description="hidden units H", continuous_update=True)
    figure = new_figure(figsize=(12, 3.6))
    axes = figure.subplots(1, 3, gridspec_kw={"left": 0.05, "right": 0.98, "bottom": 0.16, "top": 0.86,
                                              "wspace": 0.28})
    lines = []
    for ax, f, name in ((axes[0], smooth_function, "smooth f"), (axes[1], jump_function, "f with a jump")):
        ax.plot(x, f(x), color=COLORS["grey"], linewidth=4, alpha=0.6, label="target f(x)")
        (line,) = ax.plot(x, np.zeros_like(x), color=COLORS["class0"], linewidth=1.5, label="ReLU layer g(x)")
        ax.set(xlabel="x", ylabel="f(x) and g(x)", title=name, ylim=(-1.3, 2.3))
        ax.legend(fontsize=8, loc="upper right")
        lines.append(line)
    W = 3 * widths + 1
    draw_error_against_parameters(axes[2], {"smooth f": (W, errors["smooth"]), "jump f": (W, errors["jump"])},
                                  title="error against W = 3H + 1")
    (marks,) = axes[2].plot([], [], "s", color="black", markersize=7, label="this H")
    axes[2].legend(fontsize=8, loc="lower left")
    title = figure.suptitle("", fontsize=11)
    live = LiveFigure(figure, [*lines, marks, title])

    def redraw(change=None):
        H = slider.value
        values = []
        for line, f in zip(lines, (smooth_function, jump_function)):
            g = network_output(interpolating_relu_network(f, H), x)
            line.set_ydata(g)
            values.append(float(np.max(np.abs(f(x) - g))))
        marks.set_data([3 * H + 1] * 2, values)
        title.set_text(f"H = {H}, W = {3 * H + 1}: max error smooth {values[0]:.2g}, jump {values[1]:.2f}")
        live.refresh()

    picture = live.image_widget()
    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, picture])
