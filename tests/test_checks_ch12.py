"""Chapter 12 checks: right answers written differently pass, typical mistakes fail with their hint.

(Solutions and untouched stubs: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch12


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


# --- exercise 1: features ---------------------------------------------------------------------

def features_loop(x, W):
    out = np.zeros((x.shape[0], W.shape[1]))
    for n in range(x.shape[0]):
        for j in range(W.shape[1]):
            out[n, j] = max(0.0, float(np.dot(x[n], W[:, j]))) / W.shape[1] ** 0.5
    return out


@pytest.mark.parametrize("right", [
    lambda x, W: np.maximum(x @ W, 0) / np.sqrt(W.shape[1]),
    lambda x, W: np.clip(np.einsum("nd,dp->np", x, W), 0, None) * W.shape[1] ** -0.5,
    lambda x, W: (np.maximum(x.astype(np.float32) @ W.astype(np.float32), 0) / np.float32(np.sqrt(W.shape[1]))),
    lambda x, W: np.maximum(x @ (W / np.sqrt(W.shape[1])), 0),     # scaling first: relu is positively homogeneous
    features_loop,
])
def test_features_right_answers_pass(right):
    result = ch12.check_random_relu_features(right)
    assert result.status == PASSED, result


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, W: np.maximum(x @ W, 0), "missing_scaling"),
    (lambda x, W: np.maximum(x @ W, 0) / W.shape[1], "divided_by_p"),
    (lambda x, W: np.maximum(x @ W, 0) / np.sqrt(W.shape[0]), "divided_by_root_d"),
    (lambda x, W: x @ W / np.sqrt(W.shape[1]), "missing_relu"),
    (lambda x, W: np.maximum(x, 0) @ W / np.sqrt(W.shape[1]), "relu_before_weights"),
])
def test_features_mistakes(wrong, hint):
    _assert_hint(ch12.check_random_relu_features(wrong), hint)


def test_features_wrong_shape_and_stub():
    result = ch12.check_random_relu_features(lambda x, W: np.maximum(W.T @ x.T, 0))
    assert result.status == FAILED and "of shape (4, 5)" in repr(result)

    def stub(x, W):
        raise NotImplementedError()
    assert ch12.check_random_relu_features(stub).status == NOT_ATTEMPTED


# --- exercise 2: minimum-norm solution ------------------------------------------------------------

def min_norm_svd(phi, y):
    U, s, Vt = np.linalg.svd(phi, full_matrices=False)
    keep = s > s[0] * 1e-13
    return Vt[keep].T @ ((U[:, keep].T @ y) / s[keep].reshape((-1,) + (1,) * (y.ndim - 1)))


def min_norm_qr(phi, y):
    """Least squares through a QR factorisation: of phi for p <= n, of phi^T for p > n (condition not squared)."""
    n, p = phi.shape
    if p <= n:
        Q, R = np.linalg.qr(phi)
        return np.linalg.solve(R, Q.T @ y)
    Q, R = np.linalg.qr(phi.T)
    return Q @ np.linalg.solve(R.T, y)


def min_norm_columns(phi, y):
    """One output at a time, with the pseudo-inverse."""
    if y.ndim == 1:
        return np.linalg.pinv(phi) @ y
    return np.stack([np.linalg.pinv(phi) @ y[:, c] for c in range(y.shape[1])], axis=1)


@pytest.mark.parametrize("right", [
    lambda phi, y: np.linalg.lstsq(phi, y, rcond=None)[0],
    lambda phi, y: np.linalg.pinv(phi) @ y,
    min_norm_svd, min_norm_qr, min_norm_columns,
])
def test_min_norm_right_answers_pass(right):
    result = ch12.check_min_norm_solution(right)
    assert result.status == PASSED, result


def test_float32_fails_only_on_the_nearly_singular_cases():
    """float32 has 7 digits: it cannot resolve a condition number of 1e6, and the check says so by failing there."""
    result = ch12.check_min_norm_solution(
        lambda phi, y: np.linalg.lstsq(phi.astype(np.float32), y.astype(np.float32), rcond=None)[0])
    assert result.status == FAILED and result.cases_passed == 3, result


def normal_equations_solve(phi, y):
    return np.linalg.solve(phi.T @ phi, phi.T @ y)


@pytest.mark.parametrize("wrong, hint", [
    (lambda phi, y: np.linalg.inv(phi.T @ phi) @ phi.T @ y, "normal_equations"),
    (lambda phi, y: phi.T @ np.linalg.inv(phi @ phi.T) @ y, "gram_inverse"),
    (lambda phi, y: np.linalg.lstsq(phi, y, rcond=None), "lstsq_tuple"),
    (lambda phi, y: np.linalg.lstsq(phi, y, rcond=1e-4)[0], "lstsq_cutoff"),
    (lambda phi, y: np.linalg.pinv(phi.T @ phi) @ phi.T @ y, "pinv_of_gram"),
    (lambda phi, y: phi.T @ np.linalg.solve(phi @ phi.T, y), "solve_gram"),
    (lambda phi, y: phi @ np.linalg.lstsq(phi, y, rcond=None)[0], "predictions"),
    (lambda phi, y: np.linalg.solve(phi.T @ phi + 1e-3 * np.eye(phi.shape[1]), phi.T @ y), "ridge"),
])
def test_min_norm_mistakes(wrong, hint):
    _assert_hint(ch12.check_min_norm_solution(wrong), hint)


def test_singular_normal_equations_get_the_hint_even_when_numpy_refuses():
    def refuses(phi, y):
        if phi.shape[1] > phi.shape[0]:
            raise np.linalg.LinAlgError("Singular matrix")
        return np.linalg.inv(phi.T @ phi) @ phi.T @ y
    _assert_hint(ch12.check_min_norm_solution(refuses), "normal_equations")
    # solve() on the singular normal equations: refused or wrong, never passed
    assert ch12.check_min_norm_solution(normal_equations_solve).status == FAILED


def test_an_exact_fit_that_is_not_the_smallest_is_explained():
    def any_exact_fit(phi, y):
        w = np.linalg.lstsq(phi, y, rcond=None)[0]
        if phi.shape[1] > phi.shape[0]:
            null = np.linalg.svd(phi)[2][phi.shape[0]:].T
            w = w + null[:, :1] * 0.5 if w.ndim == 1 else w + null[:, :1] @ np.ones((1, w.shape[1]))
        return w[:, 0] if w.ndim == 2 and y.ndim == 1 else w
    result = ch12.check_min_norm_solution(any_exact_fit)
    assert result.status == FAILED and "smallest norm ||w||" in repr(result)


def test_broken_learner_code_is_feedback():
    result = ch12.check_min_norm_solution(lambda phi, y: phi.nonexistent)
    assert result.status == FAILED and "raised an exception" in result.summary
    result = ch12.check_min_norm_solution(lambda phi, y: None)
    assert result.status == FAILED and "Expected the weights w" in repr(result)


# --- exercise 3: ridge derived from the SVD ------------------------------------------------------------

def gradient_loop(phi, y, w, lam):
    grad = np.zeros_like(w, dtype=float)
    for i in range(phi.shape[1]):
        for n in range(phi.shape[0]):
            grad[i] += 2 * phi[n, i] * (phi[n] @ w - y[n])
    return grad + 2 * lam * w


@pytest.mark.parametrize("right", [
    lambda phi, y, w, lam: 2 * (phi.T @ phi @ w - phi.T @ y + lam * w),
    lambda phi, y, w, lam: 2 * ((phi.T @ phi + lam * np.eye(phi.shape[1])) @ w - phi.T @ y),
    lambda phi, y, w, lam: (2 * phi.astype(np.float32).T @ (phi.astype(np.float32) @ w.astype(np.float32)
                                                            - y.astype(np.float32)) + 2 * np.float32(lam) * w),
    gradient_loop,
])
def test_gradient_right_answers_pass(right):
    assert ch12.check_ridge_gradient(right).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda phi, y, w, lam: phi.T @ (phi @ w - y) + lam * w, "half_gradient"),
    (lambda phi, y, w, lam: 2 * phi.T @ (phi @ w - y) + lam * w, "penalty_not_doubled"),
    (lambda phi, y, w, lam: 2 * phi.T @ (phi @ w - y), "penalty_missing"),
    (lambda phi, y, w, lam: phi.T @ (phi @ w - y) + 2 * lam * w, "data_term_half"),
    (lambda phi, y, w, lam: 2 * phi.T @ (y - phi @ w) + 2 * lam * w, "residual_sign"),
    (lambda phi, y, w, lam: 2 * phi.T @ (phi @ w - y) / len(y) + 2 * lam * w, "data_term_mean"),
])
def test_gradient_mistakes(wrong, hint):
    _assert_hint(ch12.check_ridge_gradient(wrong), hint)


def test_gradient_wrong_shape_and_stub():
    result = ch12.check_ridge_gradient(lambda phi, y, w, lam: 2 * (phi @ w - y))
    assert result.status == FAILED and "of shape (3,)" in repr(result)

    def stub(phi, y, w, lam):
        raise NotImplementedError()
    assert ch12.check_ridge_gradient(stub).status == NOT_ATTEMPTED


def fitted_push_through(U, s, y, lam):
    """A (A + lam I)^-1 y with A = U diag(s^2) U^T = phi phi^T: no SVD factor per direction written."""
    A = U @ np.diag(s ** 2) @ U.T
    return A @ np.linalg.solve(A + lam * np.eye(A.shape[0]), y)


def fitted_loop(U, s, y, lam):
    out = np.zeros_like(y, dtype=float)
    for i in range(s.size):
        out += np.multiply.outer(U[:, i], (1 - lam / (s[i] ** 2 + lam)) * (U[:, i] @ y))
    return out


def fitted_through_weights(U, s, y, lam):
    """c = diag(s / (s^2 + lam)) U^T y are the weights' coordinates V^T w; then phi w = U diag(s) c."""
    c = np.diag(s / (s ** 2 + lam)) @ (U.T @ y)
    return U @ (np.diag(s) @ c)


