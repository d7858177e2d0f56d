"""lecture_lib.topics.optimisation_landscapes: landscapes, runs of the engine's optimisers, stability, rates, soup."""
import math

import numpy as np
import pytest

from lecture_lib.nn.gradcheck import numerical_gradient, relative_error
from lecture_lib.nn.optimizers import LBFGS, SGD
from lecture_lib.topics.optimisation_landscapes import (
    OPTIMISER_NAMES, adam_vs_lbfgs, condition_number, gradient_descent_many_rates, least_squares_hessian,
    make_optimizer, measured_rate, observed_stable_eta, predicted_rates, predicted_stable_eta, quadratic, rosenbrock,
    run_optimizer, soup_data, standardise, steps_to_converge)


@pytest.mark.parametrize("landscape", [quadratic(20), quadratic(3, lambda_max=5, angle_degrees=-70), rosenbrock()])
@pytest.mark.parametrize("w", [(0.3, -1.0), (-1.2, 1.0), (1.5, 0.2)])
def test_gradients_pass_the_gradient_check(landscape, w):
    w = np.array(w, dtype=float)
    numeric = numerical_gradient(lambda v: landscape.fun_and_grad(v)[0], w.copy())
    assert relative_error(landscape.fun_and_grad(w)[1], numeric) < 1e-6


@pytest.mark.parametrize("landscape", [quadratic(20), rosenbrock()])
def test_grid_loss_equals_the_pointwise_loss(landscape):
    w1, w2, loss = landscape.loss_grid(9)
    for index in [(0, 0), (4, 7), (8, 3)]:
        assert loss[index] == pytest.approx(landscape.loss([w1[index], w2[index]]))


def test_quadratic_has_the_requested_eigenvalues_and_minimum():
    q = quadratic(40, lambda_max=2.0, angle_degrees=30)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.hessian), [0.05, 2.0])
    assert condition_number(q.hessian) == pytest.approx(40)
    assert q.loss(q.minimum) == 0.0 and rosenbrock().loss([1, 1]) == 0.0
    with pytest.raises(ValueError, match="condition_number must be >= 1"):
        quadratic(0.5)


def test_every_optimiser_approaches_the_quadratic_minimum():
    q = quadratic(10)
    etas = {"gradient descent": 1.0, "momentum": 0.3, "nesterov": 0.3, "adagrad": 0.5, "rmsprop": 0.05,
            "adam": 0.1, "lbfgs": 1.0}
    for name in OPTIMISER_NAMES:
        run = run_optimizer(q, make_optimizer(name, etas[name]), 300)
        start_distance = run.distance_to(q.minimum)[0]
        assert run.distance_to(q.minimum)[-1] < 0.05 * start_distance, name
        assert run.weights.shape == (len(run.losses), 2)


def test_run_records_the_engine_steps_and_stops_when_diverged():
    q = quadratic(10)
    run = run_optimizer(q, SGD(eta=0.5), 3)
    w = q.start.copy()
    for t in range(1, 4):
        w = w - 0.5 * q.hessian @ w
        np.testing.assert_allclose(run.weights[t], w)
    blown = run_optimizer(q, SGD(eta=2.5), 1000)
    assert blown.diverged and len(blown.losses) < 1000


def test_lbfgs_trajectory_converges_on_rosenbrock():
    run = run_optimizer(rosenbrock(), LBFGS(), 100)
    assert run.distance_to([1, 1])[-1] < 1e-4 and len(run.losses) < 100


def test_observed_stable_eta_brackets_two_over_lambda_max():
    q = quadratic(30, lambda_max=4.0)
    predicted = predicted_stable_eta(q.hessian)
    assert predicted == pytest.approx(0.5)
    assert observed_stable_eta(q, 0.25, 0.75, steps=1000, iterations=10) == pytest.approx(predicted, rel=0.01)


