"""Approximation-rate figures: max |f - g| against the number of parameters W on log-log axes.

``draw_error_against_parameters`` draws one curve per method with the
fitted rate alpha in its label; ``draw_function_and_network`` shows a target
function and a network's output over [0, 1]. ``approximation_explorer`` is
the lecture's slider: the width H of the interpolating ReLU layer against
its error on the smooth and on the jump function (static twin: the rate
figure and the H = 8 panels of the chapter). ``depth_explorer`` is the
lecture's depth slider: the number of layers k of the deep ReLU network that
computes the sawtooth with 2^(k-1) teeth exactly, beside the single hidden
layer with the same number of parameters and the parameters each needs for an
exact fit; its static twin is ``depth_small_multiples``. Every network is
built from its formula, none trained, so a slider move takes milliseconds.
matplotlib and ipywidgets are imported lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_int_at_least
from ..topics.approximation import (fit_rate, interpolating_relu_network, jump_function, max_error, network_output,
                                    sawtooth, sawtooth_network, shallow_sawtooth_error_bound, smooth_function)
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["draw_error_against_parameters", "draw_function_and_network", "approximation_explorer",
           "sawtooth_by_depth", "depth_explorer", "depth_small_multiples"]


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


# --- depth: the sawtooth ----------------------------------------------------------------------------------

def sawtooth_by_depth(k, x):
    """The sawtooth with k folds, the deep network and the single hidden layer of the same size, on the points x.

    The deep network has k hidden layers of 2 ReLU units (W = 6k + 1, exact); the shallow one has one hidden
    layer of H = 2k units (W = 6k + 1, the same budget) interpolating at equally spaced knots, as the
    chapter's table.

    Returns
    -------
    dict with target, deep, shallow : ndarray (N,); W, H : int; deep_error, shallow_error : float (max |f - g| on x);
    bound : float (Telgarsky's lower bound for every one-layer network of H units);
    W_exact_deep, W_exact_shallow : int (parameters needed for an exact fit: 6k + 1 and 3 * 2^k + 1)
    """
    k = check_int_at_least(k, "k", 1)
    x = np.asarray(x, dtype=float)
    target = sawtooth(x, k)
    deep_net = sawtooth_network(k)
    H = max(1, (deep_net.count_params() - 1) // 3)  # as many parameters as the deep network
    deep, shallow = network_output(deep_net, x), network_output(interpolating_relu_network(lambda t: sawtooth(t, k), H), x)
    return {"target": target, "deep": deep, "shallow": shallow, "W": deep_net.count_params(), "H": H,
            "deep_error": float(np.max(np.abs(target - deep))), "shallow_error": float(np.max(np.abs(target - shallow))),
            "bound": shallow_sawtooth_error_bound(k, H), "W_exact_deep": 6 * k + 1, "W_exact_shallow": 3 * 2 ** k + 1}


def _error_text(error):
    return "< 1e-9" if error < 1e-9 else f"{error:.2f}"


def _bound_text(found):
    """Telgarsky's bound in words: every one-layer network of this width is off by at least 1/2, or can be exact."""
    if found["bound"] > 0:
        return f"every layer of {found['H']} units is off by at least {found['bound']:g}"
    return f"a layer of {found['H']} units can be exact"


def _draw_exact_budget(ax, depths):
    """Parameters for an exact fit against k: deep 6k + 1, one layer 3 * 2^k + 1 (log axis)."""
    depths = np.asarray(depths)
    ax.semilogy(depths, 6 * depths + 1, "o-", color=COLORS["class0"], label="k layers x 2 units: 6k + 1")
    ax.semilogy(depths, 3 * 2.0 ** depths + 1, "s--", color=COLORS["test"], label="one layer: 3 x 2^k + 1")
    ax.set(xlabel="layers k of the deep network (2^(k-1) teeth)", ylabel="parameters W for an exact fit (log)",
           title="W for an exact fit")
    ax.set_xticks(depths)
    ax.legend(fontsize=8, loc="upper left")


def depth_small_multiples(depths=(2, 4, 6), n_points=4097):
    """The depth slider's lesson as a static figure: a row per k (deep network, one layer of the same size), and W.

    Every row: the sawtooth with k folds, left the deep network (exact), right the single hidden layer with the
    same number of parameters (error and Telgarsky's lower bound in the title). Right-hand column: the parameters
    each needs for an exact fit against k.
    """
    import matplotlib.pyplot as plt

    depths = [check_int_at_least(k, "k", 1) for k in depths]
    x = np.linspace(0.0, 1.0, check_int_at_least(n_points, "n_points", 101))
    fig = plt.figure(figsize=(14, 2.6 * len(depths) + 0.6))
    grid = fig.add_gridspec(len(depths), 3, width_ratios=(1, 1, 0.9), hspace=0.75, wspace=0.28)
    for row, k in enumerate(depths):
        found = sawtooth_by_depth(k, x)
        deep_ax, shallow_ax = fig.add_subplot(grid[row, 0]), fig.add_subplot(grid[row, 1])
        draw_function_and_network(deep_ax, x, found["target"], found["deep"], label="deep network",
                                  title=f"k = {k}: {k} layers x 2 ReLU units, W = {found['W']}: "
                                        f"error {_error_text(found['deep_error'])}")
        draw_function_and_network(shallow_ax, x, found["target"], found["shallow"], label="one layer",
                                  title=f"one layer, H = {found['H']} units, W = {found['W']}: error "
                                        f"{_error_text(found['shallow_error'])}\n({_bound_text(found)})")
        for ax in (deep_ax, shallow_ax):
            ax.set_ylim(-0.1, 1.45)
            ax.legend(fontsize=7, loc="upper right", ncol=2)
    _draw_exact_budget(fig.add_subplot(grid[:, 2]), np.arange(1, max(depths) + 3))
    fig.suptitle("Same number of parameters: k layers of 2 ReLU units draw the sawtooth exactly, one layer cannot",
                 fontsize=11)
    return fig


def depth_explorer(max_depth=8, k=3, n_points=4097):
    """A slider for the number of layers k of the deep sawtooth network; the one-layer network of the same W follows.

    Left: the sawtooth with 2^(k-1) teeth and the deep network (k layers of 2 ReLU units, exact); middle: one
    hidden layer with the same number of parameters, W = 6k + 1 (H = 2k units, equally spaced knots), with
    its error and Telgarsky's lower bound for every layer of that size; right: the parameters each needs for
    an exact fit against k, the current k marked. The networks are built, not trained, once for every k when
    the widget is made: a move only redraws. The default n_points = 2^12 + 1 puts a grid point on every corner j / 2^k of the sawtooth.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    max_depth = check_int_at_least(max_depth, "max_depth", 2)
    k = check_int_at_least(k, "k", 1)
    if k > max_depth:
        raise ValueError(f"k must be at most max_depth = {max_depth}, got {k}.")
    x = np.linspace(0.0, 1.0, check_int_at_least(n_points, "n_points", 101))
    slider = widgets.IntSlider(value=k, min=1, max=max_depth, description="layers k", continuous_update=True)
    figure = new_figure(figsize=(12, 3.6))
    axes = figure.subplots(1, 3, gridspec_kw={"left": 0.05, "right": 0.98, "bottom": 0.16, "top": 0.8,
                                              "wspace": 0.28, "width_ratios": (1, 1, 0.9)})
    lines = []
    for ax, label in ((axes[0], "deep network"), (axes[1], "one layer, same W")):
        (target_line,) = ax.plot(x, np.zeros_like(x), color=COLORS["grey"], linewidth=3, alpha=0.6, label="sawtooth f(x)")
        (network_line,) = ax.plot(x, np.zeros_like(x), color=COLORS["class0"], linewidth=1.2, label=label)
        ax.set(xlabel="x", ylabel="f(x) and g(x)", ylim=(-0.1, 1.45))
        ax.legend(fontsize=8, loc="upper right", ncol=2)
        lines.append((target_line, network_line))
    _draw_exact_budget(axes[2], np.arange(1, max_depth + 1))
    (marks,) = axes[2].plot([], [], "D", color="black", markersize=7, label="this k")
    axes[2].legend(fontsize=8, loc="upper left")
    axes[0].set_title("deep: k layers x 2 ReLU units, W = 6k + 1", fontsize=10)
    axes[1].set_title("one layer of H = 2k units: the same W", fontsize=10)
    # one dynamic text only: drawing text is most of a frame's time
    title = figure.suptitle("", fontsize=11)
    live = LiveFigure(figure, [*(line for pair in lines for line in pair), marks, title])

    found_by_depth = {depth: sawtooth_by_depth(depth, x) for depth in range(1, max_depth + 1)}  # ~10 ms each

    def redraw(change=None):
        found = found_by_depth[slider.value]
        for (target_line, network_line), key in zip(lines, ("deep", "shallow")):
            target_line.set_ydata(found["target"])
            network_line.set_ydata(found[key])
        marks.set_data([slider.value] * 2, [found["W_exact_deep"], found["W_exact_shallow"]])
        title.set_text(f"k = {slider.value} ({2 ** (slider.value - 1)} teeth), W = {found['W']}: deep error "
                       f"{_error_text(found['deep_error'])}; one layer of H = {found['H']}: "
                       f"{_error_text(found['shallow_error'])} ({_bound_text(found)})")
        live.refresh()

    picture = live.image_widget()
    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, picture])
