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


def test_chance_overlap_matches_random_masks_per_layer_and_pooled():
    """Two layers pruned at very different rates: the pooled chance is not rho/(2 - rho) of the pooled density."""
    rng = np.random.default_rng(0)
    shapes, keep = [(80, 50), (50, 10)], [0.05, 0.6]

    def random_masks():
        return [(rng.permutation(np.prod(s)) < round(k * np.prod(s))).reshape(s).astype(float)
                for s, k in zip(shapes, keep)]

    draws = [(random_masks(), random_masks()) for _ in range(400)]
    a, b = draws[0]
    simulated_pooled = np.mean([pr.mask_overlap(x, y) for x, y in draws])
    simulated_layers = np.mean([pr.mask_overlap(x, y, per_layer=True) for x, y in draws], axis=0)
    assert pr.chance_overlap(a, b) == pytest.approx(simulated_pooled, rel=0.02)
    np.testing.assert_allclose(pr.chance_overlap(a, b, per_layer=True), simulated_layers, rtol=0.05)
    for k, got in zip(keep, pr.chance_overlap(a, b, per_layer=True)):
        assert got == pytest.approx(k / (2 - k), rel=1e-3)          # one layer: rho / (2 - rho)
    rho = pr.density(a)
    assert abs(rho / (2 - rho) - simulated_pooled) > 0.05             # the old pooled formula is wrong here
    z = np.array([pr.overlap_z(x, y) for x, y in draws])
    assert abs(z.mean()) < 0.2 and 0.8 < z.std() < 1.2                # standardised under chance


def test_overlap_verdict_tells_chance_from_shared_structure():
    rng = np.random.default_rng(1)
    base = (rng.random((100, 40)) < 0.1).astype(float)
    same_ish = base.copy()
    same_ish[rng.random(base.shape) < 0.01] = 1.0                      # nearly the same mask
    others = [(rng.random((100, 40)) < 0.1).astype(float) for _ in range(4)]
    z_same = [pr.overlap_z([base], [same_ish])[0]]
    z_random = [pr.overlap_z([base], [m])[0] for m in others]
    assert pr.overlap_verdict(z_same).startswith("above chance in every pair")
    assert pr.overlap_verdict([abs(z) % 2.9 for z in z_random]).startswith("within chance")
    assert pr.overlap_verdict([5.0, 1.0]) == "above chance in 1 of 2 pairs (z > 3)"
    with pytest.raises(ValueError, match="z_values"):
        pr.overlap_verdict([])


def test_held_down_to_needs_an_unbroken_run():
    remaining = [100.0, 80.0, 64.0, 51.2, 41.0, 32.8]
    unbroken = [90.0, 89.5, 89.0, 88.5, 88.2, 88.1]
    assert pr.held_down_to(remaining, unbroken, 90.0, 2.0) == 32.8
    broken = [90.0, 89.5, 87.9, 88.5, 88.2, 88.1]                      # out at 64 %, back in later
    assert pr.held_down_to(remaining, broken, 90.0, 2.0) == 80.0
    with_gaps = [90.0, np.nan, 89.0, np.nan, 87.0, 88.5]
    assert pr.held_down_to(remaining, with_gaps, 90.0, 2.0) == 64.0
    assert pr.held_down_to(remaining, [85.0] * 6, 90.0, 2.0) is None
    with pytest.raises(ValueError, match="fall"):
        pr.held_down_to(remaining[::-1], unbroken, 90.0, 2.0)


