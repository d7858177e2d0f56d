"""Lottery-ticket figures: test accuracy against the percentage of weights remaining (log axis).

``draw_accuracy_against_remaining`` draws one curve per variant of a
``LotteryResult`` (mean over seeds, the band from the worst to the best seed);
rounds a control skipped (NaN) are left out. matplotlib is imported lazily
(by the Axes passed in).
"""
from __future__ import annotations

import numpy as np

from ..topics.pruning import LotteryResult
from .plotting import COLORS

__all__ = ["draw_accuracy_against_remaining", "VARIANT_STYLE"]

#: Colour and label of each variant, the same in every figure.
VARIANT_STYLE = {
    "ticket": (COLORS["train"], "winning ticket (rewind to init)"),
    "late": (COLORS["class0"], "late rewinding"),
    "reinit": (COLORS["test"], "same masks, fresh init"),
    "random": (COLORS["grey"], "random masks"),
}


def draw_accuracy_against_remaining(ax, result, variants=None, title=None, label_suffix=""):
    """Mean test accuracy (percent) of each variant against the percent of weights left, with the seeds' range."""
    if not isinstance(result, LotteryResult):
        raise TypeError(f"result must be a LotteryResult, got {type(result).__name__}.")
    for variant in variants or result.accuracy:
        colour, label = VARIANT_STYLE.get(variant, (COLORS["highlight"], variant))
        acc = 100 * result.accuracy[variant]
        done = np.all(np.isfinite(acc), axis=0)
        x = result.remaining[done]
        ax.plot(x, acc[:, done].mean(axis=0), "o-", color=colour, markersize=3, label=label + label_suffix)
        ax.fill_between(x, acc[:, done].min(axis=0), acc[:, done].max(axis=0), color=colour, alpha=0.15)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set(xlabel="weights remaining (%)", ylabel="test accuracy (%)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
