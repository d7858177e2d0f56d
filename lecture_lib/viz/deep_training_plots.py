"""Chapter 10 drawings: gradient norms as a layer x training-step map, the variance per block, training losses.

matplotlib is imported by the caller's figure.
"""
from __future__ import annotations

import numpy as np

from .plotting import COLORS

__all__ = ["draw_gradient_norm_map", "draw_variance_per_block", "draw_variance_over_seeds", "draw_training_loss_over_seeds"]


def draw_gradient_norm_map(ax, norms, title=None, vmin=-3.0, vmax=2.0):
    """log10 ||dE/dW|| as an image: training step across, layer (1 = first) up.

    norms : array_like, shape (steps, n_layers), from ``topics.deep_training.gradient_norm_history``
    Returns the image (for a colour bar).
    """
    norms = np.asarray(norms, dtype=float)
    if norms.ndim != 2:
        raise ValueError(f"norms must have shape (steps, n_layers), got {norms.shape}.")
    with np.errstate(divide="ignore"):
        logs = np.log10(norms.T)
    image = ax.imshow(logs, origin="lower", aspect="auto", cmap="magma", vmin=vmin, vmax=vmax,
                      extent=(0.5, norms.shape[0] + 0.5, 0.5, norms.shape[1] + 0.5))
    ax.set(xlabel="training step", ylabel="layer (1 = input side)")
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=11)
    return image


def draw_variance_per_block(ax, variances, title=None):
    """One line per network: the variance of each hidden layer's output (log scale).

    variances : dict of str -> array_like of shape (n_hidden,)
    """
    if not variances:
        raise ValueError("variances is empty: give at least one network's variances.")
    # four hues far apart (no two reds), and a line style each for print in grey
    styles = ((COLORS["test"], "-"), (COLORS["class0"], "--"), (COLORS["train"], "-."), (COLORS["highlight"], ":"))
    for (name, values), (colour, style) in zip(variances.items(), styles):
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(1, values.size + 1), values, color=colour, linestyle=style, marker=".", label=name)
    ax.set(xlabel="hidden layer / block", ylabel="variance of its output")
    if title:
        ax.set_title(title)
    ax.legend()


def draw_variance_over_seeds(ax, curves, log=True, ylabel="variance", title=None, colours=None):
    """One line per quantity: its mean over seeds per block, a band from the lowest to the highest seed.

    curves : dict of str -> array_like, shape (n_seeds, n_blocks) (e.g. ``block_variances(...)['out']`` per seed)
    log : bool
        Log scale on the y axis (for geometric growth); False for a linear axis (for linear growth).
    colours : list of colours or None (one per curve, so two panels can give a quantity the same colour)
    """
    if not curves:
        raise ValueError("curves is empty: give at least one quantity's values.")
    colours = colours or (COLORS["test"], COLORS["class0"], COLORS["train"], COLORS["highlight"])
    if len(colours) < len(curves):
        raise ValueError(f"{len(curves)} curves but only {len(colours)} colours.")
    styles = ("-", "--", "-.", ":")
    for i, ((name, values), colour) in enumerate(zip(curves.items(), colours)):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.size == 0:
            raise ValueError(f"curves[{name!r}] must have shape (n_seeds, n_blocks), got {values.shape}.")
        blocks = np.arange(1, values.shape[1] + 1)
        ax.plot(blocks, values.mean(axis=0), color=colour, linestyle=styles[i % len(styles)], marker=".",
                label=f"{name} (mean of {len(values)} seeds)")
        ax.fill_between(blocks, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2, linewidth=0)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="residual block", ylabel=f"{ylabel} (bands: min to max over seeds)")
    if title:
        ax.set_title(title, fontsize=11)
    ax.legend(fontsize=9)


def draw_training_loss_over_seeds(ax, curves, chance=None, title=None, legend_outside=False):
    """Training loss per epoch: for each network the mean over seeds, a band from the lowest to the highest seed.

    curves : dict of str -> array_like, shape (n_seeds, epochs) (one row per seed, loss after epochs 1, 2, ...)
    chance : float or None
        A dashed line at this loss (e.g. ln 10, the loss of predicting 1/10 for every class).
    legend_outside : bool
        Put the legend to the right of the axes (for many curves, which it would otherwise cover).
    """
    if not curves:
        raise ValueError("curves is empty: give at least one network's losses.")
    colours = (COLORS["test"], COLORS["train"], COLORS["class0"], COLORS["class1"], "0.35")
    for (name, values), colour in zip(curves.items(), colours):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.size == 0:
            raise ValueError(f"curves[{name!r}] must have shape (n_seeds, epochs), got {values.shape}.")
        epochs = np.arange(1, values.shape[1] + 1)
        ax.plot(epochs, values.mean(axis=0), color=colour, marker="o", label=f"{name} (mean of {len(values)} seeds)")
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2, linewidth=0)
    if chance is not None:
        ax.axhline(chance, color="0.5", linestyle="--", linewidth=1, label=f"chance level {chance:.3g}")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
    ax.set(xlabel="epoch", ylabel="training loss (bands: min to max over seeds)")
    if title:
        ax.set_title(title)
    if legend_outside:
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    else:
        ax.legend(fontsize=9)
