"""The playground's drawing and its ipywidgets app (chapter 03).

* ``draw_playground``: the decision boundary with the train/test points and
  the loss curves, on given axes (the static twin uses it for small
  multiples); ``update_playground`` changes only the artists' data.
* ``PlaygroundFigure`` keeps one figure and its artists and redraws by
  blitting, so a slider change stays far under 100 ms.
* ``draw_hidden_unit_maps``: each hidden unit's output over the input plane,
  the small pictures TensorFlow Playground draws inside every neuron; for the
  first hidden layer each map is a soft step across one line, the unit's edge.
* ``Playground``: the app (data set, noise, hidden layers, units,
  activation, learning rate, L2 strength, train/test ratio, "train N
  epochs" and "reset"). Training happens only on the button; a slider change
  rebuilds the (cheap) untrained run and redraws.

matplotlib and ipywidgets are imported lazily inside functions.
"""
from __future__ import annotations

import time

import numpy as np

from .._validate import check_choice, check_positive, check_positive_int
from ..topics.playground import ACTIVATION_CHOICES, EPOCH_CHOICES, L2_STRENGTHS, LEARNING_RATES, LIM, PlaygroundRun
from ..topics.playground_data import MAX_NOISE, PLAYGROUND_DATASETS
from .diagrams import draw_network  # re-exported: chapter 03 imports it from here
from .live_figure import LiveFigure, new_figure
from .plotting import CLASS_COLORS, CLASS_MARKERS, COLORS, line_through_box

__all__ = ["draw_playground", "update_playground", "draw_network", "playground_colormap", "marker_legend_handles",
           "add_probability_colorbar", "draw_hidden_unit_maps", "PlaygroundFigure",
           "Playground"]


# --- drawing ---------------------------------------------------------------------------------------

def playground_colormap():
    """Colour map of P(y = 1): class-0 blue at 0, white at 0.5, class-1 orange at 1."""
    from matplotlib.colors import LinearSegmentedColormap

    # 20 discrete shades: bands of equal probability, cheaper to encode than a continuous gradient
    return LinearSegmentedColormap.from_list("playground", [CLASS_COLORS[0], "#ffffff", CLASS_COLORS[1]], N=20)


def _point_colors(y):
    return np.array(CLASS_COLORS)[np.asarray(y)]


def _class_paths(y):
    """One marker path per point: a circle for class 0, a square for class 1 (as ``plot_points``)."""
    from matplotlib.markers import MarkerStyle

    shapes = []
    for marker in CLASS_MARKERS:
        style = MarkerStyle(marker)
        shapes.append(style.get_path().transformed(style.get_transform()))
    return [shapes[label] for label in np.asarray(y)]


def _set_points(collection, x, y, split):
    collection.set_offsets(x)
    collection.set_paths(_class_paths(y))
    if split == "train":                        # filled with the class colour
        collection.set_facecolor(_point_colors(y))
        collection.set_edgecolor("black")
    else:                                       # hollow: white inside, the class colour as the edge
        collection.set_facecolor("white")
        collection.set_edgecolor(_point_colors(y))


def marker_legend_handles():
    """Legend entries of the marker code: colour and shape = class, filled = train, hollow = test."""
    from matplotlib.lines import Line2D

    def entry(marker, face, edge, label):
        return Line2D([], [], linestyle="", marker=marker, markersize=7, markerfacecolor=face,
                      markeredgecolor=edge, markeredgewidth=1.2, label=label)

    return [entry(CLASS_MARKERS[0], CLASS_COLORS[0], "black", "class 0"),
            entry(CLASS_MARKERS[1], CLASS_COLORS[1], "black", "class 1"),
            entry("o", COLORS["grey"], "black", "train (filled)"),
            entry("o", "white", COLORS["grey"], "test (hollow)")]


