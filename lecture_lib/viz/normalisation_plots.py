"""Chapter 09 drawings: running statistics of several momentum conventions, and accuracy maps.

``draw_running_means`` draws how each convention's running mean follows
one stream of batches; ``draw_accuracy_map`` draws test accuracy over depth
x learning rate (mean over seeds, diverged runs marked). matplotlib is
imported by the caller's figure.
"""
from __future__ import annotations

import numpy as np

from .plotting import COLORS

__all__ = ["draw_running_means", "draw_accuracy_map"]

_LINE_COLOURS = (COLORS["class0"], COLORS["class1"], COLORS["train"], COLORS["test"], COLORS["highlight"],
                 COLORS["grey"])


def draw_running_means(ax, traces, true_value, feature=0, title=None):
    """One line per convention: running_mean[feature] after each batch, and the true mean as a dashed line.

    traces : dict of str -> (means, variances), from ``topics.normalisation.running_statistics_stream``
    true_value : float, the population mean of the feature
    """
    if not traces:
        raise ValueError("traces is empty: give at least one convention's running statistics.")
    for (name, (means, _)), colour in zip(traces.items(), _LINE_COLOURS):
        means = np.asarray(means)
        ax.plot(np.arange(1, len(means) + 1), means[:, feature], color=colour, label=name)
    ax.axhline(true_value, color=COLORS["line"], linestyle="dashed", linewidth=1, label="mean over all data")
    ax.set(xlabel="training batch", ylabel=f"running mean of feature {feature}")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)


def draw_accuracy_map(ax, accuracy, depths, etas, title=None):
    """A depth x learning-rate map of test accuracy (mean over seeds, a diverged run counting as 0).

    Cells where runs diverged also say how many ('2 div').

    accuracy : array_like, shape (len(depths), len(etas), n_seeds); nan = diverged
    """
    accuracy = np.asarray(accuracy, dtype=float)
    if accuracy.shape[:2] != (len(depths), len(etas)):
        raise ValueError(f"accuracy must have shape (len(depths), len(etas), n_seeds) = ({len(depths)}, {len(etas)},"
                         f" ...), got {accuracy.shape}.")
    diverged = np.isnan(accuracy).sum(axis=2)
    mean = np.where(np.isnan(accuracy), 0.0, accuracy).mean(axis=2)
    image = ax.imshow(mean, vmin=0, vmax=1, cmap="viridis", origin="lower", aspect="auto")
    for i in range(len(depths)):
        for j in range(len(etas)):
            text = f"{mean[i, j]:.2f}" + (f"\n{diverged[i, j]} div" if diverged[i, j] else "")
            ax.text(j, i, text, ha="center", va="center", color="white" if mean[i, j] < 0.6 else "black", fontsize=10)
    ax.set_xticks(range(len(etas)), [f"{eta:g}" for eta in etas])
    ax.set_yticks(range(len(depths)), [str(d) for d in depths])
    ax.set(xlabel="learning rate η", ylabel="hidden layers")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return image
