"""Per-layer training diagnostics drawn: gradient norms, saturation and dead units, live and as small multiples.

The runs and their numbers come from ``lecture_lib.topics.training_pitfalls``
(which calls the engine's ``diagnose``); this module only draws them.
``diagnostics_dashboard`` is the widget (learning rate, depth, activation,
initialisation, optimiser), ``diagnostics_small_multiples`` its static twin.
matplotlib and ipywidgets are imported inside the functions.
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import check_choice, check_positive, check_positive_int
from ..topics.training_pitfalls import (ACTIVATIONS, INITIALISATIONS, OPTIMIZERS, deep_network, digits_split,
                                       output_spread, start_diagnostics, train_deep_network)
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["draw_gradient_norms", "draw_unit_health", "diagnostics_small_multiples", "diagnostics_dashboard",
           "draw_output_spread", "draw_centred_histograms", "MAX_DEPTH", "ZERO_FLOOR"]

#: deepest network the dashboard offers (its axes are fixed to it)
MAX_DEPTH = 12
_NORM_LIMITS = (1e-12, 1e4)
_SPREAD_LIMITS = (1e-12, 10.0)


def _numbered(values):
    """(layer numbers 1.., values) with non-finite values left out (as NaN)."""
    values = np.array([v if math.isfinite(v) else np.nan for v in values], dtype=float)
    return np.arange(1, len(values) + 1), values
#: where a gradient norm of exactly 0 (a log axis cannot show it) is drawn, as a downward triangle
ZERO_FLOOR = 3e-12


def _layer_values(diagnostics, measure):
    """(layer numbers 1.., values) of one measure of a Diagnostics; non-finite values left out."""
    values = list(diagnostics.column(measure).values())
    numbers = np.arange(1, len(values) + 1)
    values = np.array([np.nan if v is None or not math.isfinite(v) else v for v in values], dtype=float)
    return numbers, values


def draw_gradient_norms(ax, diagnostics_list, label=None, color=None, linestyle="-"):
    """||∂E/∂W|| of each layer (1 = first hidden layer, last = output) on a log axis, one line per Diagnostics.

    Parameters
    ----------
    ax : matplotlib Axes
    diagnostics_list : list of Diagnostics (e.g. one per seed)
    label : str, optional
        Legend entry (given to the first line only).

    Norms of exactly 0 (every unit of a layer dead, say) have no place on a
    log axis: they are drawn as downward triangles at ``ZERO_FLOOR``, with
    the legend entry "exactly 0".
    """
    zero_labelled = False
    for i, diagnostics in enumerate(diagnostics_list):
        numbers, norms = _layer_values(diagnostics, "grad_norm")
        ax.semilogy(numbers, norms, marker="o", markersize=3, linewidth=1.2, color=color, linestyle=linestyle,
                    label=label if i == 0 else None)
        zero = norms == 0
        if zero.any():
            ax.semilogy(numbers[zero], np.full(zero.sum(), ZERO_FLOOR), "v", markersize=6, color=color,
                        label=None if zero_labelled else "exactly 0 (drawn at the bottom)")
            zero_labelled = True
    ax.set_xlabel("layer (1 = first hidden, last = output)")
    ax.set_ylabel("‖∂E/∂W‖ of the layer")
    return ax


def _unit_health(diagnostics):
    """(values per hidden layer, what they are) for the bars: dead ReLU units, saturated outputs, or none."""
    dead = list(diagnostics.column("dead_fraction").values())
    if dead:
        return dead, "dead units"
    saturated = list(diagnostics.column("saturation").values())
    if saturated:
        return saturated, "saturated outputs"
    return [], "dead or saturated (not measured for this activation)"


def draw_unit_health(ax, diagnostics, color=None, width=0.8, note=None):
    """Bars per hidden layer: the fraction of dead ReLU units, or of saturated sigmoid/tanh outputs (in %).

    ``note`` (e.g. "run ended in NaN: values at the start") is written on the panel.
    ELU units neither die nor saturate at 0 in the sense measured: the panel says so.
    """
    values, what = _unit_health(diagnostics)
    numbers = np.arange(1, len(values) + 1)
    ax.bar(numbers, 100 * np.asarray(values, dtype=float), width=width, color=color or COLORS["test"])
    ax.set_ylim(0, 100)
    ax.set_xlabel("hidden layer")
    ax.set_ylabel(f"% {what}" if values else "% dead / saturated")
    if not values:
        ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", fontsize=9, wrap=True)
    if note:
        ax.text(0.5, 0.92, note, transform=ax.transAxes, ha="center", va="top", fontsize=9, color=COLORS["test"],
                bbox=dict(facecolor="white", edgecolor=COLORS["test"]))
    return ax


#: what a panel says when its run ended in NaN and it shows the start-of-training values instead
DIVERGED_NOTE = "run ended in NaN/inf:\nthese are the values at the start"


def _title(run):
    s = run.setting
    return f"{s['activation']}, init {s['init']}, {s['optimizer']} η = {s['eta']:g}"


def diagnostics_small_multiples(settings, seeds=(0, 1, 2), **training):
    """The static twin of ``diagnostics_dashboard``: one column per setting, over several seeds.

    Row 1: per-layer gradient norms at the start (dashed) and after training
    (solid), one line per seed; row 2: dead units / saturated outputs per
    hidden layer after training (seed ``seeds[0]``; when that run ended in
    NaN, the values at the start, and the panel says so), with the test
    accuracy of every seed in the title (this machine's run: see the
    chapter's rule for printed accuracies).

    Parameters
    ----------
    settings : list of dict
        Keyword arguments of ``train_deep_network`` (depth, activation, init, optimizer, eta, ...).
    seeds : sequence of int
    **training
        Passed to every run (epochs, n_train, ...).

    Returns
    -------
    fig : matplotlib Figure
    runs : list (one per setting) of lists (one per seed) of PitfallRun
    """
    import matplotlib.pyplot as plt

    runs = [[train_deep_network(**{**training, **setting, "seed": seed}) for seed in seeds] for setting in settings]
    fig, axes = plt.subplots(2, len(settings), figsize=(3.9 * len(settings), 6.2), squeeze=False)
    for column, setting_runs in enumerate(runs):
        top, bottom = axes[0, column], axes[1, column]
        draw_gradient_norms(top, [r.before for r in setting_runs], "start", COLORS["grey"], "--")
        finished = [r.after for r in setting_runs if r.after is not None]
        draw_gradient_norms(top, finished, "after training", COLORS["train"])
        top.set_ylim(*_NORM_LIMITS)
        top.set_title(_title(setting_runs[0]), fontsize=10)
        top.legend(fontsize=8, loc="lower right")
        first = setting_runs[0]
        draw_unit_health(bottom, first.after or first.before, note=DIVERGED_NOTE if first.diverged else None)
        accuracies = ", ".join("NaN" if r.diverged else f"{100 * r.test_accuracy:.0f}" for r in setting_runs)
        bottom.set_title(f"test accuracy % by seed: {accuracies}", fontsize=10)
    fig.tight_layout()
    return fig, runs


def diagnostics_dashboard(eta=0.01, depth=6, activation="relu", init="he", optimizer="adam", epochs=3,
                          n_train=480, seed=0):
    """Sliders for η and the depth, menus for activation, initialisation and optimiser; per-layer diagnostics live.

    Every change trains a fresh network (``train_deep_network`` on the first
    ``n_train`` digits for ``epochs`` epochs, about a tenth of a second) and
    redraws: left, ||∂E/∂W|| per layer at the start and after training;
    next, the forward signal: how much each layer's output varies across
    the images (``output_spread``) at the start and after training; then
    dead ReLU units or saturated sigmoid/tanh outputs per hidden
    layer (after training; when the run ended in NaN, the values at the
    start, and the panel says so); right, the training loss per epoch, with
    the test accuracy of this run on this machine (or "NaN") in the title.
    Gradient norms of exactly 0 are drawn as triangles at the bottom. The axes are fixed, so only the lines, bars and
    titles are redrawn (``LiveFigure``).

    Returns
    -------
    ipywidgets.VBox
        Display it (last expression of a cell).
    """
    import ipywidgets as widgets

    eta = check_positive(eta, "eta")
    depth = check_positive_int(depth, "depth")
    if depth > MAX_DEPTH:
        raise ValueError(f"depth must be at most {MAX_DEPTH} in the dashboard, got {depth}.")
    check_choice(activation, "activation", ACTIVATIONS)
    check_choice(init, "init", tuple(INITIALISATIONS))
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    epochs = check_positive_int(epochs, "epochs")

    figure = new_figure(figsize=(15, 3.8))
    ax_norms, ax_spread, ax_units, ax_loss = figure.subplots(
        1, 4, gridspec_kw={"left": 0.05, "right": 0.99, "bottom": 0.14, "top": 0.88, "wspace": 0.32})
    start_line, = ax_norms.semilogy([], [], "o--", markersize=3, color=COLORS["grey"], label="start")
    after_line, = ax_norms.semilogy([], [], "o-", markersize=3, color=COLORS["train"], label="after training")
    ax_norms.set(xlim=(0.5, MAX_DEPTH + 1.5), ylim=_NORM_LIMITS, xlabel="layer (last = output)",
                 ylabel="‖∂E/∂W‖ of the layer")
    spread_start, = ax_spread.semilogy([], [], "s--", markersize=3, color=COLORS["grey"], label="start")
    spread_after, = ax_spread.semilogy([], [], "s-", markersize=3, color=COLORS["train"], label="after training")
    ax_spread.set(xlim=(0.5, MAX_DEPTH + 1.5), ylim=_SPREAD_LIMITS, xlabel="layer (last = output)",
                  ylabel="spread of g across examples")
    ax_spread.set_title("forward signal (std over the images)", fontsize=10)
    ax_spread.legend(loc="lower left", fontsize=8)
    bars = ax_units.bar(np.arange(1, MAX_DEPTH + 1), np.zeros(MAX_DEPTH), color=COLORS["test"])
    ax_units.set(xlim=(0.5, MAX_DEPTH + 0.5), ylim=(0, 100), xlabel="hidden layer")
    zero_marks, = ax_norms.semilogy([], [], "v", markersize=6, color=COLORS["train"],
                                    label="exactly 0 (drawn at the bottom)")
    ax_norms.legend(loc="lower right", fontsize=8)
    note = ax_units.text(0.5, 0.92, "", transform=ax_units.transAxes, ha="center", va="top", fontsize=9,
                         color=COLORS["test"])
    loss_line, = ax_loss.plot([], [], "o-", color=COLORS["train"])
    ax_loss.set(xlim=(0.5, epochs + 0.5), ylim=(0, 3), xlabel="epoch", ylabel="training loss E")
    ax_loss.set_xticks(np.arange(1, epochs + 1))
    dynamic = [start_line, after_line, zero_marks, spread_start, spread_after, *bars, note, loss_line,
               ax_norms.title, ax_units.title, ax_loss.title, ax_units.yaxis.label]
    live = LiveFigure(figure, dynamic)

    def redraw(change=None):
        setting = dict(depth=controls["depth"].value, activation=controls["activation"].value,
                       init=controls["init"].value, optimizer=controls["optimizer"].value, eta=controls["eta"].value,
                       n_train=n_train, seed=seed)
        # the start's full diagnosis costs about half a training run: measured only when its bars are shown
        run = train_deep_network(**setting, epochs=epochs, diagnose_before=False)
        start_line.set_data(*_layer_values(run.before, "grad_norm"))
        if run.after is not None:
            numbers, norms = _layer_values(run.after, "grad_norm")
            after_line.set_data(numbers, norms)
            zero_marks.set_data(numbers[norms == 0], np.full(int(np.sum(norms == 0)), ZERO_FLOOR))
        else:
            after_line.set_data([], [])
            zero_marks.set_data([], [])
        x_shown = digits_split(n_train)[0]
        start_model = deep_network(controls["depth"].value, activation=controls["activation"].value,
                                   init=controls["init"].value, seed=seed)
        spread_start.set_data(*_numbered(output_spread(start_model, x_shown)))
        spread_after.set_data(*(_numbered(output_spread(run.model, x_shown)) if not run.diverged else ([], [])))
        values, what = _unit_health(run.after if run.after is not None else start_diagnostics(**setting))
        for i, bar in enumerate(bars):
            bar.set_height(100 * values[i] if i < len(values) else 0.0)
        ax_units.set_ylabel(f"% {what}" if values else "% dead / saturated")
        titles = {"dead units": "dead ReLU units (never > 0 on the data)",
                  "saturated outputs": "saturated outputs (within 0.01 of the asymptotes)"}
        ax_units.set_title(titles.get(what, "ELU: no dead or saturated count"), fontsize=10)
        note.set_text(DIVERGED_NOTE if run.diverged else "")
        loss_line.set_data(np.arange(1, len(run.losses) + 1), np.minimum(run.losses, 3))
        ratio = run.before.gradient_ratio
        ax_norms.set_title(f"start: ‖∇W₁‖/‖∇W_last‖ = {ratio:.1e}", fontsize=10)
        ax_loss.set_title("diverged: NaN/inf (the NaN trap)" if run.diverged
                          else f"test accuracy {100 * run.test_accuracy:.0f} %", fontsize=10)
        live.refresh()

    controls = {
        "eta": widgets.FloatLogSlider(value=eta, base=10, min=-4, max=0, step=0.25, description="η",
                                      readout_format=".2g", continuous_update=False),
        "depth": widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="depth", continuous_update=False),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation"),
        "init": widgets.Dropdown(options=list(INITIALISATIONS), value=init, description="init"),
        "optimizer": widgets.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimiser"),
    }
    image = live.image_widget()
    redraw()
    for control in controls.values():
        control.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox([controls["eta"], controls["depth"]]),
                         widgets.HBox([controls["activation"], controls["init"], controls["optimizer"]]), image])


def draw_output_spread(ax, spreads, label=None, color=None, linestyle="-"):
    """The spread of each layer's output across examples (``topics.training_pitfalls.output_spread``), log axis.

    Parameters
    ----------
    ax : matplotlib Axes
    spreads : list of list of float
        One list per seed: per layer, the std over examples averaged over units.
    """
    for i, values in enumerate(spreads):
        ax.semilogy(np.arange(1, len(values) + 1), values, marker="s", markersize=3, linewidth=1.2, color=color,
                    linestyle=linestyle, label=label if i == 0 else None)
    ax.set_xlabel("layer (1 = first hidden, last = output)")
    ax.set_ylabel("spread of g across examples")
    return ax


def draw_centred_histograms(ax, outputs, layers, colors=None):
    """Histograms of chosen layers' outputs g, each unit's mean over the examples subtracted.

    What is left is how much a unit's output varies from one input to the
    next; a layer whose histogram is a spike at 0 no longer depends on its
    input (the forward signal collapsed).

    Parameters
    ----------
    ax : matplotlib Axes
    outputs : list of ndarray (N, units), one per layer (``layer_outputs``)
    layers : sequence of int
        Layer numbers, 1 = first hidden layer.
    """
    colors = colors or [COLORS["train"], COLORS["test"], COLORS["grey"], "black"]
    centred = {k: (outputs[k - 1] - outputs[k - 1].mean(axis=0)).ravel() for k in layers}
    reach = max(float(np.max(np.abs(v))) for v in centred.values()) or 1.0
    bins = np.linspace(-reach, reach, 61)
    for (k, values), color in zip(centred.items(), colors * len(layers)):
        ax.hist(values, bins=bins, histtype="step", linewidth=1.4, color=color, label=f"layer {k}")
    ax.set_yscale("log")
    ax.set_xlabel("g − its mean over the examples")
    ax.set_ylabel("count (units × examples)")
    ax.legend(fontsize=8)
    return ax
