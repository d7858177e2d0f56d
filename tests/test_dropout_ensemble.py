"""topics.dropout_ensemble: noisy subsets, exact mask averages, MC dropout, the forgot-eval measurement."""
import numpy as np
import pytest

from lecture_lib.topics.dropout_ensemble import (dropout_mlp, enumerate_masks, exact_mask_average,
                                                 forgot_eval_accuracy, inverted_dropout, mc_dropout_predict,
                                                 mean_and_spread, noisy_digits_subset, train_dropout_mlp)


def test_inverted_dropout_written_out():
    x = np.array([[1.0, 2.0, 3.0]])
    u = np.array([[0.1, 0.5, 0.9]])
    np.testing.assert_allclose(inverted_dropout(x, 0.5, u), [[0.0, 4.0, 6.0]])
    np.testing.assert_array_equal(inverted_dropout(x, 0.5, u, training=False), x)
    with pytest.raises(ValueError, match="p_drop < 1"):
        inverted_dropout(x, 1.0, u)


def test_noisy_subset_replaces_about_the_asked_fraction():
    x, y, wrong = noisy_digits_subset(1000, 0.3, seed=0)
    assert x.shape == (1000, 64) and y.shape == (1000, 10)
    assert 0.22 < wrong.mean() < 0.32  # 0.3 * 9/10 = 0.27 expected
    _, _, none_wrong = noisy_digits_subset(200, 0.0, seed=1)
    assert not none_wrong.any()
    with pytest.raises(ValueError, match="at most 1438"):
        noisy_digits_subset(5000)


def test_enumerate_masks_probabilities():
    masks, prob = enumerate_masks(3, 0.25)
    assert masks.shape == (8, 3) and len({tuple(m) for m in masks}) == 8
    assert prob.sum() == pytest.approx(1.0)
    assert prob[masks.sum(axis=1) == 3][0] == pytest.approx(0.75 ** 3)
    with pytest.raises(ValueError, match="at most 16"):
        enumerate_masks(17, 0.5)


def test_exact_average_matches_sampling_and_linearity():
    rng = np.random.default_rng(0)
    g, W = rng.uniform(size=(2, 4)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(exact_mask_average(lambda a: a @ W, g, 0.3), g @ W, rtol=1e-12)
    f = lambda a: np.tanh(a @ W)  # noqa: E731  non-linear: differs from one pass
    exact = exact_mask_average(f, g, 0.5)
    assert np.abs(exact - f(g)).max() > 1e-3
    masks = (rng.random((200000, 1, 4)) >= 0.5) * 2.0
    sampled = np.mean([f(g * m) for m in masks[:20000]], axis=0)
    np.testing.assert_allclose(sampled, exact, atol=0.02)


def test_mc_predict_is_reproducible_and_leaves_eval_mode():
    model = dropout_mlp(0.5, width=16, seed=0)
    x = np.random.default_rng(1).uniform(size=(5, 64))
    a, b = mc_dropout_predict(model, x, 5, seed=3), mc_dropout_predict(model, x, 5, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not model.layers[1].training
    assert not np.array_equal(mc_dropout_predict(model, x, 1, seed=4), model.predict(x))
    np.testing.assert_allclose(a.sum(axis=1), 1.0)


def test_a_short_run_and_forgot_eval():
    run = train_dropout_mlp(0.5, seed=0, n_train=100, label_noise=0.3, width=32, epochs=3)
    assert 0 <= run.train_acc <= 1 and 0 <= run.test_acc <= 1 and run.test_loss > 0
    assert 0 <= run.memorised_wrong <= 1 and len(run.history["val_acc"]) == 3
    from lecture_lib.datasets.digits import load_digits
    x, y = load_digits("test", one_hot=True, flatten=True)
    eval_acc, train_mode_acc = forgot_eval_accuracy(run.model, x, y)
    assert eval_acc == pytest.approx(run.test_acc)
    assert train_mode_acc != eval_acc
    clean = train_dropout_mlp(0.0, seed=0, n_train=50, width=8, epochs=1)
    assert np.isnan(clean.memorised_wrong)


def test_the_best_epoch_is_chosen_on_the_validation_split_and_its_weights_are_tested():
    run = train_dropout_mlp(0.0, seed=1, n_train=60, n_val=20, label_noise=0.3, width=16, epochs=6)
    val = run.history["val_acc"]
    assert run.best_epoch == 1 + int(np.argmax(val))  # the first epoch with the highest validation accuracy
    assert len(val) == 6 and all(0 <= acc <= 1 for acc in val)
    # the validation digits are not the test digits: 20 of them give accuracies in steps of 1/20
    assert all(abs(acc * 20 - round(acc * 20)) < 1e-9 for acc in val)
    assert 0 <= run.early_stopped_test_acc <= 1
    from lecture_lib.datasets.digits import load_digits
    x, y = load_digits("test", one_hot=True, flatten=True)
    assert run.model.evaluate(x, y)[1] == pytest.approx(run.test_acc)  # the final weights were put back
    # the same replicate trained for best_epoch epochs only has the weights that were tested
    short = train_dropout_mlp(0.0, seed=1, n_train=60, n_val=20, label_noise=0.3, width=16, epochs=run.best_epoch)
    assert short.test_acc == pytest.approx(run.early_stopped_test_acc)
    assert run.best_epoch < 6 and run.early_stopped_test_acc != pytest.approx(run.test_acc)  # this seed stops early


def test_mean_and_spread_uses_the_sample_deviation():
    mean, spread = mean_and_spread([[1.0, 2.0, 3.0]])
    assert mean[0] == 2.0 and spread[0] == 1.0


def test_evaluate_with_inference_factor_changes_only_the_factor():
    from lecture_lib.topics.dropout_ensemble import evaluate_with_inference_factor
    x = np.random.default_rng(2).uniform(size=(20, 64))
    y = np.eye(10)[np.arange(20) % 10]
    model = dropout_mlp(0.2, width=16, seed=0, variant="classic")
    keep = model.evaluate(x, y)
    np.testing.assert_allclose(evaluate_with_inference_factor(model, x, y, 0.8), keep)  # 1 - p: the usual rule
    drop = evaluate_with_inference_factor(model, x, y, 0.2)  # the slide's literal drop ratio
    assert drop[0] != pytest.approx(keep[0])
    np.testing.assert_allclose(model.evaluate(x, y), keep)  # the model is left as it was
    half = dropout_mlp(0.5, width=16, seed=0, variant="classic")
    np.testing.assert_allclose(evaluate_with_inference_factor(half, x, y, 0.5), half.evaluate(x, y))  # p = 1 - p
    with pytest.raises(ValueError, match="classic"):
        evaluate_with_inference_factor(dropout_mlp(0.5, width=16, seed=0), x, y, 0.5)
