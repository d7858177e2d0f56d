"""Checks of the chapter 13 exercises (a magnitude-pruning mask per layer, rewinding, one round of iterative
magnitude pruning with rewinding).

The references are ``lecture_lib.topics.pruning.prune_by_magnitude`` and
``rewind``. In every case the number of weights to prune, fraction x
remaining, is a whole number, so floor, ceil and round all agree.
"""
from __future__ import annotations

import numpy as np

from ..topics.pruning import prune_by_magnitude as _reference_prune
from ..topics.pruning import prune_globally as _prune_globally
from ..topics.pruning import rewind as _reference_rewind
from .core import (DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, check_tuple_cases, checks_learner_code, describe_value,
                   real_array_problem, run_cases, same_answer)

__all__ = ["check_magnitude_masks", "check_rewind", "check_prune_and_rewind"]


def _as_list_of_arrays(value, shapes):
    """The learner's list of per-layer arrays as float arrays, or a message saying what is wrong.

    A list, as the exercises ask and the hidden tests require: a tuple in its place is refused, naming it (one
    contract for sequence results in checks and hidden tests, README).
    """
    if not isinstance(value, list):
        return None, f"Expected a list with one array per layer, got {describe_value(value)}."
    if len(value) != len(shapes):
        return None, f"Expected {len(shapes)} arrays (one per layer), got {len(value)}."
    out = []
    for i, (v, shape) in enumerate(zip(value, shapes)):
        if not isinstance(v, np.ndarray) or v.shape != shape:
            return None, f"Layer {i}: expected an ndarray of shape {shape}, got {describe_value(v)}."
        problem = None if v.dtype.kind == "b" else real_array_problem(v, shape, f"layer {i}")  # a 0/1 mask may be bool
        if problem is not None:
            return None, problem
        out.append(v.astype(float))
    return out, None


# --- Exercise 1: a magnitude-pruning mask per layer -----------------------------------------------

def _weights(params):
    return [p["W"] for p in params]


def _reference_masks(params, masks, fractions):
    return _reference_prune(_weights(params), masks, fractions)


def _global_variant(params, masks, fractions):
    return _prune_globally(_weights(params), masks, fractions[0])


def _first_fraction_variant(params, masks, fractions):
    """Per layer, but every layer pruned by fractions[0]."""
    return _reference_prune(_weights(params), masks, [fractions[0]] * len(masks))


def _reprune_variant(params, masks, fractions):
    """Counts the already pruned (zero) weights among the smallest."""
    new = []
    for W, M, f in zip(_weights(params), masks, fractions):
        count = int(round(f * M.sum()))
        order = np.argsort(np.abs(W).ravel(), kind="stable")[:count]
        m = M.copy().ravel()
        m[order] = 0
        new.append(m.reshape(M.shape))
    return new


def _original_variant(params, masks, fractions):
    """A fraction of ALL weights of the layer, not of the remaining ones."""
    new = []
    for W, M, f in zip(_weights(params), masks, fractions):
        alive = np.flatnonzero(M.ravel())
        order = alive[np.argsort(np.abs(W).ravel()[alive], kind="stable")[:int(round(f * M.size))]]
        m = M.copy().ravel()
        m[order] = 0
        new.append(m.reshape(M.shape))
    return new


def _largest_variant(params, masks, fractions):
    return [_prune_largest(W, M, f) for W, M, f in zip(_weights(params), masks, fractions)]


def _prune_largest(W, M, f):
    alive = np.flatnonzero(M.ravel())
    order = alive[np.argsort(-np.abs(W).ravel()[alive], kind="stable")[:int(round(f * M.sum()))]]
    m = M.copy().ravel()
    m[order] = 0
    return m.reshape(M.shape)


def _signed_variant(params, masks, fractions):
    """Ranks the signed weights: the most negative ones count as the 'smallest'."""
    new = []
    for W, M, f in zip(_weights(params), masks, fractions):
        alive = np.flatnonzero(M.ravel())
        order = alive[np.argsort(W.ravel()[alive], kind="stable")[:int(round(f * M.sum()))]]
        m = M.copy().ravel()
        m[order] = 0
        new.append(m.reshape(M.shape))
    return new


