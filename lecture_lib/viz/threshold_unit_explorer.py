"""Interactive lecture widgets (ipywidgets) and their static twins.

``draw_threshold_unit`` draws the static small-multiples figures in the
notebooks, so the lesson reads without a kernel. The widget
``threshold_unit_explorer`` shows the same picture (shaded region, decision
line, points, truth table) with artists of its own, updated in place in a
``LiveFigure``. ipywidgets and matplotlib are imported lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_binary_labels, as_matrix, as_scalar, as_vector, check_choice
from ..datasets import GATE_TRUTH_TABLES, logic_gate_data
from .live_figure import LiveFigure, new_figure
from .plotting import CLASS_COLORS, COLORS, line_through_box, plot_decision_line, plot_points
from ..topics.units import gate_computed, threshold, threshold_unit

__all__ = ["draw_threshold_unit", "threshold_unit_explorer", "truth_table_text", "step_function_slider",
           "draw_threshold_function", "draw_mistakes_per_epoch"]


def truth_table_text(x, y_true, w, b) -> str:
    """The truth table of a threshold unit as aligned text, with a count of correct rows.

    Parameters
    ----------
    x : ndarray, shape (N, 2)
    y_true : ndarray, shape (N,)
    w : ndarray, shape (2,)
    b : float
    """
    x = as_matrix(x, "x", n_columns=2)
    y_true = as_binary_labels(y_true, "y_true", n_rows=x.shape[0])
    y_pred = threshold_unit(x, w, b)
    lines = [" x1   x2 | target  unit"]
    for (x1, x2), target, out in zip(x, y_true, y_pred):
        mark = "" if target == out else "   <- wrong"
        lines.append(f"{x1:4g} {x2:4g} |    {target}      {out}{mark}")
    lines.append(f"{int(np.sum(y_pred == y_true))}/{len(y_true)} correct")
    return "\n".join(lines)


def draw_threshold_unit(ax, x, y, w, b, title=None, lim=None):
    """Draw data, the decision line ``w·x + b = 0`` and the shaded region where the unit outputs 1.

    Parameters
    ----------
    ax : matplotlib Axes
    x : ndarray, shape (N, 2)
    y : ndarray, shape (N,), values 0/1
    w : ndarray, shape (2,)
    b : float
    title : str, optional (default: the weights and the number of correct points)
    lim : (float, float), optional
        Axis limits for both axes; default: the data range plus a margin.

    Returns
    -------
    n_correct : int
        How many points the unit classifies correctly.
    """
    x = as_matrix(x, "x", n_columns=2)
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    w = as_vector(w, "w", length=2)
    b = as_scalar(b, "b")
    if lim is None:
        pad = 0.5
        lim = (float(x.min()) - pad, float(x.max()) + pad)
    plot_decision_line(ax, w, b, xlim=lim, ylim=lim)
    plot_points(ax, x, y)
    n_correct = int(np.sum(threshold_unit(x, w, b) == y))
    if title is None:
        title = f"w = ({w[0]:g}, {w[1]:g}), b = {b:g}: {n_correct}/{len(y)} correct"
    ax.set_title(title)
    return n_correct


def threshold_unit_explorer(gate="AND", w=(1.0, 1.0), b=-1.5, x=None, y=None, slider_range=(-2.0, 2.0)):
    """Sliders for w1, w2, b moving the decision line; the truth table follows.

    On a logic gate the title also names the gate the current weights compute
    (:func:`~lecture_lib.topics.units.gate_computed`), which need not be the
    gate chosen in the dropdown: with w = (1, 1), b = -0.5 computes OR.

    Parameters
    ----------
    gate : {'AND', 'OR', 'NAND', 'NOR', 'XOR'}
        Initial logic gate (a dropdown changes it). Ignored when ``x`` and ``y`` are given.
    w : (float, float)
        Initial weights.
    b : float
        Initial bias.
    x : ndarray, shape (N, 2), optional
    y : ndarray, shape (N,), optional
        A 2-D data set to show instead of a logic gate (no truth table then).
    slider_range : (float, float)

    Returns
    -------
    ipywidgets.VBox
        Display it (last expression of a cell).
    """
    import ipywidgets as widgets
    from matplotlib.colors import ListedColormap

    w = as_vector(w, "w", length=2)
    b = as_scalar(b, "b")
    low, high = (as_scalar(v, "slider_range") for v in slider_range)
    if not low < high:
        raise ValueError(f"slider_range must be (low, high) with low < high, got {slider_range}.")
    use_gates = x is None and y is None
    if use_gates:
        check_choice(gate, "gate", GATE_TRUTH_TABLES)
    elif x is None or y is None:
        raise ValueError("Give both x and y (a data set), or neither (a logic gate).")
    else:
        x = as_matrix(x, "x", n_columns=2)
        y = as_binary_labels(y, "y", n_rows=x.shape[0])

    def slider(description, value):
        return widgets.FloatSlider(value=float(np.clip(value, low, high)), min=low, max=high, step=0.1,
                                   description=description, continuous_update=True, readout_format=".1f")

    controls = {"w1": slider("w1", w[0]), "w2": slider("w2", w[1]), "b": slider("b", b)}
    if use_gates:
        controls["gate"] = widgets.Dropdown(options=list(GATE_TRUTH_TABLES), value=gate, description="gate")

    # One figure for the session (LiveFigure): axes are drawn once; a move redraws only the shaded
    # region, the line, the points, the title and the truth table, so the plot follows the slider.
    lim = (-0.5, 1.5) if use_gates else (float(x.min()) - 0.5, float(x.max()) + 0.5)
    figure = new_figure(figsize=(9.5, 4) if use_gates else (5, 4))
    margins = {"left": 0.1, "right": 0.98, "bottom": 0.12, "top": 0.9}
    if use_gates:
        ax_plot, ax_table = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2.6], **margins})
        ax_table.axis("off")
        table = ax_table.text(0, 0.5, "", family="monospace", va="center", fontsize=10)
    else:
        ax_plot, table = figure.subplots(1, 1, gridspec_kw=margins), None
    grid = np.linspace(*lim, 121)
    grid_points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)     # (121 * 121, 2)
    region = ax_plot.imshow(np.zeros((121, 121)), origin="lower", extent=(*lim, *lim), vmin=0, vmax=1,
                            cmap=ListedColormap(CLASS_COLORS), alpha=0.15, interpolation="nearest")
    line, = ax_plot.plot([], [], color=COLORS["line"], linewidth=2)
    markers = [ax_plot.plot([], [], linestyle="", marker=marker, markersize=8, color=CLASS_COLORS[label],
                            markeredgecolor="black", markeredgewidth=0.6, label=f"y = {label}")[0]
               for label, marker in ((0, "o"), (1, "s"))]
    ax_plot.set(xlim=lim, ylim=lim, aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    live = LiveFigure(figure, [region, line, *markers, ax_plot.title] + ([table] if table else []))
    status = widgets.Label()

    def redraw(change=None):
        weights = np.array([controls["w1"].value, controls["w2"].value])
        bias = controls["b"].value
        data_x, data_y = logic_gate_data(controls["gate"].value) if use_gates else (x, y)
        region.set_data(threshold_unit(grid_points, weights, bias).reshape(121, 121))
        line.set_data(*line_through_box(weights, bias, 0.0, lim))
        for label, marker in enumerate(markers):
            marker.set_data(data_x[data_y == label, 0], data_x[data_y == label, 1])
        n_correct = int(np.sum(threshold_unit(data_x, weights, bias) == data_y))
        summary = f"w = ({weights[0]:g}, {weights[1]:g}), b = {bias:g}: {n_correct}/{len(data_y)} correct"
        if use_gates:
            summary += f"; the unit computes {gate_computed(weights, bias)}"
        ax_plot.set_title(summary.replace("; ", "\n"))
        if use_gates:
            table.set_text(f"{controls['gate'].value}\n" + truth_table_text(data_x, data_y, weights, bias))
        status.value = (f"{controls['gate'].value}: " if use_gates else "") + summary
        live.refresh()

    image = live.image_widget()
    redraw()
    for control in controls.values():
        control.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                         widgets.HBox(list(controls.values())[2:]), image, status])


def step_function_slider(b=0.0):
    """A one-slider demo (used by the start-here notebook to test that widgets work).

    The slider moves the bias b of the threshold unit f(h) with h = x + b.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    b = as_scalar(b, "b")
    grid = np.linspace(-3, 3, 601)

    def redraw(b):
        fig, ax = plt.subplots(figsize=(5, 2.5))
        ax.plot(grid, threshold_unit(grid[:, None], [1.0], b), color="black")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x + b)")
        ax.set_title(f"The step moves to x = {-b + 0.0:.1f} as b changes")  # + 0.0: no "-0.0" at b = 0
        plt.show()

    slider = widgets.FloatSlider(value=b, min=-2.5, max=2.5, step=0.1, description="b")
    return widgets.VBox([slider, widgets.interactive_output(redraw, {"b": slider})])


