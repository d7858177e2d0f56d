"""The playground: a small feed-forward network learning a 2-D data set, live.

After playground.tensorflow.org, which the slides cite (8.2, 2/8). Three parts:

* ``PlaygroundRun``: data (train/test split), network and loss history for
  one setting; ``train(epochs)`` runs mini-batch gradient descent. NumPy only.
* ``draw_playground``: the decision boundary with the train/test points and
  the loss curves, on given axes (the static twin uses it for small
  multiples); ``PlaygroundFigure`` keeps those artists and only updates
  their data, so a redraw is cheap.
* ``Playground``: the ipywidgets app (data set, noise, hidden layers, units,
  activation, learning rate, L2 strength, train/test ratio, "train N
  epochs" and "reset"). Training happens only on the button; a slider change
  rebuilds the (cheap) run and redraws.

The network is the engine's ``Sequential`` of ``Dense`` layers: hidden
layers with the chosen activation, one sigmoid output unit giving
P(y = 1 | x), binary cross-entropy, plain gradient descent (SGD) on
mini-batches of 10, as in the playground.

L2 regularisation: the engine has none, so ``train_step`` adds it after the
backward pass. With strength lambda the objective is
E(w) + (lambda / 2) sum_layers ||W||^2 (biases are not penalised), whose
gradient adds lambda * W to each dE/dW. The loss curves show the data loss E
only (as the playground does).
"""
from __future__ import annotations

import io
import time

import numpy as np

from ._validate import as_matrix, check_choice, check_positive, check_positive_int
from .layers import Dense
from .model import Sequential
from .optimizers import SGD
from .playground_data import MAX_NOISE, PLAYGROUND_DATASETS, make_playground_data, train_test_split
from .plotting import CLASS_COLORS, COLORS

__all__ = ["ACTIVATION_CHOICES", "LEARNING_RATES", "L2_STRENGTHS", "build_network", "l2_penalty",
           "backward_with_l2", "train_step", "PlaygroundRun", "draw_playground", "update_playground",
           "draw_network", "playground_colormap", "PlaygroundFigure", "Playground"]

ACTIVATION_CHOICES = ("tanh", "sigmoid", "relu")
#: The playground's learning-rate menu.
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: The playground's regularisation-rate menu.
L2_STRENGTHS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: Choices of the "N epochs" menu.
_EPOCH_CHOICES = (1, 10, 50, 100, 500)
#: The drawn square is [-LIM, LIM]², where all data sets live.
LIM = 1.6


def build_network(hidden=(4, 2), activation="tanh", eta=0.03, seed=0):
    """A compiled binary classifier: Dense hidden layers, one sigmoid output unit.

    Parameters
    ----------
    hidden : sequence of int
        Units of each hidden layer, e.g. (4, 2); () gives logistic regression.
    activation : {'tanh', 'sigmoid', 'relu'}
        Activation of every hidden layer.
    eta : float > 0
        Learning rate of the SGD optimiser.
    seed : int
        Seeds the initial weights.

    Returns
    -------
    model : Sequential
        Input (N, 2), output (N, 1); loss 'binary_crossentropy', metric 'acc'.
    """
    check_choice(activation, "activation", ACTIVATION_CHOICES)
    hidden = tuple(check_positive_int(units, "units of a hidden layer") for units in hidden)
    layers = [Dense(units, activation=activation) for units in hidden] + [Dense(1, activation="sigmoid")]
    model = Sequential(layers, seed=seed)
    model.build((2,))
    return model.compile(loss="binary_crossentropy", optimizer=SGD(eta=check_positive(eta, "eta")), metrics=["acc"])


def l2_penalty(model, l2) -> float:
    """The L2 term (lambda / 2) sum ||W||^2 over the weight matrices (not the biases)."""
    l2 = check_positive(l2, "l2", allow_zero=True)
    return 0.5 * l2 * sum(float(np.sum(layer.params["W"] ** 2)) for layer in model.layers if "W" in layer.params)


def backward_with_l2(model, x, y, l2=0.0) -> float:
    """Forward and backward pass on a batch; the gradients include the L2 term.

    Parameters
    ----------
    model : Sequential
        Compiled, one output unit.
    x : ndarray, shape (N, 2)
    y : ndarray, shape (N, 1), targets 0/1
    l2 : float >= 0
        lambda: adds lambda * W to every dE/dW after the engine's backward pass.

    Returns
    -------
    loss : float
        The data loss E on the batch (NaN if the forward pass overflowed;
        then the gradients are not computed). Afterwards ``model.grads``
        holds the gradient of E + ``l2_penalty(model, l2)``.
    """
    l2 = check_positive(l2, "l2", allow_zero=True)
    model.train()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        y_hat = model.forward(x)
        loss = model.loss.value(y, y_hat)
        if not np.isfinite(loss):
            return float("nan")
        model.backward(y, y_hat)
    if l2 > 0:
        for layer in model.layers:
            if "W" in layer.params:
                layer.grads["W"] += l2 * layer.params["W"]
    return loss