def fitted_normal_equations(U, s, y, lam, dtype=np.float64):
    """Ridge's normal equations solved directly for phi V = U diag(s) (N, r): the same fitted values as phi's."""
    phi_v = (U * s).astype(dtype)
    return phi_v @ np.linalg.solve(phi_v.T @ phi_v + dtype(lam) * np.eye(s.size, dtype=dtype), phi_v.T @ y.astype(dtype))


def fitted_residual_removed(U, s, y, lam):
    """y minus the residual lam (phi phi^T + lam I)^-1 y, with an explicit inverse."""
    gram = (U * s ** 2) @ U.T
    return y - lam * np.linalg.inv(gram + lam * np.eye(U.shape[0])) @ y


@pytest.mark.parametrize("right", [
    fitted_push_through, fitted_loop, fitted_through_weights, fitted_normal_equations, fitted_residual_removed,
    lambda U, s, y, lam: fitted_normal_equations(U, s, y, lam, dtype=np.float32),
    lambda U, s, y, lam: (U.astype(np.float32) @ np.diag((s ** 2 / (s ** 2 + lam)).astype(np.float32))
                          @ U.T.astype(np.float32) @ y.astype(np.float32)),
])
def test_fitted_right_answers_pass(right):
    assert ch12.check_ridge_fitted_values(right).status == PASSED


