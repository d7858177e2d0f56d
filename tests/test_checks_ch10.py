"""Chapter 10 check: correct answers written differently pass, typical mistakes fail with their hint.

(Both-way tests on the solution and the stub: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch10


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


def loops(dout, h, W, b):
    n, d = h.shape
    dh, dW, db = dout.astype(float).copy(), np.zeros((d, d)), np.zeros(d)
    for i in range(n):
        z = h[i] @ W + b
        for j in range(d):
            if z[j] > 0:
                db[j] += dout[i, j]
                for k in range(d):
                    dW[k, j] += h[i, k] * dout[i, j]
                    dh[i, k] += dout[i, j] * W[k, j]
    return dh, dW, db


def with_where_float32(dout, h, W, b):
    dout, h, W, b = (a.astype(np.float32) for a in (dout, h, W, b))
    eps = np.where(h @ W + b > 0, dout, np.float32(0))
    return dout + np.einsum("nj,kj->nk", eps, W), np.einsum("nk,nj->kj", h, eps), eps.sum(0)


@pytest.mark.parametrize("answer", [loops, with_where_float32])
def test_accepts_correct_answers_written_differently(answer):
    assert ch10.check_residual_block_backward(answer).status == PASSED


def _eps(dout, h, W, b):
    return dout * (h @ W + b > 0)


@pytest.mark.parametrize("wrong, hint", [
    (lambda dout, h, W, b: (_eps(dout, h, W, b) @ W.T, h.T @ _eps(dout, h, W, b), _eps(dout, h, W, b).sum(0)),
     "forgot_identity_path"),
    (lambda dout, h, W, b: (dout.copy(), h.T @ _eps(dout, h, W, b), _eps(dout, h, W, b).sum(0)), "forgot_branch_path"),
    (lambda dout, h, W, b: (dout + dout @ W.T, h.T @ dout, dout.sum(0)), "missing_relu_derivative"),
    (lambda dout, h, W, b: (dout + _eps(dout, h, W, b) @ W, h.T @ _eps(dout, h, W, b), _eps(dout, h, W, b).sum(0)),
     "transposed_weights"),
    (lambda dout, h, W, b: (dout + _eps(dout, h, W, b) @ W.T, _eps(dout, h, W, b).T @ h, _eps(dout, h, W, b).sum(0)),
     "transposed_gradient"),
])
def test_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch10.check_residual_block_backward(wrong), hint)


def test_wrong_kind_names_the_part_and_stub():
    result = ch10.check_residual_block_backward(lambda dout, h, W, b: dout)
    assert result.status == FAILED and "tuple (dh, dW, db)" in repr(result)
    result = ch10.check_residual_block_backward(lambda dout, h, W, b: (dout, W, b[:1]))
    assert result.status == FAILED and "db" in repr(result)
    result = ch10.check_residual_block_backward(
        lambda dout, h, W, b: (dout + _eps(dout, h, W, b) @ W.T, h.T @ _eps(dout, h, W, b), dout.sum(0)))
    assert "db is not right" in repr(result)

    def stub(dout, h, W, b):
        raise NotImplementedError()
    assert ch10.check_residual_block_backward(stub).status == NOT_ATTEMPTED
