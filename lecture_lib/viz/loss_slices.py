"""Loss along random directions around a minimum: 1-D slices E(theta + t d) of the loss surface.

``draw_loss_slices`` draws several slices per trained model (one colour
per model group), the picture Li et al. use to compare flat and sharp
minima. matplotlib is imported lazily (by the Axes passed in).
"""
from __future__ import annotations

import numpy as np

from .plotting import COLORS

__all__ = ["draw_loss_slices"]


def draw_loss_slices(ax, ts, slices, title=None):
    """Loss against the step t along directions, one group of curves per label.

    Parameters
    ----------
    ax : matplotlib Axes
    ts : ndarray (T,), the steps along each direction
    slices : dict label -> ndarray (K, T), K slices (models x directions) of that group
    """
    colours = [COLORS["class0"], COLORS["test"], COLORS["train"], COLORS["highlight"]]
    for (label, curves), colour in zip(slices.items(), colours):
        curves = np.atleast_2d(curves)
        for k, curve in enumerate(curves):
            ax.plot(ts, curve, color=colour, alpha=0.5, linewidth=1, label=label if k == 0 else None)
    ax.set(xlabel="step t along a filter-normalised direction d", ylabel="training loss E(θ + t d)",
           yscale="log")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=9)