def add_probability_colorbar(artists, ax=None, **kwargs):
    """A colour bar of P(y = 1 | x) for the image drawn by ``draw_playground``.

    Parameters
    ----------
    artists : dict
        From ``draw_playground``.
    ax : Axes or sequence of Axes, optional
        Where to take the room from (default: the image's axes); pass every
        panel of a row of small multiples to get one bar for all of them.
    **kwargs
        Passed to ``Figure.colorbar`` (e.g. ``shrink``).
    """
    image = artists["image"]
    bar = image.figure.colorbar(image, ax=image.axes if ax is None else ax, ticks=[0, 0.25, 0.5, 0.75, 1],
                                **kwargs)
    bar.set_label("network's P(y = 1 | x)")
    return bar


def draw_playground(ax, run, ax_loss=None, resolution=60, title=None, legend=False, colorbar=False):
    """Draw ``run``'s decision regions, its train/test points and (optionally) its loss curves.

    Parameters
    ----------
    ax : matplotlib Axes
        Gets the predicted P(y = 1) as colour (blue = class 0, orange =
        class 1, white = undecided) and the points in the series' marker code:
        colour and shape give the class (blue circle 0, orange square 1),
        training points are filled, test points hollow.
    run : PlaygroundRun
    ax_loss : matplotlib Axes, optional
        Gets the train/test loss against the epoch.
    resolution : int
        Grid points per axis of the prediction image.
    title : str, optional
        Default: the data set and the train/test accuracy.
    legend : bool or str
        Add the marker legend (a string: its ``loc``; True: 'upper right').
    colorbar : bool
        Add a colour bar of P(y = 1 | x) beside ``ax``.

    Returns
    -------
    artists : dict
        'image', 'train', 'test', 'title' (and 'train_line', 'test_line'
        with ``ax_loss``): what ``update_playground`` changes in place.
    """
    if not isinstance(run, PlaygroundRun):
        raise TypeError(f"run must be a PlaygroundRun, got {type(run).__name__}.")
    artists = {"image": ax.imshow(run.grid_probabilities(resolution), origin="lower", extent=(-LIM, LIM, -LIM, LIM),
                                  cmap=playground_colormap(), vmin=0.0, vmax=1.0, interpolation="bilinear", alpha=0.6)}
    for split in ("train", "test"):
        x, y = run._split(split)
        artists[split] = ax.scatter(x[:, 0], x[:, 1], s=24, linewidths=1.0 if split == "train" else 1.4,
                                    label=split, zorder=3)
        _set_points(artists[split], x, y, split)
    ax.set(xlim=(-LIM, LIM), ylim=(-LIM, LIM), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.grid(False)
    artists["title"] = ax.set_title(title or _summary(run))
    if legend:
        ax.legend(handles=marker_legend_handles(), loc="upper right" if legend is True else legend, fontsize=8,
                  framealpha=0.85)
    if colorbar:
        add_probability_colorbar(artists, ax)
    if ax_loss is not None:
        artists["train_line"], = ax_loss.plot([], [], color=COLORS["train"], label="train loss")
        artists["test_line"], = ax_loss.plot([], [], color=COLORS["test"], label="test loss")
        ax_loss.set(xlabel="epoch", ylabel="loss E (cross-entropy)", title="Loss curves")
        ax_loss.legend(loc="upper right", fontsize=9)
    update_playground(artists, run, resolution, title=title, new_points=False)
    return artists


#: The value range of each activation's output, for a colour scale shared by all units of a layer.
_UNIT_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def draw_hidden_unit_maps(axes, run, layer=1, resolution=60, colorbar=True):
    """Draw every unit of one hidden layer as a map of its output g_j over the input plane.

    Parameters
    ----------
    axes : sequence of matplotlib Axes
        One per unit of the layer.
    run : PlaygroundRun
    layer : int
        Which hidden layer (1 = first).
    resolution : int
    colorbar : bool
        One colour bar for the row, labelled with the unit output g.

    Returns
    -------
    images : list of AxesImage
        One per unit. For ``layer=1`` each axis also shows the unit's edge, the
        line h_j = w_1j x_1 + w_2j x_2 + b_j = 0 (dashed) where its output changes most.

    Notes
    -----
    The colour map is diverging, centred on the middle of the activation's range
    (0 for tanh, 0.5 for the sigmoid); ReLU maps run from 0 to the layer's largest output.
    """
    import matplotlib.pyplot as plt

    if not isinstance(run, PlaygroundRun):
        raise TypeError(f"run must be a PlaygroundRun, got {type(run).__name__}.")
    grids = run.hidden_unit_grids(layer, resolution)
    axes = list(np.ravel(axes))
    if len(axes) != len(grids):
        raise ValueError(f"axes must hold one Axes per unit of hidden layer {layer} ({len(grids)}); got {len(axes)}.")
    low, high = _UNIT_RANGES.get(run.settings["activation"], (0.0, max(float(np.nanmax(grids)), 1e-12)))
    W, b = run.hidden_unit_weights(layer)
    images = []
    for j, (ax, grid) in enumerate(zip(axes, grids)):
        images.append(ax.imshow(grid, origin="lower", extent=(-LIM, LIM, -LIM, LIM), cmap="PuOr_r", vmin=low,
                                vmax=high, interpolation="bilinear"))
        if layer == 1:
            ax.plot(*line_through_box(W[:, j], b[j], 0.0, (-LIM, LIM)), "--", color=COLORS["line"], linewidth=1.2)
        ax.set(xlim=(-LIM, LIM), ylim=(-LIM, LIM), aspect="equal", xlabel="$x_1$", ylabel="$x_2$" if j == 0 else "",
               title=f"unit {j + 1}")
        ax.grid(False)
    if colorbar:
        plt.colorbar(images[-1], ax=axes, shrink=0.8, label=f"unit output $g = f(h)$ ({run.settings['activation']})")
    return images


def _summary(run):
    if run.diverged:
        return f"{run.settings['dataset']}: training diverged at epoch {run.epoch}, lower the learning rate"
    return (f"{run.settings['dataset']}, epoch {run.epoch}: "
            f"train acc {run.history['train_acc'][-1]:.0%}, test acc {run.history['test_acc'][-1]:.0%}")


def update_playground(artists, run, resolution=60, title=None, new_points=True):
    """Show ``run`` in artists made by ``draw_playground``: only data changes, nothing is re-created.

    Parameters
    ----------
    artists : dict
        As returned by ``draw_playground``.
    run : PlaygroundRun
    resolution : int
        Grid points per axis of the prediction image (as when drawn).
    title : str, optional
        Default: the data set, the epoch and the train/test accuracy.
    new_points : bool
        Also move the points (False when they are already ``run``'s).
    """
    image = run.grid_probabilities(resolution)
    artists["image"].set_data(np.nan_to_num(image, nan=0.5))
    if new_points:
        for split in ("train", "test"):
            x, y = run._split(split)
            _set_points(artists[split], x, y, split)
    artists["title"].set_text(title or _summary(run))
    if "train_line" in artists:
        epochs = run.history["epoch"]
        artists["train_line"].set_data(epochs, run.history["train_loss"])
        artists["test_line"].set_data(epochs, run.history["test_loss"])
        ax = artists["train_line"].axes
        ax.set_xlim(0, max(10, epochs[-1]))
        ax.set_ylim(0, _loss_axis_top(run.history))


def _loss_axis_top(history):
    """Upper limit of the loss axes: room for the legend (upper right) above the curves.

    The curves after epoch 0 get 35 % headroom, so the legend sits above them. The start
    (epoch 0, at the left edge, away from the legend) gets only 5 %, as it always did: an
    untrained run's loss axes stay (0, 1) unless its loss starts above 0.95, so most slider
    moves still blit onto the cached background.
    """
    def highest(values):
        return max((v for v in values if np.isfinite(v)), default=0.0)

    start = highest([history["train_loss"][0], history["test_loss"][0]])
    later = highest(history["train_loss"][1:] + history["test_loss"][1:])
    return max(1.0, 1.05 * start, 1.35 * later)


class PlaygroundFigure(LiveFigure):
    """One Agg figure (decision regions + loss curves) whose artists are updated, never re-created.

    Rendering uses blitting: the static parts (axes, ticks, labels) are
    rendered once into a cached background; a redraw restores it and draws
    only the changing artists (image, points, curves, title) on top. The
    background is rendered again only when the loss axes' limits change
    (their tick labels change): while training; at the first slider move
    after training (the new, untrained run sends the loss axes back to
    (0, 10) x (0, 1)); and for an untrained run whose loss starts above
    0.95 (the loss axis grows). Other slider moves only blit.

    Parameters
    ----------
    run : PlaygroundRun
        What to show first.
    resolution : int
        Grid points per axis of the prediction image (60: 3600 forward passes).

    Attributes
    ----------
    figure : matplotlib Figure (not managed by pyplot)
    artists : dict
        As returned by ``draw_playground``, plus 'legend'.
    full_renders : int
        How often the whole figure was rendered (the rest were blits).
    """

    _DYNAMIC = ("image", "train", "test", "train_line", "test_line", "legend", "title")

    def __init__(self, run, resolution=60):
        self.resolution = check_positive_int(resolution, "resolution")
        # Fixed margins instead of a layout engine: the layout is computed once, not at every redraw.
        self.figure = new_figure(figsize=(9.0, 4.0), dpi=80)
        ax, ax_loss = self.figure.subplots(1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.12,
                                                              "top": 0.91, "wspace": 0.25})
        self.artists = draw_playground(ax, run, ax_loss, self.resolution)
        self.artists["legend"] = ax.legend(handles=marker_legend_handles(), loc="upper right", fontsize=7, ncol=2,
                                           framealpha=0.8, columnspacing=0.8, handletextpad=0.2)
        super().__init__(self.figure, [self.artists[key] for key in self._DYNAMIC])

    def update(self, run):
        """Show ``run``: new image data, point positions, curve data and title."""
        update_playground(self.artists, run, self.resolution)