def test_grouped_dense_equals_a_masked_block_diagonal_dense():
    rng = np.random.default_rng(2)
    G, H, C, N = 3, 4, 2, 5
    layer = pr.GroupedDense(G, C)
    layer.build((G * H,))
    layer.params["W"][...] = rng.standard_normal((G, H, C))
    layer.params["b"][...] = rng.standard_normal(G * C)
    big = np.zeros((G * H, G * C))
    for g in range(G):
        big[g * H:(g + 1) * H, g * C:(g + 1) * C] = layer.params["W"][g]
    x, dout = rng.standard_normal((N, G * H)), rng.standard_normal((N, G * C))
    np.testing.assert_allclose(layer.forward(x), x @ big + layer.params["b"], rtol=1e-12)
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, dout @ big.T, rtol=1e-12)
    full_dW = x.T @ dout
    for g in range(G):
        np.testing.assert_allclose(layer.grads["W"][g], full_dW[g * H:(g + 1) * H, g * C:(g + 1) * C], rtol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], dout.sum(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="groups"):
        pr.GroupedDense(3, 2).build((7,))


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


def test_adam_on_the_surviving_weights_only_is_bitwise_the_masked_dense_step():
    """train() steps a compact copy of the alive weights; the same as masking the gradient, stepping every weight
    and masking again (the slower loop it replaced), to the last bit, in both dtypes."""
    x, y = _data()
    labels = y.argmax(axis=1)
    for dtype in ("float64", "float32"):
        W, B, M = [], [], []
        for s in range(3):
            rng = np.random.default_rng(s)
            W.append([pr.glorot_normal(6, 5, rng), pr.glorot_normal(5, 3, rng)])
            B.append([0.1 * rng.standard_normal(5), np.zeros(3)])
            M.append(pr.prune_by_magnitude(W[-1], [np.ones((6, 5)), np.ones((5, 3))], [0.3 * s, 0.5]))
        fast = pr.SeedBatchMLP(W, B, M, dtype=dtype)
        fast.train(x, y, epochs=4, batch_size=8, eta=0.01, seed=3)
        slow = pr.SeedBatchMLP(W, B, M, dtype=dtype)
        model = slow.model
        model.compile(loss=pr.grouped_softmax_crossentropy(3), optimizer=Adam(eta=0.01))
        rng = np.random.default_rng(3)
        first, second = model.layers
        for _ in range(4):
            order = rng.permutation(x.shape[0])
            for start in range(0, x.shape[0], 8):
                idx = order[start:start + 8]
                model.backward(np.tile(y[idx], (1, 3)), model.forward(x[idx]))
                first.grads["W"] *= slow.mask1
                second.grads["W"] *= slow.mask2
                model.optimizer.step(model.params, model.grads)
                slow._apply_masks()
        for a, b in zip(fast.weights(), slow.weights()):
            for net_a, net_b in zip(a, b):
                for p, q in zip(net_a, net_b):
                    assert p.dtype == q.dtype == np.dtype(dtype) and np.array_equal(p, q)
        assert np.array_equal(fast.accuracy(x, labels), slow.accuracy(x, labels))
        assert np.all(fast.model.layers[0].params["W"][slow.mask1 == 0] == 0)


def test_pruned_weights_stay_zero_although_adam_has_momentum_for_them():
    """Prune half the weights AFTER Adam built up moments for them: with only the gradient masked they move again;
    SeedBatchMLP.train (Adam on the surviving weights only) keeps them at 0."""
    x, y = _data()
    rng = np.random.default_rng(0)
    W, B = [[pr.glorot_normal(6, 5, rng), pr.glorot_normal(5, 3, rng)]], [[np.zeros(5), np.zeros(3)]]
    dense = [[np.ones((6, 5)), np.ones((5, 3))]]
    net = pr.SeedBatchMLP(W, B, dense)
    model = net.model
    optimizer = Adam(eta=0.01)
    model.compile(loss=pr.grouped_softmax_crossentropy(1), optimizer=optimizer)
    for start in range(0, 40, 8):                        # dense steps: Adam with non-zero moments for every weight
        model.backward(y[start:start + 8], model.forward(x[start:start + 8]))
        optimizer.step(model.params, model.grads)
    masks = pr.prune_by_magnitude(net.weights()[0][0], dense[0], 0.5)
    net.mask1[...], net.mask2[...] = masks
    net._apply_masks()
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
        mask = np.broadcast_to(mask, layer.params["W"].shape)   # the output layer's W is (1, H, C)
        assert np.all(layer.params["W"][mask == 0] == 0)
        assert np.any(layer.params["W"][mask == 1] != 0)


