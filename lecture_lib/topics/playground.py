"""The playground: a small feed-forward network learning a 2-D data set, live.

After playground.tensorflow.org, which the slides cite (8.2, 2/8). Two parts:

* ``PlaygroundRun``: data (train/test split), network and loss history for
  one setting; ``train(epochs)`` runs mini-batch gradient descent. NumPy only.
* ``lecture_lib.viz.playground_explorer``: ``draw_playground`` (the static twin),
  ``PlaygroundFigure`` (cheap in-place redraws) and ``Playground`` (the
  ipywidgets app).

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

import numpy as np

from .._validate import as_matrix, check_choice, check_positive, check_positive_int
from ..datasets import validation_split
from ..nn.layers import Dense
from ..nn.model import Sequential
from ..nn.optimizers import SGD
from .playground_data import make_playground_data, train_test_split

__all__ = ["ACTIVATION_CHOICES", "LEARNING_RATES", "L2_STRENGTHS", "EPOCH_CHOICES", "LIM", "build_network",
           "l2_penalty", "backward_with_l2", "train_step", "PlaygroundRun", "edge_crosses_square"]

ACTIVATION_CHOICES = ("tanh", "sigmoid", "relu")
#: The playground's learning-rate menu.
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: The playground's regularisation-rate menu.
L2_STRENGTHS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: Choices of the "N epochs" menu.
EPOCH_CHOICES = (1, 10, 50, 100, 500)
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


def edge_crosses_square(w, b, lim=LIM) -> bool:
    """Does the edge w1 x1 + w2 x2 + b = 0 of a first-layer unit cross the square [-lim, lim]²?

    True when h = w·x + b takes both signs (or 0) at the square's corners: h is linear, so it
    changes sign inside the square exactly when it does between two corners.

    Parameters
    ----------
    w : ndarray, shape (2,)
    b : float
    lim : float > 0
    """
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape != (2,):
        raise ValueError(f"w must hold the unit's two input weights, shape (2,); got shape {np.shape(w)}.")
    lim = check_positive(lim, "lim")
    corners = np.array([[-lim, -lim], [-lim, lim], [lim, -lim], [lim, lim]])
    h = corners @ w + float(b)
    return bool(h.min() <= 0 <= h.max())


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
    validation_fraction : float in [0, 1)
        Share of the training points held out as a validation split (stratified,
        ``lecture_lib.datasets.validation_split``) for choosing an epoch or a
        setting; 0 (the playground's default) holds none out. The network
        never trains on them, and the test points stay for one final look.
    n_samples : int
        Points in the data set (train + test).
    batch_size : int
    seed : int
        Seeds the data, the split, the initial weights and the batch order.

    Attributes
    ----------
    x_train, y_train, x_test, y_test : ndarray, shapes (N, 2) and (N,)
    x_val, y_val : ndarray or None
        The validation split (None with ``validation_fraction=0``).
    model : Sequential
    epoch : int
        Epochs trained so far.
    history : dict of str -> list of float
        'epoch', 'train_loss', 'test_loss', 'train_acc', 'test_acc' (and
        'val_loss', 'val_acc' with a validation split), from epoch 0 (before
        training) on.
    diverged : bool
        True once a loss became NaN/inf (training stops; lower eta).
    """

    def __init__(self, dataset="circle", noise=0.0, hidden=(4, 2), activation="tanh", eta=0.03, l2=0.0,
                 train_fraction=0.5, n_samples=200, batch_size=10, seed=0, validation_fraction=0.0):
        x, y = make_playground_data(dataset, n_samples=n_samples, noise=noise, seed=seed)
        self.x_train, self.y_train, self.x_test, self.y_test = train_test_split(x, y, train_fraction, seed=seed)
        validation_fraction = check_positive(validation_fraction, "validation_fraction", allow_zero=True)
        self.x_val = self.y_val = None
        if validation_fraction:
            self.x_train, self.y_train, self.x_val, self.y_val = validation_split(
                self.x_train, self.y_train, fraction=validation_fraction, seed=seed)
        self.settings = {"dataset": dataset, "noise": float(noise), "hidden": tuple(hidden),
                         "activation": activation, "train_fraction": float(train_fraction)}
        self.model = build_network(hidden, activation, eta, seed)
        self.l2 = l2
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.epoch = 0
        self.diverged = False
        self._rng = np.random.default_rng(seed)
        self._targets = self.y_train.reshape(-1, 1).astype(float)
        self._splits = ("train", "val", "test") if self.x_val is not None else ("train", "test")
        self.history = {"epoch": [], **{f"{split}_{kind}": [] for split in self._splits for kind in ("loss", "acc")}}
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
        """Data loss E (binary cross-entropy) on 'train', 'val' (with a validation split) or 'test'."""
        x, y = self._split(split)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.model.loss.value(y.astype(float), self.predict_proba(x))

    def accuracy(self, split="train") -> float:
        """Share of the 'train', 'val' or 'test' points classified correctly (threshold 0.5)."""
        x, y = self._split(split)
        return float(np.mean((self.predict_proba(x) > 0.5) == y))

    def _split(self, split):
        check_choice(split, "split", self._splits)
        return {"train": (self.x_train, self.y_train), "val": (self.x_val, self.y_val),
                "test": (self.x_test, self.y_test)}[split]

    def _record(self):
        """Append the current epoch's losses and accuracies (one forward pass per split)."""
        self.history["epoch"].append(self.epoch)
        for split in self._splits:
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

    def hidden_unit_grids(self, layer=1, resolution=60):
        """Every unit's output g_j of hidden layer ``layer`` over the input plane (TensorFlow Playground's
        small pictures inside each neuron).

        Parameters
        ----------
        layer : int
            1 for the first hidden layer, up to the number of hidden layers.
        resolution : int
            Grid points per axis over [-LIM, LIM]².

        Returns
        -------
        ndarray, shape (units, resolution, resolution)
            [j, i, k]: unit j's output at x2 = grid[i], x1 = grid[k] (``imshow(origin='lower')`` order).
        """
        n_hidden = len(self.settings["hidden"])
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= n_hidden:
            raise ValueError(f"layer must be a hidden layer, an int from 1 to {n_hidden}; got {layer!r}"
                             + (" (this network has no hidden layer)." if n_hidden == 0 else "."))
        resolution = check_positive_int(resolution, "resolution")
        grid = np.linspace(-LIM, LIM, resolution)
        g1, g2 = np.meshgrid(grid, grid)
        out = np.column_stack([g1.ravel(), g2.ravel()])
        model = self.model.eval()
        with np.errstate(over="ignore", invalid="ignore"):
            for dense in model.layers[:layer]:
                out = dense.forward(out)
        return out.T.reshape(-1, resolution, resolution).copy()

    def hidden_unit_weights(self, layer=1):
        """(W, b) of hidden layer ``layer``: W of shape (inputs, units), b of shape (units,) (copies)."""
        self.hidden_unit_grids(layer, resolution=1)                       # validates the layer
        dense = self.model.layers[layer - 1]
        return dense.params["W"].copy(), dense.params["b"].copy()
