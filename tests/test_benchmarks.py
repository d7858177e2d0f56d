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


def test_double_descent_sweep_runs_at_a_tiny_size(capsys, monkeypatch):
    import double_descent_sweep

    small_peak = double_descent_sweep.matmul_peak
    monkeypatch.setattr(double_descent_sweep, "matmul_peak", lambda: small_peak(n=256, repeats=1))
    status = double_descent_sweep.main(["--epochs", "1", "--widths", "2,5", "--n-train", "300"])
    out = capsys.readouterr().out
    assert status in (0, 1)  # 1 = the speed target missed: timings are the benchmark's business
    assert "matrix-product peak" in out and "of the peak" in out
    assert out.count("ours   (") == 2  # clean and noisy labels
    assert "PyTorch / ours = " in out or "PyTorch: skipped, torch is not installed" in out
    assert "highest test error (15% noise)" in out
    assert len(double_descent_sweep.WIDTHS) == 19 and double_descent_sweep.WIDTHS[::18] == (2, 300)
    assert list(double_descent_sweep.WIDTHS) == sorted(set(double_descent_sweep.WIDTHS))


def test_run_has_a_short_double_descent_section_that_reports_the_sweep(capsys, monkeypatch):
    import double_descent_sweep

    assert "doubledescent" in run.SECTIONS and run.DD_EPOCHS <= 5
    calls = []

    def fake_main(argv):
        calls.append(argv)
        print("PyTorch / ours = 4.0 x")
        return 1  # the target missed

    monkeypatch.setattr(double_descent_sweep, "main", fake_main)
    monkeypatch.setattr(run, "print_machine", lambda: None)
    assert run.main(["--only", "doubledescent", "--dd-epochs", "2"]) == 1
    assert calls == [["--epochs", "2"]]
    out = capsys.readouterr().out
    assert "Double descent sweep (chapter 12)" in out and "SOME TARGET MISSED" in out
    with pytest.raises(SystemExit):
        run.main(["--only", "doubledescent", "--dd-epochs", "0"])
