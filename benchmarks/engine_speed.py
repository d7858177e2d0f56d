"""Speed and memory of ``Sequential.fit`` against a hand-written NumPy loop and its peers.

Usage::

    python benchmarks/engine_speed.py [--repeats 9] [--shape small|large|all] [--no-memory]

What is timed
-------------
One epoch of plain mini-batch SGD (eta = 0.01, shuffled every epoch),
float32 end to end, ReLU hidden layers, a softmax output with categorical
cross-entropy, on random data (x ~ N(0, 1), random class labels):

* ``small``: MLP 64-128-10, 14,376 examples, batch 200 (72 updates);
* ``large``: MLP 784-512-512-10, 12,000 examples, batch 128 (94 updates).

Each contender runs one warm-up epoch, then ``repeats`` timed epochs; the
median is reported. The contenders:

* ``lecture_lib``: ``Sequential(...).fit(x, y_one_hot, batch_size, epochs=1)``,
  including its input validation and its NaN/inf watch;
* ``hand NumPy``: the floor, a minimal forward/backward/SGD loop (gradient
  arrays preallocated; activations allocated per batch, as plain NumPy code
  would; no checks, nothing but the arithmetic);
* ``PyTorch`` CPU (``nn.Sequential``, ``CrossEntropyLoss``, ``optim.SGD``)
  and scikit-learn's ``MLPClassifier`` (``solver='sgd'``, no momentum, no
  L2, ``max_iter=1``), each only when installed. Neither is a dependency of
  the package.

Split: the matrix products of one epoch, each timed alone on hot operands
with NumPy and with PyTorch, are subtracted from each contender's epoch. A
gap in the products is the BLAS libraries' (NumPy ships OpenBLAS, PyTorch's
CPU wheel MKL); a gap in the rest is the engines' own.

Memory: a separate (untimed) fit on the large shape under ``tracemalloc``
reports the peak of the memory allocated during ``fit`` beyond what existed
before it, next to the size of the parameters and of one batch's
activations (NumPy reports its array buffers to tracemalloc).
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass

import numpy as np

from lecture_lib.nn.layers import Dense
from lecture_lib.nn.model import Sequential
from lecture_lib.nn.one_hot import to_one_hot
from lecture_lib.nn.optimizers import SGD

ETA = 0.01
TARGET_VS_NUMPY = 1.3
TARGET_VS_TORCH = 1.0
#: Seconds of idle time before each timed epoch (see ``median_times``).
IDLE_S = 0.3
#: Timed epochs per contender (their median is reported); the default of this script and of run.py.
REPEATS = 9


@dataclass(frozen=True)
class Shape:
    """One benchmark case: layer widths (input, hidden..., classes), examples, batch size."""

    name: str
    widths: tuple
    n: int
    batch_size: int

    def label(self):
        return f"{'-'.join(map(str, self.widths))}, N={self.n:,}, batch {self.batch_size}"


SHAPES = {
    "small": Shape("small", (64, 128, 10), 14_376, 200),
    "large": Shape("large", (784, 512, 512, 10), 12_000, 128),
}


def make_data(shape, seed=0):
    """Random float32 inputs (N, D), integer labels (N,) and one-hot targets (N, C)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((shape.n, shape.widths[0]), dtype=np.float32)
    labels = rng.integers(0, shape.widths[-1], shape.n)
    return x, labels, to_one_hot(labels, shape.widths[-1], dtype="float32")


def median_times(runs, repeats):
    """(median, fastest) wall time (s) of each ``runs[name]()`` over ``repeats`` rounds after one warm-up.

    The contenders take turns (one epoch each per round), so that a load
    from other processes on the machine slows them all alike. Before each
    epoch the script sleeps ``IDLE_S``: the worker threads of the previous
    contender's thread pool keep spinning for a while after its last call
    (OpenBLAS's, PyTorch's OpenMP, MKL's OpenMP for up to 200 ms), and
    would otherwise share the two cores with the next contender.
    """
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            time.sleep(IDLE_S)
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(ts), min(ts)) for name, ts in times.items()}