def _bias_variant(params, masks, fractions):
    """Ranks the biases together with the weights (and prunes some of them instead of weights)."""
    new = []
    for p, M, f in zip(params, masks, fractions):
        W, b = p["W"], p["b"]
        values = np.concatenate([np.abs(W).ravel(), np.abs(b)])
        alive = np.concatenate([M.ravel(), np.ones(b.size)])
        idx = np.flatnonzero(alive)
        order = idx[np.argsort(values[idx], kind="stable")[:int(round(f * alive.sum()))]]
        keep = alive.copy()
        keep[order] = 0
        new.append(keep[:W.size].reshape(W.shape))
    return new


_MASK_MISTAKES = [
    Mistake("global_instead_of_per_layer",
            "you used one magnitude threshold for all layers together (global pruning). Here each layer loses its own "
            "fraction: fractions[i] of the remaining weights of layer i.",
            _global_variant),
    Mistake("first_fraction_for_every_layer",
            "every layer lost the same fraction, fractions[0]. Layer i loses its own fraction, fractions[i], of its "
            "remaining weights.",
            _first_fraction_variant),
    Mistake("repruned_pruned_weights",
            "already pruned weights (mask 0, weight 0) were counted among the smallest again, so fewer new weights "
            "were removed. Rank only the weights whose mask is still 1.",
            _reprune_variant),
    Mistake("fraction_of_original",
            "you pruned a fraction of ALL the layer's weights; prune a fraction of the weights that REMAIN "
            "(mask 1), so that the density falls as (1 - fraction)^rounds.",
            _original_variant),
    Mistake("pruned_largest",
            "you removed the LARGEST weights. Magnitude pruning removes the smallest |w| and keeps the large ones.",
            _largest_variant),
    Mistake("signed_weights",
            "you ranked the signed weights w, so large NEGATIVE weights counted as the smallest and were removed. "
            "Magnitude pruning ranks |w|: a weight of -2 matters as much as one of +2.",
            _signed_variant),
    Mistake("pruned_biases",
            "you ranked the biases together with the weights. Biases are never pruned: rank only the entries of W.",
            _bias_variant),
]


def _mask_case(seed, shapes, fractions, dead, note):
    rng = np.random.default_rng(seed)
    params, masks = [], []
    for (d_in, units), n_dead in zip(shapes, dead):
        W = rng.standard_normal((d_in, units))
        M = np.ones((d_in, units))
        M.ravel()[rng.choice(W.size, n_dead, replace=False)] = 0
        params.append({"W": W * M, "b": 0.05 * rng.standard_normal(units)})   # pruned weights are exactly 0
        masks.append(M)
    return Case({"params": params, "masks": masks, "fractions": list(fractions)}, note)


# fraction x remaining is a whole number in every layer
_MASK_CASES = [
    _mask_case(1, [(3, 4)], [0.25], [0], "one layer of 12 weights, none pruned yet, prune 25 %"),
    _mask_case(2, [(4, 5), (5, 2)], [0.2, 0.1], [0, 0], "two layers, 20 % and 10 %"),
    _mask_case(3, [(4, 5), (5, 3)], [0.2, 0.2], [10, 5], "two layers, some weights already pruned"),
    _mask_case(4, [(6, 5), (5, 4)], [0.5, 0.25], [10, 0], "a layer with much larger weights than the other"),
]
for _case in _MASK_CASES[3:]:
    _case.kwargs["params"][1]["W"] = _case.kwargs["params"][1]["W"] * 10.0   # global and per-layer differ here


