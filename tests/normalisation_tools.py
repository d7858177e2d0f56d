"""Set-up shared by the tests of the normalisation layers (test_batchnorm.py, test_layernorm.py)."""
import numpy as np


def with_random_gamma_beta(layer, d, seed=0):
    """``layer`` built for examples of d units, with gamma ~ U(0.5, 2) and beta ~ N(0, 1) drawn from ``seed``.

    Not the initial gamma = 1, beta = 0: a scale or shift applied wrongly (swapped, forgotten, per example
    instead of per unit) changes the output and the gradients, so the tests can see it.
    """
    layer.build((d,))
    rng = np.random.default_rng(seed)
    layer.params["gamma"][:] = rng.uniform(0.5, 2.0, d)
    layer.params["beta"][:] = rng.normal(size=d)
    return layer


def normalised_with_loops(x, gamma, beta, over, kappa=1e-5):
    """gamma_j (h_nj - h_bar) / sqrt(sigma^2 + kappa) + beta_j with Python loops; x : (N, D) -> list of rows.

    over : 'batch' (each unit's statistics over the N examples: batch norm) or 'units' (each example's over
    its D units: layer norm). The variance is the biased one (1/M), as every framework normalises with.
    """
    n_examples, n_units = len(x), len(x[0])
    out = [[0.0] * n_units for _ in range(n_examples)]
    for n in range(n_examples):
        for j in range(n_units):
            group = [x[k][j] for k in range(n_examples)] if over == "batch" else [x[n][k] for k in range(n_units)]
            mean = sum(group) / len(group)
            var = sum((h - mean) ** 2 for h in group) / len(group)
            out[n][j] = gamma[j] * (x[n][j] - mean) / (var + kappa) ** 0.5 + beta[j]
    return out
