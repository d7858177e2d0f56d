"""Redraw latency of the chapter 03 playground after a slider change (target: median < 100 ms).

Usage::

    python benchmarks/playground_latency.py [--changes 60] [--trained-epochs 50]

How it is measured
------------------
* matplotlib's Agg backend (no screen), the default ``Playground()``: circle
  data set, 200 points, 2 hidden layers of 4 tanh units, a 60 x 60
  prediction grid.
* First the network is trained (the button) so that the decision boundary
  and the loss curves are not trivial.
* Then the script moves sliders the way a learner does, by setting the
  widgets' values in Python: ipywidgets calls the playground's observer
  synchronously, exactly as when the front end sends the new value. One
  change = the observer's whole work: rebuilding the run (new data and split
  when noise/data/ratio change, fresh weights when the network changes),
  predicting the grid, updating the image/points/curves in place, rendering
  the figure with Agg (the changing artists blitted onto a cached
  background of axes and labels) and encoding the PNG for the image widget.
* The time of each change is taken with ``time.perf_counter`` around the
  value assignment. Sending the PNG to the browser and painting it are not
  included (they depend on the connection, not on this code).
* The changes cycle through the noise, train share, units and hidden-layer
  sliders (at least 30 changes; 60 by default). The first change is a
  warm-up and not counted.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from lecture_lib.viz.playground_explorer import Playground  # noqa: E402

TARGET_MS = 100.0


def _moves(n_changes):
    """A learner's slider moves: (control name, value), cycling over four sliders."""
    noise = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.0]
    share = [0.6, 0.7, 0.6, 0.5, 0.4, 0.5]
    units = [5, 6, 5, 4, 3, 4]
    layers = [3, 2, 1, 2]
    plan = [("noise", v) for v in noise] + [("train_fraction", v) for v in share] + \
           [("units", v) for v in units] + [("hidden_layers", v) for v in layers]
    return [plan[i % len(plan)] for i in range(n_changes)]


def measure(n_changes=60, trained_epochs=50):
    """Return the latency of each slider change in milliseconds (warm-up excluded)."""
    playground = Playground()
    playground.train(trained_epochs)
    playground.controls["noise"].value = 0.0 if playground.controls["noise"].value else 0.05  # warm-up
    times = []
    for name, value in _moves(n_changes):
        if playground.controls[name].value == value:
            continue
        start = time.perf_counter()
        playground.controls[name].value = value
        times.append(1000 * (time.perf_counter() - start))
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=60, help="slider changes to time (>= 30)")
    parser.add_argument("--trained-epochs", type=int, default=50, help="epochs trained before the changes")
    args = parser.parse_args(argv)
    if args.changes < 30:
        parser.error("use at least 30 changes")
    times = measure(args.changes, args.trained_epochs)
    median, p95 = statistics.median(times), float(np.percentile(times, 95))
    print(f"Playground redraw latency after a slider change ({len(times)} changes, default network "
          f"2 x 4 tanh, 60 x 60 grid, Agg backend, matplotlib {matplotlib.__version__}, "
          f"Python {platform.python_version()}):")
    print(f"  median {median:6.1f} ms   (target < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'MISSED'})")
    print(f"  p95    {p95:6.1f} ms")
    print(f"  min    {min(times):6.1f} ms   max {max(times):6.1f} ms")
    print("Measured: time.perf_counter around setting the widget value (observer runs synchronously): new run,"
          " grid prediction, in-place artist update, Agg render (blit) and PNG encoding; the transfer to the"
          " browser is not included.")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