class Playground:
    """The interactive playground (display it as the last expression of a cell).

    Parameters
    ----------
    dataset, noise, activation, eta, l2, train_fraction, seed : see ``PlaygroundRun``
        Initial values of the controls; eta and l2 from ``LEARNING_RATES`` and
        ``L2_STRENGTHS``, train_fraction in [0.1, 0.9].
    hidden_layers : int in 0..4
        Number of hidden layers.
    units : int in 1..8
        Units in each hidden layer.
    epochs_per_click : {1, 10, 50, 100, 500}
        Epochs run by one press of "train N epochs".
    resolution : int
        Grid points per axis of the prediction image.

    Attributes
    ----------
    run : PlaygroundRun
        The current data, network and history.
    controls : dict of str -> ipywidgets widget
        'dataset', 'noise', 'hidden_layers', 'units', 'activation', 'eta',
        'l2', 'train_fraction', 'epochs', 'train', 'reset'.
    redraw_seconds : list of float
        Time of each redraw (from the change to the new PNG in the image widget).
    widget : ipywidgets.VBox
    """

    def __init__(self, dataset="circle", noise=0.0, hidden_layers=2, units=4, activation="tanh", eta=0.03, l2=0.0,
                 train_fraction=0.5, epochs_per_click=50, seed=0, resolution=60):
        import ipywidgets as widgets

        check_choice(dataset, "dataset", PLAYGROUND_DATASETS)
        check_choice(activation, "activation", ACTIVATION_CHOICES)
        check_choice(eta, "eta (learning rate)", LEARNING_RATES)
        check_choice(l2, "l2 (regularisation strength)", L2_STRENGTHS)
        if isinstance(hidden_layers, bool) or hidden_layers not in range(5):
            raise ValueError(f"hidden_layers must be an integer from 0 to 4, got {hidden_layers!r}.")
        if isinstance(units, bool) or units not in range(1, 9):
            raise ValueError(f"units must be an integer from 1 to 8, got {units!r}.")
        if not 0.0 <= check_positive(noise, "noise", allow_zero=True) <= MAX_NOISE:
            raise ValueError(f"noise must lie in [0, {MAX_NOISE}], got {noise}.")
        if not 0.1 <= check_positive(train_fraction, "train_fraction") <= 0.9:
            raise ValueError(f"train_fraction must lie in [0.1, 0.9], got {train_fraction}.")
        check_choice(epochs_per_click, "epochs_per_click", EPOCH_CHOICES)
        self.seed = seed
        style = {"description_width": "100px"}
        c = self.controls = {
            "dataset": widgets.Dropdown(options=PLAYGROUND_DATASETS, value=dataset, description="data set"),
            "noise": widgets.FloatSlider(value=noise, min=0.0, max=MAX_NOISE, step=0.05, description="noise"),
            "train_fraction": widgets.FloatSlider(value=train_fraction, min=0.1, max=0.9, step=0.1,
                                                  description="train share"),
            "hidden_layers": widgets.IntSlider(value=hidden_layers, min=0, max=4, description="hidden layers"),
            "units": widgets.IntSlider(value=units, min=1, max=8, description="units/layer"),
            "activation": widgets.Dropdown(options=ACTIVATION_CHOICES, value=activation, description="activation"),
            "eta": widgets.SelectionSlider(options=LEARNING_RATES, value=eta, description="learning rate η"),
            "l2": widgets.SelectionSlider(options=L2_STRENGTHS, value=l2, description="L2 strength λ"),
            "epochs": widgets.Dropdown(options=EPOCH_CHOICES, value=epochs_per_click, description="N epochs"),
            "train": widgets.Button(description=f"train {epochs_per_click} epochs", button_style="primary"),
            "reset": widgets.Button(description="reset"),
        }
        for control in c.values():
            if not isinstance(control, widgets.Button):
                control.style = style
                control.layout = widgets.Layout(width="320px")
        self.redraw_seconds = []
        self.run = self._new_run()
        self.figure = PlaygroundFigure(self.run, resolution)
        self.image = widgets.Image(value=self.figure.png(), format="png")
        for name in ("dataset", "noise", "train_fraction", "hidden_layers", "units", "activation"):
            c[name].observe(lambda change: self.reset(), names="value")
        c["eta"].observe(lambda change: self._set_rates(), names="value")
        c["l2"].observe(lambda change: self._set_rates(), names="value")
        c["epochs"].observe(lambda change: setattr(c["train"], "description", f"train {change.new} epochs"),
                            names="value")
        c["train"].on_click(lambda button: self.train())
        c["reset"].on_click(lambda button: self.reset())
        column = widgets.VBox
        self.widget = widgets.VBox([
            widgets.HBox([column([c["dataset"], c["noise"], c["train_fraction"]]),
                          column([c["hidden_layers"], c["units"], c["activation"]]),
                          column([c["eta"], c["l2"], c["epochs"]])]),
            widgets.HBox([c["train"], c["reset"]]),
            self.image,
        ])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _new_run(self):
        c = self.controls
        hidden = (c["units"].value,) * c["hidden_layers"].value
        return PlaygroundRun(c["dataset"].value, c["noise"].value, hidden, c["activation"].value, c["eta"].value,
                             c["l2"].value, c["train_fraction"].value, seed=self.seed)

    def _set_rates(self):
        self.run.eta = self.controls["eta"].value
        self.run.l2 = self.controls["l2"].value

    def redraw(self):
        """Update the figure's artists from ``run`` and push the new PNG to the image widget."""
        start = time.perf_counter()
        self.figure.update(self.run)
        self.image.value = self.figure.png()
        self.redraw_seconds.append(time.perf_counter() - start)

    def reset(self):
        """New data split and fresh weights from the current controls; redraw."""
        start = time.perf_counter()
        self.run = self._new_run()
        self.redraw()
        self.redraw_seconds[-1] = time.perf_counter() - start

    def train(self, epochs=None):
        """Train ``epochs`` more epochs (default: the 'N epochs' control), redrawing five times on the way."""
        epochs = self.controls["epochs"].value if epochs is None else check_positive_int(epochs, "epochs")
        chunk = max(1, epochs // 5)
        done = 0
        while done < epochs and not self.run.diverged:
            step = min(chunk, epochs - done)
            self.run.train(step)
            done += step
            self.redraw()
