"""Chapter 13 checks: right answers written differently pass, typical mistakes fail with their hint.

(Solutions and untouched stubs: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch13


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


def masks_with_threshold(params, masks, fractions):
    """Sort the remaining magnitudes, cut at the k-th smallest (no ties in the cases)."""
    new = []
    for p, M, f in zip(params, masks, fractions):
        W = p["W"]
        k = int(f * M.sum() + 0.5)
        if k == 0:
            new.append(M.copy())
            continue
        threshold = np.sort(np.abs(W[M == 1]))[k - 1]
        new.append(np.where((M == 1) & (np.abs(W) > threshold), 1.0, 0.0))
    return new


def masks_loop(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        alive = [(abs(w), i) for i, (w, m) in enumerate(zip(p["W"].ravel(), M.ravel())) if m == 1]
        alive.sort()
        m = M.ravel().copy()
        for _, i in alive[:int(np.floor(f * len(alive) + 1e-9))]:
            m[i] = 0
        out.append(m.reshape(M.shape).astype(bool))       # booleans are fine
    return out


def masks_with_inf(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        magnitude = np.where(M == 1, np.abs(p["W"]), np.inf)
        order = np.argsort(magnitude, axis=None)[:int(np.ceil(f * M.sum() - 1e-9))]
        m = M.copy().astype(np.float32).ravel()
        m[order] = 0
        out.append(m.reshape(M.shape))
    return out


@pytest.mark.parametrize("right", [masks_with_threshold, masks_loop, masks_with_inf])
def test_mask_right_answers_pass(right):
    result = ch13.check_magnitude_masks(right)
    assert result.status == PASSED, result


def reprune(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        m = M.copy().ravel()
        m[np.argsort(np.abs(p["W"]).ravel())[:int(round(f * M.sum()))]] = 0
        out.append(m.reshape(M.shape))
    return out


def original(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        magnitude = np.where(M == 1, np.abs(p["W"]), np.inf).ravel()
        m = M.copy().ravel()
        m[np.argsort(magnitude)[:int(round(f * M.size))]] = 0
        out.append(m.reshape(M.shape))
    return out


def largest(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        magnitude = np.where(M == 1, -np.abs(p["W"]), np.inf).ravel()
        m = M.copy().ravel()
        m[np.argsort(magnitude)[:int(round(f * M.sum()))]] = 0
        out.append(m.reshape(M.shape))
    return out


def signed(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        ranked = np.where(M == 1, p["W"], np.inf).ravel()       # w, not |w|
        m = M.copy().ravel()
        m[np.argsort(ranked)[:int(round(f * M.sum()))]] = 0
        out.append(m.reshape(M.shape))
    return out


def global_threshold(params, masks, fractions):
    flat = np.concatenate([np.where(M == 1, np.abs(p["W"]), np.inf).ravel() for p, M in zip(params, masks)])
    alive = sum(M.sum() for M in masks)
    order = np.argsort(flat)[:int(round(fractions[0] * alive))]
    keep = np.concatenate([M.ravel() for M in masks]).copy()
    keep[order] = 0
    sizes = np.cumsum([M.size for M in masks])[:-1]
    return [k.reshape(M.shape) for k, M in zip(np.split(keep, sizes), masks)]


def with_biases(params, masks, fractions):
    out = []
    for p, M, f in zip(params, masks, fractions):
        values = np.concatenate([np.where(M == 1, np.abs(p["W"]), np.inf).ravel(), np.abs(p["b"])])
        keep = np.concatenate([M.ravel(), np.ones(p["b"].size)])
        keep[np.argsort(values)[:int(round(f * keep.sum()))]] = 0
        out.append(keep[:M.size].reshape(M.shape))
    return out


@pytest.mark.parametrize("wrong, hint", [
    (reprune, "repruned_pruned_weights"),
    (original, "fraction_of_original"),
    (largest, "pruned_largest"),
    (global_threshold, "global_instead_of_per_layer"),
    (with_biases, "pruned_biases"),
    (signed, "signed_weights"),
])
def test_mask_mistakes(wrong, hint):
    _assert_hint(ch13.check_magnitude_masks(wrong), hint)


def test_mask_wrong_kinds():
    result = ch13.check_magnitude_masks(lambda params, masks, fractions: masks[0])
    assert result.status == FAILED and "one array per layer" in repr(result)
    result = ch13.check_magnitude_masks(lambda params, masks, fractions: [np.abs(p["W"]) for p in params])
    assert result.status == FAILED and "0s and 1s" in repr(result)

    def stub(params, masks, fractions):
        raise NotImplementedError()
    assert ch13.check_magnitude_masks(stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("right", [
    lambda initial_weights, masks: [W0 * M for W0, M in zip(initial_weights, masks)],
    lambda initial_weights, masks: [np.where(M > 0, W0, 0.0) for W0, M in zip(initial_weights, masks)],
    lambda initial_weights, masks: [(W0 * M).astype(np.float32) for W0, M in zip(initial_weights, masks)],
])
def test_rewind_right_answers_pass(right):
    assert ch13.check_rewind(right).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda initial_weights, masks: list(initial_weights), "mask_not_applied"),
    (lambda initial_weights, masks: list(masks), "returned_masks"),
])
def test_rewind_mistakes(wrong, hint):
    _assert_hint(ch13.check_rewind(wrong), hint)


def test_rewind_broken_code_is_feedback():
    result = ch13.check_rewind(lambda initial_weights, masks: initial_weights.shape)
    assert result.status == FAILED and "raised an exception" in result.summary


def round_loop(initial_weights, trained_weights, masks, fractions):
    """One round written with loops: rank |trained w| among the survivors, then rewind on the new masks."""
    new_masks, starts = [], []
    for W0, W, M, f in zip(initial_weights, trained_weights, masks, fractions):
        alive = sorted((abs(w), i) for i, (w, m) in enumerate(zip(W.ravel(), M.ravel())) if m)
        m = M.ravel().copy()
        for _, i in alive[:int(f * len(alive) + 0.5)]:
            m[i] = 0
        m = m.reshape(M.shape)
        new_masks.append(m)
        starts.append(np.where(m == 1, W0, 0.0).astype(np.float32))
    return new_masks, starts


def round_threshold(initial_weights, trained_weights, masks, fractions):
    new = []
    for W, M, f in zip(trained_weights, masks, fractions):
        k = int(round(f * M.sum()))
        cut = np.sort(np.abs(W[M == 1]))[k - 1] if k else -np.inf
        new.append(((M == 1) & (np.abs(W) > cut)).astype(float))
    return tuple([new, [W0 * m for W0, m in zip(initial_weights, new)]])


@pytest.mark.parametrize("right", [round_loop, round_threshold])
def test_round_right_answers_pass(right):
    assert ch13.check_prune_and_rewind(right).status == PASSED


def round_ranked_initial(initial_weights, trained_weights, masks, fractions):
    return round_loop(initial_weights, initial_weights, masks, fractions)


def round_rewound_to_trained(initial_weights, trained_weights, masks, fractions):
    new, _ = round_loop(initial_weights, trained_weights, masks, fractions)
    return new, [W * m for W, m in zip(trained_weights, new)]


def round_old_masks(initial_weights, trained_weights, masks, fractions):
    new, _ = round_loop(initial_weights, trained_weights, masks, fractions)
    return new, [W0 * M for W0, M in zip(initial_weights, masks)]


def round_signed(initial_weights, trained_weights, masks, fractions):
    new = signed([{"W": W} for W in trained_weights], masks, fractions)
    return new, [W0 * m for W0, m in zip(initial_weights, new)]


@pytest.mark.parametrize("wrong, hint", [
    (round_ranked_initial, "ranked_initial"),
    (round_rewound_to_trained, "rewound_to_trained"),
    (round_old_masks, "rewound_with_old_masks"),
    (round_signed, "signed_weights"),
])
def test_round_mistakes(wrong, hint):
    _assert_hint(ch13.check_prune_and_rewind(wrong), hint)


def test_round_wrong_kinds():
    result = ch13.check_prune_and_rewind(lambda initial_weights, trained_weights, masks, fractions: masks)
    assert result.status == FAILED and "tuple (new_masks, start_weights)" in repr(result)

    def stub(initial_weights, trained_weights, masks, fractions):
        raise NotImplementedError()
    assert ch13.check_prune_and_rewind(stub).status == NOT_ATTEMPTED


def test_a_tuple_in_place_of_the_list_of_layers_is_refused_publicly_as_hidden_naming_it():
    """It passed publicly and scored 0 in the hidden tests (issue 23, item 11)."""
    result = ch13.check_rewind(lambda initial_weights, masks: tuple(w * m for w, m in zip(initial_weights, masks)))
    assert result.status == FAILED and "Expected a list with one array per layer, got a tuple" in repr(result)
    result = ch13.check_magnitude_masks(lambda params, masks, fractions: tuple(ch13._reference_masks(
        params, masks, fractions)))
    assert result.status == FAILED and "got a tuple" in repr(result)
    result = ch13.check_prune_and_rewind(lambda initial_weights, trained_weights, masks, fractions: tuple(
        tuple(part) for part in ch13._reference_round(initial_weights, trained_weights, masks, fractions)))
    assert result.status == FAILED and "got a tuple" in repr(result)
