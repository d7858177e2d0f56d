"""Chapter 07 checks: correct answers written differently pass, typical mistakes fail with their hint
(the solutions and the stubs: test_checks_both_ways.py)."""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch07


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


# --- exercise 4: clipping by global norm --------------------------------------------------------------

def clip_loops(grads, max_norm):
    total = 0.0
    for g in grads:
        for value in g.ravel():
            total += value * value
    norm = total ** 0.5
    out = []
    for g in grads:
        out.append(g.copy() if norm <= max_norm else g / norm * max_norm)
    return out


def clip_float32(grads, max_norm):
    grads = [g.astype(np.float32) for g in grads]
    norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    return tuple(g * np.float32(min(1.0, max_norm / norm)) for g in grads)


def clip_in_place(grads, max_norm):
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads


@pytest.mark.parametrize("correct", [clip_loops, clip_float32, clip_in_place])
def test_clip_correct_answers_written_differently_pass(correct):
    assert ch07.check_clip_by_global_norm(correct).status == PASSED


def per_tensor(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]


def element_wise(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def always(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / norm for g in grads]


def inverted(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * norm / max_norm if norm > max_norm else g for g in grads]


@pytest.mark.parametrize("wrong, hint", [(per_tensor, "per_tensor"), (element_wise, "element_wise"),
                                         (always, "always_rescaled"), (inverted, "inverted_factor")])
def test_clip_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch07.check_clip_by_global_norm(wrong), hint)


def test_clip_wrong_kind_of_answer_and_stub_and_crash():
    result = ch07.check_clip_by_global_norm(lambda grads, max_norm: np.concatenate([g.ravel() for g in grads]))
    assert result.status == FAILED and "a list (or tuple)" in repr(result)
    result = ch07.check_clip_by_global_norm(lambda grads, max_norm: grads[:1])
    assert result.status == FAILED and "2 arrays, got 1" in repr(result)
    result = ch07.check_clip_by_global_norm(lambda grads, max_norm: [g.T for g in grads])
    assert result.status == FAILED and "shape (3, 2)" in repr(result)

    def stub(grads, max_norm):
        raise NotImplementedError()
    assert ch07.check_clip_by_global_norm(stub).status == NOT_ATTEMPTED

    def crash(grads, max_norm):
        return [g / undefined_name for g in grads]  # noqa: F821
    result = ch07.check_clip_by_global_norm(crash)
    assert result.status == FAILED and "NameError" in repr(result) and "undefined_name" in repr(result)


def test_clip_feedback_does_not_reveal_the_answer():
    result = ch07.check_clip_by_global_norm(per_tensor)
    rng = np.random.default_rng(1)
    grads = [2.0 * rng.standard_normal((3, 2)), 2.0 * rng.standard_normal(2)]
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    assert f"{grads[0][0, 0] / norm:.3g}" not in repr(result)


# --- exercises 5 and 6: scaling ---------------------------------------------------------------------------

def min_max_loops(x_train, x_test):
    out_train, out_test = np.empty_like(x_train), np.empty_like(x_test)
    for j in range(x_train.shape[1]):
        low, high = min(x_train[:, j]), max(x_train[:, j])
        out_train[:, j] = [(v - low) / (high - low) for v in x_train[:, j]]
        out_test[:, j] = [(v - low) / (high - low) for v in x_test[:, j]]
    return out_train, out_test


def min_max_float32(x_train, x_test):
    a, b = x_train.astype(np.float32), x_test.astype(np.float32)
    low, span = a.min(axis=0), np.ptp(a, axis=0)
    return [(a - low) / span, (b - low) / span]


def min_max_stacked(x_train, x_test):
    low, high = np.min(x_train, axis=0, keepdims=True), np.max(x_train, axis=0, keepdims=True)
    both = (np.vstack([x_train, x_test]) - low) / (high - low)
    return both[: len(x_train)], both[len(x_train):]


@pytest.mark.parametrize("correct", [min_max_loops, min_max_float32, min_max_stacked])
def test_min_max_correct_answers_written_differently_pass(correct):
    assert ch07.check_min_max_scale(correct).status == PASSED


def own_min_max(x):
    return (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))


@pytest.mark.parametrize("wrong, hint", [
    (lambda x_train, x_test: (own_min_max(x_train), own_min_max(x_test)), "test_statistics"),
    (lambda x_train, x_test: tuple((x - x_train.min()) / (x_train.max() - x_train.min()) for x in (x_train, x_test)),
     "global_statistics"),
    (lambda x_train, x_test: (own_min_max(x_train.T).T, own_min_max(x_test.T).T), "per_row"),
    (lambda x_train, x_test: tuple((x - x_train.min(0)) / x_train.max(0) for x in (x_train, x_test)), "divided_by_max"),
])
def test_min_max_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch07.check_min_max_scale(wrong), hint)