def test_lottery_experiment_runs_every_variant_and_records_sparsity():
    x, y = _data()
    labels = y.argmax(1)
    result = pr.lottery_experiment(x, y, x, labels, rounds=2, seeds=(0, 1), hidden=8, epochs=2, batch_size=10,
                                   variants=("ticket", "late", "reinit", "random", "global"), late_step=3,
                                   global_fraction=0.5)
    assert result.remaining[0] == 100.0 and result.remaining[1] < 100.0 and result.remaining[2] < result.remaining[1]
    for variant, acc in result.accuracy.items():
        assert acc.shape == (2, 3) and np.all((acc >= 0) & (acc <= 1)), variant
        assert result.train_accuracy[variant].shape == (2, 3)
        assert result.curves[variant]["running_accuracy"].shape == (2, 3, 2)    # 2 epochs
        assert result.fit_epoch[variant].shape == result.initial_accuracy[variant].shape == (2, 3)
    global_mask = result.masks["global"][2][0]
    assert pr.density(global_mask) == pytest.approx(0.25, abs=0.02)              # two rounds of half of all weights
    ticket_mask, random_mask = result.masks["ticket"][2][0], result.masks["random"][2][0]
    assert [m.sum() for m in ticket_mask] == [m.sum() for m in random_mask]
    assert result.stop_iteration == {}                                      # no validation data, no early stop
    checked = pr.lottery_experiment(x[:30], y[:30], x, labels, rounds=1, seeds=(0, 1), hidden=8, epochs=3,
                                    batch_size=10, validation=(x[30:], labels[30:]), test_at=(3,))
    np.testing.assert_array_equal(checked.checkpoint_accuracy["ticket"][3], checked.accuracy["ticket"])
    best = checked.curves["ticket"]["val_loss"].argmin(axis=2)                  # index 0: before training
    np.testing.assert_array_equal(checked.stop_iteration["ticket"], best * 3)   # 3 steps per epoch
    assert checked.curves["ticket"]["val_loss"].shape == (2, 2, 4)
    with pytest.raises(ValueError, match="late_step"):
        pr.lottery_experiment(x, y, x, labels, rounds=1, seeds=(0,), hidden=4, epochs=1, variants=("ticket", "late"))
    with pytest.raises(ValueError, match="Unknown variant"):
        pr.lottery_experiment(x, y, x, labels, rounds=1, seeds=(0,), hidden=4, epochs=1, variants=("ticket", "nope"))


def test_best_weights_are_those_of_the_lowest_validation_loss_per_network():
    x, y = _data()
    rng = np.random.default_rng(0)
    W = [[pr.glorot_normal(6, 5, rng), pr.glorot_normal(5, 3, rng)] for _ in range(2)]
    B = [[np.zeros(5), np.zeros(3)] for _ in range(2)]
    M = [[np.ones((6, 5)), np.ones((5, 3))] for _ in range(2)]
    net = pr.SeedBatchMLP(W, B, M)
    labels = y.argmax(1)
    net.train(x[:30], y[:30], epochs=6, batch_size=10, eta=0.05, seed=0, validation=(x[30:], labels[30:]))
    losses = net.history["val_loss"]
    np.testing.assert_array_equal(net.history["best_epoch"], losses.argmin(axis=0))
    np.testing.assert_allclose(net.scores(x[30:], labels[30:], at="best")[1], losses.min(axis=0), rtol=1e-9)
    np.testing.assert_allclose(net.scores(x[30:], labels[30:])[1], losses[-1], rtol=1e-9)   # weights restored
    assert net.history["running_accuracy"].shape == (6, 2)
    with pytest.raises(ValueError, match="'end' or 'best'"):
        net.scores(x, labels, at="middle")


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
    assert list(lines["same masks, fresh init: mean of 1 seeds"].get_xdata()) == [100.0, 25.0]
    assert ax.get_xscale() == "log" and ax.xaxis_inverted()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["100", "50", "25"]      # every round labelled
    assert "band: worst to best seed" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    with pytest.raises(TypeError, match="LotteryResult"):
        draw_accuracy_against_remaining(ax, {"ticket": 1})