# --- contenders ---------------------------------------------------------------------------

def lecture_lib_epoch(shape, x, y):
    """One epoch of ``Sequential.fit``; returns a function that runs it."""
    layers = [Dense(w, activation="relu") for w in shape.widths[1:-1]]
    model = Sequential([*layers, Dense(shape.widths[-1], activation="softmax")], dtype="float32", seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(eta=ETA))
    model.build((shape.widths[0],))
    epoch = iter(range(1, 10**9))
    return lambda: model.fit(x, y, batch_size=shape.batch_size, epochs=1, seed=next(epoch))


def numpy_epoch(shape, x, labels, y):
    """The floor: forward, softmax cross-entropy, backward and SGD written out in plain NumPy.

    The gradient arrays ``dws``, ``dbs`` are preallocated; the activations are allocated per batch,
    as plain NumPy code would.
    """
    rng = np.random.default_rng(0)
    ws = [(rng.standard_normal((d, u), dtype=np.float32) * np.float32(np.sqrt(2 / d)))
          for d, u in zip(shape.widths[:-1], shape.widths[1:])]
    bs = [np.zeros(u, dtype=np.float32) for u in shape.widths[1:]]
    dws, dbs = [np.empty_like(w) for w in ws], [np.empty_like(b) for b in bs]
    eta = np.float32(ETA)
    bsz, n = shape.batch_size, shape.n

    def run():
        order = rng.permutation(n)
        loss_sum = 0.0
        for start in range(0, n, bsz):
            idx = order[start:start + bsz]
            a = [x[idx]]
            yb, lb = y[idx], labels[idx]
            for k, (w, b) in enumerate(zip(ws, bs)):
                h = a[-1] @ w
                h += b
                if k < len(ws) - 1:
                    np.maximum(h, 0, out=h)
                a.append(h)
            p = a[-1]
            p -= p.max(axis=1, keepdims=True)
            np.exp(p, out=p)
            p /= p.sum(axis=1, keepdims=True)
            loss_sum -= float(np.log(np.maximum(p[np.arange(len(idx)), lb], 1e-7)).sum())
            d = p - yb
            d *= np.float32(1 / len(idx))
            for k in range(len(ws) - 1, -1, -1):
                np.matmul(a[k].T, d, out=dws[k])
                np.sum(d, axis=0, out=dbs[k])
                if k:
                    d = d @ ws[k].T
                    d *= a[k] > 0
            for w, b, dw, db in zip(ws, bs, dws, dbs):
                dw *= eta
                w -= dw
                db *= eta
                b -= db
        return loss_sum / n

    return run


def torch_epoch(shape, x, labels):
    """One epoch of the same network in PyTorch (CPU); None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    mods = []
    for d, u in zip(shape.widths[:-2], shape.widths[1:-1]):
        mods += [torch.nn.Linear(d, u), torch.nn.ReLU()]
    net = torch.nn.Sequential(*mods, torch.nn.Linear(*shape.widths[-2:]))
    opt = torch.optim.SGD(net.parameters(), lr=ETA)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    bsz, n = shape.batch_size, shape.n

    def run():
        order = torch.randperm(n)
        for start in range(0, n, bsz):
            idx = order[start:start + bsz]
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return run


def sklearn_epoch(shape, x, labels):
    """One epoch of scikit-learn's MLPClassifier; None when scikit-learn is not installed."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    clf = MLPClassifier(hidden_layer_sizes=shape.widths[1:-1], activation="relu", solver="sgd",
                        batch_size=shape.batch_size, learning_rate_init=ETA, momentum=0.0,
                        nesterovs_momentum=False, alpha=0.0, max_iter=1, shuffle=True, random_state=0)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x, labels)

    return run


