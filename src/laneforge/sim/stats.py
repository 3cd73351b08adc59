"""Statistics helpers: log-binned histogram (quantiles in constant memory), Student-t intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence

# two-sided 95 % Student-t quantiles t(0.975, df) for df = 1..30
_T975 = (
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252, 2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
    2.160368656, 2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
    2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
)
_Z975 = 1.959963984540054


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion; error below 1e-6 for df > 30
    z = _Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def mean_interval(values: Sequence[float]) -> tuple[float, float]:
    """(mean, half width of the Student-t 95 % interval of the mean); half 0 for one value."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, t975(n - 1) * math.sqrt(var / n)


def clip_interval(low: float, high: float, lower: float | None = 0.0,
                  upper: float | None = None) -> tuple[float, float]:
    """The interval cut to what the quantity can be (no negative counts, shares in [0, 1])."""
    if lower is not None:
        low, high = max(low, lower), max(high, lower)
    if upper is not None:
        low, high = min(low, upper), min(high, upper)
    return low, high


def summarize(values: Sequence[float | None], *, lower: float | None = 0.0,
              upper: float | None = None) -> dict[str, object]:
    """mean, Student-t 95 % interval of the mean (clipped to ``lower``..``upper``), min and
    max over replications, and the per-replication values themselves (``samples``, None
    where a replication has no value) for paired comparisons."""
    samples = tuple(float(v) if v is not None and math.isfinite(v) else None for v in values)
    finite = [v for v in samples if v is not None]
    if not finite:
        return {"mean": 0.0, "ci95": [0.0, 0.0], "min": 0.0, "max": 0.0, "samples": samples}
    mean, half = mean_interval(finite)
    # a bound never cuts off what a replication actually showed
    if lower is not None:
        lower = min(lower, min(finite))
    if upper is not None:
        upper = max(upper, max(finite))
    low, high = clip_interval(mean - half, mean + half, lower, upper)
    return {"mean": mean, "ci95": [low, high], "min": min(finite), "max": max(finite),
            "samples": samples}


def paired_difference(a: Sequence[float | None], b: Sequence[float | None],
                      ) -> tuple[float, float, float] | None:
    """(mean, low, high) of the 95 % Student-t interval of the paired differences b_i - a_i.

    Replication i of two scenarios uses the same random numbers (common random numbers),
    so their difference is one paired sample; replications missing on either side are left
    out. None with fewer than two pairs (no interval to judge by).
    """
    pairs = [y - x for x, y in zip(a, b, strict=False) if x is not None and y is not None]
    if len(pairs) < 2:
        return None
    mean, half = mean_interval(pairs)
    return mean, mean - half, mean + half


class LogHistogram:
    """Counts in logarithmic bins (1 % wide) from ``low`` up; quantiles within about 0.5 %."""

    __slots__ = ("_factor", "_log_low", "counts", "low", "n", "total", "zeros")

    RATIO = 1.01

    def __init__(self, low: float = 1e-3, bins: int = 2200) -> None:
        self.low = low
        self._log_low = math.log(low)
        self._factor = 1.0 / math.log(self.RATIO)
        self.counts = [0] * bins
        self.zeros = 0  # values below ``low``
        self.n = 0
        self.total = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        self.total += value
        if value < self.low:
            self.zeros += 1
            return
        index = int((math.log(value) - self._log_low) * self._factor)
        counts = self.counts
        counts[index if index < len(counts) else len(counts) - 1] += 1

    def bin_edges(self, index: int) -> tuple[float, float]:
        lower = self.low * self.RATIO**index
        return lower, lower * self.RATIO

    def quantile(self, q: float) -> float:
        """The q-quantile (0..1), interpolated geometrically inside its bin."""
        if self.n == 0:
            return 0.0
        rank = q * self.n
        if rank <= self.zeros:
            return 0.0
        seen = float(self.zeros)
        for index, count in enumerate(self.counts):
            if count and seen + count >= rank:
                lower, upper = self.bin_edges(index)
                fraction = (rank - seen) / count
                return lower * (upper / lower) ** fraction
            seen += count
        return self.bin_edges(len(self.counts) - 1)[1]

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    def coarse(self, edges: Sequence[float]) -> list[int]:
        """Counts between consecutive ``edges`` (values below the first go into the first)."""
        out = [0] * (len(edges) - 1)
        if not out:
            return out
        out[0] += self.zeros
        for index, count in enumerate(self.counts):
            if not count:
                continue
            lower, upper = self.bin_edges(index)
            middle = math.sqrt(lower * upper)
            slot = 0
            while slot < len(out) - 1 and middle >= edges[slot + 1]:
                slot += 1
            out[slot] += count
        return out
