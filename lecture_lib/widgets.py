"""Interactive lecture widgets (ipywidgets) and their static twins.

Each widget's drawing function is public and also used for the static
small-multiples figure in the notebooks, so the lesson reads without a kernel.
ipywidgets and matplotlib are imported lazily.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_binary_labels, as_matrix, as_scalar, as_vector, check_choice
from .datasets import GATE_TRUTH_TABLES, logic_gate_data
from .plotting import plot_decision_line, plot_points
from .units import threshold_unit

__all__ = ["draw_threshold_unit", "threshold_unit_explorer", "truth_table_text", "step_function_slider"]


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


def threshold_unit_explorer(gate="AND", w=(1.0, 1.0), b=-0.5, x=None, y=None, slider_range=(-2.0, 2.0)):
    """Sliders for w1, w2, b moving the decision line; the truth table follows.

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
    import matplotlib.pyplot as plt

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

    def redraw(w1, w2, b, gate=None):
        data_x, data_y = logic_gate_data(gate) if use_gates else (x, y)
        fig, axes = plt.subplots(1, 2 if use_gates else 1, figsize=(8.5 if use_gates else 5, 4),
                                 gridspec_kw={"width_ratios": [3, 2]} if use_gates else None)
        ax_plot = axes[0] if use_gates else axes
        lim = (-0.5, 1.5) if use_gates else None
        draw_threshold_unit(ax_plot, data_x, data_y, (w1, w2), b, lim=lim)
        if use_gates:
            axes[1].axis("off")
            axes[1].text(0, 0.5, f"{gate}\n" + truth_table_text(data_x, data_y, (w1, w2), b),
                         family="monospace", va="center", fontsize=10)
        plt.show()

    output = widgets.interactive_output(redraw, controls)
    return widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                         widgets.HBox(list(controls.values())[2:]), output])


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
        ax.set_title(f"The step moves to x = {-b:.1f} as b changes")
        plt.show()

    slider = widgets.FloatSlider(value=b, min=-2.5, max=2.5, step=0.1, description="b")
    return widgets.VBox([slider, widgets.interactive_output(redraw, {"b": slider})])
