"""The width slider of chapter 11: each H redraws both networks and marks its errors."""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from lecture_lib.viz.approximation_rates import approximation_explorer  # noqa: E402
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
