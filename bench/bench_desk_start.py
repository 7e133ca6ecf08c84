"""Index desk start to ready: ``IndexDeskRuntime.start()`` on a TradingNode against a
``tradewind sim`` process (official-SDK adapter), from the call until the gateway listens with
every constituent book synced and the venue reconciled. Each run starts on fresh stores (the
first start) and again on the same stores (a restart). Prints every run and the median.

    .venv/bin/python bench/bench_desk_start.py --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tradewind.common.config import DeskConfig
from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.node.venue_factory import VenueSettings
from tradewind.venues.sim.process import SimProcess


async def run(runs: int, tmp: Path) -> tuple[list[float], list[float]]:
    first: list[float] = []
    again: list[float] = []
    with SimProcess(database=tmp / "sim.sqlite") as sim:
        venue = VenueSettings(name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url,
                              api_key=sim.api_key, api_secret=sim.api_secret)  # fmt: skip
        for n in range(runs):
            config = DeskConfig.model_validate({
                "port": 0, "database": str(tmp / f"desk{n}.sqlite"),
                "kernel_database": str(tmp / f"kernel{n}.sqlite"),
            })  # fmt: skip
            for samples in (first, again):
                runtime = IndexDeskRuntime(config, venue)
                started = time.perf_counter()
                await runtime.start()
                samples.append(time.perf_counter() - started)
                await runtime.stop()
    return first, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from tradewind.common.logging import configure_logging

    configure_logging("warning")
    with tempfile.TemporaryDirectory() as tmp:
        first, again = asyncio.run(run(args.runs, Path(tmp)))
    for name, samples in (("first start", first), ("restart", again)):
        shown = " ".join(f"{s:.2f}" for s in samples)
        print(f"index desk {name} to ready: median {statistics.median(samples):.2f} s  ({shown})")


if __name__ == "__main__":
    main()
