"""Cohen's κ against hand-computed examples."""

from __future__ import annotations

import pytest

from coach.evaluation.agreement import cohen_kappa, kappa_from_table


def test_kappa_of_a_hand_computed_table() -> None:
    # 50 pairs: both yes 20, a yes/b no 5, a no/b yes 10, both no 15.
    # p_o = 35/50 = 0.7; a says yes 25/50, b says yes 30/50: p_e = 0.5*0.6 + 0.5*0.4 = 0.5; κ = 0.2/0.5 = 0.4
    table = {("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15}
    assert kappa_from_table(table) == pytest.approx(0.4)


def test_kappa_of_sequences() -> None:
    # p_o = 4/6; a: v 3/6, b: v 3/6 → p_e = 0.5; κ = (2/3 - 1/2) / (1/2) = 1/3
    a = ["v", "v", "v", "o", "o", "o"]
    b = ["v", "v", "o", "v", "o", "o"]
    assert cohen_kappa(a, b) == pytest.approx(1 / 3)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa(a, ["o", "o", "o", "v", "v", "v"]) == pytest.approx(-1.0)


def test_kappa_is_undefined_without_variation_or_pairs() -> None:
    assert cohen_kappa(["o", "o"], ["o", "o"]) is None
    assert kappa_from_table({}) is None
    with pytest.raises(ValueError):
        cohen_kappa(["o"], ["o", "v"])
