"""viz.dropout_explorer: the sample it draws, the static twin, the widget and the sweep plot."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.dropout_explorer import (draw_p_sweep, dropout_explorer, dropout_sample,  # noqa: E402
                                              dropout_small_multiples, dropped_messages)
from widget_tools import assert_redraws, find_control  # noqa: E402

IMAGE = np.arange(1.0, 65.0).reshape(8, 8) / 64  # every pixel > 0: kept <=> non-zero


def test_sample_keeps_the_expectation_and_counts_kept_units():
    one, average, n_kept = dropout_sample(IMAGE, 0.5, seed=0, n_average=4000)
    assert np.count_nonzero(one) == n_kept
    np.testing.assert_allclose(average, IMAGE, atol=0.06)
    assert set(np.round(np.unique(one / IMAGE), 12)) == {0.0, 2.0}
    one, average, n_kept = dropout_sample(IMAGE, 1.0)
    assert n_kept == 0 and not one.any()
    with pytest.raises(ValueError, match="2-D"):
        dropout_sample(IMAGE.ravel(), 0.5)


def test_small_multiples_has_two_rows():
    fig = dropout_small_multiples(IMAGE, p_values=(0.0, 0.8, 1.0))
    assert len(fig.axes) == 7 and "kept" in fig.axes[0].get_title()  # 2 x 3 panels and a colour bar
    vmin, vmax = fig.axes[0].images[0].get_clim()
    assert vmin == 0 and 2 * IMAGE.max() < vmax <= IMAGE.max() / 0.2 + 1e-12  # p = 0.8: x5, not clipped at x2
    assert any("dropped" in text.get_text() for text in fig.axes[2].texts)  # p = 1 says why it is empty
    plt.close(fig)


def test_explorer_redraws_on_both_sliders():
    assert_redraws(dropout_explorer(IMAGE, p_drop=0.2), {"p_drop": 0.8, "mask seed": 3})


def _panel_pixels(png, column):
    """The middle of the one-mask panel (column 0) or the average panel (column 1) of the widget's frame, RGB."""
    from PIL import Image

    frame = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    height, width, _ = frame.shape
    # the panels fill x in [0.02, 0.84] of the width (two columns) and y in [0.03, 0.84] of the height
    left = 0.02 + column * 0.41
    return frame[int(0.35 * height):int(0.65 * height), int((left + 0.1) * width):int((left + 0.3) * width)]


def _coloured(pixels):
    """Whether any pixel has a colour (the message is orange; the panels' colour map is grey)."""
    pixels = pixels.astype(int)
    return bool(np.any(pixels.max(axis=-1) - pixels.min(axis=-1) > 60))


def test_explorer_says_so_when_every_unit_is_dropped():
    explorer = dropout_explorer(IMAGE, p_drop=1.0)
    image = explorer.children[1]
    for column in (0, 1):  # both panels would be all white (output 0 at the bottom of the colour scale)
        assert len(np.unique(_panel_pixels(image.value, column).reshape(-1, 3), axis=0)) > 2, column
    assert dropped_messages(0, np.zeros((8, 8)))[0].startswith("every unit dropped")
    assert dropped_messages(50, IMAGE) == ("", "")
    find_control(explorer, "p_drop").value = 0.2  # the message goes away once units are kept
    assert not _coloured(_panel_pixels(image.value, 0)) and not _coloured(_panel_pixels(image.value, 1))
    find_control(explorer, "p_drop").value = 1.0
    assert _coloured(_panel_pixels(image.value, 0)) and _coloured(_panel_pixels(image.value, 1))  # back again


def test_sweep_plot_checks_its_rows():
    fig, ax = plt.subplots()
    draw_p_sweep(ax, [0.0, 0.5], np.ones((2, 3)), np.zeros((2, 3)))
    assert len(ax.get_legend().get_texts()) == 2
    assert all("± 1 sd over 3 seeds" in text.get_text() for text in ax.get_legend().get_texts())  # bars said
    with pytest.raises(ValueError, match="one row per p value"):
        draw_p_sweep(ax, [0.0, 0.5, 0.9], np.ones((2, 3)), np.zeros((2, 3)))
    plt.close(fig)
