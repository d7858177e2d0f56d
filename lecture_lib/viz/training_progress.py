"""Loss and accuracy per epoch: a live plot during ``fit`` and its static twin drawn from the History.

``TrainingProgressPlot`` is a fit callback (``lecture_lib.nn.callbacks``):
``model.fit(x, y, epochs=80, callbacks=[TrainingProgressPlot()])`` shows a
figure under the cell that grows by one point per epoch while the model
trains, so a learner sees a longer run progress (and stall, or diverge)
instead of waiting for a silent cell. ``draw_training_curves(history)`` draws
the same two panels from the ``History`` that fit returns: the figure of a
finished run, readable on a web page.

Why a display handle and not an ipywidget: the frame is a PNG rendered by
``LiveFigure`` (only the curves and the title are redrawn, on a cached
background) and pushed with IPython's ``display(..., display_id=True)`` /
``handle.update(...)``. JupyterLab, the classic notebook and VS Code show the
updates while the cell runs, and the saved notebook keeps the last frame as
an ordinary image, so the executed notebook shows the final curves on a web
page too (a widget would show nothing there). Nothing in it is interactive,
so there is no slider for the browser suite to move.

matplotlib, Pillow and IPython are imported lazily.
"""
from __future__ import annotations

import time

import numpy as np

from .._validate import check_positive
from ..nn.callbacks import Callback
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["TrainingProgressPlot", "draw_training_curves"]

#: Colour and line style of each history key.
_STYLES = {
    "loss": dict(color=COLORS["train"], linestyle="-", label="training loss"),
    "val_loss": dict(color=COLORS["test"], linestyle="--", label="validation loss"),
    "acc": dict(color=COLORS["train"], linestyle="-", label="training accuracy"),
    "val_acc": dict(color=COLORS["test"], linestyle="--", label="validation accuracy"),
}


def _accuracy_key(keys):
    """'acc' or 'accuracy' (whichever the model's metrics use), or None."""
    return next((k for k in ("acc", "accuracy") if k in keys), None)


def _style(key):
    base = key.replace("accuracy", "acc")
    return _STYLES.get(base, dict(label=key))


def _layout(figure, with_accuracy):
    """Two panels (loss, accuracy) or one (loss), fixed margins so frames do not move."""
    if with_accuracy:
        return figure.subplots(1, 2, gridspec_kw=dict(left=0.08, right=0.98, bottom=0.16, top=0.84, wspace=0.25))
    return (figure.subplots(1, 1, gridspec_kw=dict(left=0.1, right=0.97, bottom=0.16, top=0.84)), None)


def _dress(ax_loss, ax_acc):
    ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="loss E (log scale)")
    ax_loss.grid(True, alpha=0.3)
    if ax_acc is not None:
        ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0.0, 1.02))
        ax_acc.grid(True, alpha=0.3)


def _summary(epoch, epochs, values):
    parts = [f"{key} {values[key]:.3g}" if "loss" in key else f"{key} {values[key]:.3f}" for key in values]
    return f"epoch {epoch}/{epochs}: " + ", ".join(parts)


def draw_training_curves(history, axes=None, title=None):
    """The static twin: loss (log scale) and accuracy against the epoch, from a finished ``fit``.

    Parameters
    ----------
    history : History or dict of str -> list of float
        ``model.fit(...)`` or its ``.history``; keys 'loss', 'val_loss',
        'acc'/'accuracy', 'val_acc'/'val_accuracy' are drawn (validation
        dashed). With no accuracy key only the loss panel is drawn.
    axes : (ax_loss, ax_acc) or (ax_loss, None), optional
        Where to draw; default a new pyplot figure.
    title : str, optional
        Figure title; default the last epoch's values.

    Returns
    -------
    fig : matplotlib Figure
    """
    values = getattr(history, "history", history)
    if not isinstance(values, dict) or not values.get("loss"):
        raise ValueError("history must be what fit returns (a History) or its .history dict with a non-empty"
                         f" 'loss' list, got {history!r}.")
    with_accuracy = _accuracy_key(values) is not None
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(10, 3.6) if with_accuracy else (6, 3.6))
        axes = _layout(fig, with_accuracy)
    ax_loss, ax_acc = axes
    fig = ax_loss.figure
    epochs = np.arange(1, len(values["loss"]) + 1)
    for key, series in values.items():
        target = ax_loss if "loss" in key else ax_acc
        if target is None or not series:
            continue
        target.plot(epochs[:len(series)], series, **_style(key))
    _dress(ax_loss, ax_acc)
    for ax in (ax_loss, ax_acc):
        if ax is not None:
            ax.legend(loc="best", fontsize=9)
    last = {key: series[-1] for key, series in values.items() if series}
    fig.suptitle(title if title is not None else _summary(len(values["loss"]), len(values["loss"]), last))
    return fig


