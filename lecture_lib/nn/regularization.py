"""The L2 penalty as a loss term, for showing what weight decay adds to the loss.

Training applies L2 through the optimisers' ``weight_decay`` (see
``lecture_lib.nn.optimizers.base``): coupled decay λ adds λw to each
gradient, which is exactly the gradient of the term computed here,

    penalty = (λ/2) Σ w²      (the sum over every weight array given),

so ``E_data + l2_penalty(params, λ)`` is the loss that ``SGD(weight_decay=λ)``
descends. Keras's ``kernel_regularizer=l2(λ)`` adds λ Σ w² (no ½) over the
weight matrices only: its gradient is 2λw.
"""
from __future__ import annotations

from .._validate import check_positive
from .clipping import _arrays, _norm

__all__ = ["l2_penalty"]


def l2_penalty(params, lam, keys=("W",)) -> float:
    """(λ/2) Σ w² over the arrays of ``params`` whose key is in ``keys`` (None: every array).

    Parameters
    ----------
    params : dict of arrays, or list of dicts (``model.params``)
    lam : float >= 0
        λ.
    keys : tuple of str or None
        Which parameters count (default the weight matrices 'W', not the biases).

    Returns
    -------
    float
    """
    lam = check_positive(lam, "lam", allow_zero=True)
    dicts = [params] if isinstance(params, dict) else list(params)
    for i, d in enumerate(dicts):
        if not isinstance(d, dict):
            raise TypeError(f"params[{i}] must be a dict of arrays (model.params), got {type(d).__name__}.")
    arrays = [a for d in dicts for key, a in d.items() if keys is None or key in keys]
    arrays = _arrays(arrays)[0]
    return 0.5 * lam * _norm(arrays) ** 2
