"""The lottery ticket hypothesis: iterative magnitude pruning with rewinding (Frankle & Carbin 2019).

One round: train the masked network, remove the smallest-magnitude
surviving weights of each layer, set the survivors back to their initial
values (rewinding), train again. The surviving sub-network with its
initial values is the "winning ticket"; the controls train the same mask
from a fresh random initialisation, or a random mask of the same sparsity.

Masks : one 0/1 array per layer, shape of that layer's W (biases are never
pruned). A masked weight is held at 0 in the forward pass *and* after every
optimiser step (Adam's moments would otherwise move it again; a test
proves they do not).

Speed: several seeds train at once in one engine network. Seed s owns
hidden units [s H, (s + 1) H) and outputs [s C, (s + 1) C); the weights
between different seeds are masked to 0 forever, and the loss
(``grouped_softmax_crossentropy``) is the sum of each seed's own softmax
cross-entropy, so every seed gets exactly the gradient it would get alone
(Adam works weight by weight). The seeds share only the order of the
mini-batches. Training is a short loop over the engine's public
``forward``/``backward`` and the optimiser's ``step``.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .._validate import as_generator, check_int_at_least, check_positive, check_probability
from ..nn.layers import Dense
from ..nn.losses import Loss
from ..nn.model import Sequential
from ..nn.optimizers import Adam

__all__ = ["prune_by_magnitude", "prune_globally", "random_pruning", "rewind", "density", "mask_overlap",
           "glorot_normal", "grouped_softmax_crossentropy", "SeedBatchMLP", "LotteryResult", "lottery_experiment",
           "one_shot_pruning"]


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


def mask_overlap(masks_a, masks_b):
    """|a and b| / |a or b| of the surviving weights of two masks (1 = identical, density/(2-density) = chance)."""
    a = np.concatenate([np.ravel(M) for M in masks_a]) > 0
    b = np.concatenate([np.ravel(M) for M in masks_b]) > 0
    return float(np.sum(a & b) / max(np.sum(a | b), 1))


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


class SeedBatchMLP:
    """S masked D-H-C ReLU MLPs (one per seed) trained at once as one engine ``Sequential``.

    Parameters
    ----------
    weights : list over seeds of [W1 (D, H), W2 (H, C)]
    biases : list over seeds of [b1 (H,), b2 (C,)]
    masks : list over seeds of [M1 (D, H), M2 (H, C)]
    dtype : 'float64' or 'float32' (float32 trains about twice as fast)
    """

    def __init__(self, weights, biases, masks, dtype="float64"):
        self.S = len(weights)
        self.D, self.H = np.shape(weights[0][0])
        self.C = np.shape(weights[0][1])[1]
        S, D, H, C = self.S, self.D, self.H, self.C
        self.model = Sequential([Dense(S * H, activation="relu", input_dim=D), Dense(S * C)], dtype=dtype)
        self.model.build((D,))
        first, second = self.model.layers
        self.mask1 = np.zeros((D, S * H), dtype=self.model.dtype)
        self.mask2 = np.zeros((S * H, S * C), dtype=self.model.dtype)
        first.params["W"][...] = 0.0
        second.params["W"][...] = 0.0
        for s in range(S):
            hid, out = slice(s * H, (s + 1) * H), slice(s * C, (s + 1) * C)
            first.params["W"][:, hid] = weights[s][0]
            first.params["b"][hid] = biases[s][0]
            second.params["W"][hid, out] = weights[s][1]
            second.params["b"][out] = biases[s][1]
            self.mask1[:, hid] = masks[s][0]
            self.mask2[hid, out] = masks[s][1]       # blocks between seeds stay 0 for ever
        self._apply_masks()

    def _apply_masks(self):
        first, second = self.model.layers
        first.params["W"] *= self.mask1
        second.params["W"] *= self.mask2

    def train(self, x, y, epochs, batch_size, eta, seed, snapshot_step=None):
        """Adam on the masked weights; returns the weights of every seed after ``snapshot_step`` steps (or None).

        x : (N, D); y : (N, C) one-hot (the same targets for every seed).
        """
        check_positive(eta, "eta")
        model = self.model
        model.compile(loss=grouped_softmax_crossentropy(self.S), optimizer=Adam(eta=eta))
        y_wide = np.tile(y, (1, self.S))
        rng = as_generator(seed, "seed")
        snapshot, step = None, 0
        first, second = model.layers
        for _ in range(check_int_at_least(epochs, "epochs", 0)):
            order = rng.permutation(x.shape[0])
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                y_hat = model.forward(x[idx])
                model.backward(y_wide[idx], y_hat)
                first.grads["W"] *= self.mask1        # no gradient for a pruned weight ...
                second.grads["W"] *= self.mask2
                model.optimizer.step(model.params, model.grads)
                self._apply_masks()                  # ... and it stays exactly 0 after the step
                step += 1
                if step == snapshot_step:
                    snapshot = self.weights()[0]
        return snapshot

    def weights(self):
        """(weights, biases) per seed, copies: [[W1, W2], ...], [[b1, b2], ...]."""
        first, second = self.model.layers
        W, B = [], []
        for s in range(self.S):
            hid, out = slice(s * self.H, (s + 1) * self.H), slice(s * self.C, (s + 1) * self.C)
            W.append([first.params["W"][:, hid].copy(), second.params["W"][hid, out].copy()])
            B.append([first.params["b"][hid].copy(), second.params["b"][out].copy()])
        return W, B

    def accuracy(self, x, labels):
        """Test accuracy of each seed, shape (S,)."""
        logits = self.model.predict(x).reshape(x.shape[0], self.S, self.C)
        return np.mean(logits.argmax(axis=2) == np.asarray(labels)[:, None], axis=0)


# --- the experiment ----------------------------------------------------------------------------------

class LotteryResult:
    """Accuracies by pruning round.

    Attributes
    ----------
    remaining : ndarray (R,), percent of weights left in each round (round 0: dense)
    accuracy : dict variant -> ndarray (S, R), test accuracy of each seed
    masks : dict variant -> list over rounds of list over seeds of masks
    seconds : float
    """

    def __init__(self, remaining, accuracy, masks, seconds):
        self.remaining, self.accuracy, self.masks, self.seconds = np.asarray(remaining), accuracy, masks, seconds


def _initial(seeds, D, H, C):
    weights, biases = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        weights.append([glorot_normal(D, H, rng), glorot_normal(H, C, rng)])
        biases.append([np.zeros(H), np.zeros(C)])
    return weights, biases


def lottery_experiment(x, y, x_test, labels_test, rounds, seeds=(0, 1, 2, 3, 4), hidden=100, epochs=30,
                       batch_size=32, eta=1e-3, fractions=(0.2, 0.1), variants=("ticket", "reinit", "random"),
                       late_step=None, scope="layer", dtype="float64", reinit_every=1, random_every=1):
    """Iterative magnitude pruning with its controls, all seeds trained at once per variant and round.

    Parameters
    ----------
    x : (N, D) training inputs; y : (N, C) one-hot; x_test : (M, D); labels_test : (M,)
    rounds : int, pruning rounds after the dense round 0
    fractions : (hidden, output) fraction of the remaining weights pruned per round (``scope='layer'``);
        with ``scope='global'`` the first is pruned over all weights together
    variants : any of
        'ticket'  rewind the survivors to their initial values (Frankle & Carbin),
        'late'    rewind to their values after ``late_step`` steps of the dense training (its own chain of masks),
        'reinit'  the ticket's masks with fresh random initial values,
        'random'  random masks of the same sparsity, the ticket's initial values
    reinit_every, random_every : run the 'reinit' / 'random' controls only every so many rounds (they do not
        feed later rounds); the other rounds get NaN
    dtype : of the training ('float32' about twice as fast)

    Returns
    -------
    LotteryResult
    """
    start = time.perf_counter()
    D, C = x.shape[1], y.shape[1]
    seeds = tuple(seeds)
    init_W, init_b = _initial(seeds, D, hidden, C)
    fresh_W, fresh_b = _initial([1000 + s for s in seeds], D, hidden, C)
    dense_masks = [[np.ones_like(W1), np.ones_like(W2)] for W1, W2 in init_W]

    def train(start_W, start_b, masks, snapshot_step=None):
        batch = SeedBatchMLP(start_W, start_b, masks, dtype=dtype)
        snap = batch.train(x, y, epochs, batch_size, eta, seed=0, snapshot_step=snapshot_step)
        return batch.weights()[0], batch.accuracy(x_test, labels_test), snap

    def prune(trained, masks):
        if scope == "global":
            return [prune_globally(W, M, fractions[0]) for W, M in zip(trained, masks)]
        return [prune_by_magnitude(W, M, list(fractions)) for W, M in zip(trained, masks)]

    accuracy = {v: [] for v in variants}
    saved_masks = {v: [] for v in variants}
    remaining = []
    chains = {}
    trained, acc, late_W = train(init_W, init_b, dense_masks, snapshot_step=late_step)
    for v in variants:
        accuracy[v].append(acc)
        saved_masks[v].append(dense_masks)
    chains["ticket"] = (prune(trained, dense_masks), init_W)
    if "late" in variants:
        if late_step is None:
            raise ValueError("variant 'late' needs late_step (the iteration to rewind to).")
        chains["late"] = (chains["ticket"][0], late_W)
    remaining.append(100.0)
    rng = np.random.default_rng(12345)
    skipped = np.full(len(seeds), np.nan)
    for r in range(1, check_int_at_least(rounds, "rounds", 0) + 1):
        masks = chains["ticket"][0]
        remaining.append(100.0 * density(masks[0]))
        for v in variants:
            if v == "ticket":
                W, acc, _ = train([rewind(w, m) for w, m in zip(init_W, masks)], init_b, masks)
                chains["ticket"] = (prune(W, masks), init_W)
                used = masks
            elif v == "late":
                late_masks, late_start = chains["late"]
                W, acc, _ = train([rewind(w, m) for w, m in zip(late_start, late_masks)], init_b, late_masks)
                chains["late"] = (prune(W, late_masks), late_start)
                used = late_masks
            elif v == "reinit" and r % reinit_every:
                acc, used = skipped, masks
            elif v == "random" and r % random_every:
                acc, used = skipped, masks
            elif v == "reinit":
                W, acc, _ = train([rewind(w, m) for w, m in zip(fresh_W, masks)], fresh_b, masks)
                used = masks
            elif v == "random":
                # per layer as many weights as the ticket keeps, chosen at random (a random mask does not
                # depend on the earlier rounds, so it is drawn afresh from the dense layer)
                random_masks = [_random_like(M, m, rng) for M, m in zip(dense_masks, masks)]
                W, acc, _ = train([rewind(w, m) for w, m in zip(init_W, random_masks)], init_b, random_masks)
                used = random_masks
            else:
                raise ValueError(f"Unknown variant {v!r}; valid: 'ticket', 'late', 'reinit', 'random'.")
            accuracy[v].append(acc)
            saved_masks[v].append(used)
    return LotteryResult(remaining, {v: np.array(a).T for v, a in accuracy.items()}, saved_masks,
                         time.perf_counter() - start)


def _random_like(previous, target, rng):
    """Random masks inside ``previous`` with, per layer, as many weights as ``target`` keeps."""
    rng = as_generator(rng, "rng")
    return [_prune_smallest(rng.random(np.shape(P)), np.asarray(P, dtype=float), int(np.sum(P) - np.sum(T)))
            for P, T in zip(previous, target)]


def one_shot_pruning(x, y, x_test, labels_test, keep=(0.8**16, 0.9**16), seeds=(0, 1, 2, 3, 4), hidden=100,
                     epochs=30, batch_size=32, eta=1e-3, dtype="float64"):
    """Train dense once, prune to ``keep`` (fraction kept per layer: hidden, output) in ONE step, then train
    the ticket (rewound to init) and the same masks from a fresh initialisation.

    Returns
    -------
    dict with 'ticket' and 'reinit' accuracies, shape (S,), 'remaining' (percent of weights left) and 'dense'
    """
    D, C = x.shape[1], y.shape[1]
    init_W, init_b = _initial(seeds, D, hidden, C)
    fresh_W, fresh_b = _initial([1000 + s for s in seeds], D, hidden, C)
    dense_masks = [[np.ones_like(W1), np.ones_like(W2)] for W1, W2 in init_W]

    def train(start_W, start_b, masks):
        batch = SeedBatchMLP(start_W, start_b, masks, dtype=dtype)
        batch.train(x, y, epochs, batch_size, eta, seed=0)
        return batch.weights()[0], batch.accuracy(x_test, labels_test)

    trained, dense_acc = train(init_W, init_b, dense_masks)
    masks = [prune_by_magnitude(W, M, [1 - keep[0], 1 - keep[1]]) for W, M in zip(trained, dense_masks)]
    _, ticket = train([rewind(w, m) for w, m in zip(init_W, masks)], init_b, masks)
    _, reinit = train([rewind(w, m) for w, m in zip(fresh_W, masks)], fresh_b, masks)
    return {"dense": dense_acc, "ticket": ticket, "reinit": reinit, "remaining": 100.0 * density(masks[0])}
