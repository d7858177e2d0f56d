"""Chapter 10 checks: correct answers written differently pass, typical mistakes fail with their hint.

(Both-way tests on the solution and the stub: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch10


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


def loops(dout, h, W1, b1, W2, b2):
    n, d = h.shape
    k = W1.shape[1]
    dh, dW1, db1 = dout.astype(float).copy(), np.zeros((d, k)), np.zeros(k)
    dW2, db2 = np.zeros((k, d)), np.zeros(d)
    for i in range(n):
        h1 = h[i] @ W1 + b1
        for j in range(k):
            g = max(h1[j], 0.0)
            dg = sum(dout[i, m] * W2[j, m] for m in range(d))
            for m in range(d):
                dW2[j, m] += g * dout[i, m]
            if h1[j] > 0:
                db1[j] += dg
                for m in range(d):
                    dW1[m, j] += h[i, m] * dg
                    dh[i, m] += dg * W1[m, j]
        db2 += dout[i]
    return dh, dW1, db1, dW2, db2


def with_where_float32(dout, h, W1, b1, W2, b2):
    dout, h, W1, b1, W2 = (a.astype(np.float32) for a in (dout, h, W1, b1, W2))
    h1 = h @ W1 + b1
    eps1 = np.where(h1 > 0, np.einsum("nd,kd->nk", dout, W2), np.float32(0))
    return (dout + np.einsum("nk,dk->nd", eps1, W1), np.einsum("nd,nk->dk", h, eps1), eps1.sum(0),
            np.einsum("nk,nd->kd", np.clip(h1, 0, None), dout), dout.sum(0))


def steps_loop(dout, h, W1, b1, W2):
    dg1 = np.array([[dout[n] @ W2[k] for k in range(W2.shape[0])] for n in range(len(h))])
    eps1 = np.where(h @ W1 + b1 > 0, dg1, 0.0)
    return dg1, eps1, np.array([[eps1[n] @ W1[m] for m in range(W1.shape[0])] for n in range(len(h))])


def steps_float32(dout, h, W1, b1, W2):
    dout, h, W1, b1, W2 = (a.astype(np.float32) for a in (dout, h, W1, b1, W2))
    g1 = np.maximum(h @ W1 + b1, 0)
    dg1 = dout @ W2.T
    eps1 = dg1 * np.sign(g1)  # relu'(h1) from the output: 1 where g1 > 0
    return dg1, eps1, eps1 @ W1.T


@pytest.mark.parametrize("answer", [loops, with_where_float32])
def test_block_accepts_correct_answers_written_differently(answer):
    assert ch10.check_residual_block_backward(answer).status == PASSED


@pytest.mark.parametrize("answer", [steps_loop, steps_float32])
def test_steps_accept_correct_answers_written_differently(answer):
    assert ch10.check_branch_steps(answer).status == PASSED


def _parts(dout, h, W1, b1, W2):
    h1 = h @ W1 + b1
    return h1, np.maximum(h1, 0), (dout @ W2.T) * (h1 > 0)


def block_no_identity(dout, h, W1, b1, W2, b2):
    h1, g1, eps1 = _parts(dout, h, W1, b1, W2)
    return eps1 @ W1.T, h.T @ eps1, eps1.sum(0), g1.T @ dout, dout.sum(0)


def block_no_branch(dout, h, W1, b1, W2, b2):
    h1, g1, eps1 = _parts(dout, h, W1, b1, W2)
    return dout.copy(), h.T @ eps1, eps1.sum(0), g1.T @ dout, dout.sum(0)


def block_no_relu_derivative(dout, h, W1, b1, W2, b2):
    h1, g1, _ = _parts(dout, h, W1, b1, W2)
    eps1 = dout @ W2.T
    return dout + eps1 @ W1.T, h.T @ eps1, eps1.sum(0), g1.T @ dout, dout.sum(0)


def block_dW2_from_h(dout, h, W1, b1, W2, b2):
    h1, g1, eps1 = _parts(dout, h, W1, b1, W2)
    return dout + eps1 @ W1.T, h.T @ eps1, eps1.sum(0), h.T @ dout, dout.sum(0)


def block_dW2_from_h1(dout, h, W1, b1, W2, b2):
    h1, g1, eps1 = _parts(dout, h, W1, b1, W2)
    return dout + eps1 @ W1.T, h.T @ eps1, eps1.sum(0), h1.T @ dout, dout.sum(0)


def block_dW1_transposed(dout, h, W1, b1, W2, b2):
    h1, g1, eps1 = _parts(dout, h, W1, b1, W2)
    return dout + eps1 @ W1.T, eps1.T @ h, eps1.sum(0), g1.T @ dout, dout.sum(0)


def block_through_W1(dout, h, W1, b1, W2, b2):
    h1, g1, eps1 = _parts(dout, h, W1, b1, W2)
    return dout + eps1 @ W1, h.T @ eps1, eps1.sum(0), g1.T @ dout, dout.sum(0)


@pytest.mark.parametrize("wrong, hint", [
    (block_no_identity, "forgot_identity_path"), (block_no_branch, "forgot_branch_path"),
    (block_no_relu_derivative, "missing_relu_derivative"), (block_dW2_from_h, "dW2_from_the_block_input"),
    (block_dW2_from_h1, "dW2_from_the_weighted_sum"), (block_dW1_transposed, "transposed_gradient"),
    (block_through_W1, "transposed_weights"),
])
def test_block_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch10.check_residual_block_backward(wrong), hint)


def steps_W2_not_transposed(dout, h, W1, b1, W2):
    h1 = h @ W1 + b1
    dg1 = dout @ W2
    return dg1, dg1 * (h1 > 0), (dg1 * (h1 > 0)) @ W1.T


def steps_no_relu_derivative(dout, h, W1, b1, W2):
    dg1 = dout @ W2.T
    return dg1, dg1, dg1 @ W1.T


def steps_relu_of_input(dout, h, W1, b1, W2):
    dg1 = dout @ W2.T
    return dg1, dg1 * (h > 0), (dg1 * (h > 0)) @ W1.T


def steps_W1_not_transposed(dout, h, W1, b1, W2):
    h1, _, eps1 = _parts(dout, h, W1, b1, W2)
    return dout @ W2.T, eps1, eps1 @ W1


def steps_with_identity(dout, h, W1, b1, W2):
    h1, _, eps1 = _parts(dout, h, W1, b1, W2)
    return dout @ W2.T, eps1, dout + eps1 @ W1.T


@pytest.mark.parametrize("wrong, hint", [
    (steps_W2_not_transposed, "W2_not_transposed"), (steps_no_relu_derivative, "missing_relu_derivative"),
    (steps_relu_of_input, "relu_derivative_of_the_input"), (steps_W1_not_transposed, "W1_not_transposed"),
    (steps_with_identity, "identity_path_included"),
])
def test_step_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch10.check_branch_steps(wrong), hint)


def test_wrong_kind_names_the_part_and_stub():
    result = ch10.check_residual_block_backward(lambda dout, h, W1, b1, W2, b2: dout)
    assert result.status == FAILED and "tuple (dh, dW1, db1, dW2, db2)" in repr(result)
    result = ch10.check_residual_block_backward(lambda dout, h, W1, b1, W2, b2: (dout, W1, b1[:1], W2, b2))
    assert result.status == FAILED and "db1" in repr(result)

    def wrong_db2(dout, h, W1, b1, W2, b2):
        out = loops(dout, h, W1, b1, W2, b2)
        return out[:4] + (2 * out[4],)
    assert "db2 is not right" in repr(ch10.check_residual_block_backward(wrong_db2))
    result = ch10.check_branch_steps(lambda dout, h, W1, b1, W2: (dout, dout))
    assert result.status == FAILED and "tuple (dg1, eps1, dh_branch)" in repr(result)

    def stub(dout, h, W1, b1, W2, b2):
        raise NotImplementedError()

    def steps_stub(dout, h, W1, b1, W2):
        raise NotImplementedError()
    assert ch10.check_residual_block_backward(stub).status == NOT_ATTEMPTED
    assert ch10.check_branch_steps(steps_stub).status == NOT_ATTEMPTED


# --- Exercise 3: the variance a scaled branch adds ------------------------------------------------------

def variance_steps_loop_float32(v, D, K, alpha):
    var_h1 = np.float32(0.0)
    for _ in range(D):  # D terms Var(W1) E[h^2]
        var_h1 += np.float32(2.0 / D) * np.float32(v)
    ms_g1 = var_h1 * np.float32(0.5)
    var_f = np.float32(0.0)
    for _ in range(K):
        var_f += np.float32(alpha) ** 2 / np.float32(K) * ms_g1
    return var_h1, ms_g1, var_f, np.float32(v) + var_f


def variance_steps_simplified(v, D, K, alpha):
    return [2 * v, v, alpha * alpha * v, v * (1 + alpha ** 2)]  # a list, written after simplifying


def branch_scale_by_logs(depth, total_growth):
    return float(np.sqrt(np.expm1(np.log(total_growth) / depth)))


def branch_scale_by_bisection(depth, total_growth):
    low, high = 0.0, 10.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if (1 + middle ** 2) ** depth < total_growth else (low, middle)
    return (low + high) / 2


@pytest.mark.parametrize("answer", [variance_steps_loop_float32, variance_steps_simplified])
def test_variance_steps_accept_correct_answers_written_differently(answer):
    assert ch10.check_block_variance_steps(answer).status == PASSED


@pytest.mark.parametrize("answer", [branch_scale_by_logs, branch_scale_by_bisection])
def test_branch_scale_accepts_correct_answers_written_differently(answer):
    assert ch10.check_branch_scale_for(answer).status == PASSED


def variance_steps_relu_keeps_all(v, D, K, alpha):
    return 2 * v, 2 * v, 2 * alpha ** 2 * v, v + 2 * alpha ** 2 * v


def variance_steps_no_identity(v, D, K, alpha):
    return 2 * v, v, alpha ** 2 * v, alpha ** 2 * v


def variance_steps_alpha_not_squared(v, D, K, alpha):
    return 2 * v, v, alpha * v, v + alpha * v


def variance_steps_he_factor_missing(v, D, K, alpha):
    return v, v / 2, alpha ** 2 * v / 2, v + alpha ** 2 * v / 2


def variance_steps_wrong_sum(v, D, K, alpha):
    return 2 * v, v, D * alpha ** 2 / K * v, v + D * alpha ** 2 / K * v


def variance_steps_stds_added(v, D, K, alpha):
    return 2 * v, v, alpha ** 2 * v, (np.sqrt(v) + alpha * np.sqrt(v)) ** 2


def variance_steps_var_of_relu(v, D, K, alpha):
    ms = 2 * v * (0.5 - 1 / (2 * np.pi))
    return 2 * v, ms, alpha ** 2 * ms, v + alpha ** 2 * ms


def variance_steps_sum_not_counted(v, D, K, alpha):
    return 2 * v / D, v / D, alpha ** 2 * v / D, v + alpha ** 2 * v / D


@pytest.mark.parametrize("wrong, hint", [
    (variance_steps_relu_keeps_all, "relu_keeps_everything"), (variance_steps_no_identity, "identity_path_missing"),
    (variance_steps_alpha_not_squared, "alpha_not_squared"), (variance_steps_he_factor_missing, "he_factor_missing"),
    (variance_steps_wrong_sum, "sum_over_the_wrong_units"), (variance_steps_stds_added, "standard_deviations_added"),
    (variance_steps_var_of_relu, "variance_of_relu_not_mean_square"),
    (variance_steps_sum_not_counted, "sum_not_counted"),
])
def test_variance_step_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch10.check_block_variance_steps(wrong), hint)


def branch_scale_added(depth, total_growth):
    return np.sqrt((total_growth - 1) / depth)


def branch_scale_not_rooted(depth, total_growth):
    return total_growth ** (1 / depth) - 1


def branch_scale_one_block(depth, total_growth):
    return np.sqrt(total_growth - 1)


@pytest.mark.parametrize("wrong, hint", [
    (branch_scale_added, "growth_added_not_multiplied"), (branch_scale_not_rooted, "alpha_not_squared"),
    (branch_scale_one_block, "depth_ignored"),
])
def test_branch_scale_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch10.check_branch_scale_for(wrong), hint)


def test_a_wrong_answer_without_a_typical_mistake_gets_no_hint():
    result = ch10.check_block_variance_steps(lambda v, D, K, alpha: (2 * v, v, alpha ** 2 * v, 1.5 * v))
    assert result.status == FAILED and not result.hints and "Var(h') is not right" in repr(result)
    result = ch10.check_block_variance_steps(lambda v, D, K, alpha: (3 * v, 1.5 * v, 1.5 * alpha ** 2 * v, v))
    assert result.status == FAILED and "Var(h1) is not right (and the steps after it)" in repr(result)
    result = ch10.check_branch_scale_for(lambda depth, total_growth: 0.1)
    assert result.status == FAILED and not result.hints
    result = ch10.check_block_variance_steps(lambda v, D, K, alpha: (2 * v, v))
    assert result.status == FAILED and "tuple of four numbers" in repr(result)

    def stub(v, D, K, alpha):
        raise NotImplementedError()
    assert ch10.check_block_variance_steps(stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_the_reference_growth_agrees_with_the_engine(alpha):
    """The derivation's factor 1 + alpha^2 is what the engine's blocks measure (the chapter's 64 units, He / Glorot)."""
    from lecture_lib.datasets.digits import load_digits
    from lecture_lib.topics.deep_training import deep_relu_mlp, variance_per_block

    x = load_digits("train", flatten=True)[0][:256]
    measured = []
    for seed in range(3):
        values = variance_per_block(deep_relu_mlp(30, "residual", seed=seed, branch_scale=alpha), x)
        measured.append(np.exp(np.mean(np.diff(np.log(values)))))
    predicted = ch10._variance_steps_reference(1.0, 64, 64, alpha)[3]
    assert abs(np.mean(measured) / predicted - 1) < 0.03, (measured, predicted)
    assert abs(np.mean(measured) / (1 + alpha) - 1) > 0.05 or alpha == 1.0  # the unsquared alpha would not fit
    assert ch10._branch_scale_reference(1, predicted) == pytest.approx(alpha)
