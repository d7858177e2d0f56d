"""Train MLPs 40-w-w-10 of many widths w at once: one sweep of a width-wise double-descent curve.

Each width w is a network x -> relu(x W1 + b1) -> relu(. W2 + b2) -> . W3 + b3
(softmax and mean cross-entropy over the mini-batch), trained by SGD with
momentum: v <- mu v + grad, w <- w - eta v (PyTorch's form of the update).
All widths see the same mini-batches in the same order, and the weights of
width w are drawn from their own generator ``default_rng((seed, w))``, so a
width's run does not depend on which other widths are trained beside it:
``train_width_sweep(widths)`` equals ``train_one_width(w)`` for every w in
``widths`` (tests/test_width_sweep.py checks this to rounding).

Layout (chosen for speed on a 2-core machine, where every wasted FLOP costs
time): the hidden units of all widths are concatenated along one axis of
length S = sum(widths).

* Layer 1 is one matrix product x (B, D) @ W1 (D, S): each column belongs to
  exactly one width, so one GEMM does every width's first layer with no wasted
  work.
* Layer 2 (w x w) and the output layer (w x 10) are one product per width on
  slices of the concatenated activations (views, no copies). Zero-padding
  every width to the largest would cost len(widths) * max(w)^2 per row
  against sum(w^2): about 8x the useful FLOPs for 19 geometric widths from 2
  to 300; a block-diagonal (S x S) matrix costs S^2, about 7x. The price of
  exact FLOPs is a Python loop of 3 small products per width and step in each
  direction, which is small next to the products of the wide networks.
* Softmax and cross-entropy run on the stacked logits (G, B, 10) in one
  vectorised step; the parameters, gradients and velocities of all widths
  live in three flat buffers, so the momentum update is two vector operations.

Initialisation: He-uniform weights, U(-sqrt(6 / fan_in), sqrt(6 / fan_in)),
zero biases (what ``torch.nn.init.kaiming_uniform_`` with zeroed biases gives;
the PyTorch loop in benchmarks/double_descent_sweep.py uses the same rule).

Data: ``mnist1d_data`` generates MNIST-1D (Greydanus 2020) with the
``mnist1d`` package's procedural generator (no download; the data are
bit-identical under OpenBLAS and MKL); ``flip_labels`` adds label noise.

Chapter 12's notebook settings (decided for its 60 s budget, not the anchor's):
1,000 training examples, 9 widths from 8 to 128, 40 epochs at eta = 0.05
(five times the anchor's, so that the wide networks still reach zero training
error in 40 epochs), six seeds per noise level trained one after another in
the kernel's own process, one notebook cell per noise level. Processes do
not save CPU time, and on a 2-core machine that already runs two test
workers they only add competition; 4,000 examples (the anchor's) would cost
four times the CPU time, far beyond the chapter's budget.
At these settings no peak stands out of the spread between seeds, and the
chapter says so. A peak beyond that spread needs a larger budget: with
15 % noise, 2,000 training examples, 100 epochs at eta = 0.02 and five
seeds, ``peak_near_threshold`` finds one (mean test error 0.615 at the
interpolation width 64, against 0.594 narrower and 0.583 at width 128, largest
std over seeds 0.010), but that noisy sweep alone took about 20 s of CPU time
on the shared machine (a clean sweep beside it for the contrast, more), so the
notebook, already near 40 s idle, does not run it and points at the benchmark.
It trains in float64: in float32 a
sweep under MKL and one under OpenBLAS differed in the second decimal of the
test error after 40 epochs (the products sum in another order and training
amplifies the difference), while the float64 runs agreed in every printed digit.
``benchmarks/double_descent_sweep.py`` runs the anchor's settings in float32.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

N_CLASSES = 10


def check_widths(widths) -> tuple[int, ...]:
    """Return ``widths`` as a tuple of positive ints; raise ValueError naming the first bad entry."""
    widths = tuple(widths) if not isinstance(widths, (int, np.integer)) else (widths,)
    if not widths:
        raise ValueError("widths must list at least one hidden-layer width")
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, Integral) or w < 1:
            raise ValueError(f"every width must be a positive int, got {w!r} in {widths!r}")
    return tuple(int(w) for w in widths)


def _check_data(x, y, name):
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"{name} inputs must be 2-D (N, D), got shape {x.shape}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"{name} labels must have shape ({x.shape[0]},) to match the inputs {x.shape}, "
                         f"got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (y.size and (y.min() < 0 or y.max() >= N_CLASSES)):
        raise ValueError(f"{name} labels must be integers in 0..{N_CLASSES - 1}")
    return x, y.astype(np.int64)


def flip_labels(y, fraction, seed=0, n_classes=N_CLASSES):
    """Labels y with round(fraction * N) of them, chosen at random, changed to another class.

    Each chosen label is replaced by one of the n_classes - 1 other classes,
    uniformly, so exactly that many labels differ from y. Returns (y_noisy,
    flipped) where flipped is the boolean mask (N,) of changed labels.
    """
    y = np.asarray(y)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    n_flip = int(round(fraction * len(y)))
    chosen = rng.choice(len(y), size=n_flip, replace=False)
    shift = rng.integers(1, n_classes, size=n_flip)  # 1..C-1: never the same class
    y_noisy = y.copy()
    y_noisy[chosen] = (y[chosen] + shift) % n_classes
    flipped = np.zeros(len(y), dtype=bool)
    flipped[chosen] = True
    return y_noisy, flipped


def mnist1d_data(n_train=4000, n_test=1000, seed=42):
    """MNIST-1D from the ``mnist1d`` package's generator: (x_train (n, 40), y_train, x_test, y_test).

    Uses the package's default arguments (those of the paper's frozen data set)
    with num_samples = n_train + n_test (a multiple of 10: equally many of
    each class); generating never downloads.
    """
    from mnist1d.data import get_dataset_args, make_dataset  # optional dependency (the `notebooks` extra)

    if (n_train + n_test) % N_CLASSES:
        raise ValueError(f"n_train + n_test must be a multiple of {N_CLASSES} (the generator makes equally many "
                         f"examples of every class), got {n_train} + {n_test}")
    args = get_dataset_args()
    args.num_samples = n_train + n_test
    # make_dataset splits at int(num_samples * train_split): the half keeps float rounding off n_train - 1
    args.train_split = (n_train + 0.5) / (n_train + n_test)
    args.seed = seed
    data = make_dataset(args)
    return data["x"], data["y"], data["x_test"], data["y_test"]


@dataclass
class SweepHistory:
    """Per width and recorded epoch: loss and error on the training and the test data.

    Every array has shape (len(epochs), len(widths)); ``epochs`` lists the
    epochs after which the row was recorded (1-based; 0 = before training).
    """
    widths: tuple
    epochs: np.ndarray
    train_loss: np.ndarray
    train_error: np.ndarray
    test_loss: np.ndarray
    test_error: np.ndarray


class _Stack:
    """Parameters of all widths in one flat buffer, with views per layer and width."""

    def __init__(self, widths, n_inputs, seed, dtype):
        self.widths = widths
        self.offsets = np.concatenate([[0], np.cumsum(widths)])
        S = int(self.offsets[-1])
        G = len(widths)
        sizes = [("W1", (n_inputs, S)), ("b1", (S,))]
        sizes += [(("W2", g), (w, w)) for g, w in enumerate(widths)] + [("b2", (S,))]
        sizes += [(("W3", g), (w, N_CLASSES)) for g, w in enumerate(widths)] + [("b3", (G, N_CLASSES))]
        total = sum(int(np.prod(shape)) for _, shape in sizes)
        self.params = np.zeros(total, dtype)
        self.grads = np.zeros(total, dtype)
        self.velocity = np.zeros(total, dtype)
        self.p, self.g = {}, {}
        start = 0
        for key, shape in sizes:
            n = int(np.prod(shape))
            self.p[key] = self.params[start:start + n].reshape(shape)
            self.g[key] = self.grads[start:start + n].reshape(shape)
            start += n
        for g, w in enumerate(widths):  # each width from its own generator: independent of the others
            rng = np.random.default_rng((seed, w))
            cols = self.slice(g)
            self.p["W1"][:, cols] = _he_uniform(rng, n_inputs, w)
            self.p[("W2", g)][...] = _he_uniform(rng, w, w)
            self.p[("W3", g)][...] = _he_uniform(rng, w, N_CLASSES)

    def slice(self, g):
        return slice(int(self.offsets[g]), int(self.offsets[g + 1]))

    def forward(self, x):
        """Return (h1, h2, logits (G, B, 10)); h1, h2 (B, S) are the pre-activations."""
        p = self.p
        h1 = x @ p["W1"]
        h1 += p["b1"]
        g1 = np.maximum(h1, 0)
        h2 = np.empty_like(h1)
        logits = np.empty((len(self.widths), x.shape[0], N_CLASSES), h1.dtype)
        for g in range(len(self.widths)):
            cols = self.slice(g)
            h2[:, cols] = g1[:, cols] @ p[("W2", g)]
        h2 += p["b2"]
        g2 = np.maximum(h2, 0)
        for g in range(len(self.widths)):
            np.matmul(g2[:, self.slice(g)], p[("W3", g)], out=logits[g])
        logits += p["b3"][:, None, :]
        return g1, h1, g2, h2, logits

    def step(self, x, y, eta, mu):
        g1, h1, g2, h2, logits = self.forward(x)
        B = x.shape[0]
        d_logits = _softmax(logits)
        d_logits[:, np.arange(B), y] -= 1
        d_logits /= B  # dE/dlogits of the mean cross-entropy, per width
        p, gr = self.p, self.g
        gr["b3"][...] = d_logits.sum(axis=1)
        d_g2 = np.empty_like(h2)
        for g in range(len(self.widths)):
            cols = self.slice(g)
            np.matmul(g2[:, cols].T, d_logits[g], out=gr[("W3", g)])
            d_g2[:, cols] = d_logits[g] @ p[("W3", g)].T
        d_h2 = d_g2 * (h2 > 0)
        gr["b2"][...] = d_h2.sum(axis=0)
        d_g1 = np.empty_like(h1)
        for g in range(len(self.widths)):
            cols = self.slice(g)
            np.matmul(g1[:, cols].T, d_h2[:, cols], out=gr[("W2", g)])
            d_g1[:, cols] = d_h2[:, cols] @ p[("W2", g)].T
        d_h1 = d_g1 * (h1 > 0)
        np.matmul(x.T, d_h1, out=gr["W1"])
        gr["b1"][...] = d_h1.sum(axis=0)
        self.velocity *= mu
        self.velocity += self.grads
        self.params -= eta * self.velocity

    def evaluate(self, x, y, chunk=2000):
        """Mean cross-entropy and error rate per width on (x, y): two arrays (G,)."""
        loss = np.zeros(len(self.widths))
        wrong = np.zeros(len(self.widths))
        for start in range(0, len(y), chunk):
            xb, yb = x[start:start + chunk], y[start:start + chunk]
            logits = self.forward(xb)[-1].astype(np.float64)
            shifted = logits - logits.max(axis=2, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
            loss -= log_p[:, np.arange(len(yb)), yb].sum(axis=1)
            wrong += (logits.argmax(axis=2) != yb).sum(axis=1)
        return loss / len(y), wrong / len(y)


def _he_uniform(rng, fan_in, fan_out):
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def batch_orders(n, epochs, seed):
    """The shuffled order of the n training examples in each epoch: (epochs, n) ints."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)]) if epochs else np.zeros((0, n), int)