def versions():
    """'torch 2.x (2 threads)' / 'not installed' and the same for scikit-learn."""
    out = {}
    try:
        import torch
        out["PyTorch"] = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        out["PyTorch"] = "not installed"
    try:
        import sklearn
        out["sklearn"] = f"scikit-learn {sklearn.__version__}"
    except ImportError:
        out["sklearn"] = "not installed"
    return out


def time_shape(shape, repeats):
    """(median, fastest) epoch times (s) of every contender on ``shape``; None for one not installed."""
    x, labels, y = make_data(shape)
    makers = {
        "lecture_lib": lambda: lecture_lib_epoch(shape, x, y),
        "hand NumPy": lambda: numpy_epoch(shape, x, labels, y),
        "PyTorch": lambda: torch_epoch(shape, x, labels),
        "sklearn": lambda: sklearn_epoch(shape, x, labels),
    }
    runs = {name: make() for name, make in makers.items()}
    medians = median_times({name: run for name, run in runs.items() if run is not None}, repeats)
    return {name: medians.get(name) for name in runs}


def report_speed(shapes, repeats):
    """Print the table and the two ratios per shape; return True when both targets are met."""
    print(f"## Engine speed: one SGD epoch, float32 (median of {repeats} after a warm-up, contenders in turn)")
    for name, text in versions().items():
        print(f"  {name}: {text}")
    ok = True
    for shape in shapes:
        times = time_shape(shape, repeats)
        print(f"\nMLP {shape.label()}")
        for name, t in times.items():
            print(f"  {name:12s} " + ("not installed" if t is None else
                                      f"{1000 * t[0]:8.1f} ms   (fastest {1000 * t[1]:.1f} ms)"))
        times = {name: None if t is None else t[0] for name, t in times.items()}  # medians from here on
        ours = times["lecture_lib"]
        r_np = ours / times["hand NumPy"]
        met = r_np <= TARGET_VS_NUMPY
        print(f"  ours / hand NumPy = {r_np:.2f}   (target <= {TARGET_VS_NUMPY}: {'met' if met else 'MISSED'})")
        ok &= met
        if times["PyTorch"] is not None:
            r_t = ours / times["PyTorch"]
            met = r_t <= TARGET_VS_TORCH
            print(f"  ours / PyTorch    = {r_t:.2f}   (target <= {TARGET_VS_TORCH}: {'met' if met else 'MISSED'})")
            ok &= met
        if times["sklearn"] is not None:
            print(f"  ours / sklearn    = {ours / times['sklearn']:.2f}")
        report_split(shape, times)
    return ok


def report_split(shape, times):
    """Print each contender's epoch split into its matrix products (timed alone) and the rest.

    ``times``: median epoch seconds by contender (None: not installed). The
    products are the same for every NumPy contender, so a gap between
    NumPy and PyTorch in "products" is the BLAS libraries', and a gap in
    "rest" is the engines' own (Python, elementwise work, updates).
    """
    floor = gemm_floor(shape)
    blas = {"lecture_lib": "NumPy", "hand NumPy": "NumPy", "PyTorch": "PyTorch"}
    print("  split of the epoch: matrix products alone (timed hot, fastest of 20) + the rest")
    for name, library in blas.items():
        if times[name] is None or floor[library] is None:
            continue
        products = floor[library]
        print(f"    {name:12s} {1000 * times[name]:6.1f} ms = products {1000 * products:6.1f} ms ({library}'s BLAS)"
              f" + rest {1000 * (times[name] - products):5.1f} ms")
    if floor["PyTorch"] is not None and floor["NumPy"] > 1.1 * floor["PyTorch"]:
        print(f"  NumPy's BLAS takes {floor['NumPy'] / floor['PyTorch']:.2f} x PyTorch's time for the same products;"
              " `make bench-mkl` compares the engines on a NumPy built against PyTorch's BLAS (MKL)")


# --- the matrix-multiply floor -----------------------------------------------------------------

