"""Histograms of one feature under several scalings, side by side (chapter 07).

The scalings themselves are in ``lecture_lib.topics.feature_scaling``;
matplotlib is imported inside the function.
"""
from __future__ import annotations

import numpy as np

from .plotting import COLORS

__all__ = ["draw_scaling_histograms"]


def draw_scaling_histograms(versions, bins=40, title=None):
    """One histogram panel per version of a feature.

    Parameters
    ----------
    versions : dict of str -> ndarray, shape (N,)
        Panel title -> the feature's values under that scaling.
    bins : int
    title : str, optional
        The figure's title.

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if not versions:
        raise ValueError("draw_scaling_histograms needs at least one version of the feature.")
    fig, axes = plt.subplots(1, len(versions), figsize=(3.1 * len(versions), 2.9), squeeze=False)
    for ax, (name, values) in zip(axes[0], versions.items()):
        values = np.asarray(values, dtype=float).ravel()
        ax.hist(values, bins=bins, color=COLORS["class0"], alpha=0.85)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("value")
        ax.set_yscale("log")
    axes[0, 0].set_ylabel("count (log)")
    if title:
        fig.suptitle(title, y=1.02)
    fig.tight_layout()
    return fig