def train_width_sweep(widths, x_train, y_train, x_test, y_test, *, eta=0.01, mu=0.9, batch_size=100,
                      epochs=500, record_every=None, seed=0, dtype=np.float32):
    """Train the MLPs 40-w-w-10 for every w in ``widths`` at once; return a ``SweepHistory``.

    x_train (N, D), y_train (N,) ints in 0..9; the same for the test data.
    SGD with momentum mu and learning rate eta on mini-batches of batch_size
    (the last, smaller batch of an epoch is kept, as PyTorch's DataLoader does);
    the order of the examples is reshuffled every epoch (``batch_orders``).
    Losses and errors are recorded before training and every
    ``record_every`` epochs (default: only at the end) and after the last one.
    """
    widths = check_widths(widths)
    x_train, y_train = _check_data(x_train, y_train, "training")
    x_test, y_test = _check_data(x_test, y_test, "test")
    if x_test.shape[1] != x_train.shape[1]:
        raise ValueError(f"test inputs have {x_test.shape[1]} features, training inputs {x_train.shape[1]}")
    for name, value in (("batch_size", batch_size), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < (0 if name == "epochs" else 1):
            raise ValueError(f"{name} must be a {'non-negative' if name == 'epochs' else 'positive'} int, "
                             f"got {value!r}")
    record_every = epochs if record_every is None else record_every
    x_train = x_train.astype(dtype)
    x_test = x_test.astype(dtype)
    stack = _Stack(widths, x_train.shape[1], seed, dtype)
    rows = []

    def record(epoch):
        rows.append((epoch, *stack.evaluate(x_train, y_train), *stack.evaluate(x_test, y_test)))

    record(0)
    for epoch, order in enumerate(batch_orders(len(y_train), epochs, seed), start=1):
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            stack.step(x_train[batch], y_train[batch], dtype(eta), dtype(mu))
        if epoch % max(record_every, 1) == 0 or epoch == epochs:
            record(epoch)
    columns = list(zip(*rows))
    return SweepHistory(widths, np.array(columns[0]), *(np.array(c) for c in columns[1:]))


def train_one_width(width, x_train, y_train, x_test, y_test, *, eta=0.01, mu=0.9, batch_size=100,
                    epochs=500, seed=0, dtype=np.float64):
    """The plain loop for one width (reference for ``train_width_sweep``): final train/test (loss, error).

    Same initialisation, batch order and update as the sweep, written
    layer by layer for a single network.
    """
    (width,) = check_widths([width])
    x_train, y_train = _check_data(x_train, y_train, "training")
    x_test, y_test = _check_data(x_test, y_test, "test")
    rng = np.random.default_rng((seed, width))
    D = x_train.shape[1]
    W1 = _he_uniform(rng, D, width).astype(dtype)
    W2 = _he_uniform(rng, width, width).astype(dtype)
    W3 = _he_uniform(rng, width, N_CLASSES).astype(dtype)
    params = [W1, np.zeros(width, dtype), W2, np.zeros(width, dtype), W3, np.zeros(N_CLASSES, dtype)]
    velocity = [np.zeros_like(q) for q in params]
    x_train = x_train.astype(dtype)
    x_test = x_test.astype(dtype)

    def forward(x):
        h1 = x @ params[0] + params[1]
        g1 = np.maximum(h1, 0)
        h2 = g1 @ params[2] + params[3]
        g2 = np.maximum(h2, 0)
        return g1, h1, g2, h2, g2 @ params[4] + params[5]

    for order in batch_orders(len(y_train), epochs, seed):
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            x, y = x_train[batch], y_train[batch]
            g1, h1, g2, h2, logits = forward(x)
            d = _softmax(logits)
            d[np.arange(len(y)), y] -= 1
            d /= len(y)
            d_h2 = (d @ params[4].T) * (h2 > 0)
            d_h1 = (d_h2 @ params[2].T) * (h1 > 0)
            grads = [x.T @ d_h1, d_h1.sum(0), g1.T @ d_h2, d_h2.sum(0), g2.T @ d, d.sum(0)]
            for q, v, grad in zip(params, velocity, grads):
                v *= mu
                v += grad
                q -= eta * v

    def evaluate(x, y):
        logits = forward(x)[-1].astype(np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean(), np.mean(logits.argmax(axis=1) != y)

    return evaluate(x_train, y_train) + evaluate(x_test, y_test)


def sweep_flops(widths, n_train, n_test, n_inputs=40, epochs=500, evaluations=1):
    """Multiply-adds x 2 of the matrix products of one sweep (training plus ``evaluations`` passes).

    Per example and step: forward 2 (D S + sum w^2 + 10 S); backward the weight
    gradients of all three layers plus the input gradients of layers 2 and 3,
    2 (D S + 2 sum w^2 + 2 * 10 S). Each evaluation is a forward pass over the
    training and the test data.
    """
    widths = check_widths(widths)
    S = sum(widths)
    sq = sum(w * w for w in widths)
    forward = 2 * (n_inputs * S + sq + N_CLASSES * S)
    backward = 2 * (n_inputs * S + 2 * sq + 2 * N_CLASSES * S)
    return epochs * n_train * (forward + backward) + evaluations * (n_train + n_test) * forward


@dataclass
class SeedSweep:
    """Final training and test error per seed and width of ``width_sweep_over_seeds``.

    ``train_error`` and ``test_error`` have shape (len(seeds), len(widths));
    ``label_noise`` is the fraction of flipped training labels (per seed its own draw).
    """
    widths: tuple
    seeds: tuple
    label_noise: float
    train_error: np.ndarray
    test_error: np.ndarray


def _final_errors(job):
    """One (label_noise, seed) run of ``width_sweep_over_seeds``: (train errors, test errors) (G,) each."""
    widths, x_train, y_train, x_test, y_test, label_noise, seed, train_kwargs = job
    labels = flip_labels(y_train, label_noise, seed=seed)[0] if label_noise else y_train
    history = train_width_sweep(widths, x_train, labels, x_test, y_test, seed=seed, **train_kwargs)
    return history.train_error[-1], history.test_error[-1]


def width_sweep_over_seeds(widths, x_train, y_train, x_test, y_test, *, label_noise=0.0, seeds=(0, 1, 2),
                           processes=1, **train_kwargs):
    """``train_width_sweep`` once per seed (and per label noise); return a ``SeedSweep`` (or a dict of them).

    Seed s draws the initial weights and the batch order (``train_width_sweep(seed=s)``)
    and, with ``label_noise`` > 0, which training labels are flipped
    (``flip_labels(y_train, label_noise, seed=s)``). The test labels are never flipped.
    ``label_noise`` may be a sequence of fractions: then the result is a dict
    fraction -> SeedSweep. ``processes`` > 1 runs the (noise, seed) sweeps in
    that many forked processes (each computes exactly what it would alone, so
    the results equal a run with processes=1). ``train_kwargs`` go to
    ``train_width_sweep`` (eta, mu, batch_size, epochs, dtype).
    """
    widths = check_widths(widths)
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds must list at least one seed")
    several = not isinstance(label_noise, (int, float, np.floating))
    noises = tuple(float(v) for v in (label_noise if several else (label_noise,)))
    if isinstance(processes, bool) or not isinstance(processes, Integral) or processes < 1:
        raise ValueError(f"processes must be a positive int, got {processes!r}")
    jobs = [(widths, x_train, y_train, x_test, y_test, noise, seed, train_kwargs) for noise in noises for seed in seeds]
    if processes == 1:
        finals = [_final_errors(job) for job in jobs]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
            finals = list(pool.map(_final_errors, jobs))
    results = {}
    for k, noise in enumerate(noises):
        part = finals[k * len(seeds):(k + 1) * len(seeds)]
        results[noise] = SeedSweep(widths, seeds, noise, np.array([f[0] for f in part]), np.array([f[1] for f in part]))
    return results if several else results[noises[0]]


def interpolation_width(widths, train_error):
    """The smallest width from which every seed fits every training example, at that width and all wider.

    widths : (G,) increasing; train_error : (S, G) or (G,). Returns an int, or
    None when the widest network still misclassifies a training example in
    some seed. The run must be unbroken: a width that interpolates followed by
    a wider one that does not does not count.
    """
    widths = check_widths(widths)
    errors = np.atleast_2d(np.asarray(train_error, dtype=float))
    if errors.shape[1] != len(widths):
        raise ValueError(f"train_error must have one column per width ({len(widths)}), got shape {errors.shape}")
    if list(widths) != sorted(set(widths)):
        raise ValueError(f"widths must be strictly increasing, got {widths}")
    fits = np.all(errors == 0, axis=0)
    if not fits[-1]:
        return None
    k = len(widths) - 1
    while k > 0 and fits[k - 1]:
        k -= 1
    return widths[k]


@dataclass
class PeakVerdict:
    """Whether the mean test error has a peak near the interpolation threshold (``peak_near_threshold``).

    threshold : the interpolation width (None: no width interpolates in every seed);
    peak_width, peak : the width with the highest mean test error among the
    ``window`` widths up to and including the threshold, and that mean;
    before : the lowest mean test error at narrower widths; after : the mean at the widest width;
    margin : the largest standard deviation over seeds at those three widths;
    appears : peak - before > margin and peak - after > margin.
    """
    threshold: int | None
    peak_width: int | None
    peak: float
    before: float
    after: float
    margin: float
    appears: bool


def peak_near_threshold(widths, train_error, test_error, window=3):
    """Decide whether the mean test error peaks near the interpolation threshold, beyond the seeds' spread.

    widths : (G,) increasing; train_error, test_error : (S, G), one row per seed.
    The candidates are the ``window`` widths ending at the interpolation width
    (``interpolation_width``: the training error rises to its last nonzero
    value just before it). The peak "appears" only when its mean exceeds both
    the lowest mean at narrower widths and the mean at the widest width by
    more than one standard deviation over seeds (the largest of the three
    points): a bump smaller than the spread between seeds is not called a peak.
    """
    widths = check_widths(widths)
    test = np.atleast_2d(np.asarray(test_error, dtype=float))
    if test.shape[1] != len(widths):
        raise ValueError(f"test_error must have one column per width ({len(widths)}), got shape {test.shape}")
    threshold = interpolation_width(widths, train_error)
    if threshold is None:
        return PeakVerdict(None, None, float("nan"), float("nan"), float("nan"), float("nan"), False)
    k_threshold = widths.index(threshold)
    mean, std = test.mean(axis=0), test.std(axis=0)
    first = max(k_threshold - window + 1, 1)  # at least one narrower width to compare with
    if first > k_threshold or k_threshold == len(widths) - 1:
        return PeakVerdict(threshold, None, float("nan"), float("nan"), float("nan"), float("nan"), False)
    k_peak = first + int(np.argmax(mean[first:k_threshold + 1]))
    k_before = int(np.argmin(mean[:first]))
    margin = float(max(std[k_peak], std[k_before], std[-1]))
    peak, before, after = float(mean[k_peak]), float(mean[k_before]), float(mean[-1])
    return PeakVerdict(threshold, widths[k_peak], peak, before, after, margin,
                       bool(peak - before > margin and peak - after > margin))
