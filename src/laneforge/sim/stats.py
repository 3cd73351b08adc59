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


def summarize(values: Sequence[float]) -> dict[str, float | list[float]]:
    """mean, Student-t 95 % interval of the mean, min and max over replications."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return {"mean": 0.0, "ci95": [0.0, 0.0], "min": 0.0, "max": 0.0}
    n = len(finite)
    mean = math.fsum(finite) / n
    if n > 1:
        var = math.fsum((v - mean) ** 2 for v in finite) / (n - 1)
        half = t975(n - 1) * math.sqrt(var / n)
    else:
        half = 0.0
    return {"mean": mean, "ci95": [mean - half, mean + half], "min": min(finite),
            "max": max(finite)}


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
