"""When a drop is noise: Wilson intervals for a share, an exact McNemar test for paired outcomes, and a
two-proportion test when the trials cannot be paired. Pure Python: no scipy needed in CI."""
from __future__ import annotations

import math

ALPHA = 0.05
"""One-sided level: a drop is called a regression only when chance alone would show it less than 5% of the time."""


def wilson(passed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a share; (0, 1) when there is nothing to go on."""
    if n <= 0:
        return 0.0, 1.0
    p = passed / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_one_sided(lost: int, gained: int) -> float:
    """Exact McNemar p-value that `lost` (pass -> fail) pairs outnumber `gained` (fail -> pass) by chance alone:
    P(X >= lost) for X ~ Binomial(lost + gained, 1/2). 1.0 when nothing changed."""
    n = lost + gained
    if n == 0 or lost == 0:
        return 1.0
    return sum(math.comb(n, k) for k in range(lost, n + 1)) / 2 ** n


def two_proportion_one_sided(base_passed: int, base_n: int, passed: int, n: int) -> float:
    """p-value that the new share is lower than the baseline's only by chance (pooled z-test, one-sided)."""
    if base_n <= 0 or n <= 0:
        return 1.0
    p1, p2 = base_passed / base_n, passed / n
    pooled = (base_passed + passed) / (base_n + n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / base_n + 1 / n))
    if se == 0:
        return 1.0 if p2 >= p1 else 0.0
    z = (p1 - p2) / se
    return 0.5 * math.erfc(z / math.sqrt(2))
