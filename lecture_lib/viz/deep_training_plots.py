"""Chapter 10 drawings: gradient norms as a layer x training-step map, and the variance per block.

matplotlib is imported by the caller's figure.
"""
from __future__ import annotations

import numpy as np

from .plotting import COLORS

__all__ = ["draw_gradient_norm_map", "draw_variance_per_block"]


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
    colours = (COLORS["test"], COLORS["class0"], COLORS["class1"], COLORS["train"])
    for (name, values), colour in zip(variances.items(), colours):
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(1, values.size + 1), values, color=colour, marker=".", label=name)
    ax.set(xlabel="hidden layer / block", ylabel="variance of its output")
    if title:
        ax.set_title(title)
    ax.legend()
