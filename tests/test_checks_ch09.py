"""Chapter 09 checks: correct answers written differently pass, typical mistakes fail with their hint.

(Both-way tests on the solutions and the stubs: test_checks_both_ways.py.)
"""
import collections

import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch09


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


# --- exercise 1 ---------------------------------------------------------------------------------

def forward_loops(h, gamma, beta, eps, training, running_mean, running_var):
    n, d = h.shape
    out = np.empty((n, d))
    for j in range(d):
        if training:
            m = sum(h[:, j]) / n
            v = sum((h[i, j] - m) ** 2 for i in range(n)) / n
        else:
            m, v = running_mean[j], running_var[j]
        for i in range(n):
            out[i, j] = gamma[j] * (h[i, j] - m) / (v + eps) ** 0.5 + beta[j]
    return out


def forward_np_var(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = (h.mean(0), h.var(0)) if training else (running_mean, running_var)
    return (h - m) * (gamma / np.sqrt(v + eps)) + beta


def forward_float32(h, gamma, beta, eps, training, running_mean, running_var):
    return forward_np_var(h.astype(np.float32), gamma.astype(np.float32), beta.astype(np.float32), np.float32(eps),
                          training, running_mean.astype(np.float32), running_var.astype(np.float32))


@pytest.mark.parametrize("answer", [forward_loops, forward_np_var, forward_float32])
def test_forward_accepts_correct_answers_written_differently(answer):
    assert ch09.check_batchnorm_forward(answer).status == PASSED


def _stats(h, axis=0, ddof=0):
    return h.mean(axis=axis, keepdims=True), h.var(axis=axis, ddof=ddof, keepdims=True)


def wrong_axis(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = _stats(h, axis=1) if training else (running_mean, running_var)
    return gamma * (h - m) / np.sqrt(v + eps) + beta


def unbiased(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = _stats(h, ddof=1) if training else (running_mean, running_var)
    return gamma * (h - m) / np.sqrt(v + eps) + beta


def by_variance(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = _stats(h) if training else (running_mean, running_var)
    return gamma * (h - m) / (v + eps) + beta


def eps_outside(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = _stats(h) if training else (running_mean, running_var)
    return gamma * (h - m) / (np.sqrt(v) + eps) + beta


def running_in_training(h, gamma, beta, eps, training, running_mean, running_var):
    return gamma * (h - running_mean) / np.sqrt(running_var + eps) + beta


def batch_in_inference(h, gamma, beta, eps, training, running_mean, running_var):
    m, v = _stats(h)
    return gamma * (h - m) / np.sqrt(v + eps) + beta


@pytest.mark.parametrize("wrong, hint", [
    (wrong_axis, "statistics_over_wrong_axis"), (unbiased, "unbiased_variance"), (by_variance, "divided_by_variance"),
    (eps_outside, "eps_outside_root"), (running_in_training, "running_statistics_in_training"),
    (batch_in_inference, "batch_statistics_in_inference"),
])
def test_forward_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch09.check_batchnorm_forward(wrong), hint)


def test_forward_wrong_kind_crash_and_stub():
    result = ch09.check_batchnorm_forward(lambda h, gamma, beta, eps, training, running_mean, running_var: h.mean(0))
    assert result.status == FAILED and "shape (4, 3)" in repr(result)
    result = ch09.check_batchnorm_forward(lambda h, gamma, beta, eps, training, running_mean, running_var: h @ gamma[:2])
    assert result.status == FAILED and "raised" in repr(result)

    def stub(h, gamma, beta, eps, training, running_mean, running_var):
        raise NotImplementedError()
    assert ch09.check_batchnorm_forward(stub).status == NOT_ATTEMPTED


# --- exercise 2 ---------------------------------------------------------------------------------

def backward_by_paths(dout, h, gamma, eps):
    """The chain rule written path by path (dv, dm), as in the notebook's derivation."""
    n = h.shape[0]
    m = h.mean(axis=0)
    v = ((h - m) ** 2).mean(axis=0)
    sigma = np.sqrt(v + eps)
    du = dout * gamma
    dv = np.sum(du * (h - m), axis=0) * -0.5 * sigma ** -3
    dm = -np.sum(du, axis=0) / sigma + dv * np.mean(-2 * (h - m), axis=0)
    dh = du / sigma + dv * 2 * (h - m) / n + dm / n
    return dh, np.sum(dout * (h - m) / sigma, axis=0), np.sum(dout, axis=0)


def backward_float32(dout, h, gamma, eps):
    dh, dgamma, dbeta = backward_by_paths(dout.astype(np.float32), h.astype(np.float32), gamma.astype(np.float32),
                                          np.float32(eps))
    return dh.astype(np.float32), dgamma.astype(np.float32), dbeta.astype(np.float32)


@pytest.mark.parametrize("answer", [backward_by_paths, backward_float32])
def test_backward_accepts_correct_answers_written_differently(answer):
    assert ch09.check_batchnorm_backward(answer).status == PASSED


def _parts(dout, h, gamma, eps):
    m = h.mean(axis=0)
    sigma = np.sqrt(h.var(axis=0) + eps)
    return h.shape[0], (h - m) / sigma, sigma


def no_mean_path(dout, h, gamma, eps):
    n, u, sigma = _parts(dout, h, gamma, eps)
    du = dout * gamma
    return (du - u * np.mean(du * u, axis=0)) / sigma, np.sum(dout * u, 0), np.sum(dout, 0)


def no_variance_path(dout, h, gamma, eps):
    n, u, sigma = _parts(dout, h, gamma, eps)
    du = dout * gamma
    return (du - np.mean(du, axis=0)) / sigma, np.sum(dout * u, 0), np.sum(dout, 0)


def constant_statistics(dout, h, gamma, eps):
    n, u, sigma = _parts(dout, h, gamma, eps)
    return dout * gamma / sigma, np.sum(dout * u, 0), np.sum(dout, 0)


def no_gamma(dout, h, gamma, eps):
    return backward_by_paths(dout, h, np.ones_like(gamma), eps)[0], backward_by_paths(dout, h, gamma, eps)[1], \
        np.sum(dout, 0)


def dgamma_is_dbeta(dout, h, gamma, eps):
    dh, _, dbeta = backward_by_paths(dout, h, gamma, eps)
    return dh, dbeta.copy(), dbeta


@pytest.mark.parametrize("wrong, hint", [
    (no_mean_path, "forgot_mean_path"), (no_variance_path, "forgot_variance_path"),
    (constant_statistics, "constant_statistics"), (no_gamma, "missing_gamma"), (dgamma_is_dbeta, "dgamma_without_u"),
])
def test_backward_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch09.check_batchnorm_backward(wrong), hint)


def test_backward_names_the_wrong_part_and_the_kind():
    result = ch09.check_batchnorm_backward(dgamma_is_dbeta)
    assert "dgamma is not right" in repr(result)
    result = ch09.check_batchnorm_backward(lambda dout, h, gamma, eps: dout)
    assert result.status == FAILED and "tuple (dh, dgamma, dbeta)" in repr(result)
    result = ch09.check_batchnorm_backward(lambda dout, h, gamma, eps: (dout, gamma, gamma[:1]))
    assert result.status == FAILED and "dbeta" in repr(result)


# --- exercise 2: the nodes of the graph -----------------------------------------------------------

def steps_loops(dout, h, gamma, eps):
    n, d = h.shape
    dh_hat, dvar, dmean = np.empty((n, d)), np.empty(d), np.empty(d)
    for j in range(d):
        mean = sum(h[:, j]) / n
        sigma = (sum((h[i, j] - mean) ** 2 for i in range(n)) / n + eps) ** 0.5
        for i in range(n):
            dh_hat[i, j] = dout[i, j] * gamma[j]
        dvar[j] = sum(dh_hat[i, j] * (h[i, j] - mean) for i in range(n)) * (-0.5) * sigma ** -3
        # the sigma_B^2 path's share written out too: it is 0 up to rounding
        dmean[j] = -sum(dh_hat[:, j]) / sigma + dvar[j] * (-2 / n) * sum(h[:, j] - mean)
    return dh_hat, dvar, dmean


def steps_float32(dout, h, gamma, eps):
    dout, h, gamma = dout.astype(np.float32), h.astype(np.float32), gamma.astype(np.float32)
    var = h.var(axis=0)
    dh_hat = gamma * dout
    return dh_hat, -np.einsum("nd,nd->d", dh_hat, h - h.mean(0)) / (2 * (var + np.float32(eps)) ** 1.5), \
        -dh_hat.sum(0) * (var + np.float32(eps)) ** -0.5


@pytest.mark.parametrize("answer", [steps_loops, steps_float32])
def test_steps_accept_correct_answers_written_differently(answer):
    assert ch09.check_batchnorm_backward_steps(answer).status == PASSED


def _steps_parts(dout, h, gamma, eps):
    h_bar = h.mean(axis=0)
    return h_bar, np.sqrt(h.var(axis=0) + eps), dout * gamma


def steps_no_gamma(dout, h, gamma, eps):
    h_bar, s, _ = _steps_parts(dout, h, gamma, eps)
    return dout, -0.5 * (dout * (h - h_bar)).sum(0) / s ** 3, -dout.sum(0) / s


def steps_power_one(dout, h, gamma, eps):
    h_bar, s, d = _steps_parts(dout, h, gamma, eps)
    return d, -0.5 * (d * (h - h_bar)).sum(0) / s, -d.sum(0) / s


def steps_no_half(dout, h, gamma, eps):
    h_bar, s, d = _steps_parts(dout, h, gamma, eps)
    return d, -(d * (h - h_bar)).sum(0) / s ** 3, -d.sum(0) / s


def steps_plus_sign(dout, h, gamma, eps):
    h_bar, s, d = _steps_parts(dout, h, gamma, eps)
    return d, 0.5 * (d * (h - h_bar)).sum(0) / s ** 3, -d.sum(0) / s


def steps_mean_from_dout(dout, h, gamma, eps):
    h_bar, s, d = _steps_parts(dout, h, gamma, eps)
    return d, -0.5 * (d * (h - h_bar)).sum(0) / s ** 3, -dout.sum(0) / s


def steps_mean_without_sigma(dout, h, gamma, eps):
    h_bar, s, d = _steps_parts(dout, h, gamma, eps)
    return d, -0.5 * (d * (h - h_bar)).sum(0) / s ** 3, -d.sum(0)


@pytest.mark.parametrize("wrong, hint", [
    (steps_no_gamma, "missing_gamma"), (steps_power_one, "variance_power"), (steps_no_half, "variance_missing_half"),
    (steps_plus_sign, "variance_sign"), (steps_mean_from_dout, "mean_from_dout"),
    (steps_mean_without_sigma, "mean_missing_sigma"),
])
def test_step_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch09.check_batchnorm_backward_steps(wrong), hint)


def test_steps_wrong_kind_and_stub():
    result = ch09.check_batchnorm_backward_steps(lambda dout, h, gamma, eps: dout)
    assert result.status == FAILED and "tuple (dh_hat, dvar, dmean)" in repr(result)

    def stub(dout, h, gamma, eps):
        raise NotImplementedError()
    assert ch09.check_batchnorm_backward_steps(stub).status == NOT_ATTEMPTED


# --- exercise 4: running averages -----------------------------------------------------------------

def running_step_form(running, batch_stat, momentum, convention):
    weight_new = momentum if convention == "pytorch" else 1 - momentum
    return running + weight_new * (batch_stat - running)  # a step toward the batch statistic


def running_loop_float32(running, batch_stat, momentum, convention):
    out = np.empty(len(running), dtype=np.float32)
    for j in range(len(running)):
        old, new = np.float32(running[j]), np.float32(batch_stat[j])
        out[j] = (1 - momentum) * old + momentum * new if convention == "pytorch" else momentum * old + (1 - momentum) * new
    return out


@pytest.mark.parametrize("answer", [running_step_form, running_loop_float32])
def test_running_average_accepts_correct_answers_written_differently(answer):
    assert ch09.check_running_average_update(answer).status == PASSED


def running_swapped(running, batch_stat, momentum, convention):
    if convention == "pytorch":
        return momentum * running + (1 - momentum) * batch_stat
    return (1 - momentum) * running + momentum * batch_stat


def running_pytorch_always(running, batch_stat, momentum, convention):
    return (1 - momentum) * running + momentum * batch_stat


def running_forgets(running, batch_stat, momentum, convention):
    return momentum * batch_stat


@pytest.mark.parametrize("wrong, hint", [
    (running_swapped, "keras_rule_for_pytorch"), (running_pytorch_always, "pytorch_rule_for_keras"),
    (running_forgets, "old_value_forgotten"),
])
def test_running_average_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch09.check_running_average_update(wrong), hint)


def test_running_average_stub_and_wrong_kind():
    def stub(running, batch_stat, momentum, convention):
        raise NotImplementedError()
    assert ch09.check_running_average_update(stub).status == NOT_ATTEMPTED
    result = ch09.check_running_average_update(lambda running, batch_stat, momentum, convention: list(running))
    assert result.status == FAILED and "shape of running" in repr(result)


# --- exercise 5: folding batch norm into the Dense layer before it ----------------------------------

def fold_loops(W, b, gamma, beta, running_mean, running_var, eps):
    """Unit by unit, as one would on paper."""
    d_in, d = W.shape
    s, t, W_folded, b_folded = np.empty(d), np.empty(d), np.empty((d_in, d)), np.empty(d)
    for j in range(d):
        s[j] = gamma[j] * (running_var[j] + eps) ** -0.5
        t[j] = beta[j] - running_mean[j] * s[j]
        for i in range(d_in):
            W_folded[i, j] = W[i, j] * s[j]
        b_folded[j] = (b[j] - running_mean[j]) * s[j] + beta[j]
    return s, t, W_folded, b_folded


def fold_by_matrices(W, b, gamma, beta, running_mean, running_var, eps):
    """Another derivation: the batch norm as a diagonal matrix, composed with the Dense layer."""
    scale = np.diag(gamma / np.sqrt(running_var + eps))
    t = beta - running_mean @ scale
    return np.diag(scale).copy(), t, W @ scale, b @ scale + t


def fold_float32(W, b, gamma, beta, running_mean, running_var, eps):
    parts = [a.astype(np.float32) for a in (W, b, gamma, beta, running_mean, running_var)]
    W, b, gamma, beta, running_mean, running_var = parts
    s = gamma / np.sqrt(running_var + np.float32(eps))
    return s, beta - s * running_mean, W * s, s * (b - running_mean) + beta


Folded = collections.namedtuple("Folded", "gamma_folded beta_folded W_folded b_folded")


def fold_namedtuple(W, b, gamma, beta, running_mean, running_var, eps):
    s = gamma / np.sqrt(running_var + eps)
    return Folded(s, beta - s * running_mean, W * s, s * b + beta - s * running_mean)


def fold_by_probing(W, b, gamma, beta, running_mean, running_var, eps):
    """No algebra: run the batch norm on h = 0 and h = 1 for (gamma', beta'), and the pair on x = 0 and the unit inputs."""
    def batchnorm(h):
        return gamma * (h - running_mean) / np.sqrt(running_var + eps) + beta
    t = batchnorm(np.zeros_like(b))
    b_folded = batchnorm(b)  # x = 0
    return batchnorm(np.ones_like(b)) - t, t, batchnorm(np.eye(len(W)) @ W + b) - b_folded, b_folded


@pytest.mark.parametrize("answer", [fold_loops, fold_by_matrices, fold_float32, fold_namedtuple, fold_by_probing])
def test_fold_accepts_correct_answers_written_differently(answer):
    assert ch09.check_fold_batchnorm(answer).status == PASSED


def test_fold_reference_agrees_with_the_engine_folding():
    """The check's reference is the package's fold of a built Dense → BatchNorm pair (topics.normalisation)."""
    from lecture_lib.nn import BatchNorm, Dense
    from lecture_lib.topics.normalisation import fold_batchnorm

    rng = np.random.default_rng(5)
    dense, bn = Dense(3, input_dim=4, rng=0), BatchNorm()
    bn.build((3,))
    dense.params["b"][:] = rng.normal(size=3)
    bn.params["gamma"][:], bn.params["beta"][:] = rng.uniform(0.5, 2, 3), rng.normal(size=3)
    bn.running_mean[:], bn.running_var[:] = rng.normal(size=3), rng.uniform(0.5, 2, 3)
    _, _, W_folded, b_folded = ch09._fold_reference(dense.params["W"], dense.params["b"], bn.params["gamma"],
                                                    bn.params["beta"], bn.running_mean, bn.running_var, bn.eps)
    W_engine, b_engine = fold_batchnorm(dense, bn)
    np.testing.assert_allclose(W_folded, W_engine, rtol=1e-14)
    np.testing.assert_allclose(b_folded, b_engine, rtol=1e-14, atol=1e-15)


def _fold_wrong(s_of, t_of=None, W_of=None, b_of=None):
    """A learner's answer built step by step, each later step from the learner's own earlier ones."""
    def answer(W, b, gamma, beta, running_mean, running_var, eps):
        s = s_of(gamma, running_var, eps)
        t = t_of(s, beta, running_mean) if t_of else beta - s * running_mean
        W_folded = W_of(W, s) if W_of else W * s
        b_folded = b_of(s, t, b, beta, running_mean) if b_of else s * b + t
        return s, t, W_folded, b_folded
    return answer


def _s(gamma, running_var, eps):
    return gamma / np.sqrt(running_var + eps)


fold_no_gamma = _fold_wrong(lambda gamma, running_var, eps: 1 / np.sqrt(running_var + eps))
fold_by_variance = _fold_wrong(lambda gamma, running_var, eps: gamma / (running_var + eps))
fold_kappa_outside = _fold_wrong(lambda gamma, running_var, eps: gamma / (np.sqrt(running_var) + eps))
fold_plus_mean = _fold_wrong(_s, t_of=lambda s, beta, running_mean: beta + s * running_mean)
fold_mean_unscaled = _fold_wrong(_s, t_of=lambda s, beta, running_mean: beta - running_mean)
fold_rows = _fold_wrong(_s, W_of=lambda W, s: np.diag(s) @ W)
fold_W_kept = _fold_wrong(_s, W_of=lambda W, s: W)
fold_b_unscaled = _fold_wrong(_s, b_of=lambda s, t, b, beta, running_mean: b + t)
fold_b_forgotten = _fold_wrong(_s, b_of=lambda s, t, b, beta, running_mean: t)
fold_beta_scaled = _fold_wrong(_s, b_of=lambda s, t, b, beta, running_mean: s * (b - running_mean + beta))
fold_no_kappa = _fold_wrong(lambda gamma, running_var, eps: gamma / np.sqrt(running_var))
fold_no_mean = _fold_wrong(_s, t_of=lambda s, beta, running_mean: beta.copy())
fold_no_beta = _fold_wrong(_s, t_of=lambda s, beta, running_mean: -s * running_mean)


def fold_mean_times_gamma(W, b, gamma, beta, running_mean, running_var, eps):
    """t = beta - gamma * h_bar_run: the mean scaled by gamma alone, not divided by the standard deviation."""
    s = _s(gamma, running_var, eps)
    t = beta - gamma * running_mean
    return s, t, W * s, s * b + t


@pytest.mark.parametrize("wrong, hint", [
    (fold_no_gamma, "fold_gamma_forgotten"), (fold_by_variance, "fold_divided_by_variance"),
    (fold_kappa_outside, "fold_kappa_outside_root"), (fold_plus_mean, "fold_shift_sign"),
    (fold_mean_unscaled, "fold_mean_not_scaled"), (fold_rows, "fold_rows_scaled"),
    (fold_W_kept, "fold_weights_unchanged"), (fold_b_unscaled, "fold_bias_not_scaled"),
    (fold_b_forgotten, "fold_bias_forgotten"), (fold_beta_scaled, "fold_beta_scaled"),
    (fold_no_kappa, "fold_kappa_forgotten"), (fold_no_mean, "fold_mean_forgotten"),
    (fold_no_beta, "fold_beta_forgotten"), (fold_mean_times_gamma, "fold_mean_times_gamma_only"),
])
def test_fold_mistakes_get_their_hint(wrong, hint):
    result = ch09.check_fold_batchnorm(wrong)
    _assert_hint(result, hint)
    assert result.hints == [hint]


def test_fold_names_the_wrong_step_the_kind_and_the_stub():
    result = ch09.check_fold_batchnorm(fold_W_kept)
    assert "W_folded is not right" in repr(result)  # gamma', beta' and b' were right: the message says which step is not
    result = ch09.check_fold_batchnorm(fold_mean_unscaled)
    assert "beta_folded, b_folded are not right" in repr(result)
    result = ch09.check_fold_batchnorm(lambda W, b, gamma, beta, running_mean, running_var, eps: (W, b))
    assert result.status == FAILED and "tuple (gamma_folded, beta_folded, W_folded, b_folded)" in repr(result)
    result = ch09.check_fold_batchnorm(
        lambda W, b, gamma, beta, running_mean, running_var, eps: (gamma, beta, W.T * gamma[:, None], b))
    assert result.status == FAILED and "W_folded" in repr(result)  # the transpose has the wrong shape

    def stub(W, b, gamma, beta, running_mean, running_var, eps):
        raise NotImplementedError()
    assert ch09.check_fold_batchnorm(stub).status == NOT_ATTEMPTED


def test_fold_with_state_kept_between_calls_fails():
    calls = []

    def fold_counting(W, b, gamma, beta, running_mean, running_var, eps):  # the first case's repeat differs
        calls.append(1)
        later = len(calls) > len(ch09._FOLD_CASES)  # the check calls the first case again after the others
        return fold_loops(W, b, gamma * (2.0 if later else 1.0), beta, running_mean, running_var, eps)

    def fold_default_list(W, b, gamma, beta, running_mean, running_var, eps, _seen=[]):  # the classic mutable default
        _seen.append(1)
        return fold_loops(W, b, gamma + len(_seen) - 1, beta, running_mean, running_var, eps)

    result = ch09.check_fold_batchnorm(fold_counting)
    assert result.status == FAILED and "keeps_state" in result.hints, result
    result = ch09.check_fold_batchnorm(fold_default_list)
    assert result.status == FAILED, result
