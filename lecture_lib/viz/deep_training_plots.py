"""Chapter 10 drawings: gradient norms as a layer x training-step map, the variance per block, training losses.

Every curve belongs to a network variant (a kind of ``topics.deep_training.KINDS``) and takes that
variant's colour from ``VARIANT_COLOURS``, in every figure of the chapter and in its explorer: the
drawing functions take the variant with each curve, ``{(kind, label): values}``, and choose no colour
by position, so the plain network cannot be vermillion in one section and green in the next. Within
a figure a variant's curves (other depths, other quantities) take different line styles: the one given
as a third element of the key, ``(kind, label, linestyle)``, or else the first one the variant does not
use yet in that figure.

matplotlib is imported by the caller's figure.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_choice
from ..topics.deep_training import KINDS
from .plotting import COLORS

__all__ = ["VARIANT_COLOURS", "variant_colour", "draw_gradient_norm_map", "draw_variance_per_block",
           "draw_variance_over_seeds", "draw_training_loss_over_seeds"]

#: The colour of each network variant in chapter 10 (Okabe-Ito hues, no two alike; black for the
#: batch-norm blocks, which share figures only with the unscaled ones).
VARIANT_COLOURS = {"plain": COLORS["test"], "residual": COLORS["class0"], "residual_unscaled": COLORS["train"],
                   "residual_zero": COLORS["highlight"], "residual_batchnorm": COLORS["line"]}
_LINE_STYLES = ("-", "--", "-.", ":")


def variant_colour(kind):
    """The colour of network variant ``kind`` (one of ``topics.deep_training.KINDS``)."""
    return VARIANT_COLOURS[check_choice(kind, "kind", KINDS)]


def _variant_curves(curves, what):
    """(label, values, colour, line style) per entry of ``curves``, whose keys are kinds or (kind, label[, style])."""
    if not curves:
        raise ValueError(f"curves is empty: give at least one network's {what}.")
    keys = [(key, key) if isinstance(key, str) else tuple(key) for key in curves]
    for key, parts in zip(curves, keys):
        if len(parts) not in (2, 3):
            raise ValueError(f"each key must be a network kind or (kind, label[, linestyle]), got {key!r}.")
        variant_colour(parts[0])
    used = {}  # kind -> line styles taken in this figure (given ones first)
    for parts in keys:
        if len(parts) == 3:
            used.setdefault(parts[0], []).append(parts[2])
    styled = []
    for parts, values in zip(keys, curves.values()):
        kind, label = parts[0], parts[1]
        if len(parts) == 3:
            style = parts[2]
        else:
            taken = used.setdefault(kind, [])
            style = next((s for s in _LINE_STYLES if s not in taken), _LINE_STYLES[len(taken) % len(_LINE_STYLES)])
            taken.append(style)
        styled.append((str(label), values, variant_colour(kind), style))
    return styled


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

    variances : dict of kind or (kind, label[, linestyle]) -> array_like of shape (n_hidden,);
        the colour is the kind's (``VARIANT_COLOURS``), the line style a different one per curve (for print in grey)
    """
    styled = _variant_curves(variances, "variances")
    for i, (name, values, colour, _) in enumerate(styled):
        style = _LINE_STYLES[i % len(_LINE_STYLES)]
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(1, values.size + 1), values, color=colour, linestyle=style, marker=".", label=name)
    ax.set(xlabel="hidden layer / block", ylabel="variance of its output")
    if title:
        ax.set_title(title)
    ax.legend()


def draw_variance_over_seeds(ax, curves, log=True, ylabel="variance", title=None):
    """One line per quantity: its mean over seeds per block, a band from the lowest to the highest seed.

    curves : dict of kind or (kind, label[, linestyle]) -> array_like, shape (n_seeds, n_blocks)
        (e.g. ``block_variances(...)['out']`` per seed); the colour is the kind's (``VARIANT_COLOURS``), so two
        panels give a network the same colour; two quantities of one network differ by line style
    log : bool
        Log scale on the y axis (for geometric growth); False for a linear axis (for linear growth).
    """
    for name, values, colour, style in _variant_curves(curves, "values"):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.size == 0:
            raise ValueError(f"curves[{name!r}] must have shape (n_seeds, n_blocks), got {values.shape}.")
        blocks = np.arange(1, values.shape[1] + 1)
        ax.plot(blocks, values.mean(axis=0), color=colour, linestyle=style, marker=".",
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

    curves : dict of kind or (kind, label[, linestyle]) -> array_like, shape (n_seeds, epochs) (one row per seed,
        loss after epochs 1, 2, ...); the colour is the kind's (``VARIANT_COLOURS``)
    chance : float or None
        A dashed line at this loss (e.g. ln 10, the loss of predicting 1/10 for every class).
    legend_outside : bool
        Put the legend to the right of the axes (for many curves, which it would otherwise cover).
    """
    for name, values, colour, style in _variant_curves(curves, "losses"):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.size == 0:
            raise ValueError(f"curves[{name!r}] must have shape (n_seeds, epochs), got {values.shape}.")
        epochs = np.arange(1, values.shape[1] + 1)
        ax.plot(epochs, values.mean(axis=0), color=colour, linestyle=style, marker="o", label=f"{name} (mean of {len(values)} seeds)")
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