class TrainingProgressPlot(Callback):
    """A fit callback that plots loss and accuracy live, one point per epoch.

    Parameters
    ----------
    min_interval : float >= 0
        Seconds between two frames pushed to the notebook (rendering and
        sending a frame costs a few milliseconds; a fast run would spend
        more time drawing than training). The first and the last epoch are
        always drawn. 0: every epoch.
    display : bool
        Show the figure under the running cell (needs IPython). False keeps
        the frames in ``self.live`` only (tests, scripts).
    figsize : (float, float)

    Attributes
    ----------
    live : LiveFigure or None
        The figure of the current (or last) fit.
    frames : int
        Frames rendered in the last fit.
    values : dict of str -> list of float
        What was plotted: one value per epoch for every history key.

    Notes
    -----
    Keras has no built-in live plot (``fit(verbose=1)`` prints a progress
    bar); a callback with ``on_epoch_end`` as here is how one is written
    there (``keras.callbacks.Callback``), and in PyTorch the plot is
    updated inside the training loop itself.
    """

    def __init__(self, min_interval=0.1, display=True, figsize=(10, 3.6)):
        self.min_interval = check_positive(min_interval, "min_interval", allow_zero=True)
        if not isinstance(display, bool):
            raise TypeError(f"display must be True or False, got {display!r}.")
        self.display = display
        self.figsize = tuple(figsize)
        self.live = None
        self.frames = 0
        self.values = {}
        self._handle = None
        self._lines = {}

    def __repr__(self):
        return f"TrainingProgressPlot(min_interval={self.min_interval:g}, display={self.display})"

    # --- fit hooks ---------------------------------------------------------------------
    def on_train_begin(self, model, logs):
        self.epochs = int(logs.get("epochs", 1))
        self.values, self.frames, self._lines = {}, 0, {}
        self._last_frame_time = -np.inf
        self._with_accuracy = bool(getattr(model, "metrics", None))
        figure = new_figure(self.figsize if self._with_accuracy else (6, self.figsize[1]))
        self._ax_loss, self._ax_acc = _layout(figure, self._with_accuracy)
        _dress(self._ax_loss, self._ax_acc)
        for ax in (self._ax_loss, self._ax_acc):
            if ax is not None:
                ax.set_xlim(0.5, max(self.epochs, 2) + 0.5)
        self._ax_loss.set_ylim(0.1, 10.0)  # widened as the losses arrive
        self._title = figure.suptitle(f"epoch 0/{self.epochs}: training starts")
        self.live = LiveFigure(figure, [self._title])
        self._handle = None

    def on_epoch_end(self, model, logs):
        epoch = logs["epoch"]
        current = {key: value for key, value in logs.items() if key != "epoch"}
        for key, value in current.items():
            self.values.setdefault(key, []).append(float(value))
            if key not in self._lines:
                self._add_line(key)
        self._title.set_text(_summary(epoch, self.epochs, current))
        for key, line in self._lines.items():
            series = self.values[key]
            line.set_data(np.arange(1, len(series) + 1), series)
        self._fit_loss_limits()
        now = time.perf_counter()
        if epoch == 1 or epoch == self.epochs or now - self._last_frame_time >= self.min_interval:
            self._push_frame()
            self._last_frame_time = time.perf_counter()

    def on_train_end(self, model, logs):
        if self.live is not None and self.values:
            self._push_frame()  # the last epoch (also when a callback stopped training early)

    def on_diverged(self, model, logs):
        if self.live is not None and self.values:
            self._title.set_text(self._title.get_text() + " - then training diverged")
            self._push_frame()

    # --- drawing -------------------------------------------------------------------------
    def _add_line(self, key):
        ax = self._ax_loss if "loss" in key else self._ax_acc
        if ax is None:
            return
        line, = ax.plot([], [], **_style(key))
        self.live.dynamic.append(line)
        line.set_animated(True)
        self._lines[key] = line
        # A legend entry is part of the cached background: adding one invalidates the cache.
        ax.legend(handles=[ln for k, ln in self._lines.items() if (("loss" in k) == (ax is self._ax_loss))],
                  loc="upper right" if ax is self._ax_loss else "lower right", fontsize=9)
        self.live._background = None

    def _fit_loss_limits(self):
        """Widen the log-scale loss axis (by factors of 10) when a loss leaves it; never narrow it."""
        losses = np.array([v for key, series in self.values.items() if "loss" in key for v in series])
        losses = losses[np.isfinite(losses) & (losses > 0)]
        if losses.size == 0:
            return
        low, high = self._ax_loss.get_ylim()
        new_low = min(low, 10.0 ** np.floor(np.log10(losses.min())))
        new_high = max(high, 10.0 ** np.ceil(np.log10(losses.max())))
        if (new_low, new_high) != (low, high):
            self._ax_loss.set_ylim(new_low, new_high)  # LiveFigure re-renders the background

    def _push_frame(self):
        png = self.live.png()
        self.frames += 1
        if not self.display:
            return
        from IPython.display import Image, display

        if self._handle is None:
            # None outside an IPython kernel (a plain script): then the figure is only kept in self.live.
            self._handle = display(Image(data=png, format="png"), display_id=True) or False
        elif self._handle is not False:
            self._handle.update(Image(data=png, format="png"))
