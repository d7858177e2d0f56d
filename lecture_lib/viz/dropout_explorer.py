"""Chapter 08 drawings and widget: what a dropout mask does to a layer's output.

``draw_dropout_sample`` draws one digit (its 64 pixels taken as the units of
a layer) after one training-mode mask of ``Dropout(p_drop)`` and, beside it,
the average over many masks, which is the original digit again (inverted
dropout keeps the expected activation). ``dropout_small_multiples`` is the
static twin of ``dropout_explorer`` (a p slider and a mask-seed slider,
redrawn in a ``LiveFigure``). ``draw_p_sweep`` draws train and test scores
against p with their spread over seeds. matplotlib and ipywidgets are
imported lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int_at_least, check_probability
from ..nn import Dropout
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["dropout_sample", "dropped_messages", "draw_dropout_sample", "dropout_small_multiples", "dropout_explorer", "draw_p_sweep"]

_N_AVERAGE = 500  # masks averaged for the right-hand panel


def dropout_sample(image, p_drop, seed=0, n_average=_N_AVERAGE):
    """One training-mode dropout output of ``image`` and the average of ``n_average`` of them.

    Parameters
    ----------
    image : array_like, shape (8, 8) (any 2-D shape): the units of one example
    p_drop : float in [0, 1]
    seed : int, seeds the masks

    Returns
    -------
    one : ndarray, shape of image (dropped units 0, kept ones scaled by 1/(1 - p))
    average : ndarray, shape of image
    n_kept : int
    """
    image = as_float_array(image, "image")
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, e.g. one 8x8 digit, got shape {image.shape}.")
    p_drop = check_probability(p_drop, "p_drop")
    n_average = check_int_at_least(n_average, "n_average", 1)
    layer = Dropout(p_drop, rng=seed)
    batch = np.broadcast_to(image.reshape(1, -1), (n_average, image.size))
    outputs = layer.forward(batch)
    one = outputs[0].reshape(image.shape)
    return one, outputs.mean(axis=0).reshape(image.shape), int(np.count_nonzero(layer.mask[0]))


# Said on the panels when a mask keeps no unit (always at p = 1): an all-white panel alone reads as a bug.
EVERY_UNIT_DROPPED = "every unit dropped:\nthe output is 0 for\nevery input (a constant)"
AVERAGE_ALL_ZERO = "all 0: no mask keeps\na unit, 1/(1 - p) is\nundefined (used as 0)"


def dropped_messages(n_kept, average):
    """The texts the two panels show over an all-zero output: (one-mask panel, average panel); '' when not all 0.

    n_kept : int, units the shown mask kept; average : ndarray, the mean over masks.
    """
    return (EVERY_UNIT_DROPPED if n_kept == 0 else "",
            AVERAGE_ALL_ZERO if n_kept == 0 and not np.any(average) else "")


def _title(p_drop, n_kept, n_units):
    scale = "∞ → 0" if p_drop == 1 else f"{1 / (1 - p_drop):.3g}"
    return f"p_drop = {p_drop:.2f}\n{n_kept}/{n_units} kept, ×{scale}"


def draw_dropout_sample(ax_one, ax_average, image, p_drop, seed=0, vmax=None):
    """Draw one mask's output (``ax_one``) and the average over 500 masks (``ax_average``, may be None).

    Colour scale: 0 to ``vmax`` (default: the largest value of this mask's
    output, at least the image's maximum), so the 1/(1 - p) scaling of the
    kept units shows at its full size. Returns (n_kept, the image artist of ``ax_one``).
    """
    one, average, n_kept = dropout_sample(image, p_drop, seed)
    if vmax is None:
        vmax = max(float(np.max(one)), float(np.max(image)))
    artist = ax_one.imshow(one, cmap="Greys", vmin=0, vmax=vmax)
    ax_one.set_title(_title(p_drop, n_kept, one.size), fontsize=10)
    ax_one.set_xticks([]), ax_one.set_yticks([])
    one_text, average_text = dropped_messages(n_kept, average)
    if one_text:
        _message(ax_one, one_text, fontsize=8)
    if ax_average is not None:
        ax_average.imshow(average, cmap="Greys", vmin=0, vmax=vmax)
        ax_average.set_title(f"average of {_N_AVERAGE} masks", fontsize=10)
        ax_average.set_xticks([]), ax_average.set_yticks([])
        if average_text:
            _message(ax_average, average_text, fontsize=8)
    return n_kept, artist


def _message(ax, text, fontsize):
    """A centred text over an image panel (framed, so it reads on any grey); returns the Text artist."""
    return ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=fontsize,
                   color=COLORS["test"], bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": COLORS["test"]})


def dropout_small_multiples(image, p_values=(0.0, 0.2, 0.5, 0.8, 1.0), seed=0):
    """The widget's lesson as a static figure: one column per p (one mask above, the 500-mask average below).

    One colour scale for every panel, from 0 to the largest value any panel shows (the x 1/(1 - p) of
    the largest p < 1), with a colour bar, so that the scaling of the kept units compares across p.
    """
    import matplotlib.pyplot as plt

    vmax = max(float(np.max(dropout_sample(image, p_drop, seed)[0])) for p_drop in p_values)
    vmax = max(vmax, float(np.max(image)))
    fig, axes = plt.subplots(2, len(p_values), figsize=(2.4 * len(p_values) + 1.0, 5.6))
    for column, p_drop in enumerate(p_values):
        _, artist = draw_dropout_sample(axes[0, column], axes[1, column], image, p_drop, seed, vmax=vmax)
    axes[0, 0].set_ylabel("one training pass")
    axes[1, 0].set_ylabel("mean over masks")
    fig.suptitle("Dropout on the 64 pixels of a digit: each pass keeps a random subset, scaled by 1/(1 - p);"
                 " on average the digit comes back (p < 1)", fontsize=11)
    fig.colorbar(artist, ax=axes, label="unit output (pixel value)", shrink=0.8)
    return fig


def dropout_explorer(image, p_drop=0.5, seed=0):
    """Sliders for p_drop and the mask seed; one mask's output and the mean over 500 masks follow.

    One fixed colour scale, 0 to 5x the image's maximum (p = 0.8's kept units), with a colour bar
    as in the static twin ``dropout_small_multiples``. When the mask keeps no unit (always at p = 1)
    both panels would be blank white; they then say so in a framed text (``dropped_messages``).

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as widgets

    image = as_float_array(image, "image")
    p_drop = check_probability(p_drop, "p_drop")
    dropout_sample(image, p_drop, seed, n_average=1)  # validates image and seed
    p_slider = widgets.FloatSlider(value=p_drop, min=0.0, max=1.0, step=0.05, description="p_drop",
                                   continuous_update=False)
    seed_slider = widgets.IntSlider(value=seed, min=0, max=50, description="mask seed", continuous_update=False)
    figure = new_figure(figsize=(6.4, 3.4))
    ax_one, ax_average = figure.subplots(1, 2, gridspec_kw={"left": 0.02, "right": 0.84, "bottom": 0.03,
                                                            "top": 0.84, "wspace": 0.08})
    vmax = float(np.max(image)) / (1 - 0.8)  # the scale of p = 0.8's kept units; above that they saturate
    one_image = ax_one.imshow(np.zeros_like(image), cmap="Greys", vmin=0, vmax=vmax)
    average_image = ax_average.imshow(np.zeros_like(image), cmap="Greys", vmin=0, vmax=vmax)
    # the colour scale is fixed, so the colour bar is drawn once (in the cached background)
    figure.colorbar(one_image, cax=figure.add_axes([0.87, 0.08, 0.025, 0.72]), label="unit output")
    for ax in (ax_one, ax_average):
        ax.set_xticks([]), ax.set_yticks([])
    ax_average.set_title(f"average of {_N_AVERAGE} masks", fontsize=11)
    one_text, average_text = _message(ax_one, "", fontsize=10), _message(ax_average, "", fontsize=10)
    live = LiveFigure(figure, [one_image, average_image, ax_one.title, one_text, average_text])

    def redraw(change=None):
        one, average, n_kept = dropout_sample(image, p_slider.value, seed_slider.value)
        one_image.set_data(one)
        average_image.set_data(average)
        ax_one.set_title(_title(p_slider.value, n_kept, one.size), fontsize=11)
        for text, message in zip((one_text, average_text), dropped_messages(n_kept, average)):
            text.set_text(message)
            text.set_visible(bool(message))  # an empty text would still draw its frame
        live.refresh()

    picture = live.image_widget()
    redraw()
    p_slider.observe(redraw, names="value")
    seed_slider.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox([p_slider, seed_slider]), picture])


def draw_p_sweep(ax, p_values, train, test, ylabel="accuracy", title=None):
    """Train and test scores against p_drop: mean over seeds with a ±1 standard deviation bar (said in the legend).

    train, test : array_like, shape (len(p_values), n_seeds)
    """
    p_values = np.asarray(p_values, dtype=float)
    for scores, label, colour in ((train, "train (labels seen)", COLORS["train"]), (test, "test", COLORS["test"])):
        scores = np.asarray(scores, dtype=float)
        if scores.shape[0] != p_values.size:
            raise ValueError(f"scores must have one row per p value ({p_values.size}), got shape {scores.shape}.")
        ax.errorbar(p_values, scores.mean(axis=1), yerr=scores.std(axis=1, ddof=1), color=colour, marker="o",
                    capsize=3, label=f"{label}: mean ± 1 sd over {scores.shape[1]} seeds")
    ax.set(xlabel="drop probability p_drop", ylabel=ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