@checks_learner_code
def check_magnitude_masks(magnitude_masks, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``magnitude_masks(params, masks, fractions)`` → the new per-layer masks (list of 0/1 arrays)."""
    run = CheckRun("ch13.magnitude_masks", magnitude_masks, time_limit, n_cases=len(_MASK_CASES))

    def judge(case, value, expected):
        answer, problem = _as_list_of_arrays(value, [M.shape for M in expected])
        if problem is None and not all(np.isin(a, (0.0, 1.0)).all() for a in answer):
            problem = "Expected masks of 0s and 1s (1 = the weight stays)."
        if problem is None and not same_answer(answer, expected):
            kept = [int(a.sum()) for a in answer]
            want = [int(e.sum()) for e in expected]
            problem = (f"The masks do not remove the smallest-magnitude remaining weights of each layer "
                       f"(your masks keep {kept} weights per layer, {'the right numbers' if kept == want else 'not the right numbers'}).")
        return problem, answer if answer is not None else value

    # the answers on every case decide between mistakes that coincide on one (global pruning, fractions[0])
    return run_cases(run, _MASK_CASES, _reference_masks, _MASK_MISTAKES, judge, same_answer, answer=_layers_as_read,
                     first_hint_only=True)


def _layers_as_read(value):
    """Another case's per-layer arrays as float arrays (None for an answer of another kind)."""
    return _as_list_of_arrays(value, [np.shape(layer) for layer in value])[0]


# --- Exercise 2: rewinding ----------------------------------------------------------------------------------

_REWIND_MISTAKES = [
    Mistake("mask_not_applied",
            "you returned the initial weights with every weight present: the mask was rewound too. Only the VALUES go "
            "back; the pruned weights stay 0.",
            lambda initial_weights, masks: [W.copy() for W in initial_weights]),
    Mistake("returned_masks",
            "you returned the masks themselves. Return the weights the next round starts from: w^(0) where the mask is 1.",
            lambda initial_weights, masks: [M.copy() for M in masks]),
]


def _rewind_case(seed, shapes, note):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in shapes]
    masks = [(rng.random(s) > 0.4).astype(float) for s in shapes]
    return Case({"initial_weights": init, "masks": masks}, note)


_REWIND_CASES = [
    _rewind_case(1, [(3, 2)], "one layer"),
    _rewind_case(2, [(4, 3), (3, 2)], "two layers"),
    _rewind_case(3, [(5, 4), (4, 4), (4, 2)], "three layers"),
]