def test_test_statistics_fitted_on_both_splits_together_is_wrong_too():
    def pooled(x_train, x_test):
        both = np.vstack([x_train, x_test])
        low, high = both.min(axis=0), both.max(axis=0)
        return (x_train - low) / (high - low), (x_test - low) / (high - low)
    result = ch07.check_min_max_scale(pooled)
    assert result.status == FAILED and "on x_train" in repr(result)


def z_loops(x_train, x_test):
    n, d = x_train.shape
    mean = [sum(x_train[:, j]) / n for j in range(d)]
    std = [(sum((v - mean[j]) ** 2 for v in x_train[:, j]) / n) ** 0.5 for j in range(d)]
    return tuple(np.array([[(row[j] - mean[j]) / std[j] for j in range(d)] for row in x]) for x in (x_train, x_test))


def z_float32(x_train, x_test):
    a, b = x_train.astype(np.float32), x_test.astype(np.float32)
    mean, std = a.mean(axis=0), np.sqrt(((a - a.mean(axis=0)) ** 2).mean(axis=0))
    return (a - mean) / std, (b - mean) / std


@pytest.mark.parametrize("correct", [z_loops, z_float32])
def test_z_score_correct_answers_written_differently_pass(correct):
    assert ch07.check_z_score_scale(correct).status == PASSED


def own_z(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x_train, x_test: (own_z(x_train), own_z(x_test)), "test_statistics"),
    (lambda x_train, x_test: tuple((x - x_train.mean()) / x_train.std() for x in (x_train, x_test)),
     "global_statistics"),
    (lambda x_train, x_test: (own_z(x_train.T).T, own_z(x_test.T).T), "per_row"),
    (lambda x_train, x_test: tuple((x - x_train.mean(0)) / x_train.std(0, ddof=1) for x in (x_train, x_test)),
     "sample_std"),
    (lambda x_train, x_test: tuple((x - x_train.mean(0)) / x_train.var(0) for x in (x_train, x_test)),
     "divided_by_variance"),
    (lambda x_train, x_test: tuple(x / x_train.std(0) for x in (x_train, x_test)), "mean_not_subtracted"),
])
def test_z_score_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch07.check_z_score_scale(wrong), hint)


def test_scaling_wrong_kinds_of_answer():
    result = ch07.check_z_score_scale(lambda x_train, x_test: own_z(x_train))
    assert result.status == FAILED and "a list (or tuple)" in repr(result)
    result = ch07.check_z_score_scale(lambda x_train, x_test: (own_z(x_train), None))
    assert result.status == FAILED and "array 1" in repr(result) and "None" in repr(result)
    result = ch07.check_min_max_scale(lambda x_train, x_test: (own_min_max(x_train), own_min_max(x_test)[:1]))
    assert result.status == FAILED and "shape (2, 2)" in repr(result)


# --- the global-clipping mistakes a learner makes in the norm ----------------------------------------------

def sum_of_norms(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    return [g * min(1.0, max_norm / norm) for g in grads]


def no_square_root(grads, max_norm):
    squares = sum(float(np.sum(g * g)) for g in grads)
    return [g * min(1.0, max_norm / squares) for g in grads]


@pytest.mark.parametrize("wrong, hint", [(sum_of_norms, "sum_of_norms"), (no_square_root, "no_square_root")])
def test_clip_norm_mistakes_get_their_hint(wrong, hint):
    result = ch07.check_clip_by_global_norm(wrong)
    _assert_hint(result, hint)
    assert result.hints == [hint]


def test_clip_norm_hints_stay_silent_for_a_right_answer_and_for_other_mistakes():
    assert ch07.check_clip_by_global_norm(clip_loops).hints == []
    assert "sum_of_norms" not in ch07.check_clip_by_global_norm(per_tensor).hints
    assert "no_square_root" not in ch07.check_clip_by_global_norm(element_wise).hints


# --- exercise: per-layer gradient norms --------------------------------------------------------------------

def norms_loops(inputs, errors):
    out = []
    for g, eps in zip(inputs, errors):
        n, fan_in = g.shape
        total = 0.0
        for i in range(fan_in):
            for j in range(eps.shape[1]):
                total += (sum(g[k, i] * eps[k, j] for k in range(n)) / n) ** 2
        out.append(total ** 0.5)
    return np.array(out)


def norms_einsum_float32(inputs, errors):
    return np.array([np.linalg.norm(np.einsum("ni,nj->ij", g.astype(np.float32), e.astype(np.float32)) / len(g))
                     for g, e in zip(inputs, errors)], dtype=np.float32)


@pytest.mark.parametrize("correct", [norms_loops, norms_einsum_float32])
def test_gradient_norms_written_differently_pass(correct):
    assert ch07.check_layer_gradient_norms(correct).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda inputs, errors: np.array([np.linalg.norm(g.T @ e) for g, e in zip(inputs, errors)]), "summed_over_examples"),
    (lambda inputs, errors: np.array([np.sum((g.T @ e / len(g)) ** 2) for g, e in zip(inputs, errors)]),
     "no_square_root"),
    (lambda inputs, errors: np.array([np.mean([np.linalg.norm(np.outer(a, b)) for a, b in zip(g, e)])
                                      for g, e in zip(inputs, errors)]), "mean_of_example_norms"),
    (lambda inputs, errors: np.array([np.linalg.norm(e) for e in errors]), "error_norms"),
])
def test_gradient_norm_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch07.check_layer_gradient_norms(wrong), hint)


