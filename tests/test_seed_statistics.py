"""Sentences about seeds computed from the data, tested where they are false."""
import pytest

from lecture_lib.topics.seed_statistics import holds_from, seed_gap


def test_holds_from_needs_the_run_to_reach_the_end():
    widths = [2, 4, 8, 32, 128]
    assert holds_from(widths, [False, False, True, True, True]) == 8
    assert holds_from(widths, [False, True, False, True, True]) == 32          # broken at 8
    assert holds_from(widths, [True, True, True, True, False]) is None         # fails at the largest
    with pytest.raises(ValueError, match="increase"):
        holds_from([4, 2], [True, True])
    with pytest.raises(ValueError, match="same length"):
        holds_from([1, 2], [True])


def test_seed_gap_sentence_reports_both_directions():
    assert seed_gap([1.0, 2.0], [0.0, 3.0])["sentence"] == "+0.0 (from -1.0 to +1.0), ahead in 1 of 2 seeds, behind in 1"


def test_seed_gap_digits():
    assert seed_gap([0.0183], [0.0150], digits=4)["sentence"] == "+0.0033 (from +0.0033 to +0.0033), ahead in 1 of 1 seeds"
