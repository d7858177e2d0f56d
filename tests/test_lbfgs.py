"""L-BFGS and its line search: against SciPy's L-BFGS-B, the Wolfe conditions, the closure interface."""
import numpy as np
import pytest

scipy_optimize = pytest.importorskip("scipy.optimize")

from lecture_lib.nn.layers import Dense  # noqa: E402
from lecture_lib.nn.model import Sequential  # noqa: E402
from lecture_lib.nn.optimizers import LBFGS  # noqa: E402
from lecture_lib.nn.optimizers.line_search import strong_wolfe  # noqa: E402


def rosenbrock(w):
    """E = Σ 100 (w_{i+1} - w_i²)² + (1 - w_i)², and its gradient, written out."""
    x, y = w[:-1], w[1:]
    value = float(np.sum(100 * (y - x**2) ** 2 + (1 - x) ** 2))
    grad = np.zeros_like(w)
    grad[:-1] += -400 * x * (y - x**2) - 2 * (1 - x)
    grad[1:] += 200 * (y - x**2)
    return value, grad


@pytest.mark.parametrize("w0", [[-1.2, 1.0], [-1.2, 1.0, -0.5, 0.8, 1.1]])
def test_agrees_with_scipy_on_rosenbrock(w0):
    ours = LBFGS(history=10, max_iter=500, gtol=1e-9, ftol=0).minimize(rosenbrock, np.array(w0), keep_path=True)
    theirs = scipy_optimize.minimize(rosenbrock, np.array(w0), jac=True, method="L-BFGS-B",
                                     options=dict(maxcor=10, gtol=1e-9, ftol=0, maxiter=500))
    assert ours.converged, ours.message
    np.testing.assert_allclose(ours.w, np.ones(len(w0)), atol=1e-6)
    np.testing.assert_allclose(ours.w, theirs.x, atol=1e-5)
    assert ours.loss < 1e-12 and theirs.fun < 1e-10
    # comparable work: within a factor 2 of SciPy's iterations
    assert ours.n_iter <= 2 * theirs.nit + 5, (ours.n_iter, theirs.nit)
    assert len(ours.path) == ours.n_iter + 1 and np.array_equal(ours.path[0], w0)
    np.testing.assert_allclose([rosenbrock(w)[0] for w in ours.path], ours.losses, rtol=1e-12)


def test_every_accepted_step_satisfies_the_strong_wolfe_conditions():
    c1, c2 = 1e-4, 0.9
    rng = np.random.default_rng(0)
    for _ in range(20):
        w = rng.normal(size=4) * 1.5
        value, grad = rosenbrock(w)
        d = -grad / np.linalg.norm(grad)
        phi = lambda a: (lambda v_g: (v_g[0], float(v_g[1] @ d), v_g[1]))(rosenbrock(w + a * d))  # noqa: E731
        found = strong_wolfe(phi, value, float(grad @ d), alpha=1.0, c1=c1, c2=c2)
        assert found is not None
        alpha, new_value, new_grad = found
        assert new_value <= value + c1 * alpha * float(grad @ d)
        assert abs(float(new_grad @ d)) <= c2 * abs(float(grad @ d))
        np.testing.assert_allclose(new_value, rosenbrock(w + alpha * d)[0])


def test_the_line_search_refuses_an_ascent_direction():
    with pytest.raises(ValueError, match="must descend"):
        strong_wolfe(lambda a: (0.0, 0.0, None), 0.0, 1.0)


def test_minimises_a_quadratic_in_at_most_dimension_iterations():
    """On E = ½ wᵀAw - bᵀw with exact line searches BFGS ends in n steps; Wolfe steps take a few more."""
    rng = np.random.default_rng(1)
    q = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    a = q @ np.diag([1, 2, 5, 10, 50, 100.0]) @ q.T
    b = rng.normal(size=6)
    result = LBFGS(max_iter=100, gtol=1e-10, ftol=0).minimize(lambda w: (0.5 * w @ a @ w - b @ w, a @ w - b),
                                                               np.zeros(6))
    np.testing.assert_allclose(result.w, np.linalg.solve(a, b), rtol=1e-7, atol=1e-9)
    assert result.n_iter <= 20
    assert all(later <= earlier for earlier, later in zip(result.losses, result.losses[1:]))


