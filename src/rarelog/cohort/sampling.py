"""Fast deterministic draws. Cumulative weights are computed once (itertools.accumulate) and
each draw is one `random()` plus a bisect: `rng.choices(items, weights)` would rebuild the
cumulative sums on every call, which dominates the cost of a large cohort."""
from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate
from typing import Generic, Iterable, Sequence, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """Items with fixed weights; `pick(rng)` draws one."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, items: Sequence[T], weights: Iterable[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(accumulate(weights))
        if len(self.cumulative) != len(self.items) or not self.items:
            raise ValueError("one positive weight per item is needed")
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]

    @classmethod
    def of(cls, pairs: Iterable[tuple[T, float]]) -> "Weighted[T]":
        items, weights = zip(*pairs)
        return cls(items, weights)

    @classmethod
    def zipf(cls, items: Sequence[T], s: float, q: float = 0.0) -> "Weighted[T]":
        """Zipf-Mandelbrot skew: weight of rank r (from 1) is 1 / (r + q) ** s."""
        return cls(items, (1.0 / (rank + q) ** s for rank in range(1, len(items) + 1)))


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high], cheaper than rng.randint."""
    return low + int(rng.random() * (high - low + 1))
