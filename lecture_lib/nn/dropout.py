"""Dropout: switch each unit off at random while training (chapter 08).

The argument is the probability of DROPPING a unit, and it is named so:
``Dropout(p_drop=0.2)`` switches off 20 % of the units of each example, on
every forward pass in training mode. (Some libraries take the probability
of KEEPING a unit instead; passing 0.2 there keeps only 20 %: the
accidental sparse model of chapter 08.)

Two forms, equal in expectation:

* ``variant="inverted"`` (the default; PyTorch's ``nn.Dropout(p)`` and
  Keras's ``Dropout(rate)``, both drop probabilities): in training
  g = x * r / (1 - p) with a mask r_i ~ Bernoulli(1 - p); in inference
  g = x. E[g] = x in both modes, so inference needs no change.
* ``variant="classic"`` (Srivastava et al. 2014; slide 8.3's form, but the
  slide's factor is the drop ratio p, correct only at p = 0.5):
  in training g = x * r (no scaling); in inference g = (1 - p) x, i.e. the
  outgoing weights multiplied by the keep ratio. E[g] = (1 - p) x in both
  modes.

The extremes: p = 0 keeps everything (the layer is the identity in both
modes); p = 1 drops everything in training, so the layer outputs zeros,
passes no error back and nothing below it learns (the inverted form's
scale 1/(1 - p) is then taken as 0, not inf; PyTorch does the same).
Keras refuses rate = 1; we allow it to show the extreme.

Shapes: x : (N, ...) and g : same shape; the mask has the shape of x (one
draw per unit and per example).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_generator, check_choice, check_probability
from .layers import Layer

__all__ = ["Dropout", "DROPOUT_VARIANTS"]

#: The two forms of dropout: where the keep ratio 1 - p is compensated.
DROPOUT_VARIANTS = ("inverted", "classic")


def _child_generator(parent):
    """An independent generator derived from ``parent`` without drawing from its stream.

    Spawning from the parent's SeedSequence leaves the parent's numbers
    untouched, so adding a Dropout layer to a model does not change the
    initial weights of the Dense layers after it (same seed, same weights:
    a fair comparison with and without dropout).
    """
    bit_generator = parent.bit_generator
    seed_seq = getattr(bit_generator, "seed_seq", None) or getattr(bit_generator, "_seed_seq", None)
    if isinstance(seed_seq, np.random.SeedSequence):
        return np.random.default_rng(seed_seq.spawn(1)[0])
    return np.random.default_rng(parent.integers(2**63))  # an unusual bit generator: draw a seed


class Dropout(Layer):
    """Randomly zero units in training mode; see the module docstring for the two forms.

    Parameters
    ----------
    p_drop : float in [0, 1]
        Probability that a unit is DROPPED (set to 0) on a forward pass in
        training mode. The keep probability is 1 - p_drop.
    rng : numpy.random.Generator or int, optional
        The layer's own source of masks. None: inside a ``Sequential`` a
        generator spawned from the model's (reproducible with the model's
        seed, and without changing the other layers' initial weights);
        outside a model a fresh unseeded generator.
    variant : {'inverted', 'classic'}
        'inverted': scale kept units by 1/(1 - p_drop) in training, identity
        in inference. 'classic': no scaling in training, multiply by the
        keep ratio 1 - p_drop in inference.
    dtype, name : see ``Layer``.

    Attributes
    ----------
    mask : ndarray or None
        The multiplier of the last training forward pass, shape of x:
        0 for a dropped unit, 1/(1 - p_drop) (inverted) or 1 (classic) for a
        kept one. ``backward`` uses this same mask: the error flows back
        only through the units that were kept.

    Notes
    -----
    Forward, training: g = x * mask, mask_i = r_i * s with r_i ~ Bernoulli(1 - p)
    and s = 1/(1 - p) (inverted) or 1 (classic).
    Forward, inference: g = x (inverted) or g = (1 - p) x (classic).
    Backward: dE/dx = dE/dg * mask in training, dE/dg (inverted) or
    (1 - p) dE/dg (classic) in inference.
    PyTorch ``nn.Dropout(p=0.5)`` and Keras ``layers.Dropout(rate=0.5)`` are
    both the inverted form with p = drop probability; both are active only in
    training (``model.train()`` / ``training=True``), as here.
    """

    def __init__(self, p_drop, rng=None, variant="inverted", dtype=None, name=None):
        super().__init__(dtype=dtype, name=name)
        self.p_drop = check_probability(p_drop, "p_drop (the probability of DROPPING a unit)")
        self.variant = check_choice(variant, "dropout variant", DROPOUT_VARIANTS)
        self.rng = None if rng is None else as_generator(rng, "rng")
        self.mask = None
        self._g = None

    def __repr__(self):
        extra = "" if self.variant == "inverted" else ", variant='classic'"
        return f"Dropout(p_drop={self.p_drop:g}{extra})"

    @property
    def keep_prob(self) -> float:
        """1 - p_drop: the probability that a unit is kept."""
        return 1.0 - self.p_drop

    @property
    def train_scale(self) -> float:
        """The factor of a kept unit in training: 1/(1 - p) (inverted; 0 when p = 1) or 1 (classic)."""
        if self.variant == "classic":
            return 1.0
        return 0.0 if self.keep_prob == 0 else 1.0 / self.keep_prob

    @property
    def inference_scale(self) -> float:
        """The factor in inference: 1 (inverted) or the keep ratio 1 - p (classic)."""
        return 1.0 if self.variant == "inverted" else self.keep_prob

    def build(self, input_shape, rng=None):
        """Fix the input shape; without its own ``rng`` the layer spawns one from the model's ``rng``."""
        if self.rng is None:
            self.rng = _child_generator(rng) if isinstance(rng, np.random.Generator) else np.random.default_rng()
        super().build(input_shape)

    def _forward(self, x, buffered=True):
        """g = x * mask (training, a new mask each call) or x * inference_scale (inference)."""
        g = self._output_array("g", x.shape, buffered, x.dtype)
        if self.training:
            mask = self._output_array("mask", x.shape, buffered, x.dtype)
            # U[0, 1) >= p has probability 1 - p: kept. (p = 0 keeps all, p = 1 none.)
            np.greater_equal(self.rng.random(x.shape, dtype=x.dtype), self.p_drop, out=mask, casting="unsafe")
            mask *= self.train_scale
            self.mask = mask
            np.multiply(x, mask, out=g)
        else:
            np.multiply(x, self.inference_scale, out=g)
        self._g = g
        return g

    def _backward(self, dout, need_dx=True, buffered=True):
        """dE/dx = dout * mask (training: the mask of the forward pass) or dout * inference_scale."""
        if self.training:
            if self.mask is None or self.mask.shape != dout.shape:
                raise RuntimeError(f"{self.describe()}: backward in training mode needs the mask of a training"
                                   " forward pass on this batch; call forward(x) in training mode first.")
            dout *= self.mask  # the same mask as forward: no new draw
        else:
            dout *= self.inference_scale
        return dout