def draw_threshold_function(ax, h_range=(-3.0, 3.0)):
    """The threshold activation f(h) as a step, with f(0) = 1 marked (filled dot) and the open end at 0.

    Parameters
    ----------
    ax : matplotlib Axes
    h_range : (float, float)
        The weighted sums shown.
    """
    low, high = (as_scalar(v, "h_range") for v in h_range)
    if not low < 0 < high:
        raise ValueError(f"h_range must contain 0 (low < 0 < high), got {h_range}.")
    h_grid = np.linspace(low, high, 601)
    ax.plot(h_grid, threshold(h_grid), color=COLORS["line"], drawstyle="steps-post")
    ax.plot([0], [1], "o", color=COLORS["line"])
    ax.plot([0], [0], "o", markerfacecolor="white", color=COLORS["line"])
    ax.set(xlabel="weighted sum $h$", ylabel="unit output $g = f(h)$",
           title="Threshold activation: fires (1) as soon as $h \\geq 0$")
    return ax


def draw_mistakes_per_epoch(ax, runs):
    """Mistakes per epoch (counted online) of perceptron runs, one line per run, with a legend.

    Parameters
    ----------
    ax : matplotlib Axes
    runs : dict of str -> PerceptronResult
        Legend label -> a result of ``topics.perceptron.train_perceptron``.
    """
    if not runs:
        raise ValueError("runs must hold at least one perceptron result.")
    for (label, run), marker, colour in zip(runs.items(), "os^v", [COLORS["train"], COLORS["test"], COLORS["line"],
                                                                  COLORS["grey"]]):
        ax.plot(np.arange(1, run.epochs + 1), run.mistakes_per_epoch, f"{marker}-", color=colour, label=label)
    ax.set(xlabel="epoch", ylabel="mistakes in the epoch (online)")
    ax.legend()
    return ax