def _network_loss(model, x, y):
    """fun_and_grad of a model's weights as one vector, through the public forward/backward API."""
    params = model.params
    shapes = [(i, k, p.shape) for i, d in enumerate(params) for k, p in d.items()]

    def fun_and_grad(w):
        start = 0
        for i, k, shape in shapes:
            size = int(np.prod(shape))
            params[i][k][...] = w[start:start + size].reshape(shape)
            start += size
        y_hat = model.forward(x)
        model.backward(y, y_hat)
        grad = np.concatenate([model.grads[i][k].reshape(-1) for i, k, _ in shapes])
        return model.loss.value(y, y_hat), grad

    w0 = np.concatenate([params[i][k].reshape(-1) for i, k, _ in shapes])
    return fun_and_grad, w0


def test_agrees_with_scipy_on_a_logistic_regression_loss():
    """Convex with a unique minimum (non-separable data): both must find the same weights."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 3))
    y = (x @ [1.0, -2.0, 0.5] + rng.normal(size=80) > 0).astype(float).reshape(-1, 1)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0).compile(loss="binary_crossentropy")
    fun_and_grad, w0 = _network_loss(model, x, y)
    theirs = scipy_optimize.minimize(fun_and_grad, w0.copy(), jac=True, method="L-BFGS-B",
                                     options=dict(gtol=1e-10, ftol=0, maxiter=1000))
    ours = LBFGS(max_iter=1000, gtol=1e-10, ftol=0).minimize(fun_and_grad, w0.copy())
    np.testing.assert_allclose(ours.w, theirs.x, atol=1e-6)
    np.testing.assert_allclose(ours.loss, theirs.fun, rtol=1e-10)


def test_agrees_with_scipy_on_a_small_networks_loss():
    """A 2-3-1 tanh network on noisy data: from a start near a minimum, both methods reach that minimum.

    (This data set's minimum is non-degenerate: the smallest Hessian eigenvalue there is ~1.5e-4, measured
    by finite differences when the test was written. A network's loss has many minima; starting near one
    makes the comparison one of the methods, not of which valley each falls into.)
    """
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(40, 2))
    y = (np.sin(2 * x[:, :1]) * x[:, 1:]).reshape(-1, 1) + 0.1 * rng.normal(size=(40, 1))
    model = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1)], seed=1).compile(loss="mse")
    fun_and_grad, w0 = _network_loss(model, x, y)
    w_star = scipy_optimize.minimize(fun_and_grad, w0, jac=True, method="L-BFGS-B",
                                     options=dict(gtol=1e-12, ftol=0, maxiter=5000)).x
    start = w_star + 0.02 * rng.normal(size=w_star.shape)
    theirs = scipy_optimize.minimize(fun_and_grad, start.copy(), jac=True, method="L-BFGS-B",
                                     options=dict(gtol=1e-9, ftol=0, maxiter=2000))
    ours = LBFGS(max_iter=2000, gtol=1e-9, ftol=0).minimize(fun_and_grad, start.copy())
    assert ours.converged, ours.message
    np.testing.assert_allclose(ours.loss, theirs.fun, rtol=1e-9)
    np.testing.assert_allclose(ours.w, theirs.x, atol=1e-5)
    np.testing.assert_allclose(ours.w, w_star, atol=1e-5)


def test_closure_interface_updates_the_model_in_place():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(50, 2))
    y = (x @ [2.0, -1.0] + 0.5).reshape(-1, 1)
    model = Sequential([Dense(1, input_dim=2)], seed=0).compile(loss="mse")
    w_array = model.layers[0].params["W"]

    def closure():
        y_hat = model.forward(x)
        model.backward(y, y_hat)
        return model.loss.value(y, y_hat)

    result = LBFGS(max_iter=50, gtol=1e-10, ftol=0).step(model.params, model.grads, closure)
    assert model.layers[0].params["W"] is w_array  # in place
    np.testing.assert_allclose(w_array.ravel(), [2.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(model.layers[0].params["b"], [0.5], atol=1e-6)
    assert result.converged and result.losses[0] > result.loss


def test_non_finite_start_is_reported_not_looped_on():
    result = LBFGS().minimize(lambda w: (np.nan, np.zeros_like(w)), np.zeros(2))
    assert not result.converged and "NaN/inf" in result.message and result.n_iter == 0


def test_overflow_along_the_direction_shortens_the_step():
    def steep(w):  # exp overflows for large steps
        with np.errstate(over="ignore"):
            return float(np.sum(np.exp(w) - 2 * w)), np.exp(w) - 2
    result = LBFGS(max_iter=100, gtol=1e-10).minimize(steep, np.array([-800.0, 3.0]))
    np.testing.assert_allclose(result.w, np.log(2), atol=1e-6)