def train_step(model, x, y, l2=0.0) -> float:
    """One gradient-descent step on a batch with L2 regularisation; returns the data loss before it.

    Parameters as ``backward_with_l2``. No step is taken when the loss is NaN.
    """
    loss = backward_with_l2(model, x, y, l2)
    if np.isfinite(loss):
        with np.errstate(over="ignore", invalid="ignore"):
            model.optimizer.step(model.params, model.grads)
    return loss


class PlaygroundRun:
    """One playground setting: data, network and the loss history of its training.

    Parameters
    ----------
    dataset : {'circle', 'xor', 'gaussian', 'spiral'}
    noise : float in [0, 0.5]
    hidden : sequence of int
        Units per hidden layer, e.g. (4, 2).
    activation : {'tanh', 'sigmoid', 'relu'}
    eta : float > 0
        Learning rate (may be changed between ``train`` calls).
    l2 : float >= 0
        L2 strength lambda (may be changed between ``train`` calls).
    train_fraction : float in (0, 1)
        Share of the points used for training; the rest are test points.
    n_samples : int
        Points in the data set (train + test).
    batch_size : int
    seed : int
        Seeds the data, the split, the initial weights and the batch order.

    Attributes
    ----------
    x_train, y_train, x_test, y_test : ndarray, shapes (N, 2) and (N,)
    model : Sequential
    epoch : int
        Epochs trained so far.
    history : dict of str -> list of float
        'epoch', 'train_loss', 'test_loss', 'train_acc', 'test_acc', from
        epoch 0 (before training) on.
    diverged : bool
        True once a loss became NaN/inf (training stops; lower eta).
    """

    def __init__(self, dataset="circle", noise=0.0, hidden=(4, 2), activation="tanh", eta=0.03, l2=0.0,
                 train_fraction=0.5, n_samples=200, batch_size=10, seed=0):
        x, y = make_playground_data(dataset, n_samples=n_samples, noise=noise, seed=seed)
        self.x_train, self.y_train, self.x_test, self.y_test = train_test_split(x, y, train_fraction, seed=seed)
        self.settings = {"dataset": dataset, "noise": float(noise), "hidden": tuple(hidden),
                         "activation": activation, "train_fraction": float(train_fraction)}
        self.model = build_network(hidden, activation, eta, seed)
        self.l2 = l2
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.epoch = 0
        self.diverged = False
        self._rng = np.random.default_rng(seed)
        self._targets = self.y_train.reshape(-1, 1).astype(float)
        self.history = {key: [] for key in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}
        self._record()

    def __repr__(self):
        s = self.settings
        return (f"PlaygroundRun({s['dataset']!r}, noise={s['noise']}, hidden={s['hidden']}, "
                f"activation={s['activation']!r}, eta={self.eta}, l2={self.l2}, epoch={self.epoch})")

    @property
    def eta(self) -> float:
        return self.model.optimizer.eta

    @eta.setter
    def eta(self, value):
        self.model.optimizer.eta = check_positive(value, "eta")

    @property
    def l2(self) -> float:
        return self._l2

    @l2.setter
    def l2(self, value):
        self._l2 = check_positive(value, "l2", allow_zero=True)

    def predict_proba(self, x):
        """P(y = 1 | x) for x : ndarray, shape (N, 2); returns shape (N,)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.model.eval().forward(as_matrix(x, "x", n_columns=2))[:, 0]

    def loss(self, split="train") -> float:
        """Data loss E (binary cross-entropy) on 'train' or 'test'."""
        x, y = self._split(split)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.model.loss.value(y.astype(float), self.predict_proba(x))

    def accuracy(self, split="train") -> float:
        """Share of the 'train' or 'test' points classified correctly (threshold 0.5)."""
        x, y = self._split(split)
        return float(np.mean((self.predict_proba(x) > 0.5) == y))

    def _split(self, split):
        check_choice(split, "split", ("train", "test"))
        return (self.x_train, self.y_train) if split == "train" else (self.x_test, self.y_test)

    def _record(self):
        """Append the current epoch's losses and accuracies (one forward pass per split)."""
        self.history["epoch"].append(self.epoch)
        for split in ("train", "test"):
            x, y = self._split(split)
            p = self.predict_proba(x)
            with np.errstate(over="ignore", invalid="ignore"):
                self.history[f"{split}_loss"].append(self.model.loss.value(y.astype(float), p))
            self.history[f"{split}_acc"].append(float(np.mean((p > 0.5) == y)))

    def train(self, epochs=10):
        """Run ``epochs`` epochs of mini-batch SGD (with L2); record the losses after each. Returns self."""
        epochs = check_positive_int(epochs, "epochs")
        n = len(self.y_train)
        for _ in range(epochs):
            if self.diverged:
                break
            order = self._rng.permutation(n)
            for start in range(0, n, self.batch_size):
                batch = order[start:start + self.batch_size]
                if not np.isfinite(train_step(self.model, self.x_train[batch], self._targets[batch], self.l2)):
                    self.diverged = True
                    break
            self.epoch += 1
            self._record()
            self.diverged = self.diverged or not np.isfinite(self.history["train_loss"][-1])
        return self

    def grid_probabilities(self, resolution=60):
        """P(y = 1) on a resolution x resolution grid over [-LIM, LIM]², shape (resolution, resolution).

        Row i holds x2 = grid[i], column j x1 = grid[j] (``imshow(origin='lower')`` order).
        """
        resolution = check_positive_int(resolution, "resolution")
        grid = np.linspace(-LIM, LIM, resolution)
        g1, g2 = np.meshgrid(grid, grid)
        return self.predict_proba(np.column_stack([g1.ravel(), g2.ravel()])).reshape(resolution, resolution)


