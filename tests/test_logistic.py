"""Chapter 02 package code: the sigmoid unit as logistic regression, its gradients, training and widget."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_lib.nn.activations import sigmoid  # noqa: E402
from lecture_lib.nn.gradcheck import numerical_gradient, relative_error  # noqa: E402
from lecture_lib.topics.logistic import (catch_float_warnings, cross_entropy_from_h, cross_entropy_gradient,  # noqa: E402
                                  cross_entropy_loss, naive_binary_cross_entropy, naive_sigmoid,
                                  overlapping_blobs, predict_proba, squared_error_gradient, squared_error_loss,
                                  train_logistic_regression)
from lecture_lib.nn.losses import binary_crossentropy  # noqa: E402
from lecture_lib.topics.perceptron import train_perceptron  # noqa: E402
from lecture_lib.viz.logistic_explorer import draw_logistic_training, logistic_regression_explorer  # noqa: E402
from widget_tools import find_control  # noqa: E402


# --- data ---------------------------------------------------------------------------------

def test_blobs_are_deterministic_balanced_and_not_linearly_separable():
    x, y = overlapping_blobs(n_samples=101, seed=4)
    x_again, y_again = overlapping_blobs(n_samples=101, seed=4)
    assert x.shape == (101, 2) and y.shape == (101,) and y.dtype == np.int64
    assert np.array_equal(x, x_again) and np.array_equal(y, y_again)
    assert np.sum(y == 0) == 50 and np.sum(y == 1) == 51
    assert not train_perceptron(x, y, max_epochs=200).converged  # the reason the slides move to the sigmoid


def test_blob_distance_moves_the_centres_apart():
    x, y = overlapping_blobs(n_samples=400, distance=6.0, spread=0.5, seed=1)
    centre_gap = x[y == 1].mean(axis=0) - x[y == 0].mean(axis=0)
    assert np.linalg.norm(centre_gap) == pytest.approx(6.0, abs=0.2)
    assert centre_gap[0] == pytest.approx(2 * centre_gap[1], rel=0.1)  # along (2, 1)


# --- naive versus stable -----------------------------------------------------------------

def test_naive_sigmoid_overflows_where_the_package_sigmoid_does_not():
    h = np.array([-1000.0, 0.0, 1000.0])
    value, messages = catch_float_warnings(naive_sigmoid, h)
    assert any("overflow" in m for m in messages)
    stable, stable_messages = catch_float_warnings(sigmoid, h)
    assert stable_messages == [] and np.allclose(stable, [0.0, 0.5, 1.0])


def test_naive_cross_entropy_breaks_on_certain_predictions_and_the_stable_forms_do_not():
    y = np.array([1, 0])
    value, messages = catch_float_warnings(naive_binary_cross_entropy, y, np.array([1.0, 0.0]))
    assert np.isnan(value) and messages  # 0 * log(0)
    value, _ = catch_float_warnings(naive_binary_cross_entropy, y, np.array([0.0, 0.5]))
    assert np.isinf(value)  # log(0) for a certain, wrong prediction
    assert np.isfinite(binary_crossentropy(y, np.array([0.0, 0.5])))
    exact, messages = catch_float_warnings(cross_entropy_from_h, np.array([1]), np.array([-1000.0]))
    assert exact == pytest.approx(1000.0) and messages == []


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_cross_entropy_from_h_equals_the_formula_on_moderate_h(seed):
    rng = np.random.default_rng(seed)
    h = rng.uniform(-8, 8, size=12)
    y = rng.integers(0, 2, size=12)
    p = 1 / (1 + np.exp(-h))
    formula = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert cross_entropy_from_h(y, h) == pytest.approx(formula, rel=1e-10)


def test_catch_float_warnings_rejects_non_callables():
    with pytest.raises(TypeError, match="function must be callable"):
        catch_float_warnings(3.0)


# --- gradients ----------------------------------------------------------------------------------

def _random_problem(seed, n=9, d=3, scale=1.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n)
    return x, y, scale * rng.normal(size=d), float(rng.normal())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["cross_entropy", "squared_error"]))
def test_gradients_match_central_differences(seed, loss):
    x, y, w, b = _random_problem(seed)
    value = cross_entropy_loss if loss == "cross_entropy" else squared_error_loss
    gradient = cross_entropy_gradient if loss == "cross_entropy" else squared_error_gradient
    dw, db = gradient(x, y, w, b)
    params = np.append(w, b)
    numeric = numerical_gradient(lambda p: value(x, y, p[:-1], p[-1]), params)
    assert relative_error(np.append(dw, db), numeric) < 1e-7


def test_cross_entropy_gradient_is_mean_of_error_times_input():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([1, 0])
    dw, db = cross_entropy_gradient(x, y, np.zeros(2), 0.0)  # yhat = 1/2 for both
    assert np.allclose(dw, ((0.5 - 1) * x[0] + 0.5 * x[1]) / 2) and db == pytest.approx(0.0)


def test_squared_error_gradient_vanishes_on_a_saturated_wrong_unit():
    x = np.array([[1.0]])
    y = np.array([1])
    for h in (2.0, 5.0, 10.0, 20.0):
        dw_ce, _ = cross_entropy_gradient(x, y, np.array([-h]), 0.0)
        dw_se, _ = squared_error_gradient(x, y, np.array([-h]), 0.0)
        y_hat = sigmoid(-h)
        assert dw_se[0] == pytest.approx(dw_ce[0] * y_hat * (1 - y_hat))  # the extra sigma' factor
        assert abs(dw_ce[0]) > 0.85  # cross-entropy still pushes hard
    assert abs(dw_se[0]) < 1e-8


def test_predict_proba_is_the_sigmoid_of_the_weighted_sum():
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert np.allclose(predict_proba(x, np.array([2.0, -1.0]), 0.5), sigmoid(np.array([0.5, 1.5])))


# --- training ----------------------------------------------------------------------------

def test_gradient_descent_lowers_the_loss_every_step_and_records_history():
    x, y = overlapping_blobs(seed=0)
    w0 = np.array([0.3, -0.2])
    result = train_logistic_regression(x, y, eta=1.0, n_steps=40, w0=w0)
    assert np.all(np.diff(result.losses) < 0)
    assert result.losses.shape == (41,) and result.weights.shape == (41, 2) and result.biases.shape == (41,)
    assert np.allclose(result.weights[0], w0) and np.allclose(w0, [0.3, -0.2])  # w0 not modified
    assert np.allclose(result.weights[-1], result.w) and result.biases[-1] == result.b
    assert result.final_loss == pytest.approx(cross_entropy_loss(x, y, result.w, result.b))
    assert "final_loss=" in repr(result)


def test_learning_rate_regimes():
    x, y = overlapping_blobs(seed=0)
    small, good, large = (train_logistic_regression(x, y, eta=eta, n_steps=50) for eta in (0.01, 2.0, 50.0))
    assert good.final_loss < small.final_loss and good.final_loss < large.final_loss
    assert np.any(np.diff(large.losses) > 0)  # too large: the loss goes up and down


def test_squared_error_stalls_from_a_saturated_start_where_cross_entropy_recovers():
    x, y = overlapping_blobs(seed=0)
    w0 = np.array([-8.0, -4.0])  # confidently wrong
    ce = train_logistic_regression(x, y, eta=1.0, n_steps=100, w0=w0)
    se = train_logistic_regression(x, y, eta=1.0, n_steps=100, w0=w0, loss="squared_error")
    accuracy = [np.mean((x @ r.w + r.b >= 0) == y) for r in (ce, se)]
    assert accuracy[0] > 0.8 > 0.3 > accuracy[1]


def test_divergence_is_reported():
    x = np.array([[1e3], [-1e3]])
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train_logistic_regression(x, np.array([0, 1]), eta=1e307, n_steps=5)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(eta=0.0), ValueError, "eta must be > 0"),
    (dict(n_steps=0), ValueError, "n_steps must be a positive integer"),
    (dict(loss="hinge"), ValueError, "Unknown loss 'hinge'"),
    (dict(w0=np.zeros(3)), ValueError, "w0 must have length 2"),
])
def test_bad_training_arguments(kwargs, error, message):
    x, y = overlapping_blobs(n_samples=10)
    with pytest.raises(error, match=message):
        train_logistic_regression(x, y, **kwargs)


def test_bad_data_is_named():
    x, _ = overlapping_blobs(n_samples=4)
    with pytest.raises(ValueError, match="y must contain only 0 and 1"):
        cross_entropy_gradient(x, np.array([0, 1, 2, 1]), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="w must have length 2"):
        cross_entropy_loss(x, np.array([0, 1, 0, 1]), np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        overlapping_blobs(n_samples=1)


# --- drawing and widget ----------------------------------------------------------------------

def test_draw_returns_final_loss_and_titles_the_run():
    x, y = overlapping_blobs(seed=0)
    result = train_logistic_regression(x, y, eta=2.0, n_steps=20)
    fig, (ax_data, ax_loss) = plt.subplots(1, 2)
    assert draw_logistic_training(ax_data, ax_loss, x, y, result) == result.final_loss
    assert "η = 2, 20 steps" in ax_data.get_title()
    assert len(ax_loss.lines[0].get_ydata()) == 21
    with pytest.raises(TypeError, match="LogisticResult"):
        draw_logistic_training(ax_data, None, x, y, (result.w, result.b))
    plt.close(fig)


def test_dashed_probability_lines_get_a_legend_entry_only_when_drawn():
    x, y = overlapping_blobs(seed=0)
    for eta, n_steps, drawn in [(2.0, 50, True), (0.01, 50, False)]:    # tiny steps: yhat stays in (0.1, 0.9)
        result = train_logistic_regression(x, y, eta=eta, n_steps=n_steps)
        fig, ax = plt.subplots()
        draw_logistic_training(ax, None, x, y, result)
        labels = ax.get_legend_handles_labels()[1]
        assert ("$\\hat y$ = 0.1 and 0.9" in labels) is drawn
        assert "$w^\\top x + b = 0$" in labels
        plt.close(fig)


def test_explorer_retrains_when_a_slider_moves():
    open_before = plt.get_fignums()
    explorer = logistic_regression_explorer(eta=1.0, n_steps=10)
    image = explorer.children[1]
    first = image.value
    find_control(explorer, "steps").value = 30
    assert image.value != first                      # the plot follows the slider
    find_control(explorer, "steps").value = 10
    assert image.value == first                      # same setting, same frame (deterministic)
    find_control(explorer, "η").value = 0.01
    assert image.value != first
    assert plt.get_fignums() == open_before          # the widget opened no pyplot figure


def test_explorer_validates_its_arguments():
    with pytest.raises(ValueError, match="both x and y"):
        logistic_regression_explorer(x=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="eta must be > 0"):
        logistic_regression_explorer(eta=-1.0)


def test_chapter_02_figures_are_labelled_with_legends():
    import matplotlib.pyplot as plt

    from lecture_lib.viz.logistic_explorer import draw_loss_and_accuracy, draw_saturation_error_terms, draw_sigmoid_and_step
    fig, axes = plt.subplots(1, 5)
    draw_sigmoid_and_step(axes[0], axes[1])
    draw_saturation_error_terms(axes[2])
    x, y = overlapping_blobs(n_samples=40, seed=1)
    runs = {name: train_logistic_regression(x, y, eta=1.0, n_steps=5, loss=name) for name in ["cross_entropy", "squared_error"]}
    accuracies = draw_loss_and_accuracy(axes[3], axes[4], x, y, runs)
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    assert axes[2].get_yscale() == "log"
    assert set(accuracies) == set(runs) and all(len(a) == 6 for a in accuracies.values())   # step 0 to 5
    assert accuracies["cross_entropy"][-1] == np.mean((x @ runs["cross_entropy"].w + runs["cross_entropy"].b >= 0) == y)
    plt.close(fig)


def test_probability_range_on_a_box_is_its_corners_range_and_says_when_a_contour_crosses():
    from lecture_lib.topics.logistic import probability_range_on_box
    w, b = np.array([0.3, -0.2]), 0.1
    low, high = probability_range_on_box(w, b, (-3, 3), (-3, 3))
    grid = np.stack(np.meshgrid(np.linspace(-3, 3, 61), np.linspace(-3, 3, 61)), axis=-1).reshape(-1, 2)
    assert np.isclose(low, sigmoid(grid @ w + b).min()) and np.isclose(high, sigmoid(grid @ w + b).max())
    assert 0.1 < low and high < 0.9                                   # small weights: both contours outside
    low, high = probability_range_on_box(10 * w, b, (-3, 3), (-3, 3))
    assert low < 0.1 and high > 0.9                                   # larger weights: both cross the box
