"""Fuzzing a live gateway: random JSON, mutated valid messages and bit flips.

The server runs in a thread with its own loop so hypothesis can drive a plain (sync) websocket
client. Properties: every frame gets exactly one ACK or NAK, the server never crashes, the desk
handler only ever sees money-moving messages whose signed text is one the test signed (each at
most once), and a fresh client is served normally afterwards.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from tradewind.core.clock import LiveClock
from tradewind.gateway.fixjson import (
    GatewayLimits,
    GatewayServer,
    address_of,
    build_gateway_app,
    canonical_bytes,
    sign_message,
)
from tradewind.gateway.fixjson.wire_types import iso_from_ns

SERVER_KEY = "0x" + "5e" * 32
KEY = "0x" + "c3" * 32
COMP_ID = "TRADEWIND"
CHAIN_ID = 8453


class ThreadedGateway:
    """A gateway served from a background thread (its own event loop)."""

    def __init__(self, handler: Any, invoices: Any) -> None:
        self.app = build_gateway_app(
            handler,
            invoices,
            comp_id=COMP_ID,
            server_key=SERVER_KEY,
            clock=LiveClock(),
            # about parsing, not flooding: every frame must get its answer
            limits=GatewayLimits(
                rate_capacity=1_000_000,
                rate_refill_per_second=Decimal(1),
                nak_rate_capacity=1_000_000,
                frame_rate_capacity=1_000_000,
                address_frame_rate_capacity=1_000_000,
            ),
        )
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self.port = 0
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with GatewayServer(self.app) as server:
                self.port = server.port
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise

    def __enter__(self) -> ThreadedGateway:
        self._thread.start()
        assert self._ready.wait(30), "gateway did not start"
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        assert not self._thread.is_alive()
        assert self._error is None, self._error


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def new_index_order(self, account: Any, msg: Any) -> Any:
        from tradewind.gateway.fixjson import OrderResponse

        self.calls.append(("new_index_order", msg))
        return OrderResponse(status="new")

    async def cancel_index_order(self, account: Any, msg: Any) -> Any:
        from tradewind.gateway.fixjson import OrderResponse

        self.calls.append(("cancel_index_order", msg))
        return OrderResponse(status="cancelled")

    async def quote(self, account: Any, msg: Any) -> Decimal:
        self.calls.append(("quote", msg))
        return Decimal("1")

    async def cancel_quote(self, account: Any, msg: Any) -> None:
        self.calls.append(("cancel_quote", msg))


class NoInvoices:
    def get(self, chain_id: int, address: str, client_order_id: str) -> None:
        return None

    def between(self, start_ns: int, end_ns: int, **_: Any) -> list[Any]:
        return []


BODIES = {
    "NewIndexOrder": {"client_order_id": "o-1", "symbol": "TW10", "side": "1", "amount": "100"},
    "CancelIndexOrder": {"client_order_id": "o-1", "symbol": "TW10", "amount": "5.5"},
    "NewQuoteRequest": {"client_quote_id": "q-1", "symbol": "TW10", "side": "2", "amount": "1"},
    "CancelQuoteRequest": {"client_quote_id": "q-1", "symbol": "TW10"},
}


class Signer:
    """Builds valid signed messages (seq_num chosen by the caller) and remembers their text."""

    def __init__(self) -> None:
        self.address = address_of(KEY)
        self.signed_payloads: set[bytes] = set()

    def message(self, msg_type: str, seq_num: int) -> dict[str, Any]:
        body = {
            "standard_header": {
                "msg_type": msg_type,
                "sender_comp_id": "FUZZ",
                "target_comp_id": COMP_ID,
                "seq_num": seq_num,
                "timestamp": iso_from_ns(time.time_ns()),
            },
            "chain_id": CHAIN_ID,
            "address": self.address,
            **BODIES[msg_type],
        }
        signed = sign_message(body, KEY)
        self.signed_payloads.add(canonical_bytes(signed))
        return signed


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "standard_header",
        "standard_trailer",
        "chain_id",
        "address",
        "client_order_id",
        "client_quote_id",
        "symbol",
        "side",
        "amount",
        "msg_type",
        "seq_num",
        "timestamp",
        "target_comp_id",
        "signature",
        "public_key",
        "extra",
    ]
)


def _mutate(body: dict[str, Any], path: list[str], value: Any, delete: bool) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    node = copy
    for name in path[:-1]:
        child = node.get(name)
        if not isinstance(child, dict):
            return copy
        node = child
    if delete:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return copy


@st.composite
def frames(draw: st.DrawFn, signer: Signer) -> bytes:
    kind = draw(st.sampled_from(["random", "mutated", "bitflip", "valid"]))
    msg_type = draw(st.sampled_from(sorted(BODIES)))
    seq_num = draw(st.integers(min_value=1, max_value=3))
    base = signer.message(msg_type, seq_num)
    if kind == "random":
        return json.dumps(draw(json_values)).encode()
    if kind == "valid":
        return json.dumps(base).encode()
    if kind == "mutated":
        section = draw(st.sampled_from([[], ["standard_header"], ["standard_trailer"]]))
        path = [*section, draw(field_names)]
        value = draw(json_values)
        mutated = _mutate(base, path, value, draw(st.booleans()))
        return json.dumps(mutated).encode()
    raw = bytearray(json.dumps(base).encode())
    for position in draw(st.lists(st.integers(0, len(raw) * 8 - 1), min_size=1, max_size=3)):
        raw[position // 8] ^= 1 << (position % 8)
    return bytes(raw)


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[ThreadedGateway, Recorder]]:
    recorder = Recorder()
    with ThreadedGateway(recorder, NoInvoices()) as gateway:
        yield gateway, recorder


def _answer_of(connection: Any) -> dict[str, Any]:
    while True:
        message = json.loads(connection.recv(timeout=10))
        if message["standard_header"]["msg_type"] in ("ACK", "NAK"):
            return message


def test_fuzzed_frames_never_reach_the_desk_unsigned(live) -> None:
    gateway, recorder = live
    signer = Signer()
    url = f"ws://127.0.0.1:{gateway.port}/fix"
    answers: dict[str, int] = {}
    with connect(url, proxy=None, max_size=None) as connection:

        @settings(
            max_examples=250,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            database=None,
        )
        @given(st.data())
        def one_frame(data: st.DataObject) -> None:
            frame = data.draw(frames(signer))
            connection.send(frame)
            answer = _answer_of(connection)
            key = answer["standard_header"]["msg_type"]
            if key == "NAK":
                key += ":" + answer["reason"]
            answers[key] = answers.get(key, 0) + 1

        one_frame()

    # NAKs of many kinds were exercised, and no internal error among them
    assert "NAK:internal" not in answers
    assert sum(answers.values()) >= 250
    assert len([key for key in answers if key.startswith("NAK:")]) >= 5, answers
    # money-moving calls only for messages the test signed, each at most once
    money_moving = ("new_index_order", "cancel_index_order")
    money = [msg for name, msg in recorder.calls if name in money_moving]
    payloads = [msg.signed_payload for msg in money]
    assert all(payload in signer.signed_payloads for payload in payloads)
    assert len(payloads) == len(set(payloads))
    for _name, msg in recorder.calls:
        assert msg.signed_payload is None or msg.signed_payload in signer.signed_payloads

    # and the server still serves a fresh session normally
    before = len(recorder.calls)
    with connect(url, proxy=None) as connection:
        connection.send(json.dumps(signer.message("NewIndexOrder", 1)))
        assert _answer_of(connection)["standard_header"]["msg_type"] == "ACK"
        reply = json.loads(connection.recv(timeout=10))
        assert (reply["standard_header"]["msg_type"], reply["status"]) == ("NewIndexOrder", "new")
    assert len(recorder.calls) == before + 1
