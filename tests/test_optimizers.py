"""Optimisers: updates against plain re-implementations, in-place semantics, state, registry."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import copy

from lecture_lib.nn.optimizers import (
    LBFGS, OPTIMIZERS, SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp, get_optimizer,
)
from lecture_lib.nn.schedules import StepDecay

FIRST_ORDER = [SGD, lambda eta: SGD(eta=eta, momentum=0.9), lambda eta: SGD(eta=eta, momentum=0.5, nesterov=True),
               AdaGrad, RMSProp, lambda eta: RMSProp(eta=eta, centered=True), Adam, AdamW,
               lambda eta: SGD(eta=eta, momentum=0.9, weight_decay=0.1, global_clipnorm=1.0, clipvalue=0.5)]
FIRST_ORDER_IDS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_centred", "adam", "adamw",
                   "decay_and_clipping"]


def reference_adam(w, gradients, eta, beta1=0.9, beta2=0.999, eps=1e-7):
    """Kingma & Ba, Algorithm 1, written out plainly."""
    m = v = 0.0
    for t, g in enumerate(gradients, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        w = w - eta * m_hat / (np.sqrt(v_hat) + eps)
    return w


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 6), eta=st.floats(1e-4, 1.0))
def test_adam_matches_algorithm_1(seed, steps, eta):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=(3, 2))
    gradients = [rng.normal(size=(3, 2)) for _ in range(steps)]
    w = w0.copy()
    opt = Adam(eta=eta)
    for g in gradients:
        opt.step({"W": w}, {"W": g})
    np.testing.assert_allclose(w, reference_adam(w0, gradients, eta), rtol=1e-12, atol=1e-15)


def test_adam_bias_correction_makes_first_step_eta_sized():
    # without correction the first step would be eta * 0.1 / sqrt(0.001) ~ 3.2 eta
    w = np.zeros(4)
    Adam(eta=0.01).step({"w": w}, {"w": np.array([5.0, -0.3, 1e-3, -70.0])})
    np.testing.assert_allclose(np.abs(w), 0.01, rtol=1e-3)
    assert np.all(np.sign(w) == [-1, 1, -1, 1])


def test_sgd_step():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    gw, gb = rng.normal(size=(2, 3)), rng.normal(size=3)
    expected_w, expected_b = w - 0.1 * gw, b - 0.1 * gb
    SGD(eta=0.1).step([{"W": w, "b": b}], [{"W": gw, "b": gb}])
    np.testing.assert_allclose(w, expected_w)
    np.testing.assert_allclose(b, expected_b)


@pytest.mark.parametrize("make", FIRST_ORDER, ids=FIRST_ORDER_IDS)
def test_updates_in_place_and_leaves_grads_alone(make):
    opt = make(eta=0.1)
    w = np.ones((2, 2))
    g = np.full((2, 2), 0.5)
    g_before = g.copy()
    same_object = w
    opt.step([{"W": w}], [{"W": g}])
    assert same_object is w and not np.allclose(w, 1.0)
    np.testing.assert_array_equal(g, g_before)


def test_state_is_kept_per_parameter():
    rng = np.random.default_rng(1)
    a0, b0 = rng.normal(size=3), rng.normal(size=5)
    grads_a = [rng.normal(size=3) for _ in range(4)]
    grads_b = [rng.normal(size=5) * 100 for _ in range(4)]
    a, b = a0.copy(), b0.copy()
    opt = Adam(eta=0.05)
    for ga, gb in zip(grads_a, grads_b):
        opt.step([{"W": a}, {"W": b}], [{"W": ga}, {"W": gb}])
    np.testing.assert_allclose(a, reference_adam(a0, grads_a, 0.05), rtol=1e-12)
    np.testing.assert_allclose(b, reference_adam(b0, grads_b, 0.05), rtol=1e-12)


def test_reset_forgets_the_moments():
    w1, w2 = np.zeros(2), np.zeros(2)
    opt = Adam(eta=0.1)
    opt.step({"w": w1}, {"w": np.array([1.0, 1.0])})
    opt.reset()
    opt.step({"w": w1}, {"w": np.array([-1.0, -1.0])})
    Adam(eta=0.1).step({"w": w2}, {"w": np.array([-1.0, -1.0])})
    np.testing.assert_allclose(w1, [-0.1 + 0.1] * 2, atol=1e-6)  # two fresh first steps cancel
    np.testing.assert_allclose(w2, [0.1, 0.1], rtol=1e-5)


@pytest.mark.parametrize("make", FIRST_ORDER, ids=FIRST_ORDER_IDS)
def test_float32_parameters_stay_float32(make):
    opt = make(eta=0.1)
    w = np.ones(3, dtype=np.float32)
    for _ in range(3):
        opt.step({"w": w}, {"w": np.array([1.0, 2.0, 3.0])})  # float64 gradient
    assert w.dtype == np.float32 and np.all(np.isfinite(w)) and not np.allclose(w, 1.0)
    assert all(a.dtype == np.float32 for _, state in opt._state.values()
               for a in state.values() if isinstance(a, np.ndarray))
    assert all(entry[1].dtype == np.float32 for entry in opt._gradient_buffers.values())


@pytest.mark.parametrize("make", [SGD, Adam])
def test_minimises_a_quadratic(make):
    opt = make(eta=0.1)
    c = np.array([3.0, -2.0])
    w = np.zeros(2)
    for _ in range(500):
        opt.step({"w": w}, {"w": 2 * (w - c)})  # E = |w - c|^2
    np.testing.assert_allclose(w, c, atol=1e-2)


def test_structure_mismatch_errors():
    w = np.zeros((2, 2))
    with pytest.raises(ValueError, match="keys"):
        SGD().step([{"W": w}], [{"b": w}])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 2\)"):
        SGD().step([{"W": w}], [{"W": np.zeros(3)}])
    with pytest.raises(ValueError, match="2 dict"):
        SGD().step([{"W": w}, {"W": w}], [{"W": w}])
    with pytest.raises(TypeError, match="in place"):
        SGD().step({"W": [1.0, 2.0]}, {"W": [1.0, 2.0]})


def test_hyperparameters_are_validated():
    with pytest.raises(ValueError, match="eta"):
        SGD(eta=0)
    with pytest.raises(ValueError, match="beta1"):
        Adam(beta1=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam(beta2=1.5)


def test_get_optimizer():
    for name, cls in [("sgd", SGD), ("adagrad", AdaGrad), ("RMSprop", RMSProp), ("adam", Adam), ("adamw", AdamW),
                      ("lbfgs", LBFGS)]:
        assert type(get_optimizer(name)) is cls
    assert isinstance(get_optimizer(RMSProp), RMSProp)
    assert isinstance(get_optimizer("sgd"), SGD)
    assert isinstance(get_optimizer("Adam"), Adam)
    assert get_optimizer("adam").eta == 0.001
    opt = Adam(eta=0.5)
    assert get_optimizer(opt) is opt
    assert get_optimizer("adam") is not get_optimizer("adam")  # fresh state per model


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        get_optimizer("adma")
    assert "'adma'" in str(info.value)
    for name in OPTIMIZERS:
        assert repr(name) in str(info.value)


def test_registry_accepts_new_optimizers(monkeypatch):
    class Halving(Optimizer):  # what chapter 06 will do for momentum, RMSProp, ...
        def _update(self, p, g, state):
            p *= 0.5

    monkeypatch.setitem(OPTIMIZERS, "halving", Halving)
    w = np.array([4.0])
    get_optimizer("halving").step({"w": w}, {"w": np.zeros(1)})
    assert w[0] == 2.0


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(eta=-0.1), r"eta .*must be > 0, got -0\.1"),
    (lambda: SGD(momentum=1.0), r"momentum must lie in \[0, 1\).*got 1\.0"),
    (lambda: SGD(momentum=-0.5), r"momentum must lie in \[0, 1\), got -0\.5"),
    (lambda: SGD(nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda: SGD(momentum=0.9, momentum_form="keras"), r"Unknown momentum_form 'keras'; valid names are: 'step', 'gradient'"),
    (lambda: Adam(beta1=1.2), r"beta1 must lie in \[0, 1\), got 1\.2"),
    (lambda: Adam(beta2=-0.1), r"beta2 must lie in \[0, 1\), got -0\.1"),
    (lambda: Adam(eps=0), r"eps must be > 0, got 0\.0"),
    (lambda: Adam(eps_placement="inside"), "Unknown eps_placement 'inside'; valid names are: 'corrected', 'uncorrected'"),
    (lambda: RMSProp(rho=1.0), r"rho must lie in \[0, 1\)"),
    (lambda: AdaGrad(initial_accumulator=-1), r"initial_accumulator must be >= 0, got -1\.0"),
    (lambda: AdamW(weight_decay=-0.01), r"weight_decay must be >= 0, got -0\.01"),
    (lambda: SGD(weight_decay=-1), r"weight_decay must be >= 0, got -1"),
    (lambda: SGD(global_clipnorm=0), r"global_clipnorm must be > 0 \(or None for no clipping\), got 0"),
    (lambda: Adam(clipnorm=0), r"clipnorm must be > 0 \(or None for no clipping\), got 0"),
    (lambda: Adam(clipvalue=-1), r"clipvalue must be > 0 \(or None for no clipping\), got -1"),
    (lambda: LBFGS(c1=0.9, c2=0.1), r"0 < c1 < c2 < 1, got c1=0\.9, c2=0\.1"),
    (lambda: LBFGS(history=0), r"history must be an integer >= 1, got 0"),
])
def test_bad_hyperparameters_name_the_value_and_the_valid_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_settings_assigned_later_are_checked_too():
    opt = SGD()
    with pytest.raises(ValueError, match="eta"):
        opt.eta = 0
    with pytest.raises(ValueError, match="global_clipnorm"):
        opt.global_clipnorm = 0.0
    opt.eta = 0.5
    assert opt.learning_rate == 0.5


def test_global_clipnorm_rescales_all_arrays_by_one_factor_and_leaves_grads_alone():
    a, b = np.zeros(2), np.zeros(1)
    ga, gb = np.array([3.0, 0.0]), np.array([4.0])  # global norm 5
    SGD(eta=1.0, global_clipnorm=1.0).step([{"W": a}, {"W": b}], [{"W": ga}, {"W": gb}])
    np.testing.assert_allclose(a, [-0.6, 0.0])
    np.testing.assert_allclose(b, [-0.8])
    np.testing.assert_array_equal(ga, [3.0, 0.0])


def test_clipnorm_is_per_array_and_clipvalue_per_element():
    a, b = np.zeros(2), np.zeros(1)
    ga, gb = np.array([3.0, 0.0]), np.array([4.0])
    SGD(eta=1.0, clipnorm=1.0).step([{"W": a}, {"W": b}], [{"W": ga}, {"W": gb}])
    np.testing.assert_allclose(a, [-1.0, 0.0])
    np.testing.assert_allclose(b, [-1.0])
    c = np.zeros(3)
    SGD(eta=1.0, clipvalue=0.5).step({"W": c}, {"W": np.array([3.0, -0.2, -9.0])})
    np.testing.assert_allclose(c, [-0.5, 0.2, 0.5])


def test_clipping_below_the_threshold_changes_nothing():
    w1, w2 = np.ones(3), np.ones(3)
    g = np.array([0.1, -0.2, 0.3])
    Adam(eta=0.1).step({"W": w1}, {"W": g})
    Adam(eta=0.1, global_clipnorm=10.0, clipvalue=10.0).step({"W": w2}, {"W": g})
    np.testing.assert_array_equal(w1, w2)


def test_a_schedule_is_evaluated_once_per_step_at_the_step_count():
    opt = SGD(eta=StepDecay(1.0, drop=0.5, every=2))
    w = np.zeros(1)
    seen = []
    for _ in range(5):
        opt.step({"W": w}, {"W": np.ones(1)})
        seen.append(opt.learning_rate)
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]
    np.testing.assert_allclose(w, [-3.25])
    assert opt.iterations == 5
    opt.reset()
    assert opt.iterations == 0 and opt.learning_rate == 1.0


def test_a_schedule_returning_a_negative_rate_is_refused():
    opt = SGD(eta=lambda t: 0.1 - t)
    opt.step({"W": np.zeros(1)}, {"W": np.ones(1)})
    with pytest.raises(ValueError, match="negative learning rate -0.9 at step 1"):
        opt.step({"W": np.zeros(1)}, {"W": np.ones(1)})


def test_deepcopy_carries_the_state_over_to_the_copied_arrays():
    w = np.ones(3)
    opt = Adam(eta=0.1)
    for g in ([1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]):
        opt.step({"W": w}, {"W": np.array(g)})
    w_copy, opt_copy = copy.deepcopy((w, opt))
    g = np.array([0.3, 0.3, 0.3])
    opt.step({"W": w}, {"W": g})
    opt_copy.step({"W": w_copy}, {"W": g})
    np.testing.assert_array_equal(w, w_copy)  # t = 3 in both, same moments
    assert opt._state[id(w)][1]["t"] == 3 and opt_copy._state[id(w_copy)][1]["t"] == 3


def test_lbfgs_refuses_a_plain_step():
    with pytest.raises(TypeError, match="closure"):
        LBFGS().step({"W": np.zeros(1)}, {"W": np.zeros(1)})
    with pytest.raises(TypeError, match="needs the loss as a function"):
        LBFGS()._apply([(np.zeros(1), np.zeros(1))])
