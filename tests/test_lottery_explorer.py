"""The sparsity slider of chapter 13: precomputed rounds, every seed of each variant at the chosen round."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.topics.pruning import LotteryResult  # noqa: E402
from lecture_lib.viz.lottery_curves import lottery_explorer  # noqa: E402
from widget_tools import find_control  # noqa: E402


def _result():
    rng = np.random.default_rng(0)
    acc = {v: np.clip(0.9 - 0.05 * k * np.arange(4) + 0.01 * rng.standard_normal((3, 4)), 0, 1)
           for k, v in enumerate(("ticket", "reinit", "random"))}
    train = {v: np.ones((3, 4)) for v in acc}
    return LotteryResult([100.0, 50.0, 25.0, 12.5], acc, {}, 0.0, train_accuracy=train)


def test_slider_moves_through_the_rounds_and_redraws():
    box = lottery_explorer(_result())
    slider = find_control(box, "pruning round")
    picture = box.children[1]
    assert slider.min == 0 and slider.max == 3 and slider.value == 3
    frames = {picture.value}
    for value in (0, 1, 2):
        slider.value = value
        frames.add(picture.value)
    assert len(frames) == 4                                  # every round draws a different picture


def test_explorer_refuses_what_it_cannot_draw():
    with pytest.raises(TypeError, match="LotteryResult"):
        lottery_explorer({"ticket": 1})
    with pytest.raises(ValueError, match="none of the variants"):
        lottery_explorer(_result(), variants=("late",))
    with pytest.raises(ValueError, match="quantity"):
        lottery_explorer(_result(), quantity="speed")