@pytest.mark.parametrize("kappa", [10, 100])
def test_predicted_rates_match_runs(kappa):
    q = quadratic(kappa)
    best = predicted_rates(q.hessian)
    assert best["rate_gd"] == pytest.approx((kappa - 1) / (kappa + 1))
    plain = run_optimizer(q, SGD(eta=best["eta_gd"]), 300)
    assert measured_rate(plain, q.minimum) == pytest.approx(best["rate_gd"], rel=1e-6)
    heavy = run_optimizer(q, SGD(eta=best["eta_momentum"], momentum=best["momentum"]), 300)
    assert measured_rate(heavy, q.minimum) == pytest.approx(best["rate_momentum"], rel=0.01)
    assert best["rate_momentum"] == pytest.approx((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1))


def test_soup_raw_is_ill_conditioned_and_standardised_converges_fast():
    x, y = soup_data(seed=3)
    assert x.shape == (200, 2) and y.shape == (200,)
    assert condition_number(least_squares_hessian(x)) > 1e6
    x_std = standardise(x)
    np.testing.assert_allclose(x_std.mean(axis=0), 0, atol=1e-12)
    assert condition_number(least_squares_hessian(x_std)) < 2
    etas = np.array([1e-7, 1e-6, 0.5, 1.0])
    assert np.all(steps_to_converge(gradient_descent_many_rates(x, y, etas[:2], 2000), 1e-6) == -1)
    steps = steps_to_converge(gradient_descent_many_rates(x_std, y, etas[2:], 100), 1e-6)
    assert np.all((steps > 0) & (steps < 30))


def test_standardise_guards_a_constant_feature():
    # (x - mean) / std would divide the constant column by 0 and give NaN
    z = standardise(np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 6.0]]))
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(z[:, 0], 0.0)
    np.testing.assert_allclose(z[:, 1].std(), 1.0)


def test_many_rates_equal_single_runs_of_the_engine_sgd():
    x, y = soup_data(n=20, seed=1)
    x_std = standardise(x)
    excess = gradient_descent_many_rates(x_std, y, np.array([0.1, 0.7]), 5)
    with_bias = np.hstack([x_std, np.ones((20, 1))])
    best = np.linalg.lstsq(with_bias, y, rcond=None)[0]
    for column, eta in enumerate([0.1, 0.7]):
        w, opt = np.zeros(3), SGD(eta=eta)
        for _ in range(5):
            opt.step({"w": w}, {"w": with_bias.T @ (with_bias @ w - y) / 20})
        loss = lambda v: 0.5 * np.mean((with_bias @ v - y) ** 2)
        assert excess[5, column] == pytest.approx(loss(w) - loss(best), rel=1e-6, abs=1e-12)


def test_adam_vs_lbfgs_reports_both_and_validates_n():
    result = adam_vs_lbfgs(60, seed=0, adam_etas=(0.01,), adam_updates=20, lbfgs_iterations=5)
    assert set(result) == {("adam", 0.01), "lbfgs"}
    assert all(0 <= acc <= 1 and 0 <= train_acc <= 1 and loss > 0 for loss, acc, train_acc in result.values())
    with pytest.raises(ValueError, match="at most 1438"):
        adam_vs_lbfgs(5000, seed=0)


def test_unknown_optimiser_is_named():
    with pytest.raises(ValueError, match="optimiser"):
        make_optimizer("adamax", 0.1)


# --- sweeps, oscillation, stochastic gradients, weight decay ---------------------------------------

from lecture_lib.nn.optimizers import Adam, AdamW  # noqa: E402
from lecture_lib.nn.schedules import CosineDecay  # noqa: E402
from lecture_lib.topics.optimisation_landscapes import (  # noqa: E402
    RATE_GRID, Trajectory, minibatch_excess_loss, noisy_valley_data, path_length, reversal_fraction,
    separable_quadratic, steepest_direction, sweep_learning_rates)