# --- drawing ---------------------------------------------------------------------------------------

def playground_colormap():
    """Colour map of P(y = 1): class-0 blue at 0, white at 0.5, class-1 orange at 1."""
    from matplotlib.colors import LinearSegmentedColormap

    # 20 discrete shades: bands of equal probability, cheaper to encode than a continuous gradient
    return LinearSegmentedColormap.from_list("playground", [CLASS_COLORS[0], "#ffffff", CLASS_COLORS[1]], N=20)


def _point_colors(y):
    return np.array(CLASS_COLORS)[np.asarray(y)]


def draw_playground(ax, run, ax_loss=None, resolution=60, title=None):
    """Draw ``run``'s decision regions, its train/test points and (optionally) its loss curves.

    Parameters
    ----------
    ax : matplotlib Axes
        Gets the predicted P(y = 1) as colour (blue = class 0, orange =
        class 1, white = undecided), training points as circles with a black
        edge, test points as squares with a grey edge.
    run : PlaygroundRun
    ax_loss : matplotlib Axes, optional
        Gets the train/test loss against the epoch.
    resolution : int
        Grid points per axis of the prediction image.
    title : str, optional
        Default: the data set and the train/test accuracy.

    Returns
    -------
    artists : dict
        'image', 'train', 'test', 'title' (and 'train_line', 'test_line'
        with ``ax_loss``): what ``update_playground`` changes in place.
    """
    if not isinstance(run, PlaygroundRun):
        raise TypeError(f"run must be a PlaygroundRun, got {type(run).__name__}.")
    artists = {"image": ax.imshow(run.grid_probabilities(resolution), origin="lower", extent=(-LIM, LIM, -LIM, LIM),
                                  cmap=playground_colormap(), vmin=0.0, vmax=1.0, interpolation="bilinear", alpha=0.8)}
    artists["train"] = ax.scatter(run.x_train[:, 0], run.x_train[:, 1], s=22, c=_point_colors(run.y_train),
                                  edgecolors="black", linewidths=0.6, label="train")
    artists["test"] = ax.scatter(run.x_test[:, 0], run.x_test[:, 1], s=22, c=_point_colors(run.y_test),
                                 marker="s", edgecolors=COLORS["grey"], linewidths=0.6, label="test")
    ax.set(xlim=(-LIM, LIM), ylim=(-LIM, LIM), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.grid(False)
    artists["title"] = ax.set_title(title or _summary(run))
    if ax_loss is not None:
        artists["train_line"], = ax_loss.plot([], [], color=COLORS["train"], label="train loss")
        artists["test_line"], = ax_loss.plot([], [], color=COLORS["test"], label="test loss")
        ax_loss.set(xlabel="epoch", ylabel="loss E (cross-entropy)", title="Loss curves")
        ax_loss.legend(loc="upper right")
    update_playground(artists, run, resolution, title=title, new_points=False)
    return artists


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
            artists[split].set_offsets(x)
            artists[split].set_facecolor(_point_colors(y))
    artists["title"].set_text(title or _summary(run))
    if "train_line" in artists:
        epochs = run.history["epoch"]
        artists["train_line"].set_data(epochs, run.history["train_loss"])
        artists["test_line"].set_data(epochs, run.history["test_loss"])
        ax = artists["train_line"].axes
        finite = [v for v in run.history["train_loss"] + run.history["test_loss"] if np.isfinite(v)]
        ax.set_xlim(0, max(10, epochs[-1]))
        ax.set_ylim(0, max(1.0, 1.05 * max(finite, default=1.0)))


def draw_network(ax, sizes, layer_names=None, title=None):
    """Draw a fully connected feed-forward network: one column of units per layer, every link.

    Parameters
    ----------
    ax : matplotlib Axes
    sizes : sequence of int
        Units per layer, input layer first, e.g. (2, 3, 2).
    layer_names : sequence of str, optional
        Written under the columns (default: input layer, hidden layer k, output layer).
    title : str, optional
    """
    sizes = [check_positive_int(n, "units of a layer") for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {sizes}.")
    if layer_names is None:
        hidden = [f"hidden\nlayer {k}" if len(sizes) > 3 else "hidden\nlayer" for k in range(1, len(sizes) - 1)]
        layer_names = ["input\nlayer", *hidden, "output\nlayer"]
    top = max(sizes)
    positions = [[(col, (n - 1) / 2 - row) for row in range(n)] for col, n in enumerate(sizes)]
    for left, right in zip(positions, positions[1:]):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color=COLORS["grey"], linewidth=0.8, zorder=1)
    colours = [COLORS["train"]] + [COLORS["highlight"]] * (len(sizes) - 2) + [COLORS["class1"]]
    for col, (column, colour) in enumerate(zip(positions, colours)):
        xs, ys = zip(*column)
        ax.scatter(xs, ys, s=500, color=colour, edgecolors="black", zorder=2)
        ax.text(col, -(top - 1) / 2 - 0.6, layer_names[col], ha="center", va="top")
    ax.set(xlim=(-0.6, len(sizes) - 0.4), ylim=(-(top - 1) / 2 - 1.8, (top - 1) / 2 + 0.6))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


class PlaygroundFigure:
    """One Agg figure (decision regions + loss curves) whose artists are updated, never re-created.

    Rendering uses blitting: the static parts (axes, ticks, labels) are
    rendered once into a cached background; a redraw restores it and draws
    only the changing artists (image, points, curves, title) on top. The
    background is rendered again only when the loss axes' limits change
    (their tick labels change), which happens while training, not when a
    slider moves.

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
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        self.resolution = check_positive_int(resolution, "resolution")
        # Fixed margins instead of a layout engine: the layout is computed once, not at every redraw.
        self.figure = Figure(figsize=(9.0, 4.0), dpi=80)
        FigureCanvasAgg(self.figure)
        ax, ax_loss = self.figure.subplots(1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.12,
                                                              "top": 0.91, "wspace": 0.25})
        self.artists = draw_playground(ax, run, ax_loss, self.resolution)
        handles = [Line2D([], [], linestyle="", marker="o", markerfacecolor="white", markeredgecolor="black",
                          label="train"),
                   Line2D([], [], linestyle="", marker="s", markerfacecolor="white", markeredgecolor=COLORS["grey"],
                          label="test")]
        self.artists["legend"] = ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.8)
        for key in self._DYNAMIC:
            self.artists[key].set_animated(True)  # left out of the background, drawn at every redraw
        self._background = self._limits = None
        self.full_renders = 0

    def update(self, run):
        """Show ``run``: new image data, point positions, curve data and title."""
        update_playground(self.artists, run, self.resolution)

    def rgba(self) -> np.ndarray:
        """Render the figure; return its pixels, shape (height, width, 4), uint8 (a view of the canvas)."""
        canvas = self.figure.canvas
        loss_axes = self.artists["train_line"].axes
        limits = (loss_axes.get_xlim(), loss_axes.get_ylim())
        if self._background is None or limits != self._limits:
            canvas.draw()  # everything except the animated artists
            self._background, self._limits = canvas.copy_from_bbox(self.figure.bbox), limits
            self.full_renders += 1
        else:
            canvas.restore_region(self._background)
        for key in self._DYNAMIC:
            self.figure.draw_artist(self.artists[key])
        return np.asarray(canvas.buffer_rgba())

    def png(self) -> bytes:
        """Render the figure to PNG bytes (fast zlib level: a live frame, not an archive)."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(self.rgba()).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


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
        check_choice(epochs_per_click, "epochs_per_click", _EPOCH_CHOICES)
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
            "epochs": widgets.Dropdown(options=_EPOCH_CHOICES, value=epochs_per_click, description="N epochs"),
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
