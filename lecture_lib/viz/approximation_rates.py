"""Approximation-rate figures: max |f - g| against the number of parameters W on log-log axes.

``draw_error_against_parameters`` draws one curve per method with the
fitted rate alpha in its label; ``draw_function_and_network`` shows a target
function and a network's output over [0, 1]. matplotlib is imported lazily
(by the Axes passed in).
"""
from __future__ import annotations

import numpy as np

from ..topics.approximation import fit_rate
from .plotting import COLORS

__all__ = ["draw_error_against_parameters", "draw_function_and_network"]


def draw_error_against_parameters(ax, curves, title=None):
    """Log-log curves of error against W, each labelled with its fitted rate.

    Parameters
    ----------
    ax : matplotlib Axes
    curves : dict label -> (W, errors), sequences of positive numbers
    title : str, optional

    Returns
    -------
    dict label -> alpha (the fitted rates)
    """
    colours = [COLORS["class0"], COLORS["test"], COLORS["train"], COLORS["highlight"], COLORS["class1"]]
    rates = {}
    for (label, (W, errors)), colour in zip(curves.items(), colours):
        alpha, C = fit_rate(W, errors)
        rates[label] = alpha
        ax.plot(W, errors, "o-", color=colour, label=f"{label}: α = {alpha:.2f}")
        ax.plot(W, C * np.asarray(W, dtype=float) ** -alpha, color=colour, linestyle="dotted", linewidth=1)
    ax.set(xscale="log", yscale="log", xlabel="number of parameters W", ylabel="max |f(x) − g(x)|")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)
    return rates


def draw_function_and_network(ax, x, f_values, g_values, title=None, label="network g(x)"):
    """The target f (thick grey) and a network's output g over x : (N,)."""
    ax.plot(x, f_values, color=COLORS["grey"], linewidth=4, alpha=0.6, label="target f(x)")
    ax.plot(x, g_values, color=COLORS["class0"], linewidth=1.5, label=label)
    ax.set(xlabel="x")
    if title:
        ax.set_title(title, fontsize=10)
