"""The slides' diagrams, drawn with matplotlib.

* ``draw_unit``: one unit, slide 8.1 1/3 (b) 「ニューロンの数理モデル」: inputs
  x_0 = 1, x_1 ... x_d, weights w_0 ... w_d, the sum Σ and the activation f.
* ``draw_network``: a fully connected feed-forward network, optionally with the
  bias nodes "1" of slide 8.2 1/8 (one per layer below the output).
* ``draw_backprop_learning``: slide 8.2 3/8, learning by backpropagation:
  input -> output, the teacher signal, the error flowing back, the weight update.
* ``draw_layer_indices``: slides 5/8-6/8, layers n-1, n, n+1 with the units i,
  j, k and the weights w_ij, w_jk.

matplotlib is used only through the Axes passed in.
"""
from __future__ import annotations

from .._validate import check_int_at_least, check_positive_int
from .plotting import COLORS

__all__ = ["draw_unit", "draw_network", "draw_backprop_learning", "draw_layer_indices"]

_UNIT = dict(s=700, edgecolors="black", zorder=3)
_ERROR = "#D55E00"


def _arrow(ax, start, end, color="black", style="-|>", linestyle="-", width=1.2, shrink=14):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops=dict(arrowstyle=style, color=color, linestyle=linestyle, linewidth=width,
                                shrinkA=shrink, shrinkB=shrink))


def draw_unit(ax, n_inputs=3, title=None):
    """One computational unit: inputs x_0 = 1, x_1..x_d, weights w_0..w_d, Σ, f, output.

    Parameters
    ----------
    ax : matplotlib Axes
    n_inputs : int >= 1
        d, the number of inputs besides the constant x_0 = 1.
    title : str, optional
    """
    d = check_positive_int(n_inputs, "n_inputs")
    rows = d + 1
    ys = [(rows - 1) / 2 - r for r in range(rows)]
    for r, y in enumerate(ys):
        label = "$x_0 = 1$" if r == 0 else f"$x_{r}$"
        colour = COLORS["grey"] if r == 0 else COLORS["train"]
        ax.scatter([0], [y], color=colour, **_UNIT)
        ax.text(-0.35, y, label, ha="right", va="center", fontsize=12)
        _arrow(ax, (0, y), (2, 0))
        ax.text(1.0, y + (0 - y) * 0.5 + 0.12, f"$w_{r}$", ha="center", va="bottom", fontsize=12,
                color=COLORS["test"])
    ax.scatter([2], [0], s=1800, color="white", edgecolors="black", zorder=3)
    ax.text(2, 0, "Σ", ha="center", va="center", fontsize=20, zorder=4)
    ax.text(2.25, 0.4, "$h = \\sum_{i=0}^{d} w_i x_i$", ha="left", va="bottom", fontsize=11)
    ax.add_patch(_box(3.1, 0, "f", ax))
    ax.text(3.1, -0.45, "activation $f$\n(threshold,\nsigmoid, ...)", ha="left", va="top", fontsize=10)
    _arrow(ax, (2, 0), (3.1, 0), shrink=22)
    _arrow(ax, (3.1, 0), (4.3, 0), shrink=16)
    ax.text(4.4, 0, "$g = f(h)$", ha="left", va="center", fontsize=12)
    ax.text(0, ys[0] + 0.65, "inputs", ha="center", fontsize=11)
    ax.text(1.0, ys[0] + 0.65, "weights", ha="center", fontsize=11, color=COLORS["test"])
    ax.set(xlim=(-1.3, 5.6), ylim=(ys[-1] - 0.8, ys[0] + 1.0))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def _box(x, y, text, ax, width=0.6, height=0.6):
    from matplotlib.patches import FancyBboxPatch

    ax.text(x, y, text, ha="center", va="center", fontsize=16, style="italic", zorder=4)
    return FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
                          facecolor="white", edgecolor="black", zorder=3)


def _layer_positions(sizes):
    return [[(col, (n - 1) / 2 - row) for row in range(n)] for col, n in enumerate(sizes)]


