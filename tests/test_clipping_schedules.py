"""Gradient clipping functions, the L2 penalty and learning-rate schedules, against the formulas."""
import math

import numpy as np
import pytest

from lecture_lib.nn.clipping import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from lecture_lib.nn.optimizers import SGD
from lecture_lib.nn.regularization import l2_penalty
from lecture_lib.nn.schedules import Constant, CosineDecay, ExponentialDecay, InverseTimeDecay, StepDecay


def _grads():
    return [{"W": np.array([[3.0, 0.0]]), "b": np.array([0.0])}, {"W": np.array([[0.0], [4.0]]), "b": np.array([12.0])}]


def test_global_norm_of_a_model_gradient():
    assert global_norm(_grads()) == 13.0  # sqrt(9 + 16 + 144)
    assert global_norm(np.array([3.0, 4.0])) == 5.0
    assert math.isnan(global_norm({"W": np.array([1.0, np.nan])}))


def test_clip_by_global_norm_keeps_the_direction():
    grads = _grads()
    clipped, norm = clip_by_global_norm(grads, 1.0)
    assert norm == 13.0
    np.testing.assert_allclose(clipped[1]["b"], [12 / 13])
    np.testing.assert_allclose(clipped[0]["W"], [[3 / 13, 0.0]])
    assert global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_array_equal(grads[1]["b"], [12.0])  # the caller's arrays untouched
    same, norm = clip_by_global_norm(grads, 20.0)
    np.testing.assert_array_equal(same[1]["b"], [12.0])
    clip_by_global_norm(grads, 6.5, inplace=True)
    np.testing.assert_allclose(grads[1]["b"], [6.0])


def test_per_array_and_per_value_clipping_change_the_direction():
    clipped, norms = clip_by_norm(_grads(), 5.0)
    assert norms == [3.0, 0.0, 4.0, 12.0]
    np.testing.assert_allclose(clipped[1]["b"], [5.0])
    np.testing.assert_allclose(clipped[0]["W"], [[3.0, 0.0]])  # below 5: unchanged
    by_value = clip_by_value(_grads(), 3.5)
    np.testing.assert_allclose(by_value[1]["W"], [[0.0], [3.5]])
    np.testing.assert_allclose(by_value[1]["b"], [3.5])


@pytest.mark.parametrize("fn", [clip_by_global_norm, clip_by_norm, clip_by_value])
@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_non_positive_threshold_is_refused(fn, bad):
    with pytest.raises(ValueError, match=r"must be > 0 \(or None for no clipping\), got"):
        fn(_grads(), bad)


def test_clipping_refuses_non_float_gradients():
    with pytest.raises(TypeError, match="float ndarray"):
        global_norm([{"W": [1, 2]}])
    with pytest.raises(TypeError, match="model.grads"):
        global_norm("grads")


def test_l2_penalty_is_what_coupled_decay_descends():
    rng = np.random.default_rng(0)
    params = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}]
    lam = 0.3
    expected = 0.5 * lam * sum(float(v) ** 2 for v in params[0]["W"].ravel())
    assert l2_penalty(params, lam) == pytest.approx(expected, rel=1e-12)
    assert l2_penalty(params, lam, keys=None) > expected  # biases count too
    # the gradient of the penalty by central differences equals λw, which SGD(weight_decay=λ) adds
    w = params[0]["W"]
    h, numeric = 1e-6, np.zeros_like(w)
    for index in np.ndindex(w.shape):
        old = w[index]
        w[index] = old + h
        up = l2_penalty(params, lam)
        w[index] = old - h
        down = l2_penalty(params, lam)
        w[index] = old
        numeric[index] = (up - down) / (2 * h)
    np.testing.assert_allclose(numeric, lam * w, rtol=1e-6)
    w_decayed = w.copy()
    SGD(eta=1.0, weight_decay=lam).step({"W": w_decayed}, {"W": np.zeros_like(w)})
    np.testing.assert_allclose(w - w_decayed, numeric, rtol=1e-6)


@pytest.mark.parametrize("schedule, expected", [
    (Constant(0.1), [0.1, 0.1, 0.1]),
    (ExponentialDecay(1.0, decay_rate=0.5, decay_steps=2), [1.0, 0.5 ** 0.5, 0.5, 0.5 ** 1.5]),
    (ExponentialDecay(1.0, decay_rate=0.5, decay_steps=2, staircase=True), [1.0, 1.0, 0.5, 0.5, 0.25]),
    (StepDecay(0.8, drop=0.5, every=3), [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]),
    (InverseTimeDecay(1.0, decay_rate=1.0), [1.0, 0.5, 1 / 3, 0.25]),
    (CosineDecay(1.0, decay_steps=4, eta_min=0.2), [1.0, 0.2 + 0.8 * (1 + math.cos(math.pi / 4)) / 2, 0.6,
                                                    0.2 + 0.8 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.2, 0.2]),
])
def test_schedules_follow_their_formulas(schedule, expected):
    np.testing.assert_allclose([schedule(t) for t in range(len(expected))], expected, rtol=1e-12)
    assert type(schedule).__name__ in repr(schedule)


@pytest.mark.parametrize("make, message", [
    (lambda: ExponentialDecay(0.1, decay_rate=1.5), r"decay_rate must lie in \[0, 1\], got 1.5"),
    (lambda: ExponentialDecay(0.1, decay_rate=0), "decay_rate must lie in \\(0, 1\\]"),
    (lambda: StepDecay(-0.1), "eta0 must be > 0, got -0.1"),
    (lambda: StepDecay(0.1, every=0), "every must be an integer >= 1, got 0"),
    (lambda: CosineDecay(0.1, 10, eta_min=0.5), r"eta_min must lie in \[0, eta0\]"),
])
def test_schedule_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_schedule_refuses_a_negative_step():
    with pytest.raises(ValueError, match="step must be an integer >= 0, got -1"):
        Constant(0.1)(-1)


def test_linear_warmup_rises_then_follows_its_schedule_as_keras_cosine_with_warmup():
    from lecture_lib.nn.schedules import LinearWarmup

    inner = CosineDecay(0.5, decay_steps=10, eta_min=0.05)
    schedule = LinearWarmup(inner, warmup_steps=4, eta_start=0.1)
    # Keras 3 CosineDecay(initial_learning_rate=0.1, decay_steps=10, alpha=0.1, warmup_target=0.5, warmup_steps=4),
    # written out: linear 0.1 -> 0.5 over 4 steps, then 0.5 decayed by the cosine with floor alpha * 0.5.
    for t in range(20):
        if t < 4:
            expected = 0.1 + (0.5 - 0.1) * t / 4
        else:
            progress = min(t - 4, 10) / 10
            expected = 0.05 + (0.5 - 0.05) * 0.5 * (1 + math.cos(math.pi * progress))
        assert schedule(t) == pytest.approx(expected)
    assert LinearWarmup(Constant(0.3), 3)(0) == 0.0
    with pytest.raises(TypeError, match="callable"):
        LinearWarmup(0.3, 3)
    with pytest.raises(ValueError, match="warmup_steps"):
        LinearWarmup(Constant(0.3), 0)
