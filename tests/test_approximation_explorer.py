"""The sliders of chapter 11: width (each H redraws both networks and marks its errors) and depth (the sawtooth)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.approximation_rates import (approximation_explorer, depth_explorer,  # noqa: E402
                                                 depth_small_multiples, sawtooth_by_depth)
from widget_tools import frames_for  # noqa: E402


def test_width_slider_redraws_and_marks_the_errors():
    box = approximation_explorer(max_units=32, n_points=401)
    assert len(set(frames_for(box, "hidden units H", (1, 4, 32)))) == 4


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
    frames = frames_for(box, "layers k", (1, 3, 5, 2))
    assert len(set(frames[:4])) == 4 and frames[4] == frames[0]          # same k, same frame
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


def test_sawtooth_errors_are_exact_on_a_grid_with_every_corner():
    """The interpolant's error is largest at a corner j / 2^k: a grid that holds them all gives the exact value.

    Independent of the package: for k = 6 (H = 12) and k = 7 (H = 14) the largest gap between the sawtooth and
    the line through the knots j / H, at the corners, is 7/8 and 29/32; a grid of 10001 points misses the corners
    j / 64 and j / 128 and prints less.
    """
    from fractions import Fraction

    def exact_error(k, H):
        def tent(t):
            return 2 * t if t <= Fraction(1, 2) else 2 - 2 * t

        def saw(t):
            for _ in range(k):
                t = tent(t)
            return t

        def line(t):  # the interpolant through the knots j / H
            j = min(int(t * H), H - 1)
            left, right = Fraction(j, H), Fraction(j + 1, H)
            return saw(left) + (saw(right) - saw(left)) * (t - left) * H

        return max(abs(saw(Fraction(j, 2 ** k)) - line(Fraction(j, 2 ** k))) for j in range(2 ** k + 1))

    corners = np.linspace(0.0, 1.0, 2 ** 8 + 1)
    for k, expected in ((6, Fraction(7, 8)), (7, Fraction(29, 32))):
        assert exact_error(k, 2 * k) == expected
        assert sawtooth_by_depth(k, corners)["shallow_error"] == pytest.approx(float(expected), abs=1e-12)
        assert sawtooth_by_depth(k, np.linspace(0.0, 1.0, 10001))["shallow_error"] < float(expected) - 1e-4


def test_sawtooth_panels_give_each_network_one_colour():
    """The single layer is drawn in the colour of its curve in the panel of parameters for an exact fit."""
    from matplotlib.colors import to_hex

    fig = depth_small_multiples(depths=(2, 4), n_points=513)
    budget = fig.axes[-1]
    deep_colour, shallow_colour = (to_hex(line.get_color()) for line in budget.lines[:2])
    assert deep_colour != shallow_colour
    assert to_hex(fig.axes[0].lines[1].get_color()) == deep_colour       # row 1, the deep network
    assert to_hex(fig.axes[1].lines[1].get_color()) == shallow_colour    # row 1, one layer of the same W
    plt.close(fig)


def test_a_zero_bound_alone_is_not_called_exact():
    from lecture_lib.viz.approximation_rates import _bound_text

    assert _bound_text({"k": 3, "H": 7, "bound": 0.0}) == "the counting bound for 7 units is 0"  # 2^3 - 1 units
    assert _bound_text({"k": 3, "H": 8, "bound": 0.0}) == "a layer of 8 units can be exact"
    assert "at least 0.5" in _bound_text({"k": 3, "H": 6, "bound": 0.5})
