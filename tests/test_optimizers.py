"""Optimisers: updates against plain re-implementations, in-place semantics, state, registry."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecture_lib.nn.optimizers import OPTIMIZERS, SGD, Adam, Optimizer, get_optimizer


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


@pytest.mark.parametrize("make", [SGD, Adam])
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


@pytest.mark.parametrize("make", [SGD, Adam])
def test_float32_parameters_stay_float32(make):
    opt = make(eta=0.1)
    w = np.ones(3, dtype=np.float32)
    for _ in range(3):
        opt.step({"w": w}, {"w": np.array([1.0, 2.0, 3.0])})  # float64 gradient
    assert w.dtype == np.float32
    assert all(a.dtype == np.float32 for _, state in opt._state.values()
               for a in state.values() if isinstance(a, np.ndarray))


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
