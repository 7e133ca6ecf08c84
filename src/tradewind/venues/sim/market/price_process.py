"""The latent mid price of a simulated symbol: geometric Brownian motion with Poisson jumps.

Merton's jump diffusion, simulated exactly between any two times:

    ln S(t+dt) = ln S(t) + (mu - sigma^2/2 - lambda*k) dt + sigma sqrt(dt) Z + sum of N jumps,
    N ~ Poisson(lambda dt), each jump ~ Normal(jump_mean, jump_sigma), k = E[e^J] - 1,

so the price is a martingale when ``drift`` is 0 (the jump compensator ``lambda*k`` removes the
jumps' mean effect). The maths is float: the mid is a statistic, never money. It becomes a
Decimal on the symbol's tick grid only where an order is priced (``to_tick``).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

YEAR_MS = 365.25 * 86_400_000
DAY_MS = 86_400_000
# Above this mean a Poisson count is drawn from its normal approximation (only reached when a
# long backlog is skipped in one step; the error there is irrelevant).
_POISSON_EXACT_LIMIT = 30.0


def stream_seed(seed: int, *labels: str) -> int:
    """A 64-bit seed for one random stream, derived from the run's seed and a label path.

    ``hash()`` of a str is salted per process, so it cannot give reproducible streams.
    """
    digest = hashlib.blake2b(":".join((str(seed), *labels)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True, slots=True)
class JumpDiffusionParams:
    """Parameters of a jump diffusion. ``volatility`` and ``drift`` annualised (0.5 = 50 % a
    year); ``jump_rate_per_day`` in jumps a day; ``jump_mean``/``jump_sigma`` of the log jump."""

    volatility: float
    jump_rate_per_day: float = 0.0
    jump_mean: float = 0.0
    jump_sigma: float = 0.0
    drift: float = 0.0

    def __post_init__(self) -> None:
        for name in ("volatility", "jump_rate_per_day", "jump_mean", "jump_sigma", "drift"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        if not 0 <= self.volatility <= 10:
            raise ValueError(f"volatility must be in [0, 10] (annualised), got {self.volatility}")
        if not 0 <= self.jump_rate_per_day <= 1_000_000:
            raise ValueError(
                f"jump_rate_per_day must be in [0, 1000000], got {self.jump_rate_per_day}"
            )
        if not 0 <= self.jump_sigma <= 1:
            raise ValueError(f"jump_sigma must be in [0, 1], got {self.jump_sigma}")
        if not -1 <= self.jump_mean <= 1:
            raise ValueError(f"jump_mean must be in [-1, 1], got {self.jump_mean}")
        if not -10 <= self.drift <= 10:
            raise ValueError(f"drift must be in [-10, 10], got {self.drift}")

    def sigma_over(self, horizon_ms: float) -> float:
        """Standard deviation of the diffusive log return over ``horizon_ms`` milliseconds."""
        return self.volatility * math.sqrt(horizon_ms / YEAR_MS)


class JumpDiffusion:
    """One symbol's mid price path. Prices in quote units (float), times in epoch ms.

    Deterministic: the same ``rng`` state and the same sequence of ``advance_to`` times give the
    same path.
    """

    __slots__ = ("_compensator", "_log_mid", "_params", "_rng", "_time_ms")

    def __init__(
        self, initial_mid: float, params: JumpDiffusionParams, rng: random.Random, start_ms: int
    ) -> None:
        if not math.isfinite(initial_mid) or initial_mid <= 0:
            raise ValueError(f"initial mid must be positive, got {initial_mid!r}")
        self._params = params
        self._rng = rng
        self._time_ms = start_ms
        self._log_mid = math.log(initial_mid)
        k = math.exp(params.jump_mean + params.jump_sigma**2 / 2) - 1
        self._compensator = params.jump_rate_per_day * k / DAY_MS  # per ms

    @property
    def mid(self) -> float:
        return math.exp(self._log_mid)

    @property
    def time_ms(self) -> int:
        return self._time_ms

    @property
    def params(self) -> JumpDiffusionParams:
        return self._params

    def advance_to(self, time_ms: int) -> float:
        """Move the path forward to ``time_ms`` (earlier times leave it unchanged); the new mid."""
        dt_ms = time_ms - self._time_ms
        if dt_ms <= 0:
            return self.mid
        p = self._params
        rng = self._rng
        dt_years = dt_ms / YEAR_MS
        sigma = p.volatility
        log_step = (p.drift - sigma * sigma / 2) * dt_years - self._compensator * dt_ms
        log_step += sigma * math.sqrt(dt_years) * rng.gauss(0.0, 1.0)
        if p.jump_rate_per_day > 0:
            for _ in range(_poisson(rng, p.jump_rate_per_day * dt_ms / DAY_MS)):
                log_step += rng.gauss(p.jump_mean, p.jump_sigma)
        self._log_mid += log_step
        self._time_ms = time_ms
        return self.mid

    def shock(self, factor: float) -> float:
        """Multiply the mid by ``factor`` (> 0) at once; the new mid."""
        if not math.isfinite(factor) or factor <= 0:
            raise ValueError(f"shock factor must be positive, got {factor!r}")
        self._log_mid += math.log(factor)
        return self.mid


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > _POISSON_EXACT_LIMIT:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    # Knuth: count uniforms until their product drops below e^-mean.
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


_ROUNDINGS = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_EVEN}


def to_tick(price: float, tick: Decimal, rounding: str = "nearest") -> Decimal:
    """``price`` as a Decimal multiple of ``tick`` (never below one tick).

    ``rounding`` is "down", "up" or "nearest": bids round down and asks up, so rounding never
    narrows a quoted spread.
    """
    if not math.isfinite(price):
        raise ValueError(f"price must be finite, got {price!r}")
    ticks = (Decimal(repr(price)) / tick).to_integral_value(rounding=_ROUNDINGS[rounding])
    return max(ticks, Decimal(1)) * tick


def to_step(qty: float | Decimal, step: Decimal) -> Decimal:
    """``qty`` rounded down to a multiple of ``step`` (a lot size never rounds up)."""
    value = qty if isinstance(qty, Decimal) else Decimal(repr(qty))
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step