def draw_network(ax, sizes, layer_names=None, title=None, bias=False):
    """Draw a fully connected feed-forward network: one column of units per layer, every link.

    Parameters
    ----------
    ax : matplotlib Axes
    sizes : sequence of int
        Units per layer, input layer first, e.g. (2, 3, 2).
    layer_names : sequence of str, optional
        Written under the columns (default: input layer, hidden layer k, output layer).
    title : str, optional
    bias : bool
        Draw a bias node "1" above every layer but the output, linked to every
        unit of the next layer (its links are the biases b_j = w_0j).
    """
    sizes = [check_positive_int(n, "units of a layer") for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {sizes}.")
    if layer_names is None:
        hidden = [f"hidden\nlayer {k}" if len(sizes) > 3 else "hidden\nlayer" for k in range(1, len(sizes) - 1)]
        layer_names = ["input\nlayer", *hidden, "output\nlayer"]
    top = max(sizes)
    positions = _layer_positions(sizes)
    bias_y = (top - 1) / 2 + 1.0
    for col, (left, right) in enumerate(zip(positions, positions[1:])):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color=COLORS["grey"], linewidth=0.8, zorder=1)
        if bias:
            for x1, y1 in right:
                ax.plot([col, x1], [bias_y, y1], color=COLORS["grey"], linewidth=0.8, linestyle="--", zorder=1)
    colours = [COLORS["train"]] + [COLORS["highlight"]] * (len(sizes) - 2) + [COLORS["class1"]]
    for col, (column, colour) in enumerate(zip(positions, colours)):
        xs, ys = zip(*column)
        ax.scatter(xs, ys, s=500, color=colour, edgecolors="black", zorder=2)
        ax.text(col, -(top - 1) / 2 - 0.6, layer_names[col], ha="center", va="top")
        if bias and col < len(sizes) - 1:
            ax.scatter([col], [bias_y], s=500, color="white", edgecolors="black", zorder=2)
            ax.text(col, bias_y, "1", ha="center", va="center", fontsize=12, zorder=3)
    y_top = bias_y + 0.6 if bias else (top - 1) / 2 + 0.6
    ax.set(xlim=(-0.6, len(sizes) - 0.4), ylim=(-(top - 1) / 2 - 1.8, y_top))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def draw_backprop_learning(ax, sizes=(3, 4, 2), title=None):
    """Slide 8.2 3/8: the input flows forward to the output, the output is compared with the
    teacher signal, the error flows back through the layers, and every weight is updated.

    Parameters
    ----------
    ax : matplotlib Axes
    sizes : sequence of int
        Units per layer (input first); at least an input and an output layer.
    title : str, optional
    """
    sizes = [check_positive_int(n, "units of a layer") for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {sizes}.")
    draw_network(ax, sizes, bias=True, layer_names=["input"] + ["hidden"] * (len(sizes) - 2) + ["output"])
    top = max(sizes)
    last = len(sizes) - 1
    out_ys = [(sizes[-1] - 1) / 2 - r for r in range(sizes[-1])]
    teacher_x = last + 1.1
    for y in out_ys:
        ax.scatter([teacher_x], [y], s=500, marker="s", color="white", edgecolors="black", zorder=2)
        _arrow(ax, (teacher_x, y), (last, y), color=_ERROR, style="<|-|>", width=1.5)
    ax.text(teacher_x, (sizes[-1] - 1) / 2 + 0.6, "teacher\nsignal $y$", ha="center", va="bottom", fontsize=10)
    ax.text((last + teacher_x) / 2, out_ys[-1] - 0.45, "compare:\n$\\hat y - y$", ha="center", va="top",
            fontsize=9, color=_ERROR)
    y_forward = (top - 1) / 2 + 1.8
    _arrow(ax, (0, y_forward), (last, y_forward), color="black", width=2, shrink=0)
    ax.text(last / 2, y_forward + 0.15, "input → output (forward pass)", ha="center", va="bottom", fontsize=10)
    y_back = -(top - 1) / 2 - 2.1
    _arrow(ax, (teacher_x, y_back), (0.5, y_back), color=_ERROR, linestyle="--", width=2, shrink=0)
    ax.text((teacher_x + 0.5) / 2, y_back - 0.15, "error $\\varepsilon$ flows back, layer by layer",
            ha="center", va="top", fontsize=10, color=_ERROR)
    for col in range(last):
        ax.text(col + 0.5, -(top - 1) / 2 - 1.05, "update\n$w' = w - \\eta\\varepsilon g$", ha="center", va="top",
                fontsize=8, color=COLORS["test"])
    ax.set(xlim=(-0.6, teacher_x + 0.7), ylim=(y_back - 0.9, y_forward + 0.8))
    if title:
        ax.set_title(title)
    return ax


def draw_layer_indices(ax, units=3, title=None):
    """Slides 5/8-6/8: unit i of layer n-1 feeds unit j of layer n through w_ij; unit j feeds
    every unit k of layer n+1 through w_jk. The error terms eps_k come back to j.

    Parameters
    ----------
    ax : matplotlib Axes
    units : int >= 2
        Units drawn per layer.
    title : str, optional
    """
    units = check_int_at_least(units, "units", 2)
    ys = [(units - 1) / 2 - r for r in range(units)]
    for col in range(3):
        for y0 in ys:
            if col < 2:
                for y1 in ys:
                    ax.plot([col, col + 1], [y0, y1], color=COLORS["grey"], linewidth=0.6, alpha=0.5, zorder=1)
        ax.scatter([col] * units, ys, s=500, color=[COLORS["train"], COLORS["highlight"], COLORS["class1"]][col],
                   edgecolors="black", zorder=2)
    i_y, j_y = ys[1], ys[0]
    ax.plot([0, 1], [i_y, j_y], color="black", linewidth=2.5, zorder=1)
    for y in ys:
        ax.plot([1, 2], [j_y, y], color="black", linewidth=2.0, zorder=1)
        _arrow(ax, (2, y + 0.12), (1, j_y + 0.12), color=_ERROR, linestyle="--", width=1.2, shrink=12)
    ax.text(-0.25, i_y, "$i$: $g_i$", ha="right", va="center", fontsize=12)
    ax.text(1, j_y + 0.35, "$j$: $h_j = \\sum_i w_{ij} g_i$, $g_j = f(h_j)$", ha="center", va="bottom", fontsize=11)
    ax.text(0.5, (i_y + j_y) / 2 - 0.05, "$w_{ij}$", ha="center", va="top", fontsize=12)
    ax.text(2.25, ys[-1], "$k$: $\\varepsilon_k$", ha="left", va="center", fontsize=12)
    ax.text(1.5, ys[-1] - 0.35, "$w_{jk}$; errors $\\varepsilon_k$ flow back (dashed)", ha="center", va="top",
            fontsize=10, color=_ERROR)
    for col, name in enumerate(["layer $n-1$", "layer $n$", "layer $n+1$"]):
        ax.text(col, ys[-1] - 0.9, name, ha="center", va="top", fontsize=12)
    ax.set(xlim=(-1.0, 3.0), ylim=(ys[-1] - 1.4, ys[0] + 1.0))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
