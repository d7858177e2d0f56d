"""Claims over sequences and seeds (lecture_lib.topics.claims), each tested on data where it is false."""
import numpy as np
import pytest

from lecture_lib.topics.claims import RunWithinTolerance, count_beyond, run_within_tolerance

LEVELS = [100.0, 51.2, 26.2, 13.4, 6.9, 3.5]      # % of weights left, dense to sparse


def test_run_stays_within_to_the_end():
    run = run_within_tolerance(LEVELS, [0.95, 0.95, 0.94, 0.94, 0.94, 0.935], reference=0.95, tolerance=0.02)
    assert run == RunWithinTolerance(6, 3.5, None, None, False)


def test_run_ends_at_the_first_value_outside_even_if_a_later_one_re_enters():
    # 13.4 % leaves the tolerance (0.90 is 5 points under), 6.9 % comes back inside: the claim
    # "within 2 points down to 6.9 %" would be false; the run ends at 26.2 %.
    run = run_within_tolerance(LEVELS, [0.95, 0.94, 0.94, 0.90, 0.94, 0.80], reference=0.95, tolerance=0.02)
    assert run.length == 3 and run.last_x == 26.2 and run.break_x == 13.4
    assert run.break_gap == pytest.approx(0.05) and run.re_enters is True
    assert run.last_x != 6.9


def test_run_without_re_entry():
    run = run_within_tolerance(LEVELS, [0.95, 0.94, 0.92, 0.90, 0.85, 0.80], reference=0.95, tolerance=0.02)
    assert (run.length, run.last_x, run.break_x, run.re_enters) == (2, 51.2, 26.2, False)


def test_first_value_already_outside():
    run = run_within_tolerance(LEVELS[:3], [0.90, 0.95, 0.95], reference=0.95, tolerance=0.02)
    assert run.length == 0 and run.last_x is None and run.break_x == 100.0 and run.re_enters


def test_boundary_is_within_despite_float_rounding():
    assert 0.93 - 0.91 > 0.02  # the float trap the tolerance guards against
    run = run_within_tolerance([1, 2], [0.93, 0.91], reference=0.93, tolerance=0.02)
    assert run.length == 2
    run = run_within_tolerance([1, 2], [0.93, 0.9099], reference=0.93, tolerance=0.02)
    assert run.length == 1


@pytest.mark.parametrize("side, length", [("below", 3), ("above", 1), ("both", 1)])
def test_side_decides_which_direction_leaves(side, length):
    run = run_within_tolerance([1, 2, 3], [0.95, 0.99, 0.94], reference=0.95, tolerance=0.02, side=side)
    assert run.length == length


def test_count_beyond():
    assert count_beyond([0.01, 0.02, -0.01], 0.0) == (2, 3)
    assert count_beyond([0.01, 0.02, 0.03], 0.0) == (3, 3)
    assert count_beyond([0.10, 0.12, 0.09], 0.10, direction="above") == (1, 3)  # equal is not above
    assert count_beyond([0.10, 0.12, 0.09], 0.10, direction="below") == (1, 3)


@pytest.mark.parametrize("call, error, match", [
    (lambda: run_within_tolerance([1, 2], [0.9], 0.9, 0.02), ValueError, "same length"),
    (lambda: run_within_tolerance([], [], 0.9, 0.02), ValueError, "at least one"),
    (lambda: run_within_tolerance([1], [0.9], 0.9, -0.02), ValueError, "tolerance"),
    (lambda: run_within_tolerance([1], [0.9], 0.9, 0.02, side="under"), ValueError, "side"),
    (lambda: run_within_tolerance([1], [np.nan], 0.9, 0.02), ValueError, "values"),
    (lambda: run_within_tolerance([1], [0.9], [0.9, 0.8], 0.02), TypeError, "reference"),
    (lambda: count_beyond([0.1], 0.0, direction="over"), ValueError, "direction"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
