"""Every optimiser's steps against the paper's algorithm, written out in the test with loops over scalars.

The references below are deliberately written differently from the
engine (one weight at a time, plain floats, the formulas as printed in
the papers and the frameworks' documentation), on several steps with
gradients that change from step to step.
"""
import math

import numpy as np
import pytest

from lecture_lib.nn.optimizers import SGD, AdaGrad, Adam, AdamW, RMSProp
from lecture_lib.nn.schedules import ExponentialDecay

STEPS = 7


def _run_engine(opt, w0, gradients):
    w = w0.copy()
    for g in gradients:
        opt.step({"W": w}, {"W": g})
    return w


def _per_weight(reference, w0, gradients, **settings):
    """Apply a scalar reference to every weight on its own."""
    out = np.empty_like(w0)
    for index in np.ndindex(w0.shape):
        out[index] = reference(float(w0[index]), [float(g[index]) for g in gradients], **settings)
    return out


def _problem(seed, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=shape)
    # gradients of changing size and sign, some tiny (where ε matters)
    gradients = [rng.normal(size=shape) * rng.choice([1e-6, 0.01, 1.0, 30.0], size=shape) for _ in range(STEPS)]
    return w0, gradients


# --- references ----------------------------------------------------------------------------------

def ref_momentum_keras(w, grads, eta, mu, nesterov):
    """Keras SGD: velocity = momentum * velocity - lr * g; w = w + velocity (nesterov: w + momentum * velocity - lr * g)."""
    velocity = 0.0
    for g in grads:
        velocity = mu * velocity - eta * g
        w = w + mu * velocity - eta * g if nesterov else w + velocity
    return w


def ref_momentum_pytorch(w, grads, eta, mu, nesterov):
    """PyTorch SGD (dampening 0): buf = g at the first step, then buf = mu * buf + g; d = g + mu * buf if nesterov."""
    buf = None
    for g in grads:
        buf = g if buf is None else mu * buf + g
        d = g + mu * buf if nesterov else buf
        w = w - eta * d
    return w


def ref_sutskever_nesterov(w, grads_at, eta, mu, steps):
    """Sutskever et al. 2013, eq. (3)-(4): v = mu v - eta grad(w + mu v); w = w + v. grads_at(point) gives the gradient."""
    v = 0.0
    for _ in range(steps):
        v = mu * v - eta * grads_at(w + mu * v)
        w = w + v
    return w


def ref_adagrad(w, grads, eta, s0, eps, inside):
    total = s0
    for g in grads:
        total = total + g * g
        w = w - eta * g / (math.sqrt(total + eps) if inside else math.sqrt(total) + eps)
    return w


def ref_rmsprop(w, grads, eta, rho, eps, centered, inside):
    mean_square = mean = 0.0
    for g in grads:
        mean_square = rho * mean_square + (1 - rho) * g * g
        mean = rho * mean + (1 - rho) * g
        denominator = mean_square - mean * mean if centered else mean_square
        w = w - eta * g / (math.sqrt(denominator + eps) if inside else math.sqrt(denominator) + eps)
    return w


def ref_adam(w, grads, eta, beta1, beta2, eps, keras_eps, decay=0.0, decoupled=False):
    """Kingma & Ba Algorithm 1; keras_eps: the formula before section 2.1 with epsilon-hat (Keras's update)."""
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        if decoupled:
            w = w - eta * decay * w          # PyTorch AdamW: p.mul_(1 - lr * weight_decay) first
        else:
            g = g + decay * w                # PyTorch Adam(weight_decay): grad = grad + wd * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        if keras_eps:
            alpha_t = eta * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            w = w - alpha_t * m / (math.sqrt(v) + eps)
        else:
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            w = w - eta * m_hat / (math.sqrt(v_hat) + eps)
    return w


