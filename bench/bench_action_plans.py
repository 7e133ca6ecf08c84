"""Action plans and circuit breakers: what the risk supervisor costs per evaluation / book update.

1. ``ActionPlans.evaluate`` of the default plans (the brief's framework) over ``--readings``
   readings (every framework measure on ``--assets`` asset scopes plus global ones), values
   drawn so that about one plan in ten is fired, then ``posture()``: p50 / p99 per evaluation.
2. ``VolatilityBreaker.on_mid`` with a full baseline window (300 s of 1 s samples): per sampled
   update (each one 1 s after the last) and per update inside the sample interval (skipped).

    .venv/bin/python bench/bench_action_plans.py [--evaluations 2000] [--assets 50]
"""

from __future__ import annotations

import argparse
import gc
import random
import time

from bench_common import percentile
from tradewind.risk.actions import LATENCY_MEASURES, RISK_MEASURES, ActionPlans, default_plans
from tradewind.risk.breakers import BreakerConfig, VolatilityBreaker
from tradewind.risk.readings import MeasureReading, Threshold

T0 = 1_700_000_000_000_000_000
S = 1_000_000_000
# reading names as the live measures publish them (one VaR method stands for the three)
RISK_READINGS = tuple(name.replace("*", "historical") for name in RISK_MEASURES.values())
MEASURES = ("net_delta", "concentration", "max_drawdown", "uptime", *RISK_READINGS)


def _readings(rng: random.Random, assets: int, ts: int) -> list[MeasureReading]:
    threshold = Threshold("max", limit=1.0, warning=0.8)
    found = []
    for i in range(assets):
        for name in MEASURES:
            # mostly OK: ~7 % over the warning line, ~1.6 % critical; |delta| > 2 % one in six
            value = rng.uniform(0, 1.05) ** 3 if name != "net_delta" else rng.gauss(0, 0.015)
            found.append(MeasureReading(name, f"asset:A{i}", value, "ratio", threshold, ts))
    for name in LATENCY_MEASURES.values():
        value = rng.uniform(0, 1.05) ** 3
        found.append(MeasureReading(name, "global", value, "ratio", threshold, ts))
    return found


def bench_plans(evaluations: int, assets: int) -> None:
    rng = random.Random(7)
    plans = ActionPlans(default_plans())
    batches = [_readings(rng, assets, T0 + i * S) for i in range(50)]
    samples = []
    fired = 0
    gc.disable()
    for i in range(evaluations):
        readings = batches[i % len(batches)]
        start = time.perf_counter_ns()
        plans.evaluate(readings, T0 + i * S)
        plans.posture()
        samples.append(time.perf_counter_ns() - start)
        fired += len(plans.active())
    gc.enable()
    print(
        f"plans: {len(plans.plans)} plans × {len(batches[0])} readings, "
        f"{fired / evaluations:.0f} fired on average: evaluate + posture "
        f"p50 {percentile(samples, 50) / 1000:.0f} µs, p99 {percentile(samples, 99) / 1000:.0f} µs"
    )


def bench_breaker(updates: int) -> None:
    rng = random.Random(11)
    breaker = VolatilityBreaker("BTC/USDT@sim", BreakerConfig(ratio=1e9, max_move=0.5))
    mid = 100.0
    for i in range(300):  # a full 300 s baseline
        mid *= 1 + rng.gauss(0, 1e-4)
        breaker.on_mid(T0 + i * S, mid)
    sampled, skipped = [], []
    ts = T0 + 300 * S
    gc.disable()
    for _ in range(updates):
        ts += S
        mid *= 1 + rng.gauss(0, 1e-4)
        start = time.perf_counter_ns()
        breaker.on_mid(ts, mid)
        sampled.append(time.perf_counter_ns() - start)
        start = time.perf_counter_ns()
        breaker.on_mid(ts + 1000, mid)
        skipped.append(time.perf_counter_ns() - start)
    gc.enable()
    print(
        f"breaker: sampled update p50 {percentile(sampled, 50) / 1000:.1f} µs, p99 "
        f"{percentile(sampled, 99) / 1000:.1f} µs; update within the sample interval p50 "
        f"{percentile(skipped, 50) / 1000:.2f} µs ({breaker.trips} trips)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=2000)
    parser.add_argument("--assets", type=int, default=50)
    parser.add_argument("--updates", type=int, default=20_000)
    args = parser.parse_args()
    bench_plans(args.evaluations, args.assets)
    bench_breaker(args.updates)


if __name__ == "__main__":
    main()
