"""Chapter 08 figures of dropout's mechanisms (computed by ``topics.dropout_mechanisms``).

``draw_curve_fits``: one seed's 1-D fit with and without dropout, the data and
the noise-free function. ``draw_mc_spread``: the Monte Carlo dropout mean with
a band of ±1 standard deviation over the sampled masks, the training range
shaded. ``draw_config_comparison``: train and test accuracy of a few
dropout settings (mean over seeds, ±1 standard deviation bars, each seed a
dot). ``draw_variance_shift``: per unit, the batch-norm input's variance
with dropout on against off (and batch norm's running variance), and the
variance of batch norm's normalised output at inference. matplotlib is
imported lazily by the callers' figures (these functions draw on given axes).
Training points are green, as "train" is in the chapter's other figures (orange there means test).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array
from .plotting import COLORS

__all__ = ["draw_curve_fits", "draw_mc_spread", "draw_config_comparison", "draw_variance_shift"]


def _curve(values, name, n_points):
    values = as_float_array(values, name).ravel()
    if values.size != n_points:
        raise ValueError(f"{name} must have one value per grid point ({n_points}), got {values.size}.")
    return values


def draw_curve_fits(ax, x_grid, truth, curves, x_train, y_train, title=None):
    """The training points, the noise-free function and one fitted curve per label.

    Parameters
    ----------
    x_grid, truth : array_like, shape (G,) or (G, 1)
    curves : dict of label -> array_like of shape (G,) or (G, 1); the first is
        drawn black, the second blue, the others in the remaining colours
    x_train, y_train : array_like, shape (N,) or (N, 1)
    """
    x_grid = as_float_array(x_grid, "x_grid").ravel()
    ax.plot(x_grid, _curve(truth, "truth", x_grid.size), color=COLORS["grey"], linestyle="--",
            label="noise-free sin(πx)")
    colours = (COLORS["line"], COLORS["class0"], COLORS["class1"], COLORS["highlight"])
    for (label, values), colour in zip(curves.items(), colours):
        ax.plot(x_grid, _curve(values, label, x_grid.size), color=colour, label=label)
    ax.scatter(np.ravel(x_train), np.ravel(y_train), color=COLORS["train"], zorder=3, s=25, label="training points")
    ax.set(xlabel="input x", ylabel="output ŷ")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)


def draw_mc_spread(ax, x_grid, samples, x_train, y_train, truth=None, title=None):
    """Monte Carlo dropout on a 1-D input: mean of the sampled outputs and a band of ±1 standard deviation.

    samples : array_like, shape (K, G) or (K, G, 1), one network output per mask sample.
    The training data's range is shaded.
    """
    x_grid = as_float_array(x_grid, "x_grid").ravel()
    samples = as_float_array(samples, "samples").reshape(len(samples), -1)
    if samples.shape[1] != x_grid.size:
        raise ValueError(f"samples must have shape (K, {x_grid.size}), got {samples.shape}.")
    mean, spread = samples.mean(axis=0), samples.std(axis=0)
    x_train = np.ravel(x_train)
    ax.axvspan(x_train.min(), x_train.max(), color=COLORS["grey"], alpha=0.15, label="range of the training x")
    if truth is not None:
        ax.plot(x_grid, _curve(truth, "truth", x_grid.size), color=COLORS["grey"], linestyle="--",
                label="noise-free sin(πx)")
    ax.plot(x_grid, mean, color=COLORS["class0"], label=f"mean of {len(samples)} masks")
    ax.fill_between(x_grid, mean - spread, mean + spread, color=COLORS["class0"], alpha=0.25, linewidth=0,
                    label=f"±1 standard deviation over the {len(samples)} masks")
    ax.scatter(x_train, np.ravel(y_train), color=COLORS["train"], zorder=3, s=25, label="training points")
    ax.set(xlabel="input x", ylabel="output ŷ")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)


def draw_config_comparison(ax, labels, train, test, ylabel="accuracy", title=None):
    """Train and test scores of a few settings: mean over seeds, ±1 standard deviation bars, each seed a dot.

    train, test : array_like, shape (len(labels), n_seeds)
    """
    positions = np.arange(len(labels))
    for offset, scores, name, colour in ((-0.12, train, "train (labels seen)", COLORS["train"]),
                                         (0.12, test, "test", COLORS["test"])):
        scores = as_float_array(scores, name)
        if scores.ndim != 2 or scores.shape[0] != len(labels):
            raise ValueError(f"scores must have one row per setting ({len(labels)}), got shape {scores.shape}.")
        ax.errorbar(positions + offset, scores.mean(axis=1), yerr=scores.std(axis=1, ddof=1), color=colour,
                    marker="o", linestyle="none", capsize=4, label=f"{name}: mean ± 1 sd over {scores.shape[1]} seeds")
        for row, position in zip(scores, positions + offset):
            ax.scatter(np.full(row.size, position + 0.05), row, color=colour, s=12, alpha=0.6)
    ax.set_xticks(positions, labels)
    ax.set(ylabel=ylabel, xlim=(-0.5, len(labels) - 0.5))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)


def draw_variance_shift(ax_units, ax_normalised, shift):
    """Left: per unit, Var(h) with dropout on (training) and batch norm's running variance against Var(h) with
    dropout off (inference), diagonal = no shift. Right: histogram of Var(ĥ) at inference (1 = no shift).

    shift : ``topics.dropout_mechanisms.VarianceShift``
    """
    off = shift.var_dropout_off
    ax_units.scatter(off, shift.var_dropout_on, s=12, color=COLORS["class0"], label="Var(h), dropout on (training)")
    ax_units.scatter(off, shift.running_var, s=12, marker="x", color=COLORS["test"],
                     label="batch norm's running variance")
    top = max(off.max(), shift.var_dropout_on.max(), shift.running_var.max()) * 1.05
    ax_units.plot([0, top], [0, top], color=COLORS["line"], linestyle="--", linewidth=1, label="no shift")
    ax_units.set(xlabel="Var(h), dropout off (inference)", ylabel="variance",
                 title=f"each dot a unit of h (p = {shift.p_drop:g})")
    ax_units.legend(fontsize=8)
    ax_normalised.hist(shift.normalised_var_at_inference, bins=20, color=COLORS["class0"], alpha=0.8,
                       label="units")
    ax_normalised.axvline(1.0, color=COLORS["line"], linestyle="--", label="1: what batch norm promises")
    ax_normalised.set(xlabel="Var(ĥ) at inference (normalised by the running variance)",
                      ylabel="number of units", title="batch norm's output at inference")
    ax_normalised.legend(fontsize=8)
