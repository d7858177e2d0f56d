"""Chapter 10 widget: depth and branch scale against the per-layer gradient map and the training loss.

The traces are precomputed by ``topics.deep_training.skip_traces`` (a
dict (depth, branch_scale) -> (norms, losses), and (depth, 'plain') for the
plain network of the same depth); a slider move only looks one up and
redraws. Left: log10 ||dE/dW|| per layer and step (as
``deep_training_plots.draw_gradient_norm_map``; the top row is the
output layer); right: the mini-batch
training loss per step of the residual network and of the plain one.
``skip_connection_small_multiples`` is the static twin (one row per depth,
one column per branch scale). The branch scale multiplies the initial W2
of every block's last layer, a linear Dense layer initialised as Keras's
default (Glorot uniform, variance 1/64 for 64 units), so the titles say
"x Glorot". matplotlib and ipywidgets are imported lazily.
"""
from __future__ import annotations

import numpy as np

from .deep_training_plots import variant_colour
from .live_figure import LiveFigure, new_figure

__all__ = ["skip_connection_explorer", "skip_connection_small_multiples", "trace_grid"]


def trace_grid(traces):
    """The depths and branch scales of ``traces`` (sorted), checking that every pair and each plain net is there."""
    if not isinstance(traces, dict) or not traces:
        raise ValueError("traces must be the non-empty dict of topics.deep_training.skip_traces.")
    depths = sorted({depth for depth, _ in traces})
    scales = sorted({scale for _, scale in traces if scale != "plain"})
    missing = [key for key in [(d, s) for d in depths for s in scales] + [(d, "plain") for d in depths]
               if key not in traces]
    if missing or not scales:
        raise ValueError(f"traces lacks {missing or 'any residual network'}: use topics.deep_training.skip_traces.")
    return depths, scales


def _log_norms(norms):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.asarray(norms, dtype=float).T)


def _colour_range(traces):
    """From the smallest to the largest log10 norm of the runs that did not diverge (larger values saturate).

    A diverging run's norms reach 10^100 before they turn into NaN; on one common scale they would
    leave every other map a single colour.
    """
    finite_runs = [norms for norms, losses in traces.values() if np.all(np.isfinite(losses))] or \
        [norms for norms, _ in traces.values()]
    logs = np.concatenate([_log_norms(norms).ravel() for norms in finite_runs])
    logs = logs[np.isfinite(logs)]
    return float(np.floor(logs.min())), float(np.ceil(logs.max()))


def _cmap():
    import matplotlib

    # over: above the range, a diverging run's last finite steps; bad: NaN, diverged
    return matplotlib.colormaps["magma"].with_extremes(over="#66ccee", bad="white")


def _status(losses):
    """'diverged at step k' or the loss of the last 10 steps."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        return f"diverged at step {bad[0] + 1}"
    return f"loss of the last 10 steps {np.mean(losses[-10:]):.2f}"


def _title(depth, scale, losses, plain_losses):
    return (f"{depth} stages ({depth + 1} rows with the output layer), W2 starts at {scale:g} x Glorot: {_status(losses)}"
            f"\nplain network of {depth} layers: {_status(plain_losses)}")


def skip_connection_small_multiples(traces):
    """The widget's lesson as a static figure: the gradient map for every depth (rows) and branch scale (columns)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    depths, scales = trace_grid(traces)
    vmin, vmax = _colour_range(traces)
    fig, axes = plt.subplots(len(depths), len(scales) + 1, figsize=(3.2 * (len(scales) + 1), 3.1 * len(depths)),
                             squeeze=False)
    fig.subplots_adjust(hspace=0.55, wspace=0.3, right=0.84)
    for i, depth in enumerate(depths):
        for j, scale in enumerate(["plain", *scales]):
            norms, losses = traces[(depth, scale)]
            ax = axes[i, j]
            image = ax.imshow(_log_norms(norms), origin="lower", aspect="auto", cmap=_cmap(), vmin=vmin, vmax=vmax,
                              extent=(0.5, norms.shape[0] + 0.5, 0.5, norms.shape[1] + 0.5))
            ax.grid(False)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # layers are whole numbers
            name = "plain" if scale == "plain" else f"W2 at {scale:g} x Glorot"
            ax.set_title(f"{depth} stages, {name}\n{_status(losses)}", fontsize=8)
            if i == len(depths) - 1:
                ax.set_xlabel("training step")
            if j == 0:
                ax.set_ylabel("layer (1 = input side)")
    fig.colorbar(image, ax=axes, label="log10 ||dE/dW|| (light blue: above, white: diverged)", shrink=0.8,
                 extend="max")
    fig.suptitle("Gradient norm per layer and step; the title gives the training loss", fontsize=11)
    return fig