def gemm_products(shape):
    """(M, K, N, transpose_a, transpose_b) of every matrix product in one SGD step of ``shape``.

    Forward x @ W per layer; backward dW = x^T eps per layer and dx = eps W^T
    for every layer but the first.
    """
    b, widths = shape.batch_size, shape.widths
    products = [(b, d, u, False, False) for d, u in zip(widths[:-1], widths[1:])]
    products += [(d, b, u, True, False) for d, u in zip(widths[:-1], widths[1:])]
    products += [(b, u, d, False, True) for d, u in zip(widths[1:-1], widths[2:])]
    return products


def gemm_floor(shape, repeats=20):
    """Seconds per epoch spent in matrix products alone (fastest of ``repeats``), NumPy and PyTorch (or None)."""
    rng = np.random.default_rng(0)
    n_batches = -(-shape.n // shape.batch_size)
    try:
        import torch
    except ImportError:
        torch = None
    totals = {"NumPy": 0.0, "PyTorch": None if torch is None else 0.0}
    for m, k, n, ta, tb in gemm_products(shape):
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        out = np.empty((m, n), dtype=np.float32)
        a_, b_ = (a.T if ta else a), (b.T if tb else b)
        calls = {"NumPy": lambda: np.matmul(a_, b_, out=out)}
        if torch is not None:
            at, bt, ot = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
            at_, bt_ = (at.T if ta else at), (bt.T if tb else bt)
            calls["PyTorch"] = lambda: torch.mm(at_, bt_, out=ot)
        for name, call in calls.items():
            call()
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                call()
                best = min(best, time.perf_counter() - start)
            totals[name] += best * n_batches
    return totals


# --- memory ---------------------------------------------------------------------------------

def report_memory(shape=SHAPES["large"]):
    """Print the memory allocated by fit (first epoch and a later one) next to parameter and batch sizes.

    Returns the peak (bytes) of the later epoch beyond what existed before it.
    """
    x, _, y = make_data(shape)
    itemsize = np.dtype(np.float32).itemsize
    n_params = sum(d * u + u for d, u in zip(shape.widths[:-1], shape.widths[1:]))
    per_batch = shape.batch_size * sum(shape.widths) * itemsize
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        run = lecture_lib_epoch(shape, x, y)  # creates the parameters and gradients
        built = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()  # the first epoch creates the batch buffers
        first_kept, first_peak = (m - before for m in tracemalloc.get_traced_memory())
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()
        later_kept, later_peak = (m - before for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    mib = 2**20
    print(f"\n## Memory: fit on MLP {shape.label()}, float32 (tracemalloc)")
    print(f"  data x, y                 {(x.nbytes + y.nbytes) / mib:7.2f} MiB (the caller's arrays, not counted below)")
    print(f"  parameters                {n_params * itemsize / mib:7.2f} MiB ({n_params:,} values); "
          f"with their gradients {built / mib:.2f} MiB")
    print(f"  activations of one batch  {per_batch / mib:7.2f} MiB ({shape.batch_size} x {sum(shape.widths)} values)")
    print(f"  first epoch: peak {first_peak / mib:6.2f} MiB, kept afterwards {first_kept / mib:5.2f} MiB "
          f"(batch buffers, optimiser scratch) = {first_kept / per_batch:.1f} batches")
    print(f"  later epoch: peak {later_peak / mib:6.2f} MiB = {later_peak / per_batch:.1f} batches of activations, "
          f"kept afterwards {later_kept / mib:.2f} MiB")
    return later_peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed epochs per contender (median)")
    parser.add_argument("--shape", choices=[*SHAPES, "all"], default="all")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    args = parser.parse_args(argv)
    shapes = list(SHAPES.values()) if args.shape == "all" else [SHAPES[args.shape]]
    ok = report_speed(shapes, args.repeats)
    if not args.no_memory:
        report_memory()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
