"""Gateway CPU per frame of a keyless flood: the gateway (with a stub desk that quotes at once)
in this process, the flood (tests/e2e/index/flood_client.py) in another, from 127.0.0.2.
Prints the frames sent, this process's CPU seconds and microseconds of CPU per frame.

    .venv/bin/python bench/bench_gateway_flood.py --connections 55 --rate 40 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind.common.logging import configure_logging
from tradewind.core.clock import LiveClock
from tradewind.gateway.fixjson import GatewayServer, OrderResponse, build_gateway_app

FLOOD = Path(__file__).resolve().parent.parent / "tests" / "e2e" / "index" / "flood_client.py"


class _Desk:
    async def new_index_order(self, account: Any, msg: Any) -> OrderResponse:
        return OrderResponse(status="new")

    async def cancel_index_order(self, account: Any, msg: Any) -> OrderResponse:
        return OrderResponse(status="cancelled")

    async def quote(self, account: Any, msg: Any) -> Decimal:
        return Decimal("1.5")

    async def cancel_quote(self, account: Any, msg: Any) -> None:
        return None


class _NoInvoices:
    def get(self, *args: Any) -> None:
        return None

    def between(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


async def main(connections: int, rate: float, seconds: float) -> None:
    configure_logging("warning")
    app = build_gateway_app(
        _Desk(), _NoInvoices(), comp_id="TRADEWIND", server_key="0x" + "5e" * 32,
        clock=LiveClock(),
    )  # fmt: skip
    async with GatewayServer(app) as server:
        flood = await asyncio.create_subprocess_exec(
            sys.executable, str(FLOOD), server.ws_url, str(connections), str(rate),
            str(seconds), "0", "127.0.0.2", stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert flood.stdout is not None
        await flood.stdout.readline()  # FLOODING
        cpu = time.process_time()
        output, _ = await flood.communicate()
        cpu = time.process_time() - cpu
    sent = int(output.decode().split()[-1])
    print(f"frames={sent} cpu_s={cpu:.2f} us_per_frame={cpu / sent * 1e6:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=55)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.connections, args.rate, args.seconds))
