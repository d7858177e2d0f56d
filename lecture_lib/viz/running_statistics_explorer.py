"""Chapter 09 widget: batch size and momentum against the error of batch norm's running mean.

``running_mean_trace`` feeds one stream of random mini-batches to a
``BatchNorm`` and records its running mean; ``running_statistics_explorer``
has a slider for the batch size and one for the momentum (PyTorch's
convention: the weight of the new batch; the Keras value is shown beside it)
and redraws the trace of one feature against the mean over all data, with
the mean error over the last third of the stream in the title. ``running_statistics_small_multiples``
is its static twin: a grid of batch sizes x momenta. Every redraw computes
300 batch statistics (milliseconds), nothing is trained. matplotlib and
ipywidgets are imported lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_generator, check_int_at_least, check_positive_int
from ..nn import BatchNorm
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["running_mean_trace", "running_statistics_small_multiples", "running_statistics_explorer",
           "trace_limits", "BATCH_SIZES", "MOMENTA"]

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256)
MOMENTA = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 0.9, 0.99)  # PyTorch's: the weight of the new batch


def running_mean_trace(h, batch_size, momentum, n_batches=300, feature=0, seed=0):
    """The running mean of one feature after each of ``n_batches`` random mini-batches of h.

    Parameters
    ----------
    h : array_like, shape (N, D): the weighted sums of D units for N examples
    batch_size : int, 2 <= batch_size <= N
    momentum : float in (0, 1), PyTorch's convention (m_run <- (1 - momentum) m_run + momentum h_bar)
    feature : int, the unit traced

    Returns
    -------
    trace : ndarray, shape (n_batches,)
    error : float, the mean of |m_run - mean of h over all N examples| of that feature over the last third of
        the batches (at least one). Not the error after the last batch alone: with a momentum near 1 the running
        mean jumps with every batch, and a last batch that happens to land near the mean would hide that.
    """
    h = as_float_array(h, "h")
    if h.ndim != 2:
        raise ValueError(f"h must have shape (N, D), got {h.shape}.")
    batch_size = check_int_at_least(batch_size, "batch_size", 2)
    if batch_size > len(h):
        raise ValueError(f"batch_size must be at most the number of examples {len(h)}, got {batch_size}.")
    feature = check_int_at_least(feature, "feature", 0)
    if feature >= h.shape[1]:
        raise ValueError(f"feature must be below the number of units {h.shape[1]}, got {feature}.")
    rng = as_generator(seed, "seed")
    layer = BatchNorm(momentum=momentum)
    column = h[:, feature: feature + 1]
    trace = np.empty(check_positive_int(n_batches, "n_batches"))
    for step in range(len(trace)):
        layer.forward(column[rng.choice(len(h), batch_size, replace=False)])
        trace[step] = layer.running_mean[0]
    tail = trace[-max(1, len(trace) // 3):]
    return trace, float(np.mean(np.abs(tail - column.mean())))


def trace_limits(h, feature=0):
    """The widget's fixed y range: the running mean's start 0 and the data's mean +- 2.5 standard deviations.

    The running mean starts at 0 (PyTorch's initial running_mean), so a small momentum spends hundreds of
    batches below the data's mean; a momentum near 1 with batches of 2 follows single pairs of examples.
    The range is fixed (not rescaled per redraw) so that two settings can be compared by eye.
    """
    column = as_float_array(h, "h")[:, feature]
    target, spread = float(column.mean()), float(column.std())
    low, high = min(0.0, target - 2.5 * spread), max(0.0, target + 2.5 * spread)
    margin = 0.04 * (high - low)
    return low - margin, high + margin


def _title(batch_size, momentum, error):
    return (f"batch size {batch_size}, momentum {momentum:g} (Keras: {1 - momentum:.3g})\n"
            f"mean error of the running mean over the last third of the batches: {error:.3f}")


def running_statistics_small_multiples(h, batch_sizes=(4, 32, 256), momenta=(0.01, 0.1, 0.9), n_batches=300,
                                       feature=0, seed=0):
    """The widget's lesson as a static figure: one panel per (batch size, momentum)."""
    import matplotlib.pyplot as plt

    h = as_float_array(h, "h")
    target = float(h[:, feature].mean())
    fig, axes = plt.subplots(len(batch_sizes), len(momenta), figsize=(3.6 * len(momenta), 2.5 * len(batch_sizes)),
                             sharex=True, sharey=True, squeeze=False)
    for i, batch_size in enumerate(batch_sizes):
        for j, momentum in enumerate(momenta):
            trace, error = running_mean_trace(h, batch_size, momentum, n_batches, feature, seed)
            ax = axes[i, j]
            ax.plot(np.arange(1, n_batches + 1), trace, color=COLORS["class0"], linewidth=1.2)
            ax.axhline(target, color=COLORS["line"], linestyle="dashed", linewidth=1)
            ax.set_title(f"batch {batch_size}, momentum {momentum:g}: mean error {error:.3f}", fontsize=9)
            if i == len(batch_sizes) - 1:
                ax.set_xlabel("training batch")
            if j == 0:
                ax.set_ylabel(f"running mean, unit {feature}")
    fig.suptitle("Running mean (blue) against the mean over all data (dashed): small batches are noisy,"
                 " a large momentum follows the noise, a small one is slow\n(error: mean |running mean - data mean|"
                 f" over the last {max(1, n_batches // 3)} batches)", fontsize=10)
    fig.tight_layout()
    return fig


def running_statistics_explorer(h, batch_size=16, momentum=0.1, n_batches=300, feature=0, seed=0):
    """Sliders for the batch size and the momentum; the running mean's trace follows.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    h = as_float_array(h, "h")
    running_mean_trace(h, batch_size, momentum, 2, feature, seed)  # validates the arguments
    if batch_size not in BATCH_SIZES or momentum not in MOMENTA:
        raise ValueError(f"batch_size must be one of {BATCH_SIZES} and momentum one of {MOMENTA},"
                         f" got {batch_size} and {momentum}.")
    size_slider = widgets.SelectionSlider(options=list(BATCH_SIZES), value=batch_size, description="batch size",
                                          continuous_update=False)
    momentum_slider = widgets.SelectionSlider(options=list(MOMENTA), value=momentum, description="momentum",
                                              continuous_update=False)
    target = float(h[:, feature].mean())
    figure = new_figure(figsize=(7.0, 3.6))
    ax = figure.add_axes((0.11, 0.15, 0.86, 0.68))
    ax.axhline(target, color=COLORS["line"], linestyle="dashed", linewidth=1, label="mean over all data")
    line, = ax.plot(np.arange(1, n_batches + 1), np.full(n_batches, target), color=COLORS["class0"],
                    label="running mean")
    ax.set(xlim=(0, n_batches + 1), ylim=trace_limits(h, feature),
           xlabel="training batch", ylabel=f"running mean of unit {feature}")
    ax.legend(loc="upper right", ncol=2, fontsize=9)
    title = ax.set_title("", fontsize=10)
    live = LiveFigure(figure, [line, title])

    def redraw(change=None):
        trace, error = running_mean_trace(h, size_slider.value, momentum_slider.value, n_batches, feature, seed)
        line.set_ydata(trace)
        title.set_text(_title(size_slider.value, momentum_slider.value, error))
        live.refresh()

    picture = live.image_widget()
    redraw()
    size_slider.observe(redraw, names="value")
    momentum_slider.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox([size_slider, momentum_slider]), picture])
