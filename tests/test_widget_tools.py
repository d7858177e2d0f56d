"""tests/widget_tools.py: the helpers the explorers' tests share can fail."""
import ipywidgets as widgets
import pytest

from widget_tools import assert_redraws, find_control


def _explorer(redraws=True):
    """A box like an explorer's: a slider and a picture that the slider redraws (or forgets to)."""
    slider = widgets.IntSlider(value=1, min=0, max=5, description="level")
    picture = widgets.Image(value=b"1", format="png")
    if redraws:
        slider.observe(lambda change: setattr(picture, "value", str(change["new"]).encode()), names="value")
    return widgets.VBox([widgets.HBox([slider]), picture])


def test_find_control_finds_a_nested_control_by_its_label_and_names_a_missing_one():
    box = _explorer()
    assert find_control(box, "level").value == 1
    with pytest.raises(LookupError, match="'speed'"):
        find_control(box, "speed")


def test_assert_redraws_passes_a_redrawing_explorer_only():
    assert_redraws(_explorer(), {"level": 3})
    with pytest.raises(AssertionError, match="did not redraw"):
        assert_redraws(_explorer(redraws=False), {"level": 3})


def test_assert_redraws_refuses_a_move_that_proves_nothing():
    with pytest.raises(AssertionError, match="already holds"):
        assert_redraws(_explorer(), {"level": 1})
    with pytest.raises(AssertionError, match="did not take"):
        assert_redraws(_explorer(), {"level": 9})  # beyond max: the slider clamps it