# --- tests ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_momentum_step_form_is_keras_sgd(seed, nesterov):
    w0, grads = _problem(seed)
    got = _run_engine(SGD(eta=0.05, momentum=0.9, nesterov=nesterov), w0, grads)
    np.testing.assert_allclose(got, _per_weight(ref_momentum_keras, w0, grads, eta=0.05, mu=0.9, nesterov=nesterov),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_gradient_form_is_pytorch_sgd(nesterov):
    w0, grads = _problem(2)
    got = _run_engine(SGD(eta=0.05, momentum=0.8, nesterov=nesterov, momentum_form="gradient"), w0, grads)
    np.testing.assert_allclose(got, _per_weight(ref_momentum_pytorch, w0, grads, eta=0.05, mu=0.8,
                                                nesterov=nesterov), rtol=1e-12, atol=1e-12)


def test_the_two_momentum_forms_differ_only_when_eta_changes():
    w0, grads = _problem(3)
    step = _run_engine(SGD(eta=0.05, momentum=0.9), w0, grads)
    gradient = _run_engine(SGD(eta=0.05, momentum=0.9, momentum_form="gradient"), w0, grads)
    np.testing.assert_allclose(step, gradient, rtol=1e-12, atol=1e-12)
    halving = lambda t: 0.1 * 0.5 ** t  # noqa: E731
    step = _run_engine(SGD(eta=halving, momentum=0.9), w0, grads)
    gradient = _run_engine(SGD(eta=halving, momentum=0.9, momentum_form="gradient"), w0, grads)
    assert np.max(np.abs(step - gradient)) > 1e-3


def test_nesterov_equals_sutskevers_look_ahead_on_a_quadratic():
    """On E(w) = a w²/2 the rewritten Nesterov update follows v = μv − η∇E(w + μv), w = w + v exactly.

    (Sutskever's w is the look-ahead point of the rewritten form's w, shifted by μv: compare the
    rewritten w with w_sutskever + μ v.)
    """
    a, eta, mu, w0 = 3.0, 0.05, 0.9, 2.0
    w = np.array([w0])
    opt = SGD(eta=eta, momentum=mu, nesterov=True)
    for steps in range(1, 8):
        opt.step({"w": w}, {"w": a * w})
        v = 0.0
        u = w0
        for _ in range(steps):
            v = mu * v - eta * a * (u + mu * v)
            u = u + v
        np.testing.assert_allclose(w[0], u + mu * v, rtol=1e-12)


@pytest.mark.parametrize("inside", [False, True])
@pytest.mark.parametrize("s0", [0.0, 0.1])
def test_adagrad_matches_duchi_et_al(s0, inside):
    w0, grads = _problem(4)
    opt = AdaGrad(eta=0.3, initial_accumulator=s0, eps=1e-7, eps_placement="inside" if inside else "outside")
    np.testing.assert_allclose(_run_engine(opt, w0, grads),
                               _per_weight(ref_adagrad, w0, grads, eta=0.3, s0=s0, eps=1e-7, inside=inside),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("inside", [False, True])
def test_rmsprop_matches_hinton_and_graves(centered, inside):
    w0, grads = _problem(5)
    opt = RMSProp(eta=0.01, rho=0.8, eps=1e-6, centered=centered, eps_placement="inside" if inside else "outside")
    np.testing.assert_allclose(_run_engine(opt, w0, grads),
                               _per_weight(ref_rmsprop, w0, grads, eta=0.01, rho=0.8, eps=1e-6, centered=centered,
                                           inside=inside), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("keras_eps", [False, True])
def test_adam_matches_algorithm_1_and_the_keras_form(keras_eps):
    w0, grads = _problem(6)
    opt = Adam(eta=0.02, beta1=0.8, beta2=0.99, eps=1e-3, eps_placement="uncorrected" if keras_eps else "corrected")
    np.testing.assert_allclose(_run_engine(opt, w0, grads),
                               _per_weight(ref_adam, w0, grads, eta=0.02, beta1=0.8, beta2=0.99, eps=1e-3,
                                           keras_eps=keras_eps), rtol=1e-12, atol=1e-12)


def test_the_two_adam_eps_placements_differ_where_gradients_are_tiny():
    w0 = np.zeros(2)
    grads = [np.array([1e-6, 1.0])] * 3
    paper = _run_engine(Adam(eta=0.1), w0, grads)
    keras = _run_engine(Adam(eta=0.1, eps_placement="uncorrected"), w0, grads)
    assert abs(paper[0] - keras[0]) > 0.1 * abs(paper[0])      # ε matters against √v̂ ~ 1e-6
    np.testing.assert_allclose(paper[1], keras[1], rtol=1e-5)  # and not against √v̂ ~ 1


def test_adam_coupled_weight_decay_is_pytorch_adam():
    w0, grads = _problem(7)
    opt = Adam(eta=0.01, eps=1e-8, weight_decay=0.1)
    np.testing.assert_allclose(_run_engine(opt, w0, grads),
                               _per_weight(ref_adam, w0, grads, eta=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                                           keras_eps=False, decay=0.1), rtol=1e-12, atol=1e-12)


def test_adamw_is_loshchilov_hutter_as_pytorch_writes_it():
    w0, grads = _problem(8)
    opt = AdamW(eta=0.01, eps=1e-8, weight_decay=0.05)
    np.testing.assert_allclose(_run_engine(opt, w0, grads),
                               _per_weight(ref_adam, w0, grads, eta=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                                           keras_eps=False, decay=0.05, decoupled=True), rtol=1e-12, atol=1e-12)


def test_coupled_decay_in_sgd_is_the_gradient_of_half_lambda_w_squared():
    w0, grads = _problem(9)
    lam, eta = 0.2, 0.1
    expected = w0.copy()
    for g in grads:
        expected = expected - eta * (g + lam * expected)
    np.testing.assert_allclose(_run_engine(SGD(eta=eta, weight_decay=lam), w0, grads), expected, rtol=1e-12)


def test_decoupled_decay_differs_from_coupled_for_adaptive_optimisers():
    w0, grads = _problem(10)
    coupled = _run_engine(Adam(eta=0.01, weight_decay=0.5), w0, grads)
    decoupled = _run_engine(Adam(eta=0.01, weight_decay=0.5, decoupled_decay=True), w0, grads)
    assert np.max(np.abs(coupled - decoupled)) > 1e-3


@pytest.mark.parametrize("framework, expected", [
    ("keras", dict(eta=0.001, initial_accumulator=0.1, eps=1e-7, eps_placement="inside")),
    ("pytorch", dict(eta=0.01, initial_accumulator=0.0, eps=1e-10, eps_placement="outside")),
])
def test_adagrad_like_a_framework(framework, expected):
    opt = AdaGrad.like(framework)
    assert {k: getattr(opt, k) for k in expected} == expected


def test_like_sets_each_frameworks_conventions():
    assert Adam.like("keras").eps_placement == "uncorrected" and Adam.like("keras").eps == 1e-7
    assert Adam.like("pytorch").eps == 1e-8 and Adam.like("pytorch").eps_placement == "corrected"
    assert AdamW.like("pytorch").weight_decay == 0.01 and AdamW.like("keras").weight_decay == 0.004
    assert RMSProp.like("pytorch").rho == 0.99 and RMSProp.like("keras").eps_placement == "inside"
    assert SGD.like("pytorch", eta=0.1, momentum=0.9).momentum_form == "gradient"
    assert Adam.like("pytorch", eta=0.5).eta == 0.5
    with pytest.raises(ValueError, match="'jax'"):
        Adam.like("jax")


@pytest.mark.parametrize("make", [
    lambda: SGD(eta=0.1), lambda: SGD(eta=0.05, momentum=0.9), lambda: SGD(eta=0.05, momentum=0.9, nesterov=True),
    lambda: AdaGrad(eta=0.5),
    # RMSProp's steps stay ~η near the minimum (no bias-corrected momentum to cancel them): a decaying η
    lambda: RMSProp(eta=ExponentialDecay(0.01, 0.5, 400)),
    lambda: RMSProp(eta=ExponentialDecay(0.01, 0.5, 400), centered=True),
    lambda: Adam(eta=0.05), lambda: AdamW(eta=0.05, weight_decay=1e-4),
], ids=["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_centred", "adam", "adamw"])
def test_converges_on_an_ill_conditioned_quadratic(make):
    """E(w) = ½ (w - c)ᵀ A (w - c), condition number 10: every optimiser reaches c."""
    a = np.array([[2.0, 0.6], [0.6, 0.4]])
    c = np.array([1.5, -2.0])
    w = np.zeros(2)
    opt = make()
    for _ in range(3000):
        opt.step({"w": w}, {"w": a @ (w - c)})
    tol = 2e-2 if isinstance(opt, AdamW) else 1e-3  # AdamW's decay pulls its fixed point towards 0
    np.testing.assert_allclose(w, c, atol=tol)


# --- Keras 3's weight_decay: decoupled for every optimiser, written out from its source --------------

def _keras_reference(kind, w, grad_of, steps, eta, lam):
    """Keras 3 (``BaseOptimizer.apply``): clip, then ``_apply_weight_decay`` w <- w - w·λ·η, then the update.

    One weight at a time, plain floats; ``grad_of(w, t)`` is the gradient at
    the weights before the step, as a training loop computes it before
    calling ``apply``.
    """
    velocity = m = v = 0.0
    accumulator = 0.1  # Keras Adagrad's initial_accumulator_value
    for t in range(1, steps + 1):
        g = grad_of(w, t)
        w = w - w * lam * eta
        if kind == "sgd":            # keras.optimizers.SGD(momentum=0.9)
            velocity = 0.9 * velocity - eta * g
            w = w + velocity
        elif kind == "adagrad":      # keras.optimizers.Adagrad: epsilon inside the root
            accumulator = accumulator + g * g
            w = w - eta * g / math.sqrt(accumulator + 1e-7)
        elif kind == "rmsprop":      # keras.optimizers.RMSprop(rho=0.9): epsilon inside the root
            v = 0.9 * v + 0.1 * g * g
            w = w - eta * g / math.sqrt(v + 1e-7)
        else:                        # keras.optimizers.Adam / AdamW: alpha = lr √(1-β2^t)/(1-β1^t)
            alpha = eta * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            m = m + (g - m) * (1 - 0.9)
            v = v + (g * g - v) * (1 - 0.999)
            w = w - alpha * m / (math.sqrt(v) + 1e-7)
    return w


_KERAS_KINDS = {
    "sgd": lambda lam: SGD.like("keras", eta=0.05, momentum=0.9, weight_decay=lam),
    "adagrad": lambda lam: AdaGrad.like("keras", eta=0.05, weight_decay=lam),
    "rmsprop": lambda lam: RMSProp.like("keras", eta=0.01, weight_decay=lam),
    "adam": lambda lam: Adam.like("keras", eta=0.02, weight_decay=lam),
    "adamw": lambda lam: AdamW.like("keras", eta=0.02, weight_decay=lam),
}


@pytest.mark.parametrize("kind", sorted(_KERAS_KINDS))
def test_like_keras_weight_decay_is_decoupled_as_keras_3_does_it(kind):
    steps, lam = 25, 0.3
    rng = np.random.default_rng(11)
    w0 = rng.normal(size=(2, 3)) * 2
    curvature = rng.uniform(0.1, 3.0, size=w0.shape)
    noise = rng.normal(size=(steps,) + w0.shape)
    eta = {"sgd": 0.05, "adagrad": 0.05, "rmsprop": 0.01, "adam": 0.02, "adamw": 0.02}[kind]

    opt = _KERAS_KINDS[kind](lam)
    w = w0.copy()
    for t in range(1, steps + 1):
        opt.step({"W": w}, {"W": curvature * (w - 1.0) + noise[t - 1]})
    expected = np.empty_like(w0)
    for index in np.ndindex(w0.shape):
        expected[index] = _keras_reference(kind, float(w0[index]),
                                           lambda x, t: curvature[index] * (x - 1.0) + noise[t - 1][index],
                                           steps, eta, lam)
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-12)
    # ... and the coupled form (PyTorch's) lands elsewhere: the test can tell them apart.
    coupled = _KERAS_KINDS[kind](lam)
    if kind != "adamw":
        coupled.decoupled_decay = False
        w_coupled = w0.copy()
        for t in range(1, steps + 1):
            coupled.step({"W": w_coupled}, {"W": curvature * (w_coupled - 1.0) + noise[t - 1]})
        assert np.max(np.abs(w_coupled - expected)) > 1e-3


def test_like_pytorch_weight_decay_stays_coupled_and_an_explicit_choice_wins():
    assert not SGD.like("pytorch", weight_decay=0.1).decoupled_decay
    assert not Adam.like("pytorch", weight_decay=0.1).decoupled_decay
    assert SGD.like("keras", weight_decay=0.1).decoupled_decay
    assert not RMSProp.like("keras", weight_decay=0.1, decoupled_decay=False).decoupled_decay
