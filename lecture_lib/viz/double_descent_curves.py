"""Double-descent curves (test error against parameters or samples) and their explorer widget.

``draw_parameter_sweep`` draws one ``SweepResult`` of
``lecture_lib.topics.double_descent``: test error (mean, median and every
seed), the norm of the solution and the condition number, each against p
with the interpolation threshold p = n marked. ``draw_sample_sweep`` does
the same against n. ``double_descent_explorer`` puts sliders on the ridge
strength, the number of training images and the label noise; the features
are decomposed once per (n, seed, p) (``SpectralFit``), so a slider move
costs a few small matrix products. matplotlib and ipywidgets are imported
lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_positive, check_probability
from ..topics.double_descent import BiasVariance, DescentPath, FeatureSweep, SweepResult, log_spaced_widths
from ..topics.width_sweep import SeedSweep, interpolation_width
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["draw_parameter_sweep", "draw_sample_sweep", "draw_error_curve", "draw_linear_panel",
           "double_descent_explorer", "draw_width_sweep", "draw_descent_paths", "draw_bias_variance"]

_LAM_ZERO = 1e-8  # the ridge slider's leftmost value, shown and used as λ = 0


def draw_error_curve(ax, result, key="test_error", label=None, color=None, seeds=True, median=True,
                     threshold=None, xlabel="number of features p"):
    """Mean (solid) and median (dashed) of ``result.<key>`` over seeds, each seed thin, log-log axes.

    Parameters
    ----------
    ax : matplotlib Axes
    result : SweepResult
    key : str, one of the per-seed arrays of SweepResult
    threshold : float, optional, draws a vertical dotted line there (p = n or n = p)
    """
    if not isinstance(result, SweepResult):
        raise TypeError(f"result must be a SweepResult, got {type(result).__name__}.")
    values = getattr(result, key)
    color = color or COLORS["test"]
    if seeds:
        for k, row in enumerate(values):
            ax.plot(result.values, row, color=color, alpha=0.25, linewidth=0.8,
                    label=f"each of {len(values)} seeds" if k == 0 else None)
    ax.plot(result.values, values.mean(axis=0), color=color, linewidth=2, label=label or "mean over seeds")
    if median:
        ax.plot(result.values, np.median(values, axis=0), color=color, linewidth=1.5, linestyle="dashed",
                label="median")
    if threshold is not None:
        ax.axvline(threshold, color=COLORS["grey"], linestyle="dotted", linewidth=1.5)
    ax.set(xscale="log", yscale="log", xlabel=xlabel)


def draw_linear_panel(ax, result, threshold, top=1.0, xlabel="number of features p", title=None):
    """The test error on a LINEAR axis clipped to [0, top], with the median training error.

    On log axes from 0.1 to 10^8 the U and the second descent flatten into one line; here they show, and so
    does the training error, exactly 0 (up to rounding) from the interpolation threshold on. The seeds'
    values above ``top`` (the peak) leave the panel.
    """
    if not isinstance(result, SweepResult):
        raise TypeError(f"result must be a SweepResult, got {type(result).__name__}.")
    draw_error_curve(ax, result, threshold=threshold, xlabel=xlabel)
    ax.plot(result.values, np.median(result.train_error, axis=0), color=COLORS["train"], linewidth=1.5,
            marker="o", markersize=3, label="training error (median)")
    ax.set_yscale("linear")
    ax.set_ylim(0.0, top)
    ax.set_ylabel("error (MSE on one-hot targets), linear axis")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper right")


def draw_parameter_sweep(axes, result, n, title=None):
    """Three panels against p: test error, ||w|| and the condition number of phi_train.

    axes : sequence of 3 matplotlib Axes; result : SweepResult of ``parameter_sweep``; n : training images.
    """
    ax_err, ax_norm, ax_cond = axes
    draw_error_curve(ax_err, result, threshold=n)
    ax_err.set(ylabel="test error (MSE on one-hot targets)",
               title=title or f"n = {n}: peak at p = n, second descent beyond")
    ax_err.legend(loc="upper right", fontsize=9)
    draw_error_curve(ax_norm, result, key="weight_norm", color=COLORS["class0"], median=False, threshold=n)
    ax_norm.set(ylabel="||w|| of the solution", title="the solution's norm spikes at p = n")
    draw_error_curve(ax_cond, result, key="condition", color=COLORS["highlight"], median=False, threshold=n)
    ax_cond.set(ylabel="condition number of Φ", title="Φ is nearly singular at p = n")


def draw_sample_sweep(ax, result, p, title=None):
    """Test error against the number of training images n at fixed p (sample-wise double descent)."""
    draw_error_curve(ax, result, threshold=p, xlabel="number of training images n")
    ax.set(ylabel="test error (MSE on one-hot targets)",
           title=title or f"p = {p} fixed: more data can hurt near n = p")
    ax.legend(loc="upper right", fontsize=9)


def draw_width_sweep(ax, result, title=None):
    """Training and test error (fraction misclassified) of trained MLPs against the hidden width, linear axes.

    ax : matplotlib Axes; result : ``SeedSweep`` of ``width_sweep_over_seeds``.
    Each seed thin, the mean over seeds thick (test solid, training dashed);
    a dotted vertical line at the interpolation width (every seed's training
    error 0 from there on), when there is one.
    """
    if not isinstance(result, SeedSweep):
        raise TypeError(f"result must be a SeedSweep, got {type(result).__name__}.")
    widths = np.asarray(result.widths)
    for key, color, style, name in (("test_error", COLORS["test"], "solid", "test"),
                                    ("train_error", COLORS["train"], "dashed", "training")):
        values = getattr(result, key)
        for k, row in enumerate(values):
            ax.plot(widths, row, color=color, alpha=0.3, linewidth=0.8, linestyle=style,
                    label=f"{name}, each of {len(values)} seeds" if k == 0 else None)
        ax.plot(widths, values.mean(axis=0), color=color, linewidth=2, linestyle=style, marker="o", markersize=3,
                label=f"{name} error, mean over seeds")
    threshold = interpolation_width(result.widths, result.train_error)
    if threshold is not None:
        ax.axvline(threshold, color=COLORS["grey"], linestyle="dotted", linewidth=1.5,
                   label=f"interpolation: training error 0 from width {threshold}")
    ax.set(xlabel="hidden width (MLP 40-width-width-10)", ylabel="fraction misclassified", ylim=(0, None),
           title=title or f"{result.label_noise:.0%} of the training labels flipped")
    ax.legend(fontsize=8, loc="center right")  # the curves leave the middle right free


def draw_descent_paths(axes, paths):
    """Gradient descent against its step count t: test error beside ridge at lam = 1/(2 eta t), and ||w_t - w+||.

    axes : two matplotlib Axes; paths : sequence of ``DescentPath`` (one colour each).
    Left: test error of the iterate (solid), of ridge at lam = 1/(2 eta t)
    (dashed) and of the minimum-norm solution (dotted, horizontal), log-log.
    Right: the distance to the minimum-norm solution relative to its norm.
    """
    ax_err, ax_dist = axes
    palette = (COLORS["test"], COLORS["class0"], COLORS["highlight"], COLORS["train"])
    for path, color in zip(paths, palette):
        if not isinstance(path, DescentPath):
            raise TypeError(f"paths must hold DescentPath objects, got {type(path).__name__}.")
        ax_err.plot(path.steps, path.test_error, color=color, linewidth=2, label=f"p = {path.p}: gradient descent")
        ax_err.plot(path.steps, path.ridge_test_error, color=color, linewidth=1.5, linestyle="dashed",
                    label=f"p = {path.p}: ridge, λ = 1/(2ηt)")
        ax_err.axhline(path.min_norm_test_error, color=color, linewidth=1, linestyle="dotted",
                       label=f"p = {path.p}: minimum-norm solution")
        ax_dist.plot(path.steps, path.distance, color=color, linewidth=2, label=f"p = {path.p}")
    ax_err.set(xscale="log", yscale="log", xlabel="gradient-descent step t", ylabel="test error (MSE, log axis)",
               title="test error along gradient descent from w = 0")
    ax_err.legend(fontsize=7, loc="upper left")
    ax_dist.set(xscale="log", yscale="log", xlabel="gradient-descent step t", ylabel="||w_t - w+|| / ||w+||",
                title="distance to the minimum-norm solution w+")
    ax_dist.legend(fontsize=8, loc="lower left")


def draw_bias_variance(ax, parts, threshold=None, xlabel="number of features p"):
    """bias², variance and the test error (their sum) against p, log-log; ``parts`` a ``BiasVariance``.

    Values <= 0 (the bias² estimate can dip below 0 where it is tiny next to the variance) leave the log axis.
    """
    if not isinstance(parts, BiasVariance):
        raise TypeError(f"parts must be a BiasVariance, got {type(parts).__name__}.")
    ax.plot(parts.values, parts.error, color=COLORS["test"], linewidth=2.5, label="test error (mean over seeds)")
    ax.plot(parts.values, np.where(parts.variance > 0, parts.variance, np.nan), color=COLORS["class0"], linewidth=1.5,
            marker="o", markersize=3, label="variance over seeds")
    ax.plot(parts.values, np.where(parts.bias2 > 0, parts.bias2, np.nan), color=COLORS["class1"], linewidth=1.5,
            marker="s", markersize=3, label="bias²")
    if threshold is not None:
        ax.axvline(threshold, color=COLORS["grey"], linestyle="dotted", linewidth=1.5)
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="MSE on one-hot targets (log axis)")
    ax.legend(fontsize=8, loc="upper right")


def double_descent_explorer(x_train, labels_train, x_test, labels_test, seeds=(0, 1, 2), sizes=(150, 300, 450),
                            lam=0.0, n=300, label_noise=0.0, sweeps=()):
    """Sliders for the ridge strength λ, the number of training images n and the label noise.

    Parameters
    ----------
    x_train : ndarray (N, 64), pixels in [0, 1]; labels_train : int ndarray (N,)
    x_test : ndarray (M, 64); labels_test : int ndarray (M,)
    seeds : the seeds averaged in the curve (each: its own images, first layer, noise)
    sizes : the n the slider offers; each is decomposed on first use (a second or two), then cached
    lam, n, label_noise : the initial slider values
    sweeps : sequence of FeatureSweep, already decomposed (reused for their n instead of computed again;
        their seeds and widths are used as they are)

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    lam = check_positive(lam, "lam", allow_zero=True)
    label_noise = check_probability(label_noise, "label_noise")
    sizes = tuple(int(v) for v in sizes)
    if n not in sizes:
        raise ValueError(f"n must be one of sizes {sizes}, got {n!r}.")
    for sweep in sweeps:
        if not isinstance(sweep, FeatureSweep):
            raise TypeError(f"sweeps must hold FeatureSweep objects, got {type(sweep).__name__}.")
    cache = {sweep.n: sweep for sweep in sweeps}

    def sweep_for(n_images):
        if n_images not in cache:
            cache[n_images] = FeatureSweep(x_train, labels_train, x_test, labels_test,
                                           log_spaced_widths(30, 3000, 10, include=(n_images,)), n=n_images,
                                           seeds=seeds)
        return cache[n_images]

    # The slider's leftmost value stands for λ = 0 (the minimum-norm solution); a log slider cannot reach 0.
    lam_slider = widgets.FloatLogSlider(value=max(lam, _LAM_ZERO), base=10, min=np.log10(_LAM_ZERO), max=0, step=0.25,
                                        description="ridge λ", readout_format=".1e", continuous_update=False)
    n_slider = widgets.SelectionSlider(options=sizes, value=n, description="n images", continuous_update=False)
    noise_slider = widgets.FloatSlider(value=label_noise, min=0.0, max=0.5, step=0.05, description="label noise",
                                       readout_format=".2f", continuous_update=False)

    figure = new_figure(figsize=(8, 4.2))
    ax = figure.subplots(gridspec_kw={"left": 0.1, "right": 0.97, "bottom": 0.13, "top": 0.9})
    mean_line, = ax.plot([], [], color=COLORS["test"], linewidth=2, marker="o", markersize=3,
                         label="test error, mean over seeds")
    median_line, = ax.plot([], [], color=COLORS["test"], linewidth=1.5, linestyle="dashed", label="median")
    threshold = ax.axvline(n, color=COLORS["grey"], linestyle="dotted", linewidth=1.5)
    ax.set(xscale="log", yscale="log", xlim=(25, 3600), ylim=(0.08, 3000), xlabel="number of features p",
           ylabel="test error (MSE on one-hot targets)")
    ax.legend(loc="upper right", fontsize=9)
    live = LiveFigure(figure, [mean_line, median_line, threshold, ax.title])

    def redraw(change=None):
        current = sweep_for(n_slider.value)
        lam_now = 0.0 if lam_slider.value <= _LAM_ZERO * 1.0001 else lam_slider.value
        result = current.evaluate(lam=lam_now, label_noise=noise_slider.value)
        mean = result.mean()
        mean_line.set_data(result.values, mean)
        median_line.set_data(result.values, result.median())
        threshold.set_xdata([current.n, current.n])
        at_n = mean[list(result.values).index(current.n)]
        ax.set_title(f"n = {current.n}, λ = {lam_now:.1e}{' (minimum norm)' if lam_now == 0 else ''}, noise {noise_slider.value:.0%}: "
                     f"error at p = n {at_n:.3g}, at p = {result.values[-1]} {mean[-1]:.3g}", fontsize=10)
        live.refresh()

    image = live.image_widget()
    redraw()
    for control in (lam_slider, n_slider, noise_slider):
        control.observe(redraw, names="value")
    note = widgets.HTML("ridge λ at its leftmost value means λ = 0: the minimum-norm solution")
    return widgets.VBox([widgets.HBox([lam_slider, n_slider, noise_slider]), note, image])
