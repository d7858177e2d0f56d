"""Hand-built networks for the approximation rates: interpolation, step unit, deep sawtooth, fitted rates."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.topics import approximation as ap  # noqa: E402
from lecture_lib.viz.approximation_rates import draw_error_against_parameters  # noqa: E402

X = np.linspace(0, 1, 2001)


def test_interpolating_network_hits_f_at_the_knots_and_is_linear_between():
    model = ap.interpolating_relu_network(ap.smooth_function, 5)
    knots = np.linspace(0, 1, 6)
    np.testing.assert_allclose(ap.network_output(model, knots), ap.smooth_function(knots), atol=1e-12)
    mid = (knots[:-1] + knots[1:]) / 2
    np.testing.assert_allclose(ap.network_output(model, mid),
                               (ap.smooth_function(knots[:-1]) + ap.smooth_function(knots[1:])) / 2, atol=1e-12)
    assert model.count_params() == 3 * 5 + 1


def test_rates_smooth_two_jump_zero_step_unit_restores():
    Ws, smooth, jump, fixed = [], [], [], []
    for H in (8, 16, 32, 64):
        s, j = ap.interpolating_relu_network(ap.smooth_function, H), ap.interpolating_relu_network(ap.jump_function, H)
        Ws.append(s.count_params())
        smooth.append(ap.max_error(ap.smooth_function, lambda x: ap.network_output(s, x), X))
        jump.append(ap.max_error(ap.jump_function, lambda x: ap.network_output(j, x), X))
        fixed.append(ap.max_error(ap.jump_function,
                                  lambda x: ap.network_output(s, x) + ap.step_unit(x, ap.JUMP_AT, 1.0), X))
    assert ap.fit_rate(Ws, smooth)[0] == pytest.approx(2.0, abs=0.1)
    assert abs(ap.fit_rate(Ws, jump)[0]) < 0.2 and min(jump) >= 0.5
    assert ap.fit_rate(Ws, fixed)[0] == pytest.approx(2.0, abs=0.15)


@pytest.mark.parametrize("k", [1, 3, 6])
def test_sawtooth_network_is_exact_with_6k_plus_1_parameters(k):
    model = ap.sawtooth_network(k)
    assert model.count_params() == 6 * k + 1
    np.testing.assert_allclose(ap.network_output(model, X), ap.sawtooth(X, k), atol=1e-9)
    # 2^(k-1) teeth: that many local maxima of height 1
    y = ap.sawtooth(np.linspace(0, 1, 2 ** (k + 4) + 1), k)
    assert np.sum(np.isclose(y, 1.0)) == 2 ** (k - 1)


def test_fit_rate_recovers_a_power_law_and_rejects_bad_input():
    W = np.array([10.0, 100.0, 1000.0])
    alpha, C = ap.fit_rate(W, 3.0 * W ** -1.5)
    assert alpha == pytest.approx(1.5) and C == pytest.approx(3.0)
    with pytest.raises(ValueError, match="positive"):
        ap.fit_rate([1, 2], [0.0, 1.0])
    with pytest.raises(ValueError, match="n_pieces"):
        ap.interpolating_relu_network(ap.smooth_function, 0)
    with pytest.raises(ValueError, match="shape"):
        ap.network_output(ap.sawtooth_network(1), np.ones((3, 2)))


def test_trained_network_learns_something_but_not_the_construction():
    model = ap.trained_relu_network(ap.smooth_function, 16, seed=1, epochs=300)
    error = ap.max_error(ap.smooth_function, lambda x: ap.network_output(model, x), X)
    assert error < 0.9                       # far better than the constant (max |f| is about 1.1)


def test_rate_figure_labels_each_curve_with_its_rate():
    fig, ax = plt.subplots()
    rates = draw_error_against_parameters(ax, {"a": ([10, 100], [1.0, 0.01])})
    assert rates["a"] == pytest.approx(2.0)
    assert "α = 2.00" in ax.get_legend().get_texts()[0].get_text()
    plt.close(fig)


def test_shallow_sawtooth_bound_holds_for_built_networks_and_is_attained_by_a_constant():
    x = np.linspace(0, 1, 4001)
    for k in (3, 4, 5):
        target = lambda t, k=k: ap.sawtooth(t, k)
        for H in range(1, 2 ** k - 1):
            bound = ap.shallow_sawtooth_error_bound(k, H)
            assert bound == 0.5
            net = ap.interpolating_relu_network(target, H)
            assert ap.max_error(target, lambda t: ap.network_output(net, t), x) >= bound - 1e-12
        assert ap.max_error(target, lambda t: np.full_like(t, 0.5), x) == pytest.approx(0.5)
        assert ap.shallow_sawtooth_error_bound(k, 2 ** k) == 0.0       # enough pieces: the exact network exists
        exact = ap.interpolating_relu_network(target, 2 ** k)
        assert ap.max_error(target, lambda t: ap.network_output(exact, t), x) < 1e-9
    with pytest.raises(ValueError, match="n_hidden"):
        ap.shallow_sawtooth_error_bound(3, 0)


def test_best_trained_error_is_the_minimum_over_restarts():
    best, errors = ap.best_trained_error(ap.smooth_function, 4, (0, 1), np.linspace(0, 1, 101), epochs=50)
    assert len(errors) == 2 and best == min(errors) and best > 0


def test_networks_trained_side_by_side_train_as_they_would_alone():
    x = np.linspace(0, 1, 201)
    together = ap.trained_side_by_side({"smooth": ap.smooth_function, "jump": ap.jump_function}, 5, seeds=(0, 1),
                                       depth=2, x=x, epochs=60, n_points=32)
    assert together["smooth"].shape == together["jump"].shape == (2,)
    for name, f in (("smooth", ap.smooth_function), ("jump", ap.jump_function)):
        for k, seed in enumerate((0, 1)):
            alone = ap.trained_side_by_side({name: f}, 5, seeds=(seed,), depth=2, x=x, epochs=60, n_points=32)
            assert alone[name][0] == pytest.approx(together[name][k], rel=1e-9)
    # training helps: more steps, lower error (a check that the networks are trained at all)
    longer = ap.trained_side_by_side({"smooth": ap.smooth_function}, 5, seeds=(0,), depth=2, x=x, epochs=600, n_points=32)
    assert longer["smooth"][0] < together["smooth"][0]
    with pytest.raises(ValueError, match="empty"):
        ap.trained_side_by_side({}, 5, seeds=(0,), depth=1, x=x)


def test_parameter_count_of_a_deep_relu_network():
    for H, depth in ((4, 1), (5, 2), (3, 3)):
        model = ap.trained_relu_network(ap.smooth_function, H, seed=0, epochs=1, depth=depth, n_points=8)
        assert ap.count_relu_params(H, depth) == model.count_params()
    assert ap.count_relu_params(32, 2) == 32 * 32 + 4 * 32 + 1
