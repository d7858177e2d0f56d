"""Chapter 06 checks: the references equal the engine's optimisers, correct answers written differently pass,
typical mistakes fail with their hint (both-way tests on solutions and stubs: test_checks_both_ways.py)."""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch06
from lecture_lib.nn.optimizers import SGD, Adam, RMSProp


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


def _stub(*args, **kwargs):
    raise NotImplementedError()


# --- the references are the engine's optimisers ---------------------------------------------------

def _gradients(seed, steps, shape=(3, 2)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(steps)]


def test_momentum_reference_equals_the_engine_sgd_over_several_steps():
    w_engine = np.random.default_rng(0).standard_normal((3, 2))
    w_ref, v = w_engine.copy(), np.zeros_like(w_engine)
    engine = SGD(eta=0.05, momentum=0.8)
    for g in _gradients(1, 5):
        engine.step({"w": w_engine}, {"w": g})
        w_ref, v = ch06._momentum(w_ref, v, g, 0.05, 0.8)
        np.testing.assert_allclose(w_ref, w_engine, rtol=1e-12)


def test_rmsprop_reference_equals_the_engine_over_several_steps():
    w_engine = np.random.default_rng(2).standard_normal((3, 2))
    w_ref, s = w_engine.copy(), np.zeros_like(w_engine)
    engine = RMSProp(eta=0.01, rho=0.9, eps=1e-3)
    for g in _gradients(3, 5):
        engine.step({"w": w_engine}, {"w": g})
        w_ref, s = ch06._rmsprop(w_ref, s, g, 0.01, 0.9, 1e-3)
        np.testing.assert_allclose(w_ref, w_engine, rtol=1e-12)


def test_adam_reference_equals_the_engine_over_several_steps():
    w_engine = np.random.default_rng(4).standard_normal((3, 2))
    w_ref, m, s = w_engine.copy(), np.zeros_like(w_engine), np.zeros_like(w_engine)
    engine = Adam(eta=0.01, beta1=0.8, beta2=0.95, eps=1e-3)
    for t, g in enumerate(_gradients(5, 6), start=1):
        engine.step({"w": w_engine}, {"w": g})
        w_ref, m, s = ch06._adam(w_ref, m, s, g, t, 0.01, 0.8, 0.95, 1e-3)
        np.testing.assert_allclose(w_ref, w_engine, rtol=1e-12)


# --- exercise 1: momentum -------------------------------------------------------------------------

def momentum_loop(w, v, grad, eta, mu):
    w_new, v_new = np.empty_like(w), np.empty_like(v)
    for index in np.ndindex(w.shape):
        v_new[index] = mu * v[index] + eta * grad[index]
        w_new[index] = w[index] - v_new[index]
    return w_new, v_new


def momentum_keras_form(w, v, grad, eta, mu):
    """Keras's v' = mu v - eta g kept with the opposite sign: the same numbers."""
    velocity = mu * (-v) - eta * grad
    return w + velocity, -velocity


def momentum_float32(w, v, grad, eta, mu):
    v_new = (np.float32(mu) * v.astype(np.float32) + np.float32(eta) * grad.astype(np.float32))
    return (w.astype(np.float32) - v_new), v_new


@pytest.mark.parametrize("answer", [momentum_loop, momentum_keras_form, momentum_float32,
                                    lambda w, v, grad, eta, mu: [w - (mu * v + eta * grad),
                                                                    mu * v + eta * grad]])
def test_momentum_correct_answers_pass(answer):
    assert ch06.check_momentum_step(answer).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda w, v, grad, eta, mu: (w + mu * v + eta * grad, mu * v + eta * grad), "wrong_sign"),
    (lambda w, v, grad, eta, mu: (w - v, mu * v + eta * grad), "old_velocity"),
    (lambda w, v, grad, eta, mu: (w - mu * v - grad, mu * v + grad), "missing_eta"),
    (lambda w, v, grad, eta, mu: (w - eta * (mu * v + grad), mu * v + grad), "pytorch_form"),
    (lambda w, v, grad, eta, mu: (w - v - mu * eta * grad, v + mu * eta * grad), "mu_on_gradient"),
])
def test_momentum_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch06.check_momentum_step(wrong), hint)


def test_momentum_stub_and_wrong_kinds():
    assert ch06.check_momentum_step(_stub).status == NOT_ATTEMPTED
    result = ch06.check_momentum_step(lambda w, v, grad, eta, mu: w - (mu * v + eta * grad))
    assert result.status == FAILED and "Expected a tuple (w_new, v_new)" in repr(result)
    result = ch06.check_momentum_step(lambda w, v, grad, eta, mu: (w.sum(), v))
    assert result.status == FAILED and "w_new has shape ()" in repr(result)
    result = ch06.check_momentum_step(lambda w, v, grad, eta, mu: (w, "v"))
    assert result.status == FAILED and "v_new is" in repr(result)


