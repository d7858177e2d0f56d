"""Optimisers: how a gradient becomes a weight update.

One interface for all of them (``base``)::

    opt = Adam(eta=0.001)
    opt.step(params, grads)          # params, grads: model.params, model.grads

Modules: ``base`` (the interface, clipping and weight decay every
optimiser offers, the learning-rate schedule hook), ``sgd`` (SGD,
momentum, Nesterov), ``adaptive`` (AdaGrad, RMSProp), ``adam`` (Adam,
AdamW), ``masked`` (``opt.masked(params, masks)``: steps on the
surviving entries of pruned parameters only), ``lbfgs`` (L-BFGS, which needs the loss as a function:
``step(params, grads, closure)`` or ``minimize``) with its ``line_search``.

Each class's docstring gives its formula in the slides' notation (η
learning rate, ∇E(w) the gradient, κ the stabiliser, code ``eps``) and where PyTorch's and Keras's
conventions differ; ``Cls.like('pytorch')`` / ``Cls.like('keras')`` build
the optimiser with that framework's defaults and conventions.
"""
from .adam import Adam, AdamW
from .adaptive import AdaGrad, RMSProp
from .base import Optimizer, _pairs  # noqa: F401  (_pairs: the structure check Sequential.fit uses)
from .lbfgs import LBFGS, LBFGSResult
from .masked import MaskedStep
from .sgd import SGD

from ..._validate import check_choice

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW", "LBFGS", "LBFGSResult", "MaskedStep",
           "OPTIMIZERS", "get_optimizer"]

#: Optimiser classes by their Keras names (and 'lbfgs').
OPTIMIZERS = {"sgd": SGD, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW, "lbfgs": LBFGS}


def get_optimizer(optimizer) -> Optimizer:
    """Return an optimiser instance.

    Parameters
    ----------
    optimizer : str or Optimizer
        A name from ``OPTIMIZERS`` ('sgd', 'adagrad', 'rmsprop', 'adam',
        'adamw', 'lbfgs'; case-insensitive), which gives the optimiser with
        its default settings, or an instance (returned unchanged, e.g.
        ``Adam(eta=0.01)``).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be a name (str) or an Optimizer, got {optimizer!r}.")
    key = optimizer.lower()
    if key not in OPTIMIZERS:
        check_choice(optimizer, "optimizer", OPTIMIZERS)  # raises, listing the valid names
    return OPTIMIZERS[key]()
