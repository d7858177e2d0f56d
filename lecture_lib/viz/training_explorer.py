"""Chapter 05 widget: the slides' model's loss and accuracy curves as the instructor drags its settings.

``training_explorer(grid)`` shows three sliders (learning rate, batch size,
hidden units) over a ``TrainingGrid`` (``lecture_lib.topics.training_grid``,
trained beforehand) and redraws the training and validation curves of the
chosen run, with the slides' own setting as a grey reference, in a
``LiveFigure``: a slider move only looks a run up and redraws, it never
trains, and a setting seen before is not even redrawn (its frame is kept).
``draw_training_grid`` is its static twin: the same lesson on paper,
one setting varied at a time from the slides' (columns), validation loss
and accuracy (rows). matplotlib and ipywidgets are imported lazily.
"""
from __future__ import annotations

import numpy as np

from ..topics.training_grid import TrainingGrid
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["SLIDES_SETTING", "training_explorer", "draw_training_grid"]

#: The slides' setting: Adam's default rate, batch_size=200, Dense(128).
SLIDES_SETTING = {"learning_rate": 0.001, "batch_size": 200, "hidden_units": 128}

_AXES = (("learning_rate", "learning_rates", "learning rate"), ("batch_size", "batch_sizes", "batch size"),
         ("hidden_units", "hidden_units", "hidden units"))


def _check_grid(grid):
    if not isinstance(grid, TrainingGrid):
        raise TypeError(f"grid must be a TrainingGrid (lecture_lib.topics.training_grid.train_grid), got"
                        f" {type(grid).__name__}.")
    return grid


def _loss_limits(grid):
    """Fixed log-scale limits for every run's loss (a LiveFigure re-renders its background when limits change)."""
    values = np.concatenate([grid.curves[key].ravel() for key in ("loss", "val_loss")])
    values = values[np.isfinite(values) & (values > 0)]
    return float(values.min()) / 1.3, float(values.max()) * 1.3


def _title(grid, setting, curves):
    updates = grid.updates_per_epoch[setting["batch_size"]] * grid.epochs
    return (f"η = {setting['learning_rate']:g}, batch {setting['batch_size']}, H = {setting['hidden_units']}:"
            f" {updates} updates in {grid.epochs} epochs\n"
            f"last epoch: training acc {curves['acc'][-1]:.2f}, validation acc {curves['val_acc'][-1]:.2f},"
            f" validation loss {curves['val_loss'][-1]:.2f}")


def training_explorer(grid, learning_rate=None, batch_size=None, hidden_units=None):
    """Three sliders over a trained grid; the chosen run's four curves follow.

    Parameters
    ----------
    grid : TrainingGrid
    learning_rate, batch_size, hidden_units : grid values to start from
        Default: the slides' setting where the grid has it, else the grid's first value.

    Returns
    -------
    ipywidgets.VBox
        Sliders labelled 'learning rate', 'batch size', 'hidden units', then the figure.
    """
    import ipywidgets as widgets
    from matplotlib.ticker import MaxNLocator

    grid = _check_grid(grid)
    start = {}
    for (name, axis_name, _), given in zip(_AXES, (learning_rate, batch_size, hidden_units)):
        axis = getattr(grid, axis_name)
        default = SLIDES_SETTING[name] if SLIDES_SETTING[name] in axis else axis[0]
        start[name] = axis[TrainingGrid._index(axis, default if given is None else given, name)]
    grid.run(**start)  # validates the start
    sliders = {name: widgets.SelectionSlider(options=list(getattr(grid, axis_name)), value=start[name],
                                             description=label, continuous_update=False,
                                             style={"description_width": "initial"})
               for name, axis_name, label in _AXES}

    figure = new_figure(figsize=(9.6, 3.9))
    ax_loss, ax_acc = figure.subplots(1, 2, gridspec_kw=dict(left=0.08, right=0.98, bottom=0.14, top=0.80,
                                                             wspace=0.22))
    epochs = np.arange(1, grid.epochs + 1)
    reference = _reference(grid)
    if reference is not None:
        ax_loss.plot(epochs, reference["val_loss"], color=COLORS["grey"], linewidth=3, alpha=0.5,
                     label="validation, slides' setting")
        ax_acc.plot(epochs, reference["val_acc"], color=COLORS["grey"], linewidth=3, alpha=0.5,
                    label="validation, slides' setting")
    lines = {}
    for key, ax in (("loss", ax_loss), ("val_loss", ax_loss), ("acc", ax_acc), ("val_acc", ax_acc)):
        validation = key.startswith("val_")
        (lines[key],) = ax.plot(epochs, np.full(grid.epochs, np.nan), color=COLORS["test" if validation else "train"],
                                linestyle="--" if validation else "-",
                                label="validation" if validation else "training (mean over the epoch's batches)")
    ax_loss.set(xlabel="epoch", ylabel="loss E (log scale)", yscale="log", ylim=_loss_limits(grid),
                xlim=(1, grid.epochs))
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0.0, 1.02), xlim=(1, grid.epochs))
    for ax, corner in ((ax_loss, "lower left"), (ax_acc, "lower right")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers (no 2.5 ticks)
        ax.grid(True, alpha=0.3)
        ax.legend(loc=corner, fontsize=8)  # fixed: the curves change, the legend must not jump
    title = figure.suptitle("", fontsize=11)
    live = LiveFigure(figure, [*lines.values(), title])

    frames = {}  # PNG per setting: the grid is fixed, so a setting seen once is never drawn again

    def redraw(change=None):
        setting = {name: slider.value for name, slider in sliders.items()}
        key = tuple(setting.values())
        if key not in frames:
            curves = grid.run(**setting)
            for curve, line in lines.items():
                line.set_ydata(curves[curve])
            title.set_text(_title(grid, setting, curves))
            frames[key] = live.png()
        live.image.value = frames[key]

    picture = live.image_widget()
    redraw()
    for slider in sliders.values():
        slider.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox(list(sliders.values())), picture])