def test_momentum_names_the_wrong_part_without_the_answer():
    result = ch06.check_momentum_step(lambda w, v, grad, eta, mu: (w - (mu * v + eta * grad), v))
    assert result.status == FAILED and "Wrong: v_new." in repr(result)
    assert "0.05" not in repr(result)  # v_new[0] of the first case is 0.1 * 0.5 = 0.05: not given away


def test_momentum_crash_is_feedback():
    result = ch06.check_momentum_step(lambda w, v, grad, eta, mu: undefined_name)  # noqa: F821
    assert result.status == FAILED and "NameError" in repr(result)


# --- exercise 2: RMSProp ----------------------------------------------------------------------------

def rmsprop_loop(w, s, grad, eta, rho, eps):
    w_new, s_new = w.copy(), s.copy()
    for index in np.ndindex(w.shape):
        s_new[index] = rho * s[index] + (1 - rho) * grad[index] * grad[index]
        w_new[index] = w[index] - eta * grad[index] / (s_new[index] ** 0.5 + eps)
    return w_new, s_new


def rmsprop_float32(w, s, grad, eta, rho, eps):
    w, s, grad = (a.astype(np.float32) for a in (w, s, grad))
    s_new = np.float32(rho) * s + np.float32(1 - rho) * np.square(grad)
    return w - np.float32(eta) * grad / (np.sqrt(s_new) + np.float32(eps)), s_new


@pytest.mark.parametrize("answer", [rmsprop_loop, rmsprop_float32])
def test_rmsprop_correct_answers_pass(answer):
    assert ch06.check_rmsprop_step(answer).status == PASSED


def _rms(s, grad, rho):
    return rho * s + (1 - rho) * grad ** 2


@pytest.mark.parametrize("wrong, hint", [
    (lambda w, s, grad, eta, rho, eps: (w + eta * grad / (np.sqrt(_rms(s, grad, rho)) + eps), _rms(s, grad, rho)),
     "wrong_sign"),
    (lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt(rho * s + (1 - rho) * grad) + eps),
                                        rho * s + (1 - rho) * grad), "gradient_not_squared"),
    (lambda w, s, grad, eta, rho, eps: (w - eta * grad / np.sqrt(_rms(s, grad, rho) + eps), _rms(s, grad, rho)),
     "eps_inside_root"),
    (lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt(s) + eps), _rms(s, grad, rho)), "old_average"),
    (lambda w, s, grad, eta, rho, eps: (w - eta * grad / (np.sqrt(_rms(s, grad, 1 - rho)) + eps),
                                        _rms(s, grad, 1 - rho)), "swapped_rho"),
])
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")  # g instead of g²: the root of s < 0
def test_rmsprop_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch06.check_rmsprop_step(wrong), hint)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")
def test_rmsprop_nan_answer_is_explained():
    result = ch06.check_rmsprop_step(lambda w, s, grad, eta, rho, eps: (
        w - eta * grad / (np.sqrt(rho * s + (1 - rho) * grad) + eps), rho * s + (1 - rho) * grad))
    assert "NaN or inf" in repr(result) and "square root of a negative number" in repr(result)


def test_rmsprop_stub():
    assert ch06.check_rmsprop_step(_stub).status == NOT_ATTEMPTED


# --- exercise 3: Adam -------------------------------------------------------------------------------

def adam_loop(w, m, s, grad, t, eta, beta1, beta2, eps):
    w_new, m_new, s_new = w.copy(), m.copy(), s.copy()
    for index in np.ndindex(w.shape):
        m_new[index] = beta1 * m[index] + (1 - beta1) * grad[index]
        s_new[index] = beta2 * s[index] + (1 - beta2) * grad[index] ** 2
        m_hat = m_new[index] / (1 - beta1 ** t)
        s_hat = s_new[index] / (1 - beta2 ** t)
        w_new[index] = w[index] - eta * m_hat / (np.sqrt(s_hat) + eps)
    return w_new, m_new, s_new


def adam_counter_from_zero(w, m, s, grad, t, eta, beta1, beta2, eps):
    """A learner whose counter starts at 0 and is increased first: correct."""
    step = t - 1
    step += 1
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad * grad
    return w - eta * (m / (1 - beta1 ** step)) / (np.sqrt(s / (1 - beta2 ** step)) + eps), m, s


def adam_float32(w, m, s, grad, t, eta, beta1, beta2, eps):
    w, m, s, grad = (a.astype(np.float32) for a in (w, m, s, grad))
    m = np.float32(beta1) * m + np.float32(1 - beta1) * grad
    s = np.float32(beta2) * s + np.float32(1 - beta2) * grad ** 2
    m_hat, s_hat = m / np.float32(1 - beta1 ** t), s / np.float32(1 - beta2 ** t)
    return w - np.float32(eta) * m_hat / (np.sqrt(s_hat) + np.float32(eps)), m, s


