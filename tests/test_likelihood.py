"""The losses as negative log-likelihoods (SymPy and SciPy, both ways) and Huber's location between median and mean."""
import numpy as np
import pytest

from lecture_lib.topics.likelihood import (NOISE_MODELS, huber_location, likelihood_gaps,
                                           prove_losses_are_negative_log_likelihoods)


def test_each_loss_is_its_noise_models_negative_log_likelihood_up_to_a_constant():
    proofs = prove_losses_are_negative_log_likelihoods()
    assert list(proofs) == list(NOISE_MODELS)
    assert all(expression == 0 for expression in proofs.values())


def test_the_proof_has_teeth_wrong_losses_leave_a_derivative():
    wrong = prove_losses_are_negative_log_likelihoods(use_wrong_loss=True)
    assert all(expression != 0 for expression in wrong.values())


def test_scipy_log_densities_differ_from_the_losses_by_constants():
    gaps = {gap.model: gap for gap in likelihood_gaps(n=200, delta=0.5, seed=1)}
    assert all(gap.spread < 1e-12 for gap in gaps.values())
    assert gaps[NOISE_MODELS[0]].constant == pytest.approx(0.5 * np.log(2 * np.pi))       # log sqrt(2 pi)
    assert gaps[NOISE_MODELS[1]].constant == pytest.approx(0.0, abs=1e-15)
    assert gaps[NOISE_MODELS[3]].constant == pytest.approx(np.log(2 / 0.5) + 0.5 ** 2 / 2)  # log(2b) + delta^2/2


def test_huber_location_limits_median_and_mean():
    y = np.random.default_rng(0).exponential(size=21)           # skewed: mean far from median
    assert huber_location(y, 1e-4) == pytest.approx(np.median(y), abs=1e-9)
    assert huber_location(y, 100.0) == pytest.approx(np.mean(y), abs=1e-9)
    between = huber_location(y, 1.0)
    assert np.median(y) < between < np.mean(y)


def test_huber_location_is_a_minimiser_written_differently():
    y = np.array([0.0, 1.0, 2.0, 10.0, -3.0])
    grid = np.linspace(-3, 10, 130001)
    r = grid[:, None] - y[None, :]
    losses = np.where(np.abs(r) <= 1.5, 0.5 * r ** 2, 1.5 * (np.abs(r) - 0.75)).sum(axis=1)
    assert huber_location(y, 1.5) == pytest.approx(grid[np.argmin(losses)], abs=1e-4)


def test_huber_location_even_sample_small_delta_is_the_middle_of_the_median_interval():
    assert huber_location([0.0, 1.0, 2.0, 10.0], 1e-6) == pytest.approx(1.5, abs=1e-6)


@pytest.mark.parametrize("y, delta, error", [([], 1.0, ValueError), ([1.0, 2.0], 0.0, ValueError),
                                             ("ab", 1.0, TypeError), ([1.0, np.nan], 1.0, ValueError)])
def test_huber_location_bad_input(y, delta, error):
    with pytest.raises(error):
        huber_location(y, delta)
