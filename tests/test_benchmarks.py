"""The benchmark scripts run and report what benchmarks/README.md describes (no timing is asserted)."""
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import engine_speed  # noqa: E402
import run  # noqa: E402


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(engine_speed, "IDLE_S", 0.0)


def test_engine_speed_prints_ratios_and_the_split_for_every_installed_contender(quick, capsys):
    status = engine_speed.main(["--shape", "small", "--repeats", "1", "--no-memory"])
    out = capsys.readouterr().out
    assert status in (0, 1)  # 1 = a target missed: timings are the benchmark's business, not a test's
    assert "MLP 64-128-10, N=14,376, batch 200" in out
    assert "ours / hand NumPy = " in out
    for name in ("lecture_lib", "hand NumPy"):
        assert f"{name:12s} " in out and "products" in out
    split = [line for line in out.splitlines() if "= products" in line]
    torch_installed = "torch " in out
    assert len(split) == (3 if torch_installed else 2)
    for line in split:  # epoch = products + rest, as printed (to the rounding of the printout)
        total, products, rest = map(float, re.search(
            r"([\d.]+) ms = products\s+([\d.]+) ms .*\+ rest\s+(-?[\d.]+) ms", line).groups())
        assert total == pytest.approx(products + rest, abs=0.11)


def test_the_gemm_floor_lists_every_product_of_one_sgd_step():
    small = engine_speed.SHAPES["small"]
    products = engine_speed.gemm_products(small)
    # forward x@W per layer (2), dW per layer (2), dx for every layer but the first (1)
    assert sorted(products) == sorted([(200, 64, 128, False, False), (200, 128, 10, False, False),
                                       (64, 200, 128, True, False), (128, 200, 10, True, False),
                                       (200, 10, 128, False, True)])


def test_the_machine_header_names_the_blas_numpy_uses():
    text = run._blas()
    assert any(name in text.lower() for name in ("openblas", "mkl", "blis", "accelerate")), text