@pytest.mark.parametrize("answer", [adam_loop, adam_counter_from_zero, adam_float32])
def test_adam_correct_answers_pass(answer):
    assert ch06.check_adam_step(answer).status == PASSED


def _adam_variant(**wrong):
    def variant(w, m, s, grad, t, eta, beta1, beta2, eps):
        shift = wrong.get("t_shift", 0)
        m = beta1 * m + (1 - beta1) * grad
        s = beta2 * s + (1 - beta2) * (grad if wrong.get("plain_g") else grad * grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            m_hat = m if wrong.get("no_correction") else m / (1 - beta1 ** (t + shift))
            s_hat = s if wrong.get("no_correction") else s / (1 - beta2 ** (t + shift))
            root = np.sqrt(s_hat + eps) if wrong.get("eps_inside") else np.sqrt(s_hat) + eps
            return w + wrong.get("sign", -1) * eta * m_hat / root, m, s
    return variant


@pytest.mark.parametrize("wrong, hint", [
    (_adam_variant(sign=+1), "wrong_sign"),
    (_adam_variant(no_correction=True), "missing_bias_correction"),
    (_adam_variant(plain_g=True), "gradient_not_squared"),
    (_adam_variant(eps_inside=True), "eps_inside_root"),
    (_adam_variant(t_shift=-1), "t_starts_at_zero"),
    (_adam_variant(t_shift=1), "t_one_too_large"),
])
def test_adam_mistakes_get_their_hint(wrong, hint):
    _assert_hint(ch06.check_adam_step(wrong), hint)


def test_adam_returning_the_corrected_state_gets_its_hint():
    def corrected_state(w, m, s, grad, t, eta, beta1, beta2, eps):
        w_new, m_new, s_new = adam_loop(w, m, s, grad, t, eta, beta1, beta2, eps)
        return w_new, m_new / (1 - beta1 ** t), s_new / (1 - beta2 ** t)
    result = ch06.check_adam_step(corrected_state)
    assert result.status == FAILED and "Wrong: m_new, s_new." in repr(result)
    _assert_hint(result, "corrected_state")


def adam_tensorflow_form(w, m, s, grad, t, eta, beta1, beta2, eps):
    """Keras/TensorFlow: alpha = eta sqrt(1 - beta2^t)/(1 - beta1^t), eps added to the uncorrected root."""
    m = m + (grad - m) * (1 - beta1)
    s = s + (grad * grad - s) * (1 - beta2)
    alpha = eta * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return w - alpha * m / (np.sqrt(s) + eps), m, s


def adam_corrects_m_only(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    return w - eta * (m / (1 - beta1 ** t)) / (np.sqrt(s) + eps), m, s


def adam_power_of_complement(w, m, s, grad, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    m_hat, s_hat = m / (1 - (1 - beta1) ** t), s / (1 - (1 - beta2) ** t)
    return w - eta * m_hat / (np.sqrt(s_hat) + eps), m, s


@pytest.mark.parametrize("wrong, hint", [(adam_tensorflow_form, "tensorflow_form"),
                                         (adam_corrects_m_only, "corrected_m_only"),
                                         (adam_power_of_complement, "power_of_complement")])
def test_adam_mistakes_the_checks_used_to_miss_get_their_hint(wrong, hint):
    _assert_hint(ch06.check_adam_step(wrong), hint)


@pytest.mark.parametrize("hint", ["tensorflow_form", "corrected_m_only", "power_of_complement", "corrected_state"])
@pytest.mark.parametrize("answer", [adam_loop, adam_counter_from_zero, adam_float32])
def test_adam_new_hints_are_not_given_to_right_answers(answer, hint):
    result = ch06.check_adam_step(answer)
    assert result.status == PASSED and hint not in result.hints


def test_the_tensorflow_form_equals_keras_adam_in_the_engine():
    """The hint's variant is the engine's Adam.like('keras') (ε added to the uncorrected root)."""
    w = np.random.default_rng(3).standard_normal(4)
    engine, ref = w.copy(), w.copy()
    opt = Adam.like("keras", eta=0.1, beta1=0.8, beta2=0.9, eps=0.05)
    m, s = np.zeros(4), np.zeros(4)
    for t, g in enumerate(_gradients(4, 3, shape=(4,)), start=1):
        opt.step({"w": engine}, {"w": g})
        ref, m, s = adam_tensorflow_form(ref, m, s, g, t, 0.1, 0.8, 0.9, 0.05)
        np.testing.assert_allclose(ref, engine, rtol=1e-12)


def test_adam_stub():
    assert ch06.check_adam_step(_stub).status == NOT_ATTEMPTED