def test_gradient_norms_hints_silent_for_an_unknown_wrong_answer():
    result = ch07.check_layer_gradient_norms(lambda inputs, errors: np.ones(len(inputs)))
    assert result.status == FAILED and result.hints == []
    result = ch07.check_layer_gradient_norms(lambda inputs, errors: [1.0] * len(inputs))
    assert result.status == FAILED and "ndarray" in repr(result)


# --- exercise: the signal-preserving initial weight scale ---------------------------------------------------

def std_by_halves(fan_in, slope):
    positive_half = 0.5          # E[h^2; h > 0] / Var(h)
    negative_half = 0.5 * slope * slope
    return (1.0 / (fan_in * (positive_half + negative_half))) ** 0.5


def std_float32(fan_in, slope):
    return np.float32(np.sqrt(np.float32(2.0) / np.float32(fan_in)) / np.sqrt(np.float32(1.0 + slope ** 2)))


@pytest.mark.parametrize("correct", [std_by_halves, std_float32])
def test_signal_std_written_differently_passes(correct):
    assert ch07.check_signal_preserving_std(correct).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda fan_in, slope: 2.0 / ((1 + slope ** 2) * fan_in), "variance_not_std"),
    (lambda fan_in, slope: np.sqrt(2.0 / fan_in), "he_for_every_slope"),
    (lambda fan_in, slope: np.sqrt(2.0 / ((1 + slope) * fan_in)), "slope_not_squared"),
    (lambda fan_in, slope: np.sqrt((1 + slope ** 2) / (2.0 * fan_in)), "halved_instead_of_doubled"),
    (lambda fan_in, slope: np.sqrt(2.0 * fan_in / (1 + slope ** 2)), "fan_in_not_inverted"),
])
def test_signal_std_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch07.check_signal_preserving_std(wrong), hint)


def test_signal_std_unknown_mistake_and_wrong_kind():
    result = ch07.check_signal_preserving_std(lambda fan_in, slope: 1.0 / fan_in)
    assert result.status == FAILED and result.hints == []
    result = ch07.check_signal_preserving_std(lambda fan_in, slope: "0.17")
    assert result.status == FAILED and "Expected" in repr(result)


# --- exercise: dead units over a data set ------------------------------------------------------------------

def dead_loops(batches):
    units = batches[0].shape[1]
    dead = 0
    for j in range(units):
        if all(h[n, j] <= 0 for h in batches for n in range(h.shape[0])):
            dead += 1
    return dead / units


def dead_stacked_max(batches):
    return float(np.mean(np.vstack(batches).max(axis=0) <= 0))


@pytest.mark.parametrize("correct", [dead_loops, dead_stacked_max])
def test_dead_fraction_written_differently_passes(correct):
    assert ch07.check_dead_unit_fraction(correct).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda batches: float(np.mean([np.mean(h.max(axis=0) <= 0) for h in batches])), "one_batch_at_a_time"),
    (lambda batches: float(np.mean(batches[-1].max(axis=0) <= 0)), "last_batch_only"),
    (lambda batches: float(np.mean(np.vstack(batches) <= 0)), "zero_outputs_fraction"),
    (lambda batches: float(np.mean(np.vstack(batches).max(axis=0) < 0)), "strictly_negative"),
    (lambda batches: float(np.mean(np.vstack(batches).min(axis=0) <= 0)), "silent_somewhere"),
    (lambda batches: float(np.sum(np.vstack(batches).max(axis=0) <= 0)), "count_not_fraction"),
])
def test_dead_fraction_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch07.check_dead_unit_fraction(wrong), hint)


def test_dead_fraction_stub_and_unknown_mistake():
    def stub(batches):
        raise NotImplementedError()
    assert ch07.check_dead_unit_fraction(stub).status == NOT_ATTEMPTED
    result = ch07.check_dead_unit_fraction(lambda batches: 0.123)
    assert result.status == FAILED and result.hints == []
