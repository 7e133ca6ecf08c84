"""Child process for the node's kill -9 test: a TradingNode from a TOML file (strategies
included); prints one JSON line {"event": "ready"} when running, stops cleanly on SIGTERM.

    python -m tests.e2e.node.node_process node.toml
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from tradewind.common.logging import configure_logging
from tradewind.node import TradingNode


async def main(path: str) -> None:
    node = TradingNode.from_toml(path)
    await node.start()
    print(json.dumps({"event": "ready", "venues": list(node.router.venues)}), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await node.stop()


if __name__ == "__main__":
    configure_logging("warning")
    asyncio.run(main(sys.argv[1]))
