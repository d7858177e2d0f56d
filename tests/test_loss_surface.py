"""lecture_lib.topics.loss_surface: the two-weight loss, its gradient, gradient descent and the drawings."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.nn.gradcheck import numerical_gradient, relative_error  # noqa: E402
from lecture_lib.topics.loss_surface import (find_minimum, gradient_descent, loss_grid, random_start, two_weight_data, two_weight_gradient, two_weight_loss)
from lecture_lib.viz.loss_surface_explorer import (draw_contours, draw_loss_curve, draw_surface_3d, learning_rate_explorer, learning_rate_small_multiples)

X, Y = two_weight_data()


def test_data_come_from_the_two_weight_network():
    x, y = two_weight_data(noise=0.0)
    np.testing.assert_allclose(y, 2 / (1 + np.exp(-x)))
    assert two_weight_loss(1.0, 2.0, x, y) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("w", [(0.3, -1.0), (1.5, 2.5), (-2.0, 0.7)])
def test_gradient_passes_the_gradient_check(w):
    w = np.array(w)
    numeric = numerical_gradient(lambda v: two_weight_loss(v[0], v[1], X, Y), w.copy())
    assert relative_error(two_weight_gradient(w, X, Y), numeric) < 1e-7


def test_grid_loss_equals_pointwise_loss():
    w1_grid, w2_grid, loss = loss_grid(X, Y, n=7)
    assert loss.shape == (7, 7)
    for index in [(0, 0), (3, 5), (6, 2)]:
        assert loss[index] == pytest.approx(two_weight_loss(w1_grid[index], w2_grid[index], X, Y))


def test_minimum_is_a_stationary_point_near_the_true_weights():
    minimum = find_minimum(X, Y)
    assert np.linalg.norm(two_weight_gradient(minimum, X, Y)) < 1e-6
    assert np.allclose(minimum, [1.0, 2.0], atol=0.05)
    assert two_weight_loss(*minimum, X, Y) <= loss_grid(X, Y)[2].min()


def test_learning_rate_regimes_from_the_default_start():
    start, minimum = random_start(), find_minimum(X, Y)
    best = two_weight_loss(*minimum, X, Y)
    small, good, zigzag, large = (gradient_descent(start, eta, 30, X, Y) for eta in (0.1, 1.0, 5.0, 6.0))
    assert np.all(np.diff(small.losses) < 0) and small.final_loss > 10 * best      # too small: slow
    assert good.final_loss < 1.5 * best and not good.diverged                       # good: reaches F
    assert np.any(np.diff(zigzag.losses) > 0) and not zigzag.diverged               # overshoots
    assert large.diverged and len(large.losses) <= 31                                # diverges, stopped


def test_descent_path_shapes_and_start():
    path = gradient_descent([0.5, 0.5], 0.5, 10, X, Y)
    assert path.weights.shape == (11, 2) and path.losses.shape == (11,)
    np.testing.assert_array_equal(path.weights[0], [0.5, 0.5])


@pytest.mark.parametrize("call, words", [
    (lambda: gradient_descent([0.0], 0.1, 5, X, Y), "length 2"),
    (lambda: gradient_descent([0.0, 0.0], 0.0, 5, X, Y), "eta must be > 0"),
    (lambda: gradient_descent([0.0, 0.0], 0.1, 0, X, Y), "steps must be a positive integer"),
    (lambda: two_weight_loss(1.0, 1.0, X, Y[:-1]), "same shape"),
])
def test_bad_input_names_what_was_expected(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)


def test_drawings_and_the_static_twin():
    grid = loss_grid(X, Y, n=21)
    path = gradient_descent(random_start(), 6.0, 30, X, Y)
    fig = plt.figure()
    draw_surface_3d(fig.add_subplot(1, 3, 1, projection="3d"), grid, path, find_minimum(X, Y))
    draw_contours(fig.add_subplot(1, 3, 2), grid, path, find_minimum(X, Y), title="t")
    draw_loss_curve(fig.add_subplot(1, 3, 3), path)
    plt.close(fig)
    fig, paths = learning_rate_small_multiples(etas=(0.1, 6.0), steps=20)
    assert len(fig.axes) == 2 and [p.eta for p in paths] == [0.1, 6.0]
    assert "diverges" in fig.axes[1].get_title()
    plt.close("all")


def test_loss_curve_takes_a_colour_and_a_label():
    fig, ax = plt.subplots()
    path = gradient_descent(random_start(), 6.0, 30, X, Y)
    draw_loss_curve(ax, path, label="η = 6", color="#D55E00")
    draw_loss_curve(ax, gradient_descent(random_start(), 0.1, 5, X, Y))     # default: the next colour
    ours, default = ax.get_lines()
    assert matplotlib.colors.same_color(ours.get_color(), "#D55E00") and ours.get_label() == "η = 6"
    assert not matplotlib.colors.same_color(default.get_color(), "#D55E00")
    assert np.array_equal(ours.get_xdata(), np.arange(len(path.losses)))
    assert np.all(np.isfinite(ours.get_ydata()[:-1]))                        # an overflow is left out, not drawn
    plt.close(fig)


def test_explorer_has_eta_and_steps_sliders():
    open_before = plt.get_fignums()
    box = learning_rate_explorer(eta=0.5, steps=10)
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["η", "steps"]
    image = box.children[1]
    first = image.value
    sliders[0].value = 5.0
    assert image.value != first                      # the plot follows the slider
    sliders[0].value = 0.5
    assert image.value == first                      # same setting, same frame (deterministic)
    sliders[1].value = 40
    assert image.value != first
    assert plt.get_fignums() == open_before          # the widget opened no pyplot figure


def test_contours_carry_level_labels_and_an_optional_colour_bar():
    x, y = two_weight_data()
    grid = loss_grid(x, y)
    fig, ax = plt.subplots()
    draw_contours(ax, grid)
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) >= 3 and all(float(label) > 0 for label in labels)     # every third level, as numbers
    assert len(fig.axes) == 1
    draw_contours(ax, grid, colorbar=True)
    assert len(fig.axes) == 2 and "E(w_1, w_2)" in fig.axes[1].get_ylabel()
    plt.close(fig)
