"""A keyless flood of the desk's gateway, run as its own process so its CPU is not the test's:
``python flood_client.py WS_URL CONNECTIONS FRAMES_PER_S SECONDS SILENT SOURCE_IP``.

Each connection sends unsigned NewQuoteRequests at FRAMES_PER_S from SOURCE_IP (another
loopback address than the measured client's), connecting again when the gateway closes it;
SILENT of them never read a reply. Prints ``FLOODING`` once every connection is open and
``SENT <frames>`` at the end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time

from websockets.asyncio.client import ClientConnection, connect

from tradewind.gateway.fixjson.client import FixJsonClient

CHAIN = 42161
FIELDS = {"client_quote_id": "flood", "symbol": "TW10", "side": "1", "amount": "100"}


async def _drain(ws: ClientConnection) -> None:
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


def _template(url: str) -> str:
    """An unsigned quote request with ``{seq}`` where its sequence number goes (cheap to
    stamp per frame; the timestamp stays inside the clock window for the whole flood)."""
    body = FixJsonClient(url, "0x" + "f1" * 32, chain_id=CHAIN).build(
        "NewQuoteRequest", FIELDS, sign=False, seq_num=424242
    )
    return json.dumps(body, separators=(",", ":")).replace("424242", "{seq}")


async def _one(
    url: str, template: str, rate: float, seconds: float, read: bool, source: str, go: asyncio.Event
) -> int:
    sent = 0
    started: float | None = None
    # a persistent attacker: connect again whenever the gateway closes the connection
    while started is None or time.monotonic() - started < seconds:
        with contextlib.suppress(Exception):
            async with connect(
                url, proxy=None, compression=None, max_size=None, local_addr=(source, 0)
            ) as ws:
                reader = asyncio.create_task(_drain(ws)) if read else None
                await go.wait()
                started = started or time.monotonic()
                seq = 0
                while time.monotonic() - started < seconds:
                    seq += 1
                    sent += 1
                    await ws.send(template.replace("{seq}", str(seq)))
                    lag = sent / rate - (time.monotonic() - started)
                    if lag > 0:
                        await asyncio.sleep(lag)
                if reader is not None:
                    reader.cancel()
        await asyncio.sleep(0.05)
    return sent


async def main(
    url: str, connections: int, rate: float, seconds: float, silent: int, source: str
) -> None:
    readers = connections - silent
    template = _template(url)
    go = asyncio.Event()
    tasks = [
        asyncio.create_task(_one(url, template, rate, seconds, n < readers, source, go))
        for n in range(connections)
    ]
    await asyncio.sleep(1.0)  # every connection opens before the flood starts
    go.set()
    print("FLOODING", flush=True)
    sent = await asyncio.gather(*tasks)
    print(f"SENT {sum(sent)}", flush=True)


if __name__ == "__main__":
    url, connections, rate, seconds, silent, source = sys.argv[1:7]
    asyncio.run(main(url, int(connections), float(rate), float(seconds), int(silent), source))