def test_seed_gap_is_paired_and_says_when_a_seed_goes_the_other_way():
    everywhere = pr.seed_gap([90.0, 88.0, 91.0], [85.0, 87.0, 86.0])
    assert everywhere["sentence"] == "+3.7 (from +1.0 to +5.0), ahead in 3 of 3 seeds"
    mixed = pr.seed_gap([90.0, 86.0, 91.0], [85.0, 87.0, 91.0])
    assert mixed["ahead"] == 1 and mixed["behind"] == 1
    assert mixed["sentence"].endswith("ahead in 1 of 3 seeds, behind in 1")
    with pytest.raises(ValueError, match="same length"):
        pr.seed_gap([1.0, 2.0], [1.0])


def _small_run(**kwargs):
    x, y = _data()
    return x, y, pr.lottery_experiment(x, y, x, y.argmax(1), rounds=2, seeds=(0, 1), hidden=8, epochs=4,
                                       batch_size=10, **kwargs)


def test_the_result_keeps_where_each_network_started_and_ended():
    x, y, result = _small_run(variants=("ticket", "late"), late_step=3)
    W0, b0, M0 = result.starts["ticket"][0][1]
    np.testing.assert_array_equal(M0[0], np.ones((6, 8)))
    W, b, M = result.starts["ticket"][2][1]
    np.testing.assert_array_equal(W[0], W0[0] * M[0])                   # rewound to the initial values
    assert all(np.array_equal(a, c) for a, c in zip(M, result.masks["ticket"][2][1]))
    late_W, late_b, _ = result.starts["late"][1][0]
    assert not np.array_equal(late_b[0], np.zeros(8))                   # the late rewind keeps trained biases
    # the trained copy, retrained alone from its start with the same settings, is the same network
    alone = pr.SeedBatchMLP([W], [b], [M])
    alone.train(x, y, 4, 10, 1e-3, seed=result.settings["order_seed"])
    trained_W, trained_b = result.trained["ticket"][2][1]
    np.testing.assert_allclose(alone.weights()[0][0][0], trained_W[0], atol=1e-12)
    assert result.settings == {"epochs": 4, "batch_size": 10, "eta": 1e-3, "dtype": "float64", "order_seed": 0}


def test_one_shot_curve_prunes_the_dense_networks_to_each_rounds_density_in_one_step():
    x, y, result = _small_run()
    shot = pr.one_shot_curve(result, x, y, x, y.argmax(1))
    np.testing.assert_allclose(shot["remaining"], result.remaining[1:])
    assert shot["accuracy"].shape == shot["train_accuracy"].shape == (2, 2)
    assert shot["epochs_one_shot"] == 8 and list(shot["epochs_iterative"]) == [8, 12]
    # one step from the dense weights: the round-2 mask keeps the largest trained dense weights of the layer
    dense_W = result.trained["ticket"][0][0][0][0]
    iterative = result.masks["ticket"][2][0][0]
    kept = int(iterative.sum())
    expected = np.zeros(dense_W.size)
    expected[np.argsort(-np.abs(dense_W.ravel()), kind="stable")[:kept]] = 1
    np.testing.assert_array_equal(shot["masks"][1][0][0].ravel(), expected)
    assert pr.one_shot_curve(result, x, y, x, y.argmax(1), rounds=(2,))["remaining"][0] == result.remaining[2]
    with pytest.raises(ValueError, match="rounds"):
        pr.one_shot_curve(result, x, y, x, y.argmax(1), rounds=(3,))


