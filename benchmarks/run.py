"""All benchmarks of the series in one run (``make bench``): engine speed and memory, notebook times, playground latency, double descent sweep.

Usage::

    python benchmarks/run.py [--only engine,notebooks,playground,doubledescent] [--repeats 9] [--dd-epochs 3]

Prints the machine first (date, cores, CPU model, Python, NumPy and its
BLAS with the kernel it runs, the OpenBLAS variables, the load average, since
the machine may be shared), then each section with its targets:

* engine: one SGD epoch of ``Sequential.fit`` next to a hand-written NumPy
  loop, PyTorch and scikit-learn (``benchmarks/engine_speed.py``); targets
  ours <= 1.3 x hand NumPy and <= 1.0 x PyTorch; peak memory of a fit;
* notebooks: every notebook of ``notebooks/`` and ``solutions/`` on a fresh
  kernel against 60 s each (``benchmarks/notebook_times.py``);
* playground: slider-to-redraw latency against 100 ms
  (``benchmarks/playground_latency.py``, run as its own process);
* doubledescent: chapter 12's MNIST-1D width sweep at the anchor's settings
  but only ``--dd-epochs`` epochs (default 3; the anchor's 500 take minutes:
  run ``benchmarks/double_descent_sweep.py`` alone for them), ours against the
  PyTorch loop in the same run; target PyTorch / ours >= 3 (when torch is
  installed).

The exit status is 0 only when every target was met. ``make bench`` unsets
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command alone (see the
README of benchmarks/).
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import engine_speed  # noqa: E402

SECTIONS = ("engine", "notebooks", "playground", "doubledescent")
DD_EPOCHS = 3  # the default run's epochs of the double descent sweep (the anchor's: 500)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _blas() -> str:
    """'openblas 0.3.x, kernel SkylakeX, 2 threads' from threadpoolctl, or NumPy's build info."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        import numpy  # noqa: F401  (loads its BLAS so that threadpoolctl sees it)

        # NumPy's own copy of OpenBLAS lies in numpy.libs; a NumPy built against a shared
        # BLAS (MKL in .venv-mkl, see `make bench-mkl`) loads it from elsewhere.
        blas = sorted((info for info in threadpool_info() if info.get("user_api") == "blas"),
                      key=lambda info: "numpy" not in info.get("filepath", ""))
        if blas:
            info = blas[0]
            kernel = f", kernel {info['architecture']}" if info.get("architecture") else ""
            return (f"{info.get('internal_api')} {info.get('version')}{kernel}, "
                    f"{info.get('num_threads')} threads (threadpoolctl)")
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        how = "threadpoolctl not installed" if threadpool_info is None else "threadpoolctl does not see it"
        return f"{blas.get('name')} {blas.get('version')} (NumPy's build info; {how}: kernel unknown)"
    except Exception:  # older NumPy: no dict mode
        return "unknown (threadpoolctl not installed)"


def print_machine():
    import numpy as np

    env = {key: os.environ.get(key, "unset") for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print("# Benchmarks of the lecture series")
    print(f"  date       {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"  machine    {os.cpu_count()} cores, {_cpu_model()}, {_memory()}, {platform.system()} {platform.machine()}")
    print(f"  Python     {platform.python_version()}, NumPy {np.__version__}")
    print(f"  BLAS       {_blas()}")
    print("  env        " + ", ".join(f"{k}={v}" for k, v in env.items()))
    print(f"  load avg   {_load()} (1, 5, 15 min; other processes share these cores)")


def run_playground() -> bool:
    """Run benchmarks/playground_latency.py in its own process; True when its target was met."""
    script = HERE / "playground_latency.py"
    print("## Playground: slider-to-redraw latency (target: median < 100 ms)")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=HERE.parent)
    for line in (result.stdout + result.stderr).strip().splitlines():
        print(f"  {line}")
    return result.returncode == 0


def run_double_descent(epochs: int) -> bool:
    """benchmarks/double_descent_sweep.py at ``epochs`` epochs; True when its target was met (or torch is absent)."""
    import double_descent_sweep

    print(f"## Double descent sweep (chapter 12): the anchor's settings at {epochs} of its "
          f"{double_descent_sweep.EPOCHS} epochs (target: PyTorch / ours >= {double_descent_sweep.TARGET:g})")
    return double_descent_sweep.main(["--epochs", str(epochs)]) == 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--repeats", type=int, default=engine_speed.REPEATS, help="timed epochs per contender (median)")
    parser.add_argument("--dd-epochs", type=int, default=DD_EPOCHS,
                        help=f"epochs of the double descent sweep (default {DD_EPOCHS}; the anchor's: 500)")
    args = parser.parse_args(argv)
    if args.dd_epochs < 1:
        parser.error(f"--dd-epochs must be a positive number of epochs, got {args.dd_epochs}")
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; valid: {', '.join(SECTIONS)}")
    start = time.perf_counter()
    print_machine()
    ok = True
    if "engine" in sections:
        print()
        ok &= engine_speed.report_speed(list(engine_speed.SHAPES.values()), args.repeats)
        engine_speed.report_memory()
    if "notebooks" in sections:
        # Imported here: it needs nbclient, which the MKL environment of `make bench-mkl` (--only engine) lacks.
        import notebook_times

        print()
        ok &= notebook_times.report()
    if "playground" in sections:
        print()
        ok &= run_playground()
    if "doubledescent" in sections:
        print()
        ok &= run_double_descent(args.dd_epochs)
    print(f"\nload avg at the end {_load()}; whole run {time.perf_counter() - start:.0f} s; "
          f"{'every target met' if ok else 'SOME TARGET MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
