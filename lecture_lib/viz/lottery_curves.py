"""Lottery-ticket figures: accuracy against the percentage of weights remaining, and the sparsity slider.

``draw_accuracy_against_remaining`` draws one curve per variant of a
``LotteryResult`` (mean over seeds, the band from the worst to the best seed,
both named in the legend); rounds a control skipped (NaN) are left out. The
x axis is logarithmic and reversed (pruning goes to the right), with a labelled
tick at every round. ``lottery_explorer`` is its live twin for the lecture: a
slider over the precomputed rounds shows each seed's accuracy of the ticket
and its controls at that sparsity. matplotlib and ipywidgets are imported
lazily.
"""
from __future__ import annotations

import numpy as np

from ..topics.pruning import LotteryResult
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["draw_accuracy_against_remaining", "draw_one_shot_against_iterative", "draw_along_segment", "lottery_explorer",
           "VARIANT_STYLE", "QUANTITIES"]

#: Colour and label of each variant, the same in every figure.
VARIANT_STYLE = {
    "ticket": (COLORS["train"], "winning ticket (rewind to init)"),
    "late": (COLORS["class0"], "late rewinding"),
    "reinit": (COLORS["test"], "same masks, fresh init"),
    "random": (COLORS["grey"], "random masks"),
    "global": (COLORS["highlight"], "global pruning (own masks)"),
}

#: Which accuracy of a LotteryResult to draw, and its axis label.
QUANTITIES = {"accuracy": "test accuracy (%)", "train_accuracy": "training accuracy (%)",
              "initial_accuracy": "test accuracy before training (%)", "stop_accuracy": "test accuracy at early stop (%)"}


def _check(result, quantity):
    if not isinstance(result, LotteryResult):
        raise TypeError(f"result must be a LotteryResult, got {type(result).__name__}.")
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {', '.join(QUANTITIES)}; got {quantity!r}.")
    if not getattr(result, quantity):
        raise ValueError(f"this result has no {quantity!r} (was it run with validation data?).")


def _remaining_axis(ax, remaining):
    ax.set_xscale("log")
    ax.set_xticks(remaining, [f"{r:.3g}" for r in remaining], fontsize=8)
    ax.minorticks_off()
    ax.set_xlim(remaining.max() * 1.15, remaining.min() / 1.15)        # reversed: pruning goes right
    ax.set_xlabel("weights remaining (%), log scale")


def draw_accuracy_against_remaining(ax, result, variants=None, title=None, label_suffix="", quantity="accuracy"):
    """Mean accuracy (percent) of each variant against the percent of weights left, with the seeds' range.

    quantity : 'accuracy' (test, end of the budget), 'train_accuracy', 'initial_accuracy' (before training)
    or 'stop_accuracy' (test at the lowest validation loss).
    """
    _check(result, quantity)
    values = getattr(result, quantity)
    for variant in variants or values:
        colour, label = VARIANT_STYLE.get(variant, (COLORS["highlight"], variant))
        acc = 100 * np.asarray(values[variant], dtype=float)
        done = np.all(np.isfinite(acc), axis=0)
        x = result.remaining[done]
        ax.plot(x, acc[:, done].mean(axis=0), "o-", color=colour, markersize=3,
                label=f"{label}{label_suffix}: mean of {acc.shape[0]} seeds")
        ax.fill_between(x, acc[:, done].min(axis=0), acc[:, done].max(axis=0), color=colour, alpha=0.15,
                        label="band: worst to best seed" if variant == (variants or list(values))[0] else None)
    _remaining_axis(ax, result.remaining)
    ax.set_ylabel(QUANTITIES[quantity])
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")


def _mean_and_band(ax, x, values, colour, label, band_label, style="o-"):
    """values : (S, P) percent; mean line and min-max band, both in the legend."""
    ax.plot(x, values.mean(axis=0), style, color=colour, markersize=3, label=f"{label}: mean of {values.shape[0]} seeds")
    ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.15, label=band_label)


def draw_one_shot_against_iterative(ax, result, shot, quantity="accuracy", title=None):
    """The iterative ticket of ``result`` and the one-shot tickets of ``one_shot_curve`` against the weights left.

    quantity : 'accuracy' (test) or 'train_accuracy'; mean of the seeds with the band from worst to best seed.
    """
    if quantity not in ("accuracy", "train_accuracy") or quantity not in shot:
        raise ValueError(f"quantity must be 'accuracy' or 'train_accuracy'; got {quantity!r}.")
    _check(result, quantity)
    iterative = 100 * np.asarray(getattr(result, quantity)["ticket"], dtype=float)[:, shot["rounds"]]
    _mean_and_band(ax, shot["remaining"], iterative, COLORS["train"], "iterative pruning (ticket)",
                   "band: worst to best seed")
    _mean_and_band(ax, shot["remaining"], 100 * np.asarray(shot[quantity], dtype=float), COLORS["test"],
                   "one-shot pruning (ticket)", None, "s--")
    _remaining_axis(ax, np.asarray(shot["remaining"]))
    ax.set_ylabel(QUANTITIES[quantity])
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")


