"""Small statistics on samples: median, percentiles, median absolute deviation, a least-squares line.

Pure functions on plain floats so the comparison rules can be property-tested. Percentiles use
linear interpolation between closest ranks (NumPy's default), so p50 equals the median.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values``; raises ValueError when empty."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median: a spread that one outlier cannot inflate."""
    centre = median(values)
    return median([abs(v - centre) for v in values])


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares ``(slope, intercept)`` of ys against xs; needs two distinct xs."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("fit_line needs two or more (x, y) pairs")
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("fit_line needs two distinct x values")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, mean_y - slope * mean_x
