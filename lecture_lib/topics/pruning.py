"""The lottery ticket hypothesis: iterative magnitude pruning with rewinding (Frankle & Carbin 2019).

One round: train the masked network, remove the smallest-magnitude
surviving weights of each layer, set the survivors back to their initial
values (rewinding), train again. The surviving sub-network with its
initial values is the "winning ticket"; the controls train the same mask
from a fresh random initialisation, or a random mask of the same sparsity.

Masks : one 0/1 array per layer, shape of that layer's W (biases are never
pruned). A masked weight must stay exactly 0 through every optimiser step:
masking its gradient is not enough when Adam has moments for it from before
the pruning (a test shows they move it again). ``SeedBatchMLP.train`` steps
only the surviving weights (a compact copy, written back after each step),
which is bitwise the same as masking the gradient, stepping every weight and
masking again (a test checks it), with less work the sparser the masks.

Speed: several seeds train at once in one engine network. Seed s owns
hidden units [s H, (s + 1) H) and outputs [s C, (s + 1) C); the weights
between different seeds are masked to 0 forever, and the loss
(``grouped_softmax_crossentropy``) is the sum of each seed's own softmax
cross-entropy, so every seed gets exactly the gradient it would get alone
(Adam works weight by weight). The seeds share only the order of the
mini-batches. Training is a short loop over the engine's public
``forward``/``backward`` and the optimiser's ``step``.

After the run: ``one_shot_curve`` prunes the run's own dense networks in one step to every density the
iterative ticket reached, and ``linear_mode_connectivity`` (Frankle et al. 2020) trains a second copy of
chosen rounds' starting points with another mini-batch order and measures the error and loss on the segment
between the copies. Both reuse what the run trained (the dense networks; copy A), so they cost one more
side-by-side training each.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .._validate import as_generator, check_int_at_least, check_positive, check_probability, check_shape
from ..nn.layers import Dense, Layer
from ..nn.losses import Loss
from ..nn.model import Sequential
from ..nn.optimizers import Adam
from .flatness import loss_on_segment
from .seed_statistics import seed_gap

__all__ = ["prune_by_magnitude", "prune_globally", "random_pruning", "rewind", "density", "mask_overlap", "chance_overlap",
           "overlap_z", "overlap_verdict", "held_down_to", "seed_gap",
           "glorot_normal", "grouped_softmax_crossentropy", "GroupedDense", "SeedBatchMLP", "LotteryResult", "lottery_experiment",
           "one_shot_curve", "barrier_height", "stability_verdict", "linear_mode_connectivity",
           "segment_between"]


# --- masks ---------------------------------------------------------------------------------------

def _check_layers(weights, masks):
    if len(weights) != len(masks):
        raise ValueError(f"weights has {len(weights)} layers but masks has {len(masks)}.")
    for i, (W, M) in enumerate(zip(weights, masks)):
        if np.shape(W) != np.shape(M):
            raise ValueError(f"layer {i}: weights of shape {np.shape(W)} but mask of shape {np.shape(M)}.")


def _prune_smallest(magnitude, mask, count):
    """Zero ``count`` of the entries where mask == 1 with the smallest magnitude; returns a new mask."""
    new = mask.copy()
    alive = np.flatnonzero(mask.ravel())
    if count > 0:
        # stable sort: ties broken by position, the same on every machine
        order = alive[np.argsort(magnitude.ravel()[alive], kind="stable")[:count]]
        new.ravel()[order] = 0
    return new


def prune_by_magnitude(weights, masks, fractions):
    """Per layer, remove a fraction of the REMAINING weights, those of smallest |w|.

    Parameters
    ----------
    weights : list of ndarray, one per layer (the trained W's)
    masks : list of 0/1 ndarray, same shapes (1 = still there)
    fractions : float or list of float in [0, 1], one per layer

    Returns
    -------
    list of new masks; in layer i, round(fractions[i] * remaining_i) more entries are 0.
    Already pruned weights are never counted again (they are 0 and would otherwise be the smallest).
    """
    _check_layers(weights, masks)
    if np.ndim(fractions) == 0:
        fractions = [fractions] * len(weights)
    new = []
    for W, M, f in zip(weights, masks, fractions):
        f = check_probability(f, "fraction")
        M = np.asarray(M, dtype=float)
        new.append(_prune_smallest(np.abs(np.asarray(W, dtype=float)), M, int(round(f * M.sum()))))
    return new


def prune_globally(weights, masks, fraction):
    """Remove a fraction of the remaining weights of ALL layers together, by one magnitude threshold."""
    _check_layers(weights, masks)
    fraction = check_probability(fraction, "fraction")
    flat_W = np.concatenate([np.abs(np.asarray(W, dtype=float)).ravel() for W in weights])
    flat_M = np.concatenate([np.asarray(M, dtype=float).ravel() for M in masks])
    flat_new = _prune_smallest(flat_W, flat_M, int(round(fraction * flat_M.sum())))
    sizes = np.cumsum([np.size(M) for M in masks])[:-1]
    return [part.reshape(np.shape(M)) for part, M in zip(np.split(flat_new, sizes), masks)]


def random_pruning(masks, fractions, rng):
    """The same number of weights as ``prune_by_magnitude`` would remove, chosen at random among the remaining."""
    rng = as_generator(rng, "rng")
    if np.ndim(fractions) == 0:
        fractions = [fractions] * len(masks)
    return [_prune_smallest(rng.random(np.shape(M)), np.asarray(M, dtype=float), int(round(f * np.sum(M))))
            for M, f in zip(masks, fractions)]


def rewind(initial_weights, masks):
    """The winning ticket's starting point: the initial weights where the mask survives, 0 elsewhere."""
    _check_layers(initial_weights, masks)
    return [np.asarray(W0, dtype=float) * M for W0, M in zip(initial_weights, masks)]


def density(masks):
    """Fraction of weights still present, over all layers."""
    return float(sum(np.sum(M) for M in masks) / sum(np.size(M) for M in masks))


def mask_overlap(masks_a, masks_b, per_layer=False):
    """|a and b| / |a or b| of the surviving weights of two masks (1 = identical; chance: ``chance_overlap``).

    Pooled over all layers, or with ``per_layer`` a list with one value per layer.
    """
    _check_layers(masks_a, masks_b)
    if per_layer:
        return [mask_overlap([A], [B]) for A, B in zip(masks_a, masks_b)]
    a = np.concatenate([np.ravel(M) for M in masks_a]) > 0
    b = np.concatenate([np.ravel(M) for M in masks_b]) > 0
    return float(np.sum(a & b) / max(np.sum(a | b), 1))


def _layer_counts(masks_a, masks_b):
    _check_layers(masks_a, masks_b)
    n = np.array([np.size(M) for M in masks_a], dtype=float)
    ka = np.array([np.sum(np.asarray(M) > 0) for M in masks_a], dtype=float)
    kb = np.array([np.sum(np.asarray(M) > 0) for M in masks_b], dtype=float)
    return n, ka, kb


def chance_overlap(masks_a, masks_b, per_layer=False):
    """The overlap two masks would have if each layer's survivors were drawn at random, with the same counts.

    In a layer of n weights with k_a and k_b survivors, a random pair of masks shares k_a k_b / n weights on
    average (hypergeometric), so the chance overlap is I / (k_a + k_b - I) with I = k_a k_b / n; for equal
    densities d = k / n that is d / (2 - d). Pooled over layers pruned at different rates it is the
    sum of the layers' expected intersections over the sum of their expected unions, which is *not*
    d / (2 - d) of the pooled density (that would treat all weights as one layer). Ratios of
    expectations: exact up to terms of order 1/n.
    """
    n, ka, kb = _layer_counts(masks_a, masks_b)
    inter = ka * kb / n
    union = ka + kb - inter
    if per_layer:
        return [float(i / max(u, 1e-300)) for i, u in zip(inter, union)]
    return float(inter.sum() / max(union.sum(), 1e-300))


def overlap_z(masks_a, masks_b):
    """Per layer, how many standard deviations the shared survivors lie above the random-mask average.

    z = (|a and b| - k_a k_b / n) / sd, sd the hypergeometric standard deviation
    sqrt(k_a (k_b / n) (1 - k_b / n) (n - k_a) / (n - 1)). A list with one value per layer (NaN for a layer
    that is entirely pruned or entirely kept, where every mask is the same).
    """
    n, ka, kb = _layer_counts(masks_a, masks_b)
    shared = np.array([np.sum((np.asarray(A) > 0) & (np.asarray(B) > 0)) for A, B in zip(masks_a, masks_b)], float)
    sd = np.sqrt(ka * (kb / n) * (1 - kb / n) * (n - ka) / np.maximum(n - 1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (shared - ka * kb / n) / np.where(sd > 0, sd, 1), np.nan)
    return [float(v) for v in z]


def overlap_verdict(z_values, threshold=3.0):
    """A sentence about a set of z values (``overlap_z`` of several pairs of masks in one layer).

    'above chance in every pair' when every z exceeds ``threshold``; 'within chance in every pair' when none
    does; otherwise 'above chance in k of m pairs'.
    """
    z = np.asarray(z_values, dtype=float)
    if z.ndim != 1 or z.size == 0 or not np.all(np.isfinite(z)):
        raise ValueError(f"z_values must be a non-empty list of finite numbers; got {z_values!r}.")
    above = int(np.sum(z > threshold))
    if above == z.size:
        return f"above chance in every pair (z > {threshold:g})"
    if above == 0:
        return f"within chance in every pair (z <= {threshold:g})"
    return f"above chance in {above} of {z.size} pairs (z > {threshold:g})"


def held_down_to(remaining, accuracy, reference, points):
    """Down to which percentage of weights does ``accuracy`` stay within ``points`` of ``reference``, unbroken?

    remaining : (R,) percent of weights left, falling (round 0 first); accuracy : (R,) in the same unit as
    reference (NaN = not measured, skipped). Returns the smallest ``remaining[k]`` such that every measured
    round 0..k is at least ``reference - points``, or None if round 0 already is not. A later round that
    comes back within the band after a round that fell out does not count: the run is broken there.
    """
    remaining, accuracy = np.asarray(remaining, dtype=float), np.asarray(accuracy, dtype=float)
    if remaining.ndim != 1 or remaining.shape != accuracy.shape or remaining.size == 0:
        raise ValueError(f"remaining and accuracy must be 1-D of the same length; got {remaining.shape}, "
                         f"{accuracy.shape}.")
    if np.any(np.diff(remaining) >= 0):
        raise ValueError("remaining must fall from round to round (round 0, the dense network, first).")
    held = None
    for left, acc in zip(remaining, accuracy):
        if np.isnan(acc):
            continue
        if acc < reference - points:
            break
        held = float(left)
    return held


def glorot_normal(fan_in, fan_out, rng):
    """W : (fan_in, fan_out) from N(0, 2 / (fan_in + fan_out)) (Glorot & Bengio 2010, normal form)."""
    return as_generator(rng, "rng").standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / (fan_in + fan_out))


# --- several seeds in one engine network --------------------------------------------------------------

def grouped_softmax_crossentropy(n_groups):
    """A Loss for ``n_groups`` softmax classifiers side by side: the sum of their mean cross-entropies.

    y, y_hat : (N, n_groups * C); y_hat holds the logits h (the output layer
    is linear), y one one-hot block per group. dE/dh = (softmax(h_group) - y_group) / N.
    """
    groups = check_int_at_least(n_groups, "n_groups", 1)

    def probabilities(y_hat):
        h = y_hat.reshape(y_hat.shape[0], groups, -1)
        h = h - h.max(axis=2, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=2, keepdims=True)

    def value(y, y_hat):
        p = probabilities(np.asarray(y_hat, dtype=float))
        y = np.asarray(y, dtype=float).reshape(p.shape)
        return float(-np.sum(y * np.log(np.maximum(p, 1e-300))) / p.shape[0])

    def gradient(y, y_hat):
        y_hat = np.asarray(y_hat, dtype=float)
        p = probabilities(y_hat)
        return ((p - np.asarray(y, dtype=float).reshape(p.shape)) / p.shape[0]).reshape(y_hat.shape)

    return Loss(f"grouped_softmax_crossentropy_{groups}", value, gradient)


class GroupedDense(Layer):
    """G linear layers side by side, each on its own block of the input: a block-diagonal Dense without the zeros.

    Input x : (N, G * H), read as G blocks of H columns; W : (G, H, C); b : (G * C,).
    Output block g is x_g @ W[g] + b_g, shape (N, G * C). A Dense layer of shape (G H, G C) with the
    off-diagonal blocks masked to 0 computes the same, with G times the multiplications (and G times
    the optimiser's work): for 20 networks side by side this layer makes a training step about
    five times faster.
    """

    def __init__(self, groups, units, dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.groups = check_int_at_least(groups, "groups", 1)
        self.units = check_int_at_least(units, "units", 1)
        self._x = self._g = None

    def __repr__(self):
        return f"GroupedDense({self.groups} x ({self.input_shape[0] // self.groups if self.built else '?'} -> {self.units}))"

    def build(self, input_shape, rng=None):
        input_shape = check_shape(input_shape, f"input_shape of {self.describe()}")
        if len(input_shape) != 1 or input_shape[0] % self.groups:
            raise ValueError(f"{self.describe()} needs inputs (N, groups * H); got per-example shape {input_shape} "
                             f"for {self.groups} groups.")
        if self.dtype is None:
            self.dtype = np.dtype(np.float64)
        width = input_shape[0] // self.groups
        self.params = {"W": np.zeros((self.groups, width, self.units), dtype=self.dtype),
                       "b": np.zeros(self.groups * self.units, dtype=self.dtype)}
        self.grads = {key: np.zeros_like(p) for key, p in self.params.items()}
        super().build(input_shape)

    def output_shape(self, input_shape) -> tuple:
        return (self.groups * self.units,)

    def _blocks(self, x):
        """(N, G H) -> (G, N, H), a view."""
        return x.reshape(x.shape[0], self.groups, -1).transpose(1, 0, 2)

    def _forward(self, x, buffered=True):
        n = x.shape[0]
        out = np.matmul(self._blocks(x), self.params["W"])                  # (G, N, C)
        g = self._output_array("g", (n, self.groups * self.units), buffered)
        g.reshape(n, self.groups, self.units)[...] = out.transpose(1, 0, 2)
        g += self.params["b"]
        self._x, self._g = x, g
        return g

    def _backward(self, dout, need_dx=True, buffered=True):
        n = dout.shape[0]
        eps = dout.reshape(n, self.groups, self.units).transpose(1, 0, 2)    # (G, N, C)
        np.matmul(self._blocks(self._x).transpose(0, 2, 1), eps, out=self.grads["W"])
        np.sum(dout, axis=0, out=self.grads["b"])
        if not need_dx:
            return None
        dx = np.matmul(eps, self.params["W"].transpose(0, 2, 1))             # (G, N, H)
        return np.ascontiguousarray(dx.transpose(1, 0, 2)).reshape(n, -1)


class SeedBatchMLP:
    """S masked D-H-C ReLU MLPs (one per seed, or per seed and variant) trained at once as one engine ``Sequential``.

    Parameters
    ----------
    weights : list over networks of [W1 (D, H), W2 (H, C)]
    biases : list over networks of [b1 (H,), b2 (C,)]
    masks : list over networks of [M1 (D, H), M2 (H, C)]
    dtype : 'float64' or 'float32' (float32 trains about twice as fast)

    The hidden layer is one ``Dense(S H)`` (network s owns units [s H, (s + 1) H)); the output layer a
    ``GroupedDense`` that connects each network's hidden units only to its own outputs.

    ``train`` records per epoch the running training accuracy of every network and, with validation data,
    its validation loss (``history``).
    """

    def __init__(self, weights, biases, masks, dtype="float64"):
        self.S = len(weights)
        self.D, self.H = np.shape(weights[0][0])
        self.C = np.shape(weights[0][1])[1]
        S, D, H, C = self.S, self.D, self.H, self.C
        self.model = Sequential([Dense(S * H, activation="relu", input_dim=D), GroupedDense(S, C)], dtype=dtype)
        self.model.build((D,))
        first, second = self.model.layers
        self.mask1 = np.zeros((D, S * H), dtype=self.model.dtype)
        self.mask2 = np.zeros((S, H, C), dtype=self.model.dtype)
        for s in range(S):
            hid, out = slice(s * H, (s + 1) * H), slice(s * C, (s + 1) * C)
            first.params["W"][:, hid] = weights[s][0]
            first.params["b"][hid] = biases[s][0]
            second.params["W"][s] = weights[s][1]
            second.params["b"][out] = biases[s][1]
            self.mask1[:, hid] = masks[s][0]
            self.mask2[s] = masks[s][1]
        self._apply_masks()
        self.history = {}
        self._best = None

    def _parameter_arrays(self):
        """The model's arrays W1, b1, W2, b2 (the arrays themselves), the order of ``self._best``."""
        return [layer.params[key] for layer in self.model.layers for key in ("W", "b")]

    def _apply_masks(self):
        first, second = self.model.layers
        first.params["W"] *= self.mask1
        second.params["W"] *= self.mask2

    def train(self, x, y, epochs, batch_size, eta, seed, snapshot_step=None, validation=None, checkpoints=None):
        """Adam on the masked weights; returns (weights, biases) of every network after ``snapshot_step`` steps (or None).

        x : (N, D); y : (N, C) one-hot (the same targets for every network).
        validation : (x_val, labels_val) or None. With it, the validation loss of every network is measured
            before training and after every epoch, and each network's weights at its lowest validation loss
            are kept (``accuracy(..., at='best')``).
        checkpoints : (epochs, x_set, labels_set) or None: the accuracy on that set after each of those
            epochs goes into ``history['checkpoints']`` (dict epoch -> (S,)), e.g. the test accuracy a shorter
            budget would have given.

        Fills ``self.history``: 'running_accuracy' (epochs, S), the share of training examples classified
        right when their mini-batch was processed in that epoch (1.0: every example fitted, at no extra cost);
        with validation data 'val_loss' (epochs + 1, S) and 'best_epoch' (S,) (0: before training).
        """
        check_positive(eta, "eta")
        model = self.model
        model.compile(loss=grouped_softmax_crossentropy(self.S), optimizer=Adam(eta=eta))
        y_wide = np.tile(y, (1, self.S))
        labels = np.asarray(y).argmax(axis=1)
        rng = as_generator(seed, "seed")
        snapshot, step = None, 0
        running, val_loss, at_checkpoints = [], [], {}
        check_epochs, x_check, labels_check = checkpoints if checkpoints is not None else ((), None, None)
        self._best = None
        if validation is not None:
            val_loss.append(self.scores(*validation)[1])
            self._best = [p.copy() for p in self._parameter_arrays()]
            best_loss, best_epoch = val_loss[0].copy(), np.zeros(self.S, dtype=int)
        self._apply_masks()
        # Adam on the surviving weights only: pruned weights get no step (also none from Adam's momentum) and
        # stay exactly 0; bitwise the loop "mask the gradient, step every weight, mask again", with less work
        pruned = model.optimizer.masked(model.params, [{"W": self.mask1}, {"W": self.mask2}])
        for epoch in range(1, check_int_at_least(epochs, "epochs", 0) + 1):
            order = rng.permutation(x.shape[0])
            correct = np.zeros(self.S)
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                y_hat = model.forward(x[idx])
                correct += np.sum(y_hat.reshape(len(idx), self.S, self.C).argmax(axis=2) == labels[idx, None], axis=0)
                model.backward(y_wide[idx], y_hat)
                pruned.step(model.grads)
                step += 1
                if step == snapshot_step:
                    snapshot = self.weights()
            running.append(correct / x.shape[0])
            if epoch in check_epochs:
                at_checkpoints[epoch] = self.accuracy(x_check, labels_check)
            if validation is not None:
                val_loss.append(self.scores(*validation)[1])
                better = val_loss[-1] < best_loss
                if np.any(better):
                    best_loss[better], best_epoch[better] = val_loss[-1][better], epoch
                    self._keep_best(better)
        self.history = {"running_accuracy": np.array(running).reshape(-1, self.S), "checkpoints": at_checkpoints}
        if validation is not None:
            self.history.update(val_loss=np.array(val_loss), best_epoch=best_epoch)
        return snapshot

    def _keep_best(self, which):
        first, second = self.model.layers
        W1, b1, W2, b2 = self._best
        D, S, H, C = self.D, self.S, self.H, self.C
        W1.reshape(D, S, H)[:, which] = first.params["W"].reshape(D, S, H)[:, which]
        b1.reshape(S, H)[which] = first.params["b"].reshape(S, H)[which]
        W2[which] = second.params["W"][which]
        b2.reshape(S, C)[which] = second.params["b"].reshape(S, C)[which]

    def weights(self):
        """(weights, biases) per network, copies: [[W1, W2], ...], [[b1, b2], ...]."""
        first, second = self.model.layers
        W, B = [], []
        for s in range(self.S):
            hid, out = slice(s * self.H, (s + 1) * self.H), slice(s * self.C, (s + 1) * self.C)
            W.append([first.params["W"][:, hid].copy(), second.params["W"][s].copy()])
            B.append([first.params["b"][hid].copy(), second.params["b"][out].copy()])
        return W, B

    def scores(self, x, labels, at="end"):
        """(accuracy, mean cross-entropy) of each network on (x, labels), two arrays of shape (S,).

        at : 'end' (the weights now) or 'best' (each network's weights at its lowest validation loss;
        needs ``train(..., validation=...)``).
        """
        if at not in ("end", "best"):
            raise ValueError(f"at must be 'end' or 'best'; got {at!r}.")
        params = self._parameter_arrays()
        if at == "best":
            if self._best is None:
                raise RuntimeError("at='best' needs a training with validation data.")
            now = [p.copy() for p in params]
            for p, kept in zip(params, self._best):
                p[...] = kept
        try:
            logits = self.model.predict(x).reshape(x.shape[0], self.S, self.C).astype(float)
        finally:
            if at == "best":
                for p, saved in zip(params, now):
                    p[...] = saved
        labels = np.asarray(labels)
        shifted = logits - logits.max(axis=2, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
        loss = -np.take_along_axis(log_p, labels[:, None, None].repeat(self.S, axis=1), axis=2)[..., 0].mean(axis=0)
        return np.mean(logits.argmax(axis=2) == labels[:, None], axis=0), loss

    def accuracy(self, x, labels, at="end"):
        """Accuracy of each network on (x, labels), shape (S,); ``at`` as in ``scores``."""
        return self.scores(x, labels, at)[0]


# --- the experiment ----------------------------------------------------------------------------------

VARIANTS = ("ticket", "late", "reinit", "random", "global")


class LotteryResult:
    """Accuracies by pruning round, at the end of the training budget and at the early-stopping iteration.

    Attributes
    ----------
    remaining : ndarray (R,), percent of weights left in each round (round 0: dense)
    accuracy : dict variant -> ndarray (S, R), test accuracy of each seed at the end of the budget
    train_accuracy : dict variant -> ndarray (S, R), accuracy on the training data it was fitted on, at the end
    initial_accuracy : dict variant -> ndarray (S, R), test accuracy of the masked starting weights, before training
    fit_epoch : dict variant -> ndarray (S, R), the first epoch in which every training example was classified
        right when its mini-batch was processed (NaN: not within the budget)
    stop_iteration : dict variant -> ndarray (S, R), the early-stopping iteration: the step (at the end of an
        epoch; 0 = before training) with the lowest validation loss, Frankle & Carbin's measure of "trains
        faster"; empty without validation data
    stop_accuracy : dict variant -> ndarray (S, R), test accuracy at that iteration; empty without validation data
    curves : dict variant -> dict: 'running_accuracy' (S, R, epochs) and, with validation data,
        'val_loss' (S, R, epochs + 1), index 0 before training
    checkpoint_accuracy : dict variant -> dict epoch -> ndarray (S, R), test accuracy after that epoch (``test_at``)
    masks : dict variant -> list over rounds of list over seeds of masks
    starts : dict variant -> list over rounds of list over seeds of (weights, biases, masks), the point each
        network started its training from (round 0: the dense initialisation, shared by every variant)
    trained : dict variant -> list over rounds of list over seeds of (weights, biases) at the end of the budget
    settings : dict of the training settings every round used: epochs, batch_size, eta, dtype, order_seed
        (the seed of the mini-batch order)
    steps_per_epoch : int
    seconds : float
    """

    def __init__(self, remaining, accuracy, masks, seconds, train_accuracy=None, stop_iteration=None,
                 stop_accuracy=None, curves=None, steps_per_epoch=1, fit_epoch=None, initial_accuracy=None,
                 checkpoint_accuracy=None):
        self.remaining, self.accuracy, self.masks, self.seconds = np.asarray(remaining), accuracy, masks, seconds
        self.train_accuracy = train_accuracy or {}
        self.stop_iteration = stop_iteration or {}
        self.stop_accuracy = stop_accuracy or {}
        self.curves = curves or {}
        self.steps_per_epoch = steps_per_epoch
        self.fit_epoch = fit_epoch or {}
        self.initial_accuracy = initial_accuracy or {}
        self.checkpoint_accuracy = checkpoint_accuracy or {}
        self.starts, self.trained, self.settings = {}, {}, {}


def _initial(seeds, D, H, C):
    weights, biases = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        weights.append([glorot_normal(D, H, rng), glorot_normal(H, C, rng)])
        biases.append([np.zeros(H), np.zeros(C)])
    return weights, biases


def _train_side_by_side(starts, x, y, x_test, labels_test, epochs, batch_size, eta, dtype, validation=None,
                        snapshot_step=None, test_at=(), order_seed=0):
    """Train every (weights, biases, masks) of ``starts`` at once; ``order_seed`` sets the mini-batch order.

    Returns the trained (weights, biases), a dict of per-network results (arrays with one entry per network, or per
    epoch and network) and the snapshot after ``snapshot_step`` steps.
    """
    batch = SeedBatchMLP([w for w, _, _ in starts], [b for _, b, _ in starts], [m for _, _, m in starts],
                         dtype=dtype)
    initial = batch.accuracy(x_test, labels_test)
    snapshot = batch.train(x, y, epochs, batch_size, eta, seed=order_seed, snapshot_step=snapshot_step, validation=validation,
                           checkpoints=(tuple(test_at), x_test, labels_test))
    out = {"initial_accuracy": initial, "accuracy": batch.accuracy(x_test, labels_test),
           "train_accuracy": batch.accuracy(x, np.asarray(y).argmax(axis=1)),
           "running_accuracy": batch.history["running_accuracy"]}
    for epoch, accuracy in batch.history["checkpoints"].items():
        out[f"test_at_{epoch}"] = accuracy
    if validation is not None:
        out.update(val_loss=batch.history["val_loss"], best_epoch=batch.history["best_epoch"],
                   stop_accuracy=batch.accuracy(x_test, labels_test, at="best"))
    return batch.weights(), out, snapshot


def _part(out, part):
    """The networks ``part`` (a slice) of every per-network array of ``out`` (last axis = networks)."""
    return {key: value[..., part] for key, value in out.items()}


def lottery_experiment(x, y, x_test, labels_test, rounds, seeds=(0, 1, 2, 3, 4), hidden=100, epochs=30,
                       batch_size=32, eta=1e-3, fractions=(0.2, 0.1), variants=("ticket", "reinit", "random"),
                       late_step=None, scope="layer", dtype="float64", validation=None, global_fraction=None,
                       test_at=()):
    """Iterative magnitude pruning with its controls; per round every variant and seed trains at once.

    Parameters
    ----------
    x : (N, D) training inputs; y : (N, C) one-hot; x_test : (M, D); labels_test : (M,)
    rounds : int, pruning rounds after the dense round 0
    epochs : the training budget of every variant in every round (the same for all: compare them only
        with a budget that lets every variant fit the training data; ``train_accuracy`` shows whether it did)
    fractions : (hidden, output) fraction of the remaining weights pruned per round (``scope='layer'``);
        with ``scope='global'`` the first is pruned over all weights together
    variants : 'ticket' and any of
        'ticket'  rewind the survivors to their initial values (Frankle & Carbin),
        'late'    rewind every parameter (weights and biases) to its value after ``late_step`` steps of the
                  dense training (its own chain of masks); it then trains the same budget as the others,
        'reinit'  the ticket's masks with fresh random initial values,
        'random'  random masks with as many weights per layer as the ticket's, the ticket's initial values,
        'global'  a ticket of its own chain of masks pruned by one threshold over all layers together
                  (``global_fraction`` of all remaining weights per round), rewound to the initial values
    global_fraction : for 'global'; default ``fractions[0]``
    test_at : epochs (within the budget) after which the test accuracy is recorded too (``checkpoint_accuracy``):
        what a shorter budget would have reported
    validation : (x_val, labels_val) or None. With it, the early-stopping iteration (lowest validation loss)
        and the test accuracy there are recorded; the validation data must not be the test data.
    dtype : of the training ('float32' about twice as fast, but after many epochs its last digits, which differ
        between BLAS libraries, change a few predictions; 'float64' gives the same tables on OpenBLAS and MKL)

    Returns
    -------
    LotteryResult
    """
    start = time.perf_counter()
    variants = tuple(variants)
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"Unknown variant {v!r}; valid: {', '.join(map(repr, VARIANTS))}.")
    if "late" in variants and late_step is None:
        raise ValueError("variant 'late' needs late_step (the iteration to rewind to).")
    if "ticket" not in variants:
        raise ValueError("variants must include 'ticket': its masks drive the rounds.")
    D, C = x.shape[1], y.shape[1]
    seeds = tuple(seeds)
    S = len(seeds)
    init_W, init_b = _initial(seeds, D, hidden, C)
    fresh_W, fresh_b = _initial([1000 + s for s in seeds], D, hidden, C)
    dense_masks = [[np.ones_like(W1), np.ones_like(W2)] for W1, W2 in init_W]

    def train(starts, snapshot_step=None):
        return _train_side_by_side(starts, x, y, x_test, labels_test, epochs, batch_size, eta, dtype, validation,
                                   snapshot_step, test_at)

    def prune(trained, masks):
        if scope == "global":
            return [prune_globally(W, M, fractions[0]) for W, M in zip(trained, masks)]
        return [prune_by_magnitude(W, M, list(fractions)) for W, M in zip(trained, masks)]

    def of_variant(v, networks):
        """The S networks of variant v in a list of all networks of a round (variant by variant)."""
        k = variants.index(v)
        return networks[k * S:(k + 1) * S]

    per_round = {v: [] for v in variants}
    saved_masks = {v: [] for v in variants}
    saved_starts = {v: [] for v in variants}
    saved_trained = {v: [] for v in variants}
    remaining = [100.0]
    dense_starts = list(zip(init_W, init_b, dense_masks))
    (trained, trained_b), out, late = train(dense_starts, snapshot_step=late_step)
    for v in variants:
        per_round[v].append(out)
        saved_masks[v].append(dense_masks)
        saved_starts[v].append(dense_starts)
        saved_trained[v].append(list(zip(trained, trained_b)))
    ticket_masks = prune(trained, dense_masks)
    if "late" in variants:
        if late is None:
            raise ValueError(f"late_step={late_step} is beyond the {epochs} epochs of training.")
        late_W, late_b = late
        late_masks = ticket_masks
    global_fraction = fractions[0] if global_fraction is None else global_fraction
    if "global" in variants:
        global_masks = [prune_globally(W, M, global_fraction) for W, M in zip(trained, dense_masks)]
    rng = np.random.default_rng(12345)
    for _ in range(check_int_at_least(rounds, "rounds", 0)):
        remaining.append(100.0 * density(ticket_masks[0]))
        starts, used = [], {}
        for v in variants:
            if v == "ticket":
                used[v], (W, B) = ticket_masks, (init_W, init_b)
            elif v == "late":
                used[v], (W, B) = late_masks, (late_W, late_b)
            elif v == "reinit":
                used[v], (W, B) = ticket_masks, (fresh_W, fresh_b)
            elif v == "global":
                used[v], (W, B) = global_masks, (init_W, init_b)
            else:
                # per layer as many weights as the ticket keeps, chosen at random (a random mask does not
                # depend on the earlier rounds, so it is drawn afresh from the dense layer)
                used[v] = [_random_like(M, m, rng) for M, m in zip(dense_masks, ticket_masks)]
                W, B = init_W, init_b
            starts += [(rewind(w, m), b, m) for w, b, m in zip(W, B, used[v])]
        (trained, trained_b), out, _ = train(starts)
        for k, v in enumerate(variants):
            per_round[v].append(_part(out, slice(k * S, (k + 1) * S)))
            saved_masks[v].append(used[v])
            saved_starts[v].append(of_variant(v, starts))
            saved_trained[v].append(list(zip(of_variant(v, trained), of_variant(v, trained_b))))
        ticket_masks = prune(of_variant("ticket", trained), used["ticket"])
        if "late" in variants:
            late_masks = prune(of_variant("late", trained), used["late"])
        if "global" in variants:
            global_masks = [prune_globally(W, M, global_fraction)
                            for W, M in zip(of_variant("global", trained), used["global"])]

    steps_per_epoch = -(-x.shape[0] // batch_size)
    fields = {name: {} for name in ("accuracy", "train_accuracy", "initial_accuracy", "stop_iteration",
                                    "stop_accuracy", "fit_epoch")}
    curves, checkpoint_accuracy = {}, {}
    for v in variants:
        rounds_of = per_round[v]

        def stacked(key):
            return np.stack([o[key] for o in rounds_of], axis=-1)             # (..., S, R)

        for key in ("accuracy", "train_accuracy", "initial_accuracy"):
            fields[key][v] = stacked(key)
        checkpoint_accuracy[v] = {epoch: stacked(f"test_at_{epoch}") for epoch in test_at if epoch <= epochs}
        run = np.moveaxis(stacked("running_accuracy"), 0, -1)              # (S, R, epochs)
        fits = run >= 1.0
        fields["fit_epoch"][v] = np.where(fits.any(axis=2), fits.argmax(axis=2) + 1.0, np.nan)
        curves[v] = {"running_accuracy": run}
        if validation is not None:
            curves[v]["val_loss"] = np.moveaxis(stacked("val_loss"), 0, -1)
            fields["stop_iteration"][v] = stacked("best_epoch") * steps_per_epoch
            fields["stop_accuracy"][v] = stacked("stop_accuracy")
    result = LotteryResult(remaining, fields["accuracy"], saved_masks, time.perf_counter() - start,
                           fields["train_accuracy"], fields["stop_iteration"], fields["stop_accuracy"], curves,
                           steps_per_epoch, fields["fit_epoch"], fields["initial_accuracy"], checkpoint_accuracy)
    result.starts, result.trained = saved_starts, saved_trained
    result.settings = {"epochs": epochs, "batch_size": batch_size, "eta": eta, "dtype": dtype, "order_seed": 0}
    return result


def _random_like(previous, target, rng):
    """Random masks inside ``previous`` with, per layer, as many weights as ``target`` keeps."""
    rng = as_generator(rng, "rng")
    return [_prune_smallest(rng.random(np.shape(P)), np.asarray(P, dtype=float), int(np.sum(P) - np.sum(T)))
            for P, T in zip(previous, target)]


def one_shot_curve(result, x, y, x_test, labels_test, rounds=None):
    """One-shot pruning at every density of an iterative run: the same dense networks, pruned in ONE step.

    For each seed, the dense network that ``result`` trained in round 0 is pruned by magnitude straight to the
    per-layer densities the iterative ticket reached in each round of ``rounds`` (default: every round after
    0), rewound to the same initial weights and trained with the same settings (``result.settings``); all
    rounds and seeds side by side. The dense training is reused, so a one-shot ticket costs two budgets
    (dense + retraining) where the iterative ticket of round r costs r + 1.

    Returns
    -------
    dict with 'remaining' (R,) percent of weights left, 'accuracy' and 'train_accuracy' (S, R) of the
    one-shot tickets at the end of the budget, 'rounds' (R,), 'epochs_one_shot' (int) and
    'epochs_iterative' (R,) the total epochs of training behind each ticket, 'masks' (list over rounds of
    list over seeds of masks)
    """
    if "ticket" not in result.trained or not result.settings:
        raise ValueError("result must come from lottery_experiment (it needs the trained dense networks).")
    R = len(result.remaining)
    rounds = list(range(1, R)) if rounds is None else [check_int_at_least(r, "round", 1) for r in rounds]
    if any(r >= R for r in rounds):
        raise ValueError(f"rounds must lie in 1..{R - 1}; got {rounds}.")
    dense_starts, dense_trained = result.starts["ticket"][0], result.trained["ticket"][0]
    S = len(dense_starts)
    starts = []
    for r in rounds:
        for (W0, b0, M0), (W, _), target in zip(dense_starts, dense_trained, result.masks["ticket"][r]):
            # per layer exactly as many weights as the iterative ticket keeps
            masks = [_prune_smallest(np.abs(np.asarray(w, dtype=float)), np.asarray(m, dtype=float),
                                     int(np.sum(m) - np.sum(t))) for w, m, t in zip(W, M0, target)]
            starts.append((rewind(W0, masks), b0, masks))
    st = result.settings
    _, out, _ = _train_side_by_side(starts, x, y, x_test, labels_test, st["epochs"], st["batch_size"], st["eta"],
                                    st["dtype"], order_seed=st["order_seed"])
    remaining = [100.0 * density(starts[k * S][2]) for k in range(len(rounds))]
    return {"rounds": np.array(rounds), "remaining": np.array(remaining),
            "accuracy": out["accuracy"].reshape(len(rounds), S).T,
            "train_accuracy": out["train_accuracy"].reshape(len(rounds), S).T,
            "epochs_one_shot": 2 * st["epochs"], "epochs_iterative": (np.array(rounds) + 1) * st["epochs"],
            "masks": [[m for _, _, m in starts[k * S:(k + 1) * S]] for k in range(len(rounds))]}


def barrier_height(values):
    """The barrier on a segment: the largest value along it minus the mean of its two ends.

    values : (P, ...) a quantity (loss or error) at P >= 2 points along the segment, the ends first and last.
    Returns an array of shape values.shape[1:] (a float for 1-D input). Never negative (the maximum includes
    the ends); 0 when the ends are equal and no point in between is higher.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim < 1 or v.shape[0] < 2 or not np.all(np.isfinite(v)):
        raise ValueError(f"values must hold finite values at >= 2 points along the segment; got shape {v.shape}.")
    out = v.max(axis=0) - 0.5 * (v[0] + v[-1])
    return float(out) if np.ndim(out) == 0 else out


def stability_verdict(error_barriers, threshold):
    """A sentence about the error barriers of several seeds (in points): stable where barrier <= threshold.

    Frankle et al. (2020) call a network stable to SGD noise when the error barrier between two copies trained
    with different data orders is (nearly) 0; they use a threshold of 2 percentage points.
    """
    b = np.asarray(error_barriers, dtype=float)
    threshold = float(threshold)
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)):
        raise ValueError(f"error_barriers must be a non-empty list of finite numbers; got {error_barriers!r}.")
    stable = int(np.sum(b <= threshold))
    if stable == b.size:
        return f"stable in every seed (error barrier <= {threshold:g} points)"
    if stable == 0:
        return f"unstable in every seed (error barrier > {threshold:g} points)"
    return f"stable in {stable} of {b.size} seeds (error barrier <= {threshold:g} points)"


def _segment(copy_a, copy_b, x_eval, labels_eval, points, shape):
    """Error and loss of every network along the segments from copy_a's networks to copy_b's, reshaped."""
    ss = np.linspace(0.0, 1.0, check_int_at_least(points, "points", 2))
    scores = loss_on_segment(copy_a.model, copy_b.model, x_eval, None, ss,
                             measure=lambda model: copy_a.scores(x_eval, labels_eval))     # (points, 2, networks)
    error = (1.0 - scores[:, 0]).reshape((points,) + shape)
    loss = scores[:, 1].reshape((points,) + shape)
    return {"s": ss, "error": error, "loss": loss, "error_barrier": barrier_height(error),
            "loss_barrier": barrier_height(loss)}


def _batch_of(result, variants, rounds, which):
    """A SeedBatchMLP of the networks of ``variants`` (a name or a tuple) in ``rounds``, variant by variant, round
    by round: ``which`` = 'starts' or 'trained'."""
    variants = (variants,) if isinstance(variants, str) else variants
    starts = [start for v in variants for r in rounds for start in result.starts[v][r]]
    masks = [m for _, _, m in starts]
    if which == "starts":
        return SeedBatchMLP([w for w, _, _ in starts], [b for _, b, _ in starts], masks, dtype=result.settings["dtype"])
    trained = [wb for v in variants for r in rounds for wb in result.trained[v][r]]
    return SeedBatchMLP([w for w, _ in trained], [b for _, b in trained], masks, dtype=result.settings["dtype"])


def _check_rounds(result, variants, rounds):
    for v in variants:
        if v not in result.starts or not result.settings:
            raise ValueError(f"result has no trained variant {v!r}; it has {sorted(result.starts)}.")
    rounds = [check_int_at_least(r, "round", 1) for r in rounds]
    if not rounds or any(r >= len(result.remaining) for r in rounds):
        raise ValueError(f"rounds must be a non-empty list in 1..{len(result.remaining) - 1}; got {rounds}.")
    return rounds


def linear_mode_connectivity(result, x, y, x_eval, labels_eval, variants, rounds, order_seed=1, points=11):
    """Linear mode connectivity (Frankle et al. 2020) of the networks of an iterative run.

    For each variant, round in ``rounds`` and seed, copy A is the network ``result`` trained (mini-batch order
    ``result.settings['order_seed']``); copy B starts from the same point (the same rewound weights, biases
    and mask: ``result.starts``) and trains on the same data (x, y) with the same settings but the mini-batch
    order ``order_seed``. All copies B train side by side. Then the error and the loss on
    (x_eval, labels_eval) are measured at ``points`` equally spaced points of the straight segment from A to
    B (``loss_on_segment``; both copies share the mask, so every point of the segment has that mask).

    variants : any of 'ticket' (rewound to the initialisation), 'late' (rewound to an early step of the dense
        training), or the other variants of the run
    Returns
    -------
    dict variant -> dict: 's' (points,), 'error' and 'loss' (points, len(rounds), S) along the segment
    (error in [0, 1]), 'error_barrier' and 'loss_barrier' (len(rounds), S) by ``barrier_height``,
    'remaining' (len(rounds),)
    """
    variants = tuple(variants)
    rounds = _check_rounds(result, variants, rounds)
    st = result.settings
    if order_seed == st["order_seed"]:
        raise ValueError("order_seed must differ from the order the result was trained with; otherwise both "
                         "copies are the same network.")
    S = len(result.starts[variants[0]][rounds[0]])
    copy_b = _batch_of(result, variants, rounds, "starts")
    copy_b.train(x, y, st["epochs"], st["batch_size"], st["eta"], seed=order_seed)
    weights_b, biases_b = copy_b.weights()
    out, n = {}, len(rounds) * S
    for k, v in enumerate(variants):
        copy_a = _batch_of(result, v, rounds, "trained")
        part = slice(k * n, (k + 1) * n)
        b_alone = SeedBatchMLP(weights_b[part], biases_b[part], [m for r in rounds for _, _, m in result.starts[v][r]],
                               dtype=st["dtype"])
        out[v] = _segment(copy_a, b_alone, x_eval, labels_eval, points, (len(rounds), S))
        out[v]["remaining"] = np.asarray(result.remaining)[rounds]
    return out


def segment_between(result, x_eval, labels_eval, variant_a, variant_b, rounds, points=11):
    """Error and loss along the segment between the trained networks of two variants with the same masks.

    E.g. 'ticket' and 'reinit': the same mask and the same mini-batch order, different initial values. The
    control for ``linear_mode_connectivity``: a barrier this measure can see. Returns the dict of
    ``linear_mode_connectivity`` for one variant.
    """
    rounds = _check_rounds(result, (variant_a, variant_b), rounds)
    for r in rounds:
        for ma, mb in zip(result.masks[variant_a][r], result.masks[variant_b][r]):
            if not all(np.array_equal(a, b) for a, b in zip(ma, mb)):
                raise ValueError(f"{variant_a!r} and {variant_b!r} have different masks in round {r}; the segment "
                                 "between them would leave both masks.")
    S = len(result.starts[variant_a][rounds[0]])
    out = _segment(_batch_of(result, variant_a, rounds, "trained"), _batch_of(result, variant_b, rounds, "trained"),
                   x_eval, labels_eval, points, (len(rounds), S))
    out["remaining"] = np.asarray(result.remaining)[rounds]
    return out