@checks_learner_code
def check_rewind(rewind, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``rewind(initial_weights, masks)`` → [w0 * mask per layer]."""
    run = CheckRun("ch13.rewind", rewind, time_limit, n_cases=len(_REWIND_CASES))

    def judge(case, value, expected):
        answer, problem = _as_list_of_arrays(value, [e.shape for e in expected])
        if problem is None and not same_answer(answer, expected):
            problem = "These are not the initial weights of the surviving connections (0 where pruned)."
        return problem, answer if answer is not None else value

    return run_cases(run, _REWIND_CASES, _reference_rewind, _REWIND_MISTAKES, judge, same_answer,
                     answer=_layers_as_read, first_hint_only=True)


# --- Exercise 3: one round of iterative magnitude pruning with rewinding -------------------------------------

def _reference_round(initial_weights, trained_weights, masks, fractions):
    new = _reference_prune(trained_weights, masks, fractions)
    return new, _reference_rewind(initial_weights, new)


def _round_ranked_initial(initial_weights, trained_weights, masks, fractions):
    new = _reference_prune(initial_weights, masks, fractions)
    return new, _reference_rewind(initial_weights, new)


def _round_rewound_to_trained(initial_weights, trained_weights, masks, fractions):
    new = _reference_prune(trained_weights, masks, fractions)
    return new, [W * M for W, M in zip(trained_weights, new)]


def _round_old_masks(initial_weights, trained_weights, masks, fractions):
    new = _reference_prune(trained_weights, masks, fractions)
    return new, [W0 * M for W0, M in zip(initial_weights, masks)]


def _round_signed(initial_weights, trained_weights, masks, fractions):
    new = _signed_variant([{"W": W} for W in trained_weights], masks, fractions)
    return new, _reference_rewind(initial_weights, new)


def _round_masks_from_weights(initial_weights, trained_weights, masks, fractions):
    """The remaining connections read from the trained weights (W != 0) instead of the masks given."""
    new = _reference_prune(trained_weights, [(W != 0).astype(float) for W in trained_weights], fractions)
    return new, _reference_rewind(initial_weights, new)


def _round_rewound_where_trained_nonzero(initial_weights, trained_weights, masks, fractions):
    """The right new masks, but rewound where the pruned trained weights are non-zero (W != 0 as the mask)."""
    new = _reference_prune(trained_weights, masks, fractions)
    return new, [W0 * ((W * M) != 0) for W0, W, M in zip(initial_weights, trained_weights, new)]


_FROM_WEIGHTS_HINT = ("you read the mask from the weights (W != 0). A connection that is still there can have a trained "
                      "weight of exactly 0: the masks say which connections remain. Rank with the masks you are given "
                      "and rewind with the new masks.")

_ROUND_MISTAKES = [
    Mistake("ranked_initial",
            "you ranked the INITIAL weights. Pruning ranks the TRAINED weights (training decides which connections "
            "matter); only the survivors' values are then set back to w^(0).",
            _round_ranked_initial),
    Mistake("rewound_to_trained",
            "the starting weights are the TRAINED values of the survivors. Rewinding sets them back to their INITIAL "
            "values w^(0): that is what makes a winning ticket.",
            _round_rewound_to_trained),
    Mistake("rewound_with_old_masks",
            "you rewound with the masks you were given, so the weights pruned in this round start again. Rewind "
            "with the NEW masks.",
            _round_old_masks),
    Mistake("signed_weights",
            "you ranked the signed trained weights, so large negative weights were removed. Rank |w|.",
            _round_signed),
    Mistake("mask_from_weights", _FROM_WEIGHTS_HINT, _round_masks_from_weights),
    Mistake("mask_from_weights", _FROM_WEIGHTS_HINT, _round_rewound_where_trained_nonzero),
]


def _round_case(seed, shapes, fractions, dead, note, live_zero=False):
    rng = np.random.default_rng(seed)
    init, trained, masks = [], [], []
    for shape, n_dead in zip(shapes, dead):
        M = np.ones(shape)
        M.ravel()[rng.choice(M.size, n_dead, replace=False)] = 0
        W0 = rng.standard_normal(shape)
        # trained weights: the initial ones moved, some signs flipped, so that ranking init and trained differ
        init.append(W0 * M)
        trained.append((W0 + 1.5 * rng.standard_normal(shape)) * M)
        if live_zero:  # a remaining connection whose trained weight is exactly 0: W != 0 is not the mask
            trained[-1].ravel()[np.flatnonzero(M.ravel())[0]] = 0.0
        masks.append(M)
    return Case({"initial_weights": init, "trained_weights": trained, "masks": masks,
                 "fractions": list(fractions)}, note)


_ROUND_CASES = [
    _round_case(1, [(4, 5)], [0.2], [0], "one layer of 20 weights, the first round, prune 20 %"),
    _round_case(2, [(4, 5), (5, 2)], [0.2, 0.1], [0, 0], "two layers, 20 % and 10 %"),
    _round_case(3, [(5, 6), (6, 4)], [0.25, 0.5], [10, 4], "two layers, some weights pruned in earlier rounds"),
    _round_case(4, [(4, 5), (5, 2)], [0.2, 0.0], [5, 0],
                "a remaining weight trained to exactly 0 in each layer; the second layer is not pruned", live_zero=True),
]


@checks_learner_code
def check_prune_and_rewind(prune_and_rewind, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``prune_and_rewind(initial_weights, trained_weights, masks, fractions)`` → (new masks, start weights)."""
    run = CheckRun("ch13.prune_and_rewind", prune_and_rewind, time_limit, n_cases=len(_ROUND_CASES))
    return check_tuple_cases(
        run, _ROUND_CASES, _reference_round, _ROUND_MISTAKES, ("new_masks", "start_weights"), same_answer,
        shapes=lambda case, expected: ([M.shape for M in expected[0]],) * 2,
        read_part=lambda value, shapes, name: _as_list_of_arrays(value, shapes),
        not_a_tuple=lambda value: ("Expected a tuple (new_masks, start_weights): return new_masks, start_weights; got "
                                   f"{describe_value(value)}."),
        wrong_answer=_round_wrong_answer)


def _round_wrong_answer(case, answer, expected):
    if not same_answer(answer[0], expected[0]):
        return "The new masks do not remove the smallest-magnitude remaining TRAINED weights of each layer."
    return "The masks are right, but the starting weights are not w^(0) on the new masks (0 elsewhere)."
