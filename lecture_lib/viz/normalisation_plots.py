"""Chapter 09 drawings: running statistics of several momentum conventions, and accuracy maps.

``draw_running_means`` draws how each convention's running mean follows
one stream of batches; ``draw_accuracy_map`` draws test accuracy over depth
x learning rate (mean over seeds, diverged runs marked);
``draw_last_layer_histograms`` and ``draw_saturation_per_layer`` show how
many units sit in the flat tails of tanh; ``draw_layer_histograms`` the
outputs g and the errors eps of chosen layers side by side; ``draw_gradient_norms_per_layer``
the gradient per layer; ``draw_seed_sweep`` a score over a swept setting
(weight scale, batch size), one line per network, mean over seeds with a
min-max band. matplotlib is imported by the caller's figure.
"""
from __future__ import annotations

import numpy as np

from .plotting import COLORS

__all__ = ["draw_running_means", "draw_accuracy_map", "draw_last_layer_histograms", "draw_saturation_per_layer",
           "draw_gradient_norms_per_layer", "draw_seed_sweep", "draw_layer_histograms"]

_LINE_COLOURS = (COLORS["class0"], COLORS["class1"], COLORS["train"], COLORS["test"], COLORS["highlight"],
                 COLORS["grey"])


def draw_running_means(ax, traces, true_value, feature=0, title=None):
    """One line per convention: running_mean[feature] after each batch, and the true mean as a dashed line.

    traces : dict of str -> (means, variances), from ``topics.normalisation.running_statistics_stream``
    true_value : float, the population mean of the feature
    """
    if not traces:
        raise ValueError("traces is empty: give at least one convention's running statistics.")
    # a line style as well as a colour each, drawn thick-to-thin, so a line that runs on top of another
    # (two conventions that agree) leaves the one below visible
    styles = ("-", "--", "-.", ":", "-", "--")
    for k, ((name, (means, _)), colour, style) in enumerate(zip(traces.items(), _LINE_COLOURS, styles)):
        means = np.asarray(means)
        ax.plot(np.arange(1, len(means) + 1), means[:, feature], color=colour, linestyle=style,
                linewidth=2.6 - 0.4 * k, label=name)
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


def draw_last_layer_histograms(ax, activations, activation="tanh", bins=40):
    """Histogram of the last hidden layer's outputs g = f(h), one step line per network.

    activations : dict of str -> list of ndarray, from ``topics.normalisation.hidden_activations``
    (only the last array of each list is drawn). y: the fraction of all values (examples x units).
    """
    if not activations:
        raise ValueError("activations is empty: give at least one network's hidden outputs.")
    low = -1.0 if activation == "tanh" else 0.0
    edges = np.linspace(low, 1.0, bins + 1)
    for (name, layers), colour in zip(activations.items(), _LINE_COLOURS):
        values = np.asarray(layers[-1], dtype=float).ravel()
        counts, _ = np.histogram(values, bins=edges)
        ax.stairs(counts / values.size, edges, color=colour, linewidth=1.6, label=name)
    ax.set(xlabel=f"g = {activation}(h) of the last hidden layer", ylabel="fraction of the values")
    ax.legend(fontsize=9)


def draw_saturation_per_layer(ax, fractions, threshold=0.99, activation="tanh"):
    """Saturated fraction of each hidden layer's outputs, one line per network.

    fractions : dict of str -> array_like of shape (n_hidden,), values in [0, 1]
    """
    if not fractions:
        raise ValueError("fractions is empty: give at least one network's saturated fractions.")
    for (name, values), colour in zip(fractions.items(), _LINE_COLOURS):
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), 100 * values, color=colour, marker="o", label=name)
    tail = f"|g| > {threshold}" if activation == "tanh" else f"g < {1 - threshold:.2g} or g > {threshold}"
    ax.set(xlabel="hidden layer (1 = input side)", ylabel=f"saturated units, % ({tail})", ylim=(-3, 103))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=9)


def draw_gradient_norms_per_layer(ax, norms, title=None):
    """||dE/dW|| of each hidden layer (log scale), one line per network.

    norms : dict of str -> array_like of shape (n_hidden,)
    """
    if not norms:
        raise ValueError("norms is empty: give at least one network's gradient norms.")
    for (name, values), colour in zip(norms.items(), _LINE_COLOURS):
        values = np.asarray(values, dtype=float)
        ax.semilogy(np.arange(1, values.size + 1), values, color=colour, marker="o", label=name)
    ax.set(xlabel="hidden layer (1 = input side)", ylabel="||dE/dW|| at initialisation")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)