def skip_connection_explorer(traces, depth=None, branch_scale=None):
    """Sliders for the depth and the branch scale; the gradient map and the loss curves follow.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    depths, scales = trace_grid(traces)
    depth = depths[-1] if depth is None else depth
    branch_scale = scales[1 if len(scales) > 1 else 0] if branch_scale is None else branch_scale
    if depth not in depths or branch_scale not in scales:
        raise ValueError(f"depth must be one of {depths} and branch_scale one of {scales}, got {depth}, {branch_scale}.")
    depth_slider = widgets.SelectionSlider(options=depths, value=depth, description="stages", continuous_update=False)
    scale_slider = widgets.SelectionSlider(options=scales, value=branch_scale, description="branch scale",
                                           continuous_update=False)
    vmin, vmax = _colour_range(traces)
    steps = next(iter(traces.values()))[0].shape[0]
    figure = new_figure(figsize=(9.6, 3.8))
    ax_map = figure.add_axes((0.07, 0.14, 0.36, 0.66))
    ax_loss = figure.add_axes((0.55, 0.14, 0.43, 0.66))
    norms, _ = traces[(depth, branch_scale)]
    # the layer axis runs from 0 (input side) to 1 (output side) whatever the depth: the axes keep their
    # limits, so a slider move only redraws the image (a blit), not the whole figure
    image = ax_map.imshow(_log_norms(norms), origin="lower", aspect="auto", cmap=_cmap(), vmin=vmin, vmax=vmax,
                          extent=(0.5, steps + 0.5, 0.0, 1.0))
    ax_map.grid(False)
    ax_map.set(xlabel="training step", ylabel="layer, 0 = input side, 1 = output", ylim=(0.0, 1.0))
    figure.colorbar(image, ax=ax_map, label="log10 ||dE/dW||", extend="max")
    finite = np.concatenate([losses[np.isfinite(losses)] for _, losses in traces.values()])
    ax_loss.set(xlim=(0, steps + 1), ylim=(0, min(float(finite.max()), 6.0)), xlabel="training step",
                ylabel="mini-batch training loss")
    ax_loss.axhline(np.log(10), color="0.6", linestyle=":", linewidth=1, label="ln 10 (chance)")
    # the variants' colours of every chapter-10 figure (deep_training_plots.VARIANT_COLOURS)
    residual_line, = ax_loss.plot([], [], color=variant_colour("residual"), label="residual")
    plain_line, = ax_loss.plot([], [], color=variant_colour("plain"), linestyle="--", label="plain, same depth")
    ax_loss.legend(loc="upper right", fontsize=9)
    title = figure.suptitle("", fontsize=10)
    live = LiveFigure(figure, [image, residual_line, plain_line, title])

    def redraw(change=None):
        d, s = depth_slider.value, scale_slider.value
        norms, losses = traces[(d, s)]
        plain_losses = traces[(d, "plain")][1]
        image.set_data(_log_norms(norms))  # the extent stays (0, 1): the rows of any depth fill the panel
        x = np.arange(1, steps + 1)
        residual_line.set_data(x, losses)
        plain_line.set_data(x, plain_losses)
        title.set_text(_title(d, s, losses, plain_losses))
        live.refresh()

    picture = live.image_widget()
    redraw()
    depth_slider.observe(redraw, names="value")
    scale_slider.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox([depth_slider, scale_slider]), picture])