def draw_along_segment(ax, segments, round_index, quantity="error", title=None):
    """Error (percent) or loss along the straight segment between two trained networks, per seed group.

    segments : dict label -> a dict of ``linear_mode_connectivity`` / ``segment_between`` ('s', 'error' or
    'loss' of shape (points, rounds, S)); round_index picks the round. Mean of the seeds with the band
    from the lowest to the highest seed at each point.
    """
    if quantity not in ("error", "loss"):
        raise ValueError(f"quantity must be 'error' or 'loss'; got {quantity!r}.")
    colours = [COLORS["train"], COLORS["class0"], COLORS["test"], COLORS["grey"]]
    for k, (label, seg) in enumerate(segments.items()):
        values = np.asarray(seg[quantity], dtype=float)[:, round_index, :].T        # (S, points)
        if quantity == "error":
            values = 100 * values
        _mean_and_band(ax, seg["s"], values, colours[k % len(colours)], label,
                       "band: lowest to highest seed" if k == 0 else None)
    ax.set_xlabel("position s on the segment (0: copy A, 1: copy B)")
    ax.set_ylabel("test error (%)" if quantity == "error" else "test loss (cross-entropy)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)


def lottery_explorer(result, variants=("ticket", "reinit", "random"), quantity="accuracy"):
    """A slider over the pruning rounds of ``result``: each seed's accuracy of every variant at that sparsity.

    Left: the mean curves of ``draw_accuracy_against_remaining`` with a marker at the chosen round.
    Right: one dot per seed and variant, the mean as a bar, and the training accuracy as a cross: the
    spread that the mean of the table hides. Everything is precomputed; a slider move redraws a few artists.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    _check(result, quantity)
    variants = [v for v in variants if v in getattr(result, quantity)]
    if not variants:
        raise ValueError("none of the variants is in the result.")
    rounds = [r for r in range(len(result.remaining))
              if all(np.all(np.isfinite(getattr(result, quantity)[v][:, r])) for v in variants)]
    slider = widgets.IntSlider(value=len(rounds) - 1, min=0, max=len(rounds) - 1, description="pruning round",
                               continuous_update=True, readout=True)
    figure = new_figure(figsize=(10.5, 3.8))
    ax_curve, ax_seeds = figure.subplots(1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.16,
                                                            "top": 0.88, "wspace": 0.22, "width_ratios": [1.4, 1]})
    draw_accuracy_against_remaining(ax_curve, result, variants=variants, quantity=quantity)
    low = min(100 * np.nanmin(getattr(result, quantity)[v]) for v in variants)
    ax_curve.set_ylim(low - 3, 101)
    marker = ax_curve.axvline(result.remaining[rounds[-1]], color="black", linewidth=1, linestyle="--")
    values = {v: 100 * np.asarray(getattr(result, quantity)[v], dtype=float) for v in variants}
    train = {v: 100 * np.asarray(result.train_accuracy[v], dtype=float) for v in variants} if result.train_accuracy else {}
    positions = np.arange(len(variants))
    bars = ax_seeds.bar(positions, [0] * len(variants), width=0.6,
                        color=[VARIANT_STYLE.get(v, (COLORS["highlight"], v))[0] for v in variants], alpha=0.35,
                        label="mean of the seeds")
    n_seeds = values[variants[0]].shape[0]
    offsets = np.linspace(-0.2, 0.2, n_seeds)
    dots = ax_seeds.scatter(np.repeat(positions, n_seeds) + np.tile(offsets, len(variants)),
                            np.zeros(len(variants) * n_seeds), color="black", s=14, zorder=3,
                            label=f"test, each of {n_seeds} seeds")
    crosses = ax_seeds.scatter(np.repeat(positions, n_seeds) + np.tile(offsets, len(variants)),
                               np.zeros(len(variants) * n_seeds), marker="x", color=COLORS["test"], s=18, zorder=3,
                               label="training accuracy") if train else None
    ax_seeds.set_xticks(positions, [VARIANT_STYLE.get(v, (None, v))[1].split(" (")[0] for v in variants], fontsize=8)
    ax_seeds.set_ylim(low - 3, 101)
    ax_seeds.set_ylabel("accuracy (%)")
    ax_seeds.legend(fontsize=7, loc="lower left")
    title = ax_seeds.set_title("", fontsize=10)
    dynamic = [marker, dots, title, *bars] + ([crosses] if crosses is not None else [])
    live = LiveFigure(figure, dynamic)

    def redraw(change=None):
        r = rounds[slider.value]
        marker.set_xdata([result.remaining[r]] * 2)
        ys = np.concatenate([values[v][:, r] for v in variants])
        xs = dots.get_offsets()[:, 0]
        dots.set_offsets(np.column_stack([xs, ys]))
        if crosses is not None:
            crosses.set_offsets(np.column_stack([xs, np.concatenate([train[v][:, r] for v in variants])]))
        for bar, v in zip(bars, variants):
            bar.set_height(values[v][:, r].mean())
        title.set_text(f"round {r}: {result.remaining[r]:.3g} % of the weights left")
        live.refresh()

    picture = live.image_widget()
    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, picture])