def draw_seed_sweep(ax, settings, results, key, xlabel, ylabel=None, log_x=False, title=None):
    """``results[name][key]`` over ``settings``: the mean over seeds as a line, the min-max over seeds as a band.

    settings : sequence of numbers, the swept values (x axis)
    results : dict of str -> dict of str -> array_like of shape (len(settings), n_seeds); nan = diverged
        (a diverged run is left out of the mean and the band)
    key : which score to draw, e.g. 'train_loss', 'test_acc'
    """
    if not results:
        raise ValueError("results is empty: give at least one network's scores.")
    x = np.asarray(settings, dtype=float)
    styles = ("-", "--", "-.", ":")
    for (name, scores), colour, style in zip(results.items(), _LINE_COLOURS, styles * 2):
        values = np.asarray(scores[key], dtype=float)
        if values.ndim != 2 or values.shape[0] != x.size:
            raise ValueError(f"results[{name!r}][{key!r}] must have shape (len(settings), n_seeds) = ({x.size},"
                             f" ...), got {values.shape}.")
        n_seeds = values.shape[1]
        ax.fill_between(x, np.nanmin(values, axis=1), np.nanmax(values, axis=1), color=colour, alpha=0.2,
                        linewidth=0)
        ax.plot(x, np.nanmean(values, axis=1), color=colour, linestyle=style, marker="o",
                label=f"{name} (mean of {n_seeds} seeds; band: min-max)")
    if log_x:
        ax.set_xscale("log")
    ax.set_xticks(x, [f"{value:g}" for value in x])
    ax.minorticks_off()
    ax.set(xlabel=xlabel, ylabel=ylabel or key.replace("_", " "))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9)


def draw_layer_histograms(axes, activations, errors, layers, activation="tanh", threshold=0.99, bins=40,
                          label=None, error_range=None):
    """One network's chosen hidden layers: top row the outputs g (saturated share in the title),
    bottom row log10 |eps| of the error term eps = dE/dh, as fractions of all error terms of the layer
    (the share that is exactly 0 is written in the panel: a log axis has no place for it).

    axes : array of Axes, shape (2, len(layers))
    activations, errors : lists of ndarray (N, width), input side first
        (``topics.normalisation.hidden_activations`` and ``layer_errors``)
    layers : hidden layer numbers to draw, 1 = input side
    label : the network's name, put on the left of both rows
    error_range : (low, high) of log10 |eps| for the bottom row, optional; give the same to every
        network that is to be compared (default: the range of this network's drawn errors)
    Returns the saturated percentage of each drawn layer (what the titles say).
    """
    from ..topics.normalisation import saturated_fraction

    axes = np.asarray(axes)
    if axes.shape != (2, len(layers)):
        raise ValueError(f"axes must have shape (2, len(layers)) = (2, {len(layers)}), got {axes.shape}.")
    if len(activations) != len(errors):
        raise ValueError(f"activations and errors must cover the same layers, got {len(activations)} and"
                         f" {len(errors)}.")
    for k in layers:
        if not 1 <= k <= len(activations):
            raise ValueError(f"layer {k} does not exist: the network has {len(activations)} hidden layers.")
    low = -1.0 if activation == "tanh" else 0.0
    g_edges = np.linspace(low, 1.0, bins + 1)
    all_eps = np.concatenate([np.abs(np.asarray(errors[k - 1], dtype=float)).ravel() for k in layers])
    positive = all_eps[all_eps > 0]
    if positive.size == 0:
        raise ValueError("every error term is 0: nothing to draw on a log scale.")
    low_e, high_e = (np.log10(positive.min()), np.log10(positive.max())) if error_range is None else error_range
    e_edges = np.linspace(low_e, high_e, bins + 1)
    shares = []
    for column, k in enumerate(layers):
        g = np.asarray(activations[k - 1], dtype=float).ravel()
        share = 100 * saturated_fraction(g, activation, threshold)
        shares.append(share)
        counts, _ = np.histogram(g, bins=g_edges)
        top, bottom = axes[0, column], axes[1, column]
        top.stairs(counts / g.size, g_edges, fill=True, color=COLORS["class0"], alpha=0.7)
        top.set_title(f"layer {k}: {share:.0f} % saturated", fontsize=10)
        top.set_xlabel(f"g = {activation}(h)")
        eps = np.abs(np.asarray(errors[k - 1], dtype=float)).ravel()
        zero_share = 100 * np.mean(eps == 0)
        counts, _ = np.histogram(np.log10(eps[eps > 0]), bins=e_edges)
        # fractions of ALL error terms: the exact zeros (a unit saturated to g = ±1 in floating point) have no
        # place on a log axis, so they are counted in the panel's note instead of silently dropped
        bottom.stairs(counts / max(eps.size, 1), e_edges, fill=True, color=COLORS["test"], alpha=0.7)
        if zero_share > 0:
            bottom.text(0.02, 0.95, f"{zero_share:.0f} % exactly 0\n(not drawn)", transform=bottom.transAxes,
                        ha="left", va="top", fontsize=8)
        bottom.set_xlabel("log10 |ε| (ε = ∂E/∂h)")
    axes[0, 0].set_ylabel(f"{label}\nfraction of g" if label else "fraction of g")
    axes[1, 0].set_ylabel(f"{label}\nfraction of ε" if label else "fraction of ε")
    return shares
