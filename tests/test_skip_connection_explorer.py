"""viz.skip_connection_explorer (and topics.deep_training.skip_traces): the grid, the static twin, the widget."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.datasets.digits import load_digits  # noqa: E402
from lecture_lib.topics.deep_training import skip_traces, training_trace, deep_relu_mlp  # noqa: E402
from lecture_lib.viz.skip_connection_explorer import (skip_connection_explorer,  # noqa: E402
                                                      skip_connection_small_multiples, trace_grid)
from widget_tools import assert_redraws  # noqa: E402

X, Y = load_digits("train", one_hot=True, flatten=True)


@pytest.fixture(scope="module")
def traces():
    return skip_traces(X, Y, depths=(3, 6), branch_scales=(0.0, 1.0), steps=8, eta=0.01)


def test_traces_cover_the_grid_and_record_the_loss(traces):
    assert trace_grid(traces) == ([3, 6], [0.0, 1.0])
    norms, losses = traces[(6, 0.0)]
    assert norms.shape == (8, 7) and losses.shape == (8,) and np.all(np.isfinite(losses))
    assert losses[0] == pytest.approx(deep_relu_mlp(6, "residual", branch_scale=0.0).evaluate(
        X[np.random.default_rng(0).choice(len(X), 32, replace=False)],
        Y[np.random.default_rng(0).choice(len(X), 32, replace=False)])[0])  # the first batch's loss, before any update
    exploding_norms, exploding = training_trace(deep_relu_mlp(40, "residual_unscaled"), X, Y, steps=3)
    assert not np.isfinite(exploding).all()  # divergence shows as nan
    with pytest.raises(ValueError, match="lacks"):
        trace_grid({(3, 0.0): traces[(3, 0.0)]})


def test_small_multiples_has_a_panel_per_pair_and_the_plain_column(traces):
    fig = skip_connection_small_multiples(traces)
    assert len(fig.axes) == 2 * 3 + 1 and "plain" in fig.axes[0].get_title()
    plt.close(fig)


def test_explorer_redraws_on_both_sliders(traces):
    assert_redraws(skip_connection_explorer(traces), {"stages": 3, "branch scale": 0.0})
    with pytest.raises(ValueError, match="one of"):
        skip_connection_explorer(traces, depth=5)


def test_the_residual_line_has_the_colour_of_its_start(traces):
    """Scale 0 is the zero-start network (pink in every figure of chapter 10), 1 the unscaled one (green)."""
    import io

    from matplotlib.colors import to_hex, to_rgb
    from PIL import Image

    from lecture_lib.viz.deep_training_plots import OTHER_START_COLOUR, branch_scale_colour, variant_colour
    from widget_tools import find_control

    assert branch_scale_colour(0) == variant_colour("residual_zero")
    assert branch_scale_colour(0.1) == variant_colour("residual")
    assert branch_scale_colour(1.0) == variant_colour("residual_unscaled")
    assert branch_scale_colour(0.3) == OTHER_START_COLOUR and OTHER_START_COLOUR not in \
        {to_hex(variant_colour(k)).upper() for k in ("plain", "residual", "residual_zero", "residual_unscaled")}
    with pytest.raises(ValueError, match="branch_scale"):
        branch_scale_colour(-1.0)

    def colours_in(png):
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
        return {tuple(p) for p in np.unique(pixels, axis=0)}

    def rgb(kind):
        return tuple(int(round(255 * c)) for c in to_rgb(variant_colour(kind)))

    box = skip_connection_explorer(traces, depth=6, branch_scale=0.0)
    slider, picture = find_control(box, "branch scale"), box.children[1]
    zero = colours_in(picture.value)
    slider.value = 1.0
    unscaled = colours_in(picture.value)
    assert rgb("residual_zero") in zero and rgb("residual_zero") not in unscaled
    assert rgb("residual_unscaled") in unscaled and rgb("residual_unscaled") not in zero