def _fitted_with(factor):
    def fitted(U, s, y, lam):
        return U @ np.diag(factor(s, lam)) @ U.T @ y
    return fitted


@pytest.mark.parametrize("wrong, hint", [
    (_fitted_with(lambda s, lam: s / (s ** 2 + lam)), "weights_factor"),
    (lambda U, s, y, lam: U @ (U.T @ y), "lam_ignored"),
    (_fitted_with(lambda s, lam: lam / (s ** 2 + lam)), "residual_factor"),
    (_fitted_with(lambda s, lam: s / (s + lam)), "lam_added_to_s"),
    (_fitted_with(lambda s, lam: s ** 2 / (s ** 2 + lam ** 2)), "lam_squared"),
    (lambda U, s, y, lam: y - U @ np.diag(lam / (s ** 2 + lam)) @ U.T @ y, "outside_part_kept"),
])
def test_fitted_mistakes(wrong, hint):
    _assert_hint(ch12.check_ridge_fitted_values(wrong), hint)


def test_factors_without_a_column_axis_get_the_broadcasting_hint():
    """One factor per direction times U^T y of shape (r, C) fails for two outputs: the hint says why, not the factor."""
    result = ch12.check_ridge_fitted_values(lambda U, s, y, lam: U @ (s ** 2 / (s ** 2 + lam) * (U.T @ y)))
    _assert_hint(result, "factor_not_broadcast")
    assert "s^2 / (s^2 + lam)" not in repr(result)
    # the hint answers a broadcasting error only
    assert "factor_not_broadcast" not in ch12.check_ridge_fitted_values(lambda U, s, y, lam: y[:1]).hints


def test_fitted_values_of_the_minimum_norm_fit_are_not_ridge_and_the_stub_is_not_attempted():
    assert ch12.check_ridge_fitted_values(lambda U, s, y, lam: y).status == FAILED

    def stub(U, s, y, lam):
        raise NotImplementedError()
    assert ch12.check_ridge_fitted_values(stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("mistakes, answers", [
    (ch12._GRADIENT_MISTAKES, ["2 phi^T (phi w - y)", "2 lam w"]),
    (ch12._FITTED_MISTAKES, ["s^2 / (s^2 + lam)", "s_i^2 / (s_i^2 + lam)", "(s_i^2 + lam) c_i", "1 minus"]),
])
def test_hints_do_not_hand_over_the_answer(mistakes, answers):
    """Exercise 3 asks for a derivation: a hint names the mistake and the step to redo, never the result."""
    for mistake in mistakes:
        for answer in answers:
            assert answer not in mistake.hint, (mistake.id, answer)