def test_the_sweep_finds_gradient_descents_rate_and_marks_divergence():
    landscape = quadratic(10)
    sweep = sweep_learning_rates(landscape, ["gradient descent"], [0.1, 1.0, 1.8, 2.5], steps=50)
    distances = sweep.distances["gradient descent"]
    assert np.isinf(distances[3])  # 2.5 > 2/λ_max = 2 diverges
    # 2/(λmin+λmax) = 2/1.1 ≈ 1.82: 1.8 is nearest and best
    assert sweep.best("gradient descent")[0] == 1.8 and distances[2] < distances[1] < distances[0]
    with pytest.raises(ValueError, match="no sweep of 'adam'"):
        sweep.best("adam")
    with pytest.raises(ValueError, match="L-BFGS has no learning rate"):
        sweep_learning_rates(landscape, ["lbfgs"])
    assert RATE_GRID[0] == pytest.approx(1e-4) and RATE_GRID[-1] == pytest.approx(10 ** 0.5)


def test_reversals_count_a_zig_zag_and_not_a_straight_walk():
    direction = np.array([0.0, 1.0])
    straight = Trajectory(np.stack([np.linspace(0, 1, 12), np.linspace(0, 1, 12)], axis=1), np.zeros(12), False, "")
    zigzag = Trajectory(np.stack([np.linspace(0, 1, 12), 0.5 * (-1.0) ** np.arange(12)], axis=1), np.zeros(12),
                        False, "")
    assert reversal_fraction(straight, direction, steps=10) == 0.0
    assert reversal_fraction(zigzag, direction, steps=10) == 1.0
    assert path_length(zigzag) > 5 * path_length(straight)
    with pytest.raises(ValueError, match="11 steps"):
        reversal_fraction(straight, direction, steps=11)
    assert abs(steepest_direction(quadratic(10, angle_degrees=0).hessian) @ np.array([0.0, 1.0])) == pytest.approx(1)


def test_gradient_descent_near_two_over_lambda_max_zig_zags_and_momentum_averages_it_out():
    landscape = quadratic(50)
    across = steepest_direction(landscape.hessian)
    plain = run_optimizer(landscape, SGD(eta=1.9), 60)
    heavy = run_optimizer(landscape, SGD(eta=0.19, momentum=0.9), 60)
    assert reversal_fraction(plain, across) == 1.0
    assert reversal_fraction(heavy, across) < 0.3


def test_noisy_valley_has_the_valleys_hessian_and_a_constant_rate_stalls_where_a_decay_goes_on():
    x, y = noisy_valley_data(50, n=20_000, seed=1)
    np.testing.assert_allclose(x.T @ x / len(x), quadratic(50).hessian, atol=0.03)
    x, y = noisy_valley_data(50, seed=2)
    constant = minibatch_excess_loss(x, y, SGD(eta=1.0), 400, seed=2)
    decayed = minibatch_excess_loss(x, y, SGD(eta=CosineDecay(1.0, 400, 0.01)), 400, seed=2)
    assert constant[0] == decayed[0] > 0.1
    assert np.median(decayed[-50:]) < 0.2 * np.median(constant[-50:])
    # without noise nothing stalls: the constant rate goes on down
    x, y = noisy_valley_data(50, noise=0.0, seed=2)
    assert minibatch_excess_loss(x, y, SGD(eta=1.0), 400, seed=2)[-1] < 1e-8
    with pytest.raises(ValueError, match="shape"):
        minibatch_excess_loss(x, y[:-1], SGD(eta=1.0), 10)


def test_coupled_decay_finds_ridge_and_decoupled_adam_does_not():
    landscape = separable_quadratic([1.0, 0.05], [3.0, 1.0])
    lam = 0.5
    ridge = np.array([1.0, 0.05]) * np.array([3.0, 1.0]) / (np.array([1.0, 0.05]) + lam)
    coupled = run_optimizer(landscape, Adam(eta=0.01, weight_decay=lam), 5000).weights[-1]
    decoupled = run_optimizer(landscape, AdamW(eta=0.01, weight_decay=lam), 5000).weights[-1]
    np.testing.assert_allclose(coupled, ridge, atol=1e-3)
    assert abs(decoupled[1] - ridge[1]) > 0.5 and decoupled[1] == pytest.approx(1.0, abs=0.05)
    with pytest.raises(ValueError, match="curvatures"):
        separable_quadratic([1.0, 0.0], [0.0, 0.0])