def test_barrier_height_is_the_maximum_above_the_mean_of_the_ends():
    assert pr.barrier_height([0.1, 0.5, 0.3]) == pytest.approx(0.3)
    assert pr.barrier_height([0.2, 0.1, 0.2]) == 0.0                     # a valley is no barrier
    assert pr.barrier_height([0.0, 0.5, 1.0]) == pytest.approx(0.5)       # a straight rise: the higher end
    np.testing.assert_allclose(pr.barrier_height(np.array([[0.0, 1.0], [2.0, 1.0], [0.0, 1.0]])), [2.0, 0.0])
    with pytest.raises(ValueError, match="2 points"):
        pr.barrier_height([1.0])


def test_stability_verdict_counts_seeds_within_the_threshold():
    assert pr.stability_verdict([0.0, 1.9, 2.0], 2) == "stable in every seed (error barrier <= 2 points)"
    assert pr.stability_verdict([0.0, 2.1, 0.3], 2) == "stable in 2 of 3 seeds (error barrier <= 2 points)"
    assert pr.stability_verdict([5.0, 2.1], 2) == "unstable in every seed (error barrier > 2 points)"
    with pytest.raises(ValueError, match="non-empty"):
        pr.stability_verdict([], 2)


def test_linear_mode_connectivity_is_flat_for_the_same_order_and_not_for_another():
    x, y, result = _small_run(variants=("ticket", "late", "reinit"), late_step=3, eta=0.05)
    labels = y.argmax(1)
    both = pr.linear_mode_connectivity(result, x, y, x, labels, ("ticket", "late"), rounds=(1, 2), order_seed=1,
                                       points=5)
    lmc = both["ticket"]
    assert lmc["error"].shape == lmc["loss"].shape == (5, 2, 2) and lmc["error_barrier"].shape == (2, 2)
    # the ends are the two copies: end A is the network the result trained
    end_a = pr.SeedBatchMLP([w for w, _ in result.trained["ticket"][1]], [b for _, b in result.trained["ticket"][1]],
                            [m for _, _, m in result.starts["ticket"][1]])
    accuracy, loss = end_a.scores(x, labels)
    np.testing.assert_allclose(lmc["loss"][0, 0], loss)
    np.testing.assert_allclose(lmc["error"][0, 0], 1 - accuracy)
    np.testing.assert_allclose(lmc["remaining"], result.remaining[1:])
    # end B of 'late' is the late start trained alone with the other order
    W, b, M = result.starts["late"][2][1]
    alone = pr.SeedBatchMLP([W], [b], [M])
    alone.train(x, y, 4, 10, 0.05, seed=1)
    np.testing.assert_allclose(both["late"]["loss"][-1, 1, 1], alone.scores(x, labels)[1][0], rtol=1e-9)
    # another data order gives another network: the loss in the middle rises above the ends' mean
    assert np.all(lmc["loss_barrier"] > 1e-6)
    # trained with the order the result used, copy B is copy A: the segment is flat, no barrier
    result.settings["order_seed"] = 7
    same = pr.linear_mode_connectivity(result, x, y, x, labels, ("late",), rounds=(2,), order_seed=0, points=5)["late"]
    result.settings["order_seed"] = 0
    np.testing.assert_allclose(same["loss_barrier"], 0.0, atol=1e-9)
    np.testing.assert_allclose(same["loss"], same["loss"][:1].repeat(5, axis=0), atol=1e-9)
    # the control: ticket and re-init share the mask, not the initial values
    between = pr.segment_between(result, x, labels, "ticket", "reinit", rounds=(2,), points=5)
    assert between["loss_barrier"].shape == (1, 2) and np.all(between["loss_barrier"] > 0)
    with pytest.raises(ValueError, match="different masks"):
        pr.segment_between(result, x, labels, "ticket", "late", rounds=(2,))
    with pytest.raises(ValueError, match="order_seed must differ"):
        pr.linear_mode_connectivity(result, x, y, x, labels, ("ticket",), rounds=(1,), order_seed=0)
    with pytest.raises(ValueError, match="no trained variant"):
        pr.linear_mode_connectivity(result, x, y, x, labels, ("random",), rounds=(1,))
