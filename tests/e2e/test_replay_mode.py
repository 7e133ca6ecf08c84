"""`tradewind sim --replay FILE` serves a recorded book instead of random participants."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tradewind.venues.sim.market import record_sample
from tradewind.venues.sim.process import SimProcess

pytestmark = pytest.mark.e2e


def test_replayed_book_is_served_over_rest(tmp_path: Path) -> None:
    tape = tmp_path / "tape.jsonl"
    record_sample(tape, symbols=("BTCUSDT",), duration_ms=30_000, levels=5)
    books = [json.loads(line) for line in tape.read_text().splitlines() if '"book"' in line]
    recorded_bids = {Decimal(p) for b in books for p, _ in b["bids"]}
    recorded_asks = {Decimal(p) for b in books for p, _ in b["asks"]}
    with SimProcess(market=False, admin=False, extra_args=("--replay", str(tape))) as sim:
        deadline = time.monotonic() + 10
        book: dict[str, list[list[str]]] = {"bids": [], "asks": []}
        while time.monotonic() < deadline and not book["bids"]:
            book = requests.get(
                f"{sim.rest_url}/api/v3/depth", params={"symbol": "BTCUSDT", "limit": 5}, timeout=5
            ).json()
            time.sleep(0.1)
        served_bids = {Decimal(p) for p, _ in book["bids"]}
        served_asks = {Decimal(p) for p, _ in book["asks"]}
        # Nobody else trades on this exchange: every level served comes from the tape.
        assert served_bids and served_bids <= recorded_bids
        assert served_asks and served_asks <= recorded_asks
