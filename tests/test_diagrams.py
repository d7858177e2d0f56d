"""lecture_lib.viz.diagrams: the slides' diagrams carry the labels the slides show."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.diagrams import draw_backprop_learning, draw_layer_indices, draw_network, draw_unit  # noqa: E402


def texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_unit_has_x0_equal_1_every_weight_sigma_and_f(ax):
    draw_unit(ax, n_inputs=3)
    labels = texts(ax)
    assert "$x_0 = 1$" in labels and "$x_3$" in labels
    assert [f"$w_{i}$" for i in range(4)] == [t for t in labels if t.startswith("$w_")]
    assert "Σ" in labels and "f" in labels


def test_network_draws_one_bias_node_per_layer_below_the_output(ax):
    draw_network(ax, (2, 3, 2), bias=True)
    assert texts(ax).count("1") == 2
    # links: 2*3 + 3*2 between units, plus 3 + 2 from the bias nodes
    assert len(ax.lines) == 6 + 6 + 3 + 2


def test_network_without_bias_has_no_bias_nodes(ax):
    draw_network(ax, (2, 3, 2))
    assert texts(ax).count("1") == 0 and len(ax.lines) == 12


def test_backprop_picture_names_teacher_signal_error_and_update(ax):
    draw_backprop_learning(ax, sizes=(3, 4, 2))
    joined = " ".join(texts(ax))
    for phrase in ["teacher", "error", "update", "input → output"]:
        assert phrase in joined


def test_layer_picture_names_layers_n_minus_1_to_n_plus_1(ax):
    draw_layer_indices(ax)
    labels = texts(ax)
    assert {"layer $n-1$", "layer $n$", "layer $n+1$", "$w_{ij}$"} <= set(labels)


@pytest.mark.parametrize("call", [lambda a: draw_network(a, (3,)), lambda a: draw_unit(a, 0),
                                  lambda a: draw_layer_indices(a, 1), lambda a: draw_backprop_learning(a, (2,))])
def test_bad_sizes_are_named(ax, call):
    with pytest.raises(ValueError):
        call(ax)
