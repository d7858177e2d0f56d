"""Magnitude pruning, rewinding, masks honoured by training (Adam cannot revive a pruned weight), seed batching."""
import numpy as np
import pytest

from lecture_lib.nn import Adam, Dense, Sequential, to_one_hot
from lecture_lib.topics import pruning as pr


def test_prune_by_magnitude_removes_a_fraction_of_the_remaining_per_layer():
    W = [np.array([[0.1, -0.5, 0.3, -0.05, 0.9]]), np.array([[2.0], [-0.2]])]
    M = [np.array([[1.0, 1.0, 1.0, 0.0, 1.0]]), np.ones((2, 1))]
    new = pr.prune_by_magnitude(W, M, [0.5, 0.5])
    np.testing.assert_array_equal(new[0], [[0, 1, 0, 0, 1]])      # 2 of the 4 remaining: 0.1 and 0.3, not the pruned 0.05
    np.testing.assert_array_equal(new[1], [[1], [0]])
    np.testing.assert_array_equal(M[0], [[1, 1, 1, 0, 1]])         # input masks untouched
    with pytest.raises(ValueError, match="layer 0"):
        pr.prune_by_magnitude([np.ones(3)], [np.ones(2)], 0.5)


def test_global_pruning_uses_one_threshold_over_all_layers():
    W = [np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[10.0, 20.0, 30.0, 40.0]])]
    M = [np.ones((1, 4)), np.ones((1, 4))]
    new = pr.prune_globally(W, M, 0.5)
    np.testing.assert_array_equal(new[0], [[0, 0, 0, 0]])
    np.testing.assert_array_equal(new[1], [[1, 1, 1, 1]])
    per_layer = pr.prune_by_magnitude(W, M, 0.5)
    assert pr.density(per_layer) == pr.density(new) == 0.5 and not np.array_equal(per_layer[0], new[0])


def test_random_pruning_keeps_counts_and_stays_inside_the_mask():
    M = [np.ones((10, 10)), np.ones((10, 2))]
    new = pr.random_pruning(M, [0.2, 0.1], 0)
    assert new[0].sum() == 80 and new[1].sum() == 18
    again = pr.random_pruning(new, [0.2, 0.1], 1)
    assert np.all(again[0] <= new[0]) and again[0].sum() == 64


def test_rewind_density_overlap():
    W0 = [np.array([[1.0, 2.0]]), np.array([[3.0]])]
    M = [np.array([[0.0, 1.0]]), np.array([[1.0]])]
    np.testing.assert_array_equal(pr.rewind(W0, M)[0], [[0.0, 2.0]])
    assert pr.density(M) == pytest.approx(2 / 3)
    assert pr.mask_overlap(M, M) == 1.0
    assert pr.mask_overlap([np.array([[1.0, 0.0]])], [np.array([[0.0, 1.0]])]) == 0.0


def test_grouped_loss_equals_separate_softmax_crossentropies_and_its_gradient():
    rng = np.random.default_rng(0)
    h, labels = rng.standard_normal((4, 6)), rng.integers(0, 3, (4, 2))
    y = np.hstack([np.eye(3)[labels[:, 0]], np.eye(3)[labels[:, 1]]])
    loss = pr.grouped_softmax_crossentropy(2)
    separate = 0.0
    for g in range(2):
        p = np.exp(h[:, 3 * g:3 * g + 3]) / np.exp(h[:, 3 * g:3 * g + 3]).sum(1, keepdims=True)
        separate += -np.mean(np.log(p[np.arange(4), labels[:, g]]))
    assert loss.value(y, h) == pytest.approx(separate)
    numeric = np.zeros_like(h)
    for idx in np.ndindex(h.shape):
        e = np.zeros_like(h)
        e[idx] = 1e-6
        numeric[idx] = (loss.value(y, h + e) - loss.value(y, h - e)) / 2e-6
    np.testing.assert_allclose(loss.gradient(y, h), numeric, atol=1e-7)


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6))
    return x, to_one_hot((x[:, 0] > 0).astype(int) + (x[:, 1] > 0), 3)


