"""Cohen's κ: how far two raters (the LLM judge and the golden labels) agree beyond what chance alone gives.

Written here rather than taken from sklearn (not a dependency): κ = (p_o − p_e) / (1 − p_e), where p_o is the
observed share of agreement and p_e the agreement expected from each rater's own label frequencies. It is computed
from a confusion table of counts, so it can be summed over cases first (the eval runner's additive counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TRUSTED_KAPPA = 0.6  # "substantial" agreement (Landis & Koch): below it a judge is reported, never used as a gate


def kappa_from_table(table: Mapping[tuple[str, str], float]) -> float | None:
    """κ from counts {(rater_a_label, rater_b_label): n}. None when undefined: no pairs, or both raters used one
    and the same label throughout (p_e = 1, nothing to agree on beyond chance)."""
    n = sum(table.values())
    if n <= 0:
        return None
    labels = {a for a, _ in table} | {b for _, b in table}
    observed = sum(table.get((k, k), 0.0) for k in labels) / n
    expected = sum(sum(v for (a, _), v in table.items() if a == k) * sum(v for (_, b), v in table.items() if b == k)
                   for k in labels) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def cohen_kappa(a: Iterable[str], b: Iterable[str]) -> float | None:
    """κ of two equally long label sequences."""
    table: dict[tuple[str, str], float] = {}
    for x, y in zip(a, b, strict=True):
        table[(x, y)] = table.get((x, y), 0.0) + 1
    return kappa_from_table(table)