def _reference(grid):
    """The slides' setting's curves, or None when the grid does not hold it."""
    try:
        return grid.run(**SLIDES_SETTING)
    except ValueError:
        return None


def draw_training_grid(grid, around=None, seed_runs=None):
    """The static twin: vary one setting at a time from ``around``; validation loss (top) and accuracy (bottom).

    Parameters
    ----------
    grid : TrainingGrid
        Its seed-0 runs are the lines (the runs the slider shows).
    around : dict, optional
        The setting the columns vary from (keys 'learning_rate', 'batch_size', 'hidden_units');
        default the slides' setting.
    seed_runs : dict, optional
        ``one_at_a_time(...)`` for the same ``around``: each line then gets a band spanning the
        minimum to the maximum over its seeds (the legend says so).

    Returns
    -------
    fig : matplotlib Figure, 2 x 3 panels with legends
    """
    import matplotlib.pyplot as plt

    grid = _check_grid(grid)
    around = dict(SLIDES_SETTING if around is None else around)
    grid.run(**around)  # validates it
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.4), sharex=True)
    epochs = np.arange(1, grid.epochs + 1)
    limits = _loss_limits(grid)
    for column, (name, axis_name, label) in enumerate(_AXES):
        values = getattr(grid, axis_name)
        shades = plt.cm.viridis(np.linspace(0.0, 0.85, len(values)))
        for value, colour in zip(values, shades):
            curves = grid.run(**{**around, name: value})
            mark = " (slides)" if value == SLIDES_SETTING[name] else ""
            legend = f"{label} {value:g}{mark}"
            axes[0, column].plot(epochs, curves["val_loss"], color=colour, label=legend)
            axes[1, column].plot(epochs, curves["val_acc"], color=colour, label=legend)
            runs = None if seed_runs is None else seed_runs.get((name, value))
            if runs is not None:
                for row, key in ((0, "val_loss"), (1, "val_acc")):
                    axes[row, column].fill_between(epochs, runs.curves[key].min(axis=0), runs.curves[key].max(axis=0),
                                                   color=colour, alpha=0.2, linewidth=0)
        fixed = ", ".join(f"{other_label} {around[other]:g}" for other, _, other_label in _AXES if other != name)
        axes[0, column].set_title(f"{label} varied\n({fixed})", fontsize=10)
        axes[0, column].set(yscale="log", ylim=limits, ylabel="validation loss (log scale)")
        axes[1, column].set(ylim=(0.0, 1.02), xlabel="epoch", ylabel="validation accuracy")
        for ax in axes[:, column]:
            ax.grid(True, alpha=0.3)
            if seed_runs is not None:
                ax.fill_between([], [], [], color=COLORS["grey"], alpha=0.3, label="band: min–max over seeds "
                                + ", ".join(str(seed) for seed in next(iter(seed_runs.values())).seeds))
            ax.legend(fontsize=8, loc="best")
    what = "line: seed 0 (the slider's run)" + ("" if seed_runs is None else ", band: min–max over seeds")
    fig.suptitle(f"The slides' model on the digits, {grid.epochs} epochs, each column changes one setting ({what})",
                 fontsize=11)
    fig.tight_layout()
    return fig
