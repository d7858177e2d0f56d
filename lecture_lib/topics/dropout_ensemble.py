"""Chapter 08's computations: dropout as regularisation and as an ensemble of thinned networks.

* ``noisy_digits_subset``, ``train_dropout_mlp``, ``dropout_sweep``: an
  over-fitting digits MLP (few examples, optionally some labels replaced by
  random ones) trained with dropout probability p, over seeds.
* ``enumerate_masks``, ``exact_mask_average``: the exact expectation over
  all 2^n masks of a small layer (the "2^n thinned networks").
* ``mc_dropout_samples``, ``mc_dropout_predict``: K sampled masks' outputs
  and their average, against the weight-scaling rule (one pass in inference
  mode); the samples' spread is Monte Carlo dropout's uncertainty.
* ``forgot_eval_accuracy``: what happens when a model is left in training
  mode at test time.

Shapes: digits x : (N, 64) in [0, 1]; one-hot y : (N, 10).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .._validate import as_generator, check_int_at_least, check_positive_int, check_probability
from ..datasets import validation_split
from ..datasets.digits import load_digits
from ..nn import Dense, Dropout, Sequential
from ..nn.callbacks import Callback
from ..nn.one_hot import to_one_hot

__all__ = ["inverted_dropout", "noisy_digits_subset", "dropout_mlp", "DropoutRun", "train_dropout_mlp", "dropout_sweep",
           "enumerate_masks", "exact_mask_average", "mc_dropout_samples", "mc_dropout_predict", "forgot_eval_accuracy",
           "evaluate_with_inference_factor",
           "mean_and_spread"]


def inverted_dropout(x, p_drop, u, training=True):
    """Inverted dropout written out: unit i is kept when u_i >= p_drop, then scaled by 1/(1 - p_drop).

    Parameters
    ----------
    x : ndarray, shape (N, D)
    p_drop : float in [0, 1)
    u : ndarray, shape (N, D), uniform numbers in [0, 1) (the dice)
    training : bool
        False: inference, the identity.

    Returns
    -------
    ndarray, shape (N, D)
    """
    p_drop = check_probability(p_drop, "p_drop")
    if p_drop == 1:
        raise ValueError("inverted_dropout needs p_drop < 1 (the scale 1/(1 - p) is infinite at 1).")
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy()
    return x * (np.asarray(u) >= p_drop) / (1.0 - p_drop)


def noisy_digits_subset(n_train=300, label_noise=0.0, seed=0):
    """A random subset of the digits training set, a fraction of its labels replaced by random digits.

    Parameters
    ----------
    n_train : int in [1, 1438]
    label_noise : float in [0, 1]
        Each example's label is replaced, with this probability, by a digit
        drawn uniformly from 0-9 (so about 9/10 of those become wrong).
    seed : int
        Chooses the subset and the noise.

    Returns
    -------
    x : ndarray, shape (n_train, 64)
    y : ndarray, shape (n_train, 10), one-hot of the (possibly noisy) labels
    wrong : ndarray of bool, shape (n_train,)
        True where the label no longer is the true digit.
    """
    x_all, labels_all = load_digits("train", flatten=True)
    n_train = check_int_at_least(n_train, "n_train", 1)
    if n_train > len(x_all):
        raise ValueError(f"n_train must be at most {len(x_all)} (the training set), got {n_train}.")
    label_noise = check_probability(label_noise, "label_noise")
    rng = as_generator(seed, "seed")
    idx = rng.choice(len(x_all), n_train, replace=False)
    labels = labels_all[idx].copy()
    replaced = rng.random(n_train) < label_noise
    labels[replaced] = rng.integers(0, 10, int(replaced.sum()))
    return x_all[idx], to_one_hot(labels, 10), labels != labels_all[idx]


def dropout_mlp(p_drop, width=128, seed=0, variant="inverted", hidden_layers=2, p_input=0.0):
    """64-width-...-10 ReLU network with ``Dropout(p_drop)`` after each hidden layer, compiled with Adam.

    p_drop = 0 gives the same network without dropout layers (and, the
    dropout generators being spawned, the same initial weights).
    ``p_input`` > 0 adds ``Dropout(p_input)`` on the 64 input pixels, before
    the first layer (Srivastava et al. 2014 drop inputs less often than
    hidden units).
    """
    p_drop = check_probability(p_drop, "p_drop")
    p_input = check_probability(p_input, "p_input")
    layers = [Dropout(p_input, variant=variant)] if p_input > 0 else []
    for _ in range(check_positive_int(hidden_layers, "hidden_layers")):
        layers.append(Dense(check_positive_int(width, "width"), activation="relu"))
        if p_drop > 0:
            layers.append(Dropout(p_drop, variant=variant))
    layers.append(Dense(10, activation="softmax"))
    model = Sequential(layers, seed=seed)
    model.build((64,))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    return model


@dataclass
class DropoutRun:
    """One training run: the model (in inference mode) and its scores.

    train_acc is measured on the training labels the network saw (noisy
    ones included) in inference mode; test_acc and test_loss on the 359
    test digits, after the last epoch; memorised_wrong is the fraction of
    the training examples with a wrong label that the network predicts with
    that wrong label (nan without label noise); history holds 'val_acc' per
    epoch on the validation split (carved from the training data, its
    labels as noisy as the training labels); best_epoch is the epoch with
    the highest validation accuracy (the first of ties) and
    early_stopped_test_acc the test accuracy of the weights of that epoch
    (early stopping chosen on the validation split, the test set used once).
    """

    p_drop: float
    seed: int
    model: Sequential
    train_acc: float
    test_acc: float
    test_loss: float
    memorised_wrong: float
    history: dict
    best_epoch: int = 0
    early_stopped_test_acc: float = float("nan")


class _KeepBestWeights(Callback):
    """Copies of the parameters at the epoch with the highest 'val_acc' so far (the first of ties)."""

    def __init__(self):
        self.best_acc, self.best_epoch, self.weights = -np.inf, 0, None

    def on_epoch_end(self, model, logs):
        if logs["val_acc"] > self.best_acc:
            self.best_acc, self.best_epoch = logs["val_acc"], logs["epoch"]
            self.weights = [{key: p.copy() for key, p in params.items()} for params in model.params]


def train_dropout_mlp(p_drop, seed=0, n_train=300, label_noise=0.0, width=128, epochs=40, batch_size=32,
                      variant="inverted", n_val=75, p_input=0.0):
    """Train ``dropout_mlp(p_drop)`` on ``n_train`` noisy digits, validated on ``n_val`` more; a ``DropoutRun``.

    ``noisy_digits_subset(n_train + n_val, label_noise)`` is split by
    ``datasets.validation_split`` (stratified) into the ``n_train`` rows the
    network is fitted on and the ``n_val`` rows that choose the best epoch.
    The seed chooses the subset, the noise, the split, the initial weights,
    the masks and the shuffling: one seed, one complete replicate.
    ``p_input``: dropout on the input pixels as well (see ``dropout_mlp``).
    """
    n_val = check_int_at_least(n_val, "n_val", 1)
    x_all, y_all, wrong_all = noisy_digits_subset(n_train + n_val, label_noise, seed=1000 + seed)
    # the 'wrong label' flag rides along as an extra column so that it is split with its row
    rows = np.column_stack([x_all, wrong_all])
    rows_fit, y, rows_val, y_val = validation_split(rows, y_all, fraction=n_val / (n_train + n_val), seed=seed)
    x, wrong, x_val = rows_fit[:, :-1], rows_fit[:, -1].astype(bool), rows_val[:, :-1]
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    model = dropout_mlp(p_drop, width=width, seed=seed, variant=variant, p_input=p_input)
    best = _KeepBestWeights()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, seed=seed, validation_data=(x_val, y_val),
                        callbacks=[best])
    train_acc = model.evaluate(x, y)[1]
    test_loss, test_acc = model.evaluate(x_test, y_test)
    predicted = np.argmax(model.predict(x[wrong]), axis=1) if wrong.any() else None
    memorised = float(np.mean(predicted == np.argmax(y[wrong], axis=1))) if wrong.any() else float("nan")
    final = [{key: p.copy() for key, p in params.items()} for params in model.params]
    for params, saved in zip(model.params, best.weights):
        for key in params:
            params[key][...] = saved[key]
    early_stopped = model.evaluate(x_test, y_test)[1]
    for params, saved in zip(model.params, final):  # the model stays the trained one
        for key in params:
            params[key][...] = saved[key]
    return DropoutRun(float(p_drop), seed, model, train_acc, test_acc, test_loss, memorised, dict(history.history),
                      best.best_epoch, early_stopped)


def evaluate_with_inference_factor(model, x, y, factor):
    """[loss, accuracy] of a classic-dropout model whose dropout layers multiply by ``factor`` at inference.

    The classic form multiplies by the keep ratio 1 - p at inference (what
    ``model.evaluate`` does); slide 8.3 says to multiply by the 消去割合, the
    drop ratio p. This evaluates the model with any factor, e.g. p, and
    leaves the model as it was.

    Raises
    ------
    ValueError
        If the model has no dropout layer or an inverted one (its inference applies no factor).
    """
    factor = check_probability(factor, "factor")
    layers = [layer for layer in model.layers if isinstance(layer, Dropout)]
    if not layers or any(layer.variant != "classic" for layer in layers):
        raise ValueError("evaluate_with_inference_factor needs a model whose dropout layers are all "
                         "variant='classic' (inverted dropout applies no factor at inference).")
    saved = [layer.p_drop for layer in layers]
    try:
        for layer in layers:
            layer.p_drop = 1.0 - factor  # classic inference multiplies by 1 - p_drop
        return model.evaluate(x, y)
    finally:
        for layer, p_drop in zip(layers, saved):
            layer.p_drop = p_drop


def dropout_sweep(p_values, seeds=(0, 1, 2), **kwargs):
    """``train_dropout_mlp`` for every p and seed.

    Returns
    -------
    runs : list of list of DropoutRun, runs[i][s] for p_values[i] and seeds[s]
    scores : dict of str -> ndarray, shape (len(p_values), len(seeds))
        'train_acc', 'test_acc', 'test_loss', 'memorised_wrong', 'best_epoch', 'early_stopped_test_acc'.
    """
    runs = [[train_dropout_mlp(p, seed=s, **kwargs) for s in seeds] for p in p_values]
    scores = {key: np.array([[getattr(run, key) for run in row] for row in runs])
              for key in ("train_acc", "test_acc", "test_loss", "memorised_wrong", "best_epoch",
                          "early_stopped_test_acc")}
    return runs, scores


def mean_and_spread(values, axis=-1):
    """Mean and sample standard deviation (ddof=1) over ``axis`` (the seeds)."""
    values = np.asarray(values, dtype=float)
    return values.mean(axis=axis), values.std(axis=axis, ddof=1)


def enumerate_masks(n_units, p_drop):
    """All 2^n keep/drop masks of n units and the probability of each.

    Returns
    -------
    masks : ndarray, shape (2**n_units, n_units), 1.0 = kept
    probabilities : ndarray, shape (2**n_units,)
        (1 - p)^kept * p^dropped; they sum to 1.
    """
    n_units = check_positive_int(n_units, "n_units")
    if n_units > 16:
        raise ValueError(f"n_units must be at most 16 (2^n masks are enumerated), got {n_units}.")
    p_drop = check_probability(p_drop, "p_drop")
    masks = np.array(list(itertools.product((0.0, 1.0), repeat=n_units)))
    kept = masks.sum(axis=1)
    return masks, (1 - p_drop) ** kept * p_drop ** (n_units - kept)


def exact_mask_average(f, g, p_drop, scale=None):
    """E over all masks m of f(g * m * scale): the exact average of the 2^n thinned networks.

    Parameters
    ----------
    f : callable, f(g) -> ndarray of shape (N, K) for g of shape (N, n)
        The rest of the network after the dropout layer.
    g : ndarray, shape (N, n)
        The dropped layer's output (n <= 16 units).
    p_drop : float in [0, 1)
    scale : float, optional
        Factor of kept units; default 1/(1 - p) (inverted dropout).

    Returns
    -------
    ndarray, shape (N, K)
    """
    g = np.asarray(g, dtype=float)
    masks, probabilities = enumerate_masks(g.shape[1], p_drop)
    scale = 1.0 / (1.0 - p_drop) if scale is None else scale
    return sum(prob * f(g * mask * scale) for mask, prob in zip(masks, probabilities))


def mc_dropout_samples(model, x, n_samples, seed=0):
    """``n_samples`` forward passes with fresh masks (training mode); the model ends in eval mode.

    Each Dropout layer's generator is replaced by one seeded from ``seed``
    (so the result is reproducible), and the model is put back in inference
    mode afterwards. The spread of the samples over the masks (their
    standard deviation) is Monte Carlo dropout's uncertainty estimate
    (Gal & Ghahramani 2016).

    Returns
    -------
    ndarray, shape (n_samples, N, C): one network output per mask sample
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    seeds = np.random.SeedSequence(seed).spawn(len(model.layers))
    for layer, child in zip(model.layers, seeds):
        if isinstance(layer, Dropout):
            layer.rng = np.random.default_rng(child)
    model.train()
    try:
        return np.stack([model.forward(x) for _ in range(n_samples)])
    finally:
        model.eval()


def mc_dropout_predict(model, x, n_samples, seed=0):
    """Average of ``n_samples`` forward passes with fresh masks (``mc_dropout_samples``); eval mode after.

    Returns
    -------
    ndarray, shape (N, C): the mean of the sampled outputs
    """
    return mc_dropout_samples(model, x, n_samples, seed=seed).mean(axis=0)


def forgot_eval_accuracy(model, x, y, seed=0):
    """Accuracy on (x, y) in inference mode and, as if ``eval()`` had been forgotten, in training mode.

    Returns
    -------
    (eval_acc, train_mode_acc) : tuple of float
    """
    labels = np.argmax(y, axis=1)
    eval_acc = float(np.mean(np.argmax(model.predict(x), axis=1) == labels))
    left_on = mc_dropout_predict(model, x, 1, seed=seed)  # one pass with dropout still on
    return eval_acc, float(np.mean(np.argmax(left_on, axis=1) == labels))
