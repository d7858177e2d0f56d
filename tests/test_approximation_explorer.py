"""The sliders of chapter 11: width (each H redraws both networks and marks its errors) and depth (the sawtooth)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.approximation_rates import (approximation_explorer, depth_explorer,  # noqa: E402
                                                 depth_small_multiples, sawtooth_by_depth)
from widget_tools import find_control  # noqa: E402


def test_width_slider_redraws_and_marks_the_errors():
    box = approximation_explorer(max_units=32, n_points=401)
    slider = find_control(box, "hidden units H")
    picture = box.children[1]
    frames = {picture.value}
    for H in (1, 4, 32):
        slider.value = H
        frames.add(picture.value)
    assert len(frames) == 4


def test_explorer_refuses_bad_sizes():
    with pytest.raises(ValueError, match="max_units"):
        approximation_explorer(max_units=1)


def test_sawtooth_by_depth_gives_both_networks_the_same_budget():
    x = np.linspace(0.0, 1.0, 4097)
    for k in (1, 3, 5):
        found = sawtooth_by_depth(k, x)
        assert found["W"] == 6 * k + 1 == found["W_exact_deep"] and 3 * found["H"] + 1 <= found["W"]
        assert found["deep_error"] < 1e-9                                  # the deep network is exact
        assert found["shallow_error"] >= found["bound"] - 1e-12            # the bound holds for this layer too
        assert found["W_exact_shallow"] == 3 * 2 ** k + 1
    assert sawtooth_by_depth(4, x)["shallow_error"] == pytest.approx(1.0)  # knots on the valleys: g = 0
    assert sawtooth_by_depth(2, x)["bound"] == 0.0 and sawtooth_by_depth(3, x)["bound"] == 0.5


def test_depth_slider_redraws_for_every_depth():
    box = depth_explorer(max_depth=5, k=2, n_points=513)
    slider = find_control(box, "layers k")
    picture = box.children[1]
    frames = {picture.value}
    for k in (1, 3, 5):
        slider.value = k
        frames.add(picture.value)
    assert len(frames) == 4
    slider.value = 2
    assert picture.value in frames                                       # same k, same frame
    with pytest.raises(ValueError, match="at most max_depth"):
        depth_explorer(max_depth=3, k=4)
    with pytest.raises(ValueError, match="max_depth"):
        depth_explorer(max_depth=1)


def test_depth_static_twin_has_a_row_per_depth_and_the_budget_panel():
    fig = depth_small_multiples(depths=(2, 4), n_points=513)
    assert len(fig.axes) == 2 * 2 + 1
    assert "error < 1e-9" in fig.axes[0].get_title() and "off by at least 0.5" in fig.axes[3].get_title()
    assert fig.axes[-1].get_yscale() == "log" and len(fig.axes[-1].get_legend().get_texts()) == 2
    plt.close(fig)
