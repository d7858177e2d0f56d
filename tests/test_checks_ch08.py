"""Chapter 08 checks: correct answers written differently pass, typical mistakes fail with their hint.

(Both-way tests on the solutions and the stubs: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch08


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


# --- exercise 1 ---------------------------------------------------------------------------------

def forward_with_loops(x, p_drop, u, training):
    out = np.array(x, dtype=float)
    if training:
        for n in range(x.shape[0]):
            for i in range(x.shape[1]):
                out[n, i] = x[n, i] / (1 - p_drop) if u[n, i] >= p_drop else 0.0
    return out


def forward_other_dice_rule(x, p_drop, u, training):
    return np.where(u < 1 - p_drop, x / (1 - p_drop), 0.0) if training else x + 0.0


def forward_float32(x, p_drop, u, training):
    x32 = x.astype(np.float32)
    return x32 * (u > p_drop).astype(np.float32) / np.float32(1 - p_drop) if training else x32


@pytest.mark.parametrize("answer", [forward_with_loops, forward_other_dice_rule, forward_float32])
def test_forward_accepts_correct_answers_written_differently(answer):
    result = ch08.check_dropout_forward(answer)
    assert result.status == PASSED, result


def _mask(u, p):
    return (u >= p).astype(float)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, p_drop, u, training: x * (u < p_drop) / p_drop if training else x, "p_as_keep_probability"),
    (lambda x, p_drop, u, training: x * (u < p_drop) / (1 - p_drop) if training else x, "p_as_keep_probability"),
    (lambda x, p_drop, u, training: x * _mask(u, p_drop) if training else x, "missing_scale"),
    (lambda x, p_drop, u, training: x * _mask(u, p_drop) * (1 - p_drop) if training else x,
     "multiplied_by_keep_ratio"),
    (lambda x, p_drop, u, training: x * _mask(u, p_drop) / (1 - p_drop), "dropout_left_on_in_eval"),
    (lambda x, p_drop, u, training: x * _mask(u, p_drop) / (1 - p_drop) if training else x * (1 - p_drop),
     "classic_scaling_at_inference"),
])
def test_forward_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch08.check_dropout_forward(wrong), hint)


def test_forward_wrong_kind_and_crash_are_feedback():
    result = ch08.check_dropout_forward(lambda x, p_drop, u, training: list(x))
    assert result.status == FAILED and "a list" in repr(result)
    result = ch08.check_dropout_forward(lambda x, p_drop, u, training: x[0])
    assert result.status == FAILED and "shape (2, 5)" in repr(result)
    result = ch08.check_dropout_forward(lambda x, p_drop, u, training: x @ u)
    assert result.status == FAILED and "ValueError" in repr(result)


def test_forward_stub_is_not_attempted_and_feedback_hides_the_answer():
    def stub(x, p_drop, u, training):
        raise NotImplementedError()
    assert ch08.check_dropout_forward(stub).status == NOT_ATTEMPTED
    result = ch08.check_dropout_forward(lambda x, p_drop, u, training: x * _mask(u, p_drop))
    case = ch08._FORWARD_CASES[0].kwargs
    expected = case["x"] * _mask(case["u"], 0.5) * 2
    assert f"{expected[expected != 0][0]:.3g}" not in result.feedback[-1]


# --- exercise 2 ---------------------------------------------------------------------------------

def fb_uniform_and_where(x, dout, p_drop, rng):
    keep = rng.uniform(0.0, 1.0, size=x.shape) >= p_drop
    scale = 1.0 / (1.0 - p_drop)
    return np.where(keep, x * scale, 0.0), np.where(keep, dout * scale, 0.0)


def fb_float32(x, dout, p_drop, rng):
    mask = ((rng.random(x.shape) >= p_drop) / (1 - p_drop)).astype(np.float32)
    return x.astype(np.float32) * mask, dout.astype(np.float32) * mask


def fb_other_dice_rule(x, dout, p_drop, rng):
    """Keeps when u < 1 - p_drop: the other correct rule, accepted as in exercise 1."""
    keep = rng.random(x.shape) < 1 - p_drop
    return np.where(keep, x / (1 - p_drop), 0.0), np.where(keep, dout / (1 - p_drop), 0.0)


def fb_other_rule_unmasked_backward(x, dout, p_drop, rng):
    keep = rng.random(x.shape) < 1 - p_drop
    return np.where(keep, x / (1 - p_drop), 0.0), dout / (1 - p_drop)


@pytest.mark.parametrize("answer", [fb_uniform_and_where, fb_float32, fb_other_dice_rule])
def test_forward_backward_accepts_correct_answers_written_differently(answer):
    result = ch08.check_dropout_forward_backward(answer)
    assert result.status == PASSED, result


def fb_fresh_mask(x, dout, p_drop, rng):
    out = x * (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return out, dout * (rng.random(x.shape) >= p_drop) / (1 - p_drop)


def fb_unscaled_backward(x, dout, p_drop, rng):
    keep = rng.random(x.shape) >= p_drop
    return x * keep / (1 - p_drop), dout * keep


def fb_unmasked_backward(x, dout, p_drop, rng):
    keep = rng.random(x.shape) >= p_drop
    return x * keep / (1 - p_drop), dout / (1 - p_drop)


def fb_identity_backward(x, dout, p_drop, rng):
    keep = rng.random(x.shape) >= p_drop
    return x * keep / (1 - p_drop), dout


def fb_keep_as_p(x, dout, p_drop, rng):
    keep = (rng.random(x.shape) < p_drop) / p_drop
    return x * keep, dout * keep


@pytest.mark.parametrize("wrong, hint", [
    (fb_fresh_mask, "fresh_mask_in_backward"),
    (fb_unscaled_backward, "backward_missing_scale"),
    (fb_unmasked_backward, "backward_not_masked"),
    (fb_identity_backward, "backward_not_masked"),
    (fb_keep_as_p, "p_as_keep_probability"),
])
def test_forward_backward_mistakes_get_their_hint(wrong, hint):
    result = ch08.check_dropout_forward_backward(wrong)
    _assert_hint(result, hint)


def test_the_other_keep_rule_with_a_wrong_backward_still_fails():
    result = ch08.check_dropout_forward_backward(fb_other_rule_unmasked_backward)
    assert result.status == FAILED and "out is right, dx is not" in repr(result)


def test_forward_backward_says_which_part_is_wrong():
    result = ch08.check_dropout_forward_backward(fb_unscaled_backward)
    assert "out is right, dx is not" in repr(result)
    result = ch08.check_dropout_forward_backward(lambda x, dout, p_drop, rng: x)
    assert result.status == FAILED and "tuple (out, dx)" in repr(result)
    result = ch08.check_dropout_forward_backward(lambda x, dout, p_drop, rng: (x, x[0]))
    assert result.status == FAILED and "dx" in repr(result)


def test_forward_backward_cases_do_not_share_generator_state():
    # Running the check twice must give the same verdict: the cases' generators are never advanced.
    for _ in range(2):
        assert ch08.check_dropout_forward_backward(fb_uniform_and_where).status == PASSED