def test_batched_seeds_train_exactly_like_one_seed_alone():
    x, y = _data()
    W, B, M = [], [], []
    for s in range(3):
        rng = np.random.default_rng(s)
        W.append([pr.glorot_normal(6, 5, rng), pr.glorot_normal(5, 3, rng)])
        B.append([np.zeros(5), np.zeros(3)])
        M.append(pr.prune_by_magnitude(W[-1], [np.ones((6, 5)), np.ones((5, 3))], 0.3))
    together = pr.SeedBatchMLP(W, B, M)
    together.train(x, y, epochs=5, batch_size=8, eta=0.01, seed=0)
    alone = pr.SeedBatchMLP(W[1:2], B[1:2], M[1:2])
    alone.train(x, y, epochs=5, batch_size=8, eta=0.01, seed=0)
    for a, b in zip(together.weights()[0][1], alone.weights()[0][0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_pruned_weights_stay_zero_although_adam_has_momentum_for_them():
    """Prune half the weights AFTER Adam built up moments for them: without the re-applied mask they move again."""
    x, y = _data()
    rng = np.random.default_rng(0)
    W, B = [[pr.glorot_normal(6, 5, rng), pr.glorot_normal(5, 3, rng)]], [[np.zeros(5), np.zeros(3)]]
    dense = [[np.ones((6, 5)), np.ones((5, 3))]]
    net = pr.SeedBatchMLP(W, B, dense)
    net.train(x, y, epochs=3, batch_size=8, eta=0.01, seed=0)
    optimizer = net.model.optimizer                      # Adam with non-zero moments for every weight
    masks = pr.prune_by_magnitude(net.weights()[0][0], dense[0], 0.5)
    net.mask1[...], net.mask2[...] = masks
    net._apply_masks()
    model = net.model
    # one step the way the engine alone would take it: the mask only in the forward weights
    y_hat = model.forward(x[:8])
    model.backward(y[:8], y_hat)
    for layer, mask in zip(model.layers, masks):
        layer.grads["W"] *= mask                         # even with masked gradients ...
    optimizer.step(model.params, model.grads)
    revived = sum(int(np.sum((layer.params["W"] != 0) & (mask == 0))) for layer, mask in zip(model.layers, masks))
    assert revived > 0                                   # ... Adam's momentum moves pruned weights
    net._apply_masks()
    # and the training loop re-applies the mask after every step
    net.train(x, y, epochs=2, batch_size=8, eta=0.01, seed=1)
    for layer, mask in zip(model.layers, masks):
        assert np.all(layer.params["W"][mask == 0] == 0)
        assert np.any(layer.params["W"][mask == 1] != 0)


def test_lottery_experiment_runs_every_variant_and_records_sparsity():
    x, y = _data()
    labels = y.argmax(1)
    result = pr.lottery_experiment(x, y, x, labels, rounds=2, seeds=(0, 1), hidden=8, epochs=2, batch_size=10,
                                   variants=("ticket", "late", "reinit", "random"), late_step=3)
    assert result.remaining[0] == 100.0 and result.remaining[1] < 100.0 and result.remaining[2] < result.remaining[1]
    for variant, acc in result.accuracy.items():
        assert acc.shape == (2, 3) and np.all((acc >= 0) & (acc <= 1)), variant
    ticket_mask, random_mask = result.masks["ticket"][2][0], result.masks["random"][2][0]
    assert [m.sum() for m in ticket_mask] == [m.sum() for m in random_mask]
    with pytest.raises(ValueError, match="late_step"):
        pr.lottery_experiment(x, y, x, labels, rounds=1, seeds=(0,), hidden=4, epochs=1, variants=("late",))
    with pytest.raises(ValueError, match="Unknown variant"):
        pr.lottery_experiment(x, y, x, labels, rounds=1, seeds=(0,), hidden=4, epochs=1, variants=("nope",))


def test_accuracy_figure_skips_rounds_a_control_did_not_run():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lecture_lib.viz.lottery_curves import draw_accuracy_against_remaining

    result = pr.LotteryResult([100.0, 50.0, 25.0], {"ticket": np.array([[0.9, 0.9, 0.8]]),
                                                    "reinit": np.array([[0.9, np.nan, 0.7]])}, {}, 0.0)
    fig, ax = plt.subplots()
    draw_accuracy_against_remaining(ax, result)
    lines = {line.get_label(): line for line in ax.lines}
    assert list(lines["same masks, fresh init"].get_xdata()) == [100.0, 25.0]
    assert ax.get_xscale() == "log" and ax.xaxis_inverted()
    plt.close(fig)
    with pytest.raises(TypeError, match="LotteryResult"):
        draw_accuracy_against_remaining(ax, {"ticket": 1})


def test_one_shot_pruning_reaches_the_requested_density():
    x, y = _data()
    out = pr.one_shot_pruning(x, y, x, y.argmax(1), keep=(0.5, 0.5), seeds=(0,), hidden=8, epochs=1, batch_size=10)
    assert out["remaining"] == pytest.approx(50.0, abs=1.0)
    assert out["ticket"].shape == out["reinit"].shape == (1,)
