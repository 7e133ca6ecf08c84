"""Queue models: how much of the visible volume at a price stays ahead of a resting order.

When an order comes to rest, the volume ahead of it is the visible quantity at its price (it
joins the back). Trades at the price always eat the queue from the front. A level *decrease*
that is not a trade (a cancel, or the depth update that follows a trade) is attributed by the
model:

- ``RiskAverseQueue``: never to the orders ahead; the queue ahead only shrinks when the level
  shrinks below it (``ahead = min(ahead, level)``). Fills come only from trades.
- ``PowerProbQueue(n)`` / ``LogProbQueue``: in the style of hftbacktest's probabilistic models,
  a share ``1 - p`` of the decrease comes from ahead of us, with ``p = f(back) / (f(back) +
  f(front))``, ``f(x) = x**n`` or ``log(1 + x)``: the further back we are, the more of a cancel
  is likely to have been ahead of us.

Quantities are lots (ints) in, the estimate ``ahead`` is a float (a statistic, never money);
fills computed from it are whole lots.
"""

from __future__ import annotations

import math
from typing import Protocol

__all__ = ["LogProbQueue", "PowerProbQueue", "QueueModel", "RiskAverseQueue"]


class QueueModel(Protocol):
    """Attributes a non-trade decrease of a level to the volume ahead of one resting order."""

    name: str

    def after_decrease(self, ahead: float, previous: int, current: int) -> float:
        """The volume ahead (lots) after the level went from ``previous`` to ``current``."""
        ...


class RiskAverseQueue:
    """Only trades advance the queue; a shrinking level caps what can still be ahead."""

    name = "risk_averse"

    def after_decrease(self, ahead: float, previous: int, current: int) -> float:
        return ahead if ahead <= current else float(current)


class _ProbQueue:
    name = "prob"

    def _f(self, x: float) -> float:
        raise NotImplementedError

    def after_decrease(self, ahead: float, previous: int, current: int) -> float:
        change = previous - current
        front = ahead
        back = previous - front
        if back < 0:
            back = 0.0
        fb, ff = self._f(back), self._f(front)
        prob = fb / (fb + ff) if fb + ff > 0 else 1.0
        # (1 - prob) of the decrease came from ahead; whatever the back cannot absorb did too
        estimate = front - (1.0 - prob) * change + min(back - prob * change, 0.0)
        if estimate > current:
            estimate = float(current)
        return estimate if estimate > 0 else 0.0


class PowerProbQueue(_ProbQueue):
    """``f(x) = x ** n``: larger n attributes cancels more strongly to the longer part."""

    def __init__(self, n: float = 2.0) -> None:
        if n <= 0:
            raise ValueError(f"the power queue model needs n > 0, got {n}")
        self.n = n
        self.name = f"power({n:g})"

    def _f(self, x: float) -> float:
        return float(x**self.n)


class LogProbQueue(_ProbQueue):
    """``f(x) = log(1 + x)``."""

    name = "log"

    def _f(self, x: float) -> float:
        return math.log1p(x)
