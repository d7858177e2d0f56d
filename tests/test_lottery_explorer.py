"""The sparsity slider of chapter 13: precomputed rounds, every seed of each variant at the chosen round."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.topics.pruning import LotteryResult  # noqa: E402
from lecture_lib.viz.lottery_curves import lottery_explorer  # noqa: E402
from widget_tools import find_control, frames_for  # noqa: E402


def _result():
    rng = np.random.default_rng(0)
    acc = {v: np.clip(0.9 - 0.05 * k * np.arange(4) + 0.01 * rng.standard_normal((3, 4)), 0, 1)
           for k, v in enumerate(("ticket", "reinit", "random"))}
    train = {v: np.ones((3, 4)) for v in acc}
    return LotteryResult([100.0, 50.0, 25.0, 12.5], acc, {}, 0.0, train_accuracy=train)


def test_slider_moves_through_the_rounds_and_redraws():
    box = lottery_explorer(_result())
    slider = find_control(box, "pruning round")
    assert slider.min == 0 and slider.max == 3 and slider.value == 3
    assert len(set(frames_for(box, "pruning round", (0, 1, 2)))) == 4  # every round draws a different picture


def test_explorer_refuses_what_it_cannot_draw():
    with pytest.raises(TypeError, match="LotteryResult"):
        lottery_explorer({"ticket": 1})
    with pytest.raises(ValueError, match="none of the variants"):
        lottery_explorer(_result(), variants=("late",))
    with pytest.raises(ValueError, match="quantity"):
        lottery_explorer(_result(), quantity="speed")


def test_one_shot_figure_draws_both_curves_with_bands_in_the_legend():
    import matplotlib.pyplot as plt
    from lecture_lib.viz.lottery_curves import draw_one_shot_against_iterative
    result = _result()
    shot = {"rounds": np.array([1, 2, 3]), "remaining": np.array([50.0, 25.0, 12.5]),
            "accuracy": np.full((3, 3), 0.8), "train_accuracy": np.ones((3, 3))}
    fig, ax = plt.subplots()
    draw_one_shot_against_iterative(ax, result, shot)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["iterative pruning (ticket): mean of 3 seeds", "band: worst to best seed",
                     "one-shot pruning (ticket): mean of 3 seeds"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 100 * result.accuracy["ticket"][:, 1:].mean(axis=0))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [80.0, 80.0, 80.0])
    assert ax.xaxis_inverted()
    with pytest.raises(ValueError, match="quantity"):
        draw_one_shot_against_iterative(ax, result, shot, quantity="initial_accuracy")
    plt.close(fig)


def test_segment_figure_draws_the_chosen_round_in_percent():
    import matplotlib.pyplot as plt
    from lecture_lib.viz.lottery_curves import draw_along_segment
    s = np.linspace(0, 1, 5)
    error = np.zeros((5, 2, 3))
    error[2, 1, :] = 0.1                                    # a barrier in round index 1 only
    fig, ax = plt.subplots()
    draw_along_segment(ax, {"a": {"s": s, "error": error}, "b": {"s": s, "error": error * 0}}, round_index=1)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0, 0, 10, 0, 0])
    assert "band: lowest to highest seed" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel() == "test error (%)"
    with pytest.raises(ValueError, match="quantity"):
        draw_along_segment(ax, {"a": {"s": s, "error": error}}, round_index=0, quantity="accuracy")
    plt.close(fig)
