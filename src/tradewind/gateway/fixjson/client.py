"""An async FIX/JSON client: numbers, timestamps and signs messages, collects the replies.

    async with FixJsonClient(url, key, chain_id=31337, sender_comp_id="ALICE",
                             target_comp_id="TRADEWIND", server_address=gateway_signer) as c:
        seq = await c.new_index_order("o-1", "TW10", "buy", "1000")
        await c.wait_for("ACK", lambda m: m.ref_seq_num == seq)
        answer = await c.wait_for("NewIndexOrder", lambda m: m.client_order_id == "o-1")

Replies are kept in arrival order; ``wait_for`` takes the first matching one (earlier or later
arrivals), ``async for`` takes them in order, ``received`` keeps them all. With
``server_address`` every reply's signature must be the gateway's, or the client fails.

Sequence numbers: 1, 2, 3, ... per connection. The gateway wants a session's first admitted
message to be seq 1, so while nothing has been ACKed a NAK makes the next message seq 1 again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tradewind.core.clock import Clock, LiveClock
from tradewind.gateway.fixjson.messages import (
    Ack,
    InvalidServerMessage,
    Nak,
    ServerMessage,
    parse_server_message,
)
from tradewind.gateway.fixjson.rejections import MessageRejected
from tradewind.gateway.fixjson.signing import (
    PrivateKeyLike,
    address_of,
    as_private_key,
    recover_signer,
    sign_message,
)
from tradewind.gateway.fixjson.wire_types import iso_from_ns

__all__ = ["ClientFailure", "FixJsonClient"]

_FIX_SIDES = {"buy": "1", "1": "1", "sell": "2", "2": "2"}


class ClientFailure(RuntimeError):
    """The connection is gone, or the gateway sent something unreadable or badly signed."""


def _amount_text(amount: Decimal | int | str) -> str:
    return format(Decimal(amount), "f") if not isinstance(amount, str) else amount


def _side_text(side: str) -> str:
    try:
        return _FIX_SIDES[str(side)]
    except KeyError:
        raise ValueError(f"side is buy/sell/1/2, got {side!r}") from None


class FixJsonClient:
    """One FIX/JSON connection acting for the address of ``private_key`` on ``chain_id``.
    Amounts are Decimals (or decimal strings); ``clock`` stamps messages (ns)."""

    def __init__(
        self,
        url: str,
        private_key: PrivateKeyLike,
        *,
        chain_id: int,
        sender_comp_id: str = "CLIENT",
        target_comp_id: str = "TRADEWIND",
        server_address: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.url = url
        self._key = as_private_key(private_key)
        self.address = address_of(self._key)
        self.chain_id = chain_id
        self.sender_comp_id = sender_comp_id
        self.target_comp_id = target_comp_id
        self.server_address = server_address
        self._clock = clock or LiveClock()
        self._next_seq = 1
        self._acked_any = False
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._inbox: list[ServerMessage] = []
        self._arrived = asyncio.Condition()
        self._failure: ClientFailure | None = None
        self.received: list[ServerMessage] = []
        """Every reply, in arrival order."""

    # --- connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        self._ws = await connect(
            self.url, proxy=None, max_size=16 * 1024 * 1024, compression=None, open_timeout=10
        )
        self._reader = asyncio.create_task(self._read(), name=f"fix-client-{self.sender_comp_id}")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader
        self._ws = None
        self._reader = None

    async def __aenter__(self) -> FixJsonClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _read(self) -> None:
        assert self._ws is not None
        failure: ClientFailure
        try:
            async for frame in self._ws:
                message = self._accept(frame)
                async with self._arrived:
                    self.received.append(message)
                    self._inbox.append(message)
                    self._arrived.notify_all()
            failure = ClientFailure("connection closed")
        except ConnectionClosed as exc:
            failure = ClientFailure(f"connection closed: {exc}")
        except ClientFailure as exc:
            failure = exc
            await self._ws.close(code=1002, reason="bad server message")
        async with self._arrived:
            self._failure = failure
            self._arrived.notify_all()

    def _accept(self, frame: str | bytes) -> ServerMessage:
        try:
            message = parse_server_message(frame)
        except InvalidServerMessage as exc:
            raise ClientFailure(str(exc)) from None
        if self.server_address is not None:
            try:
                signer = recover_signer(json.loads(frame))
            except MessageRejected as exc:
                raise ClientFailure(f"server message badly signed: {exc}") from None
            if signer != self.server_address:
                raise ClientFailure(f"server message signed by {signer}, not the gateway")
        if isinstance(message, Ack):
            self._acked_any = True
        elif isinstance(message, Nak) and not self._acked_any and message.ref_seq_num is not None:
            self._next_seq = 1
        return message

    # --- sending ------------------------------------------------------------------------------

    def build(
        self,
        msg_type: str,
        fields: Mapping[str, Any],
        *,
        sign: bool = True,
        seq_num: int | None = None,
        timestamp: str | int | None = None,
    ) -> dict[str, Any]:
        """A message as a dict (signed unless ``sign`` is False); uses up a sequence number
        unless ``seq_num`` is given. For tests that need to bend a message before sending."""
        if seq_num is None:
            seq_num = self._next_seq
            self._next_seq += 1
        body: dict[str, Any] = {
            "standard_header": {
                "msg_type": msg_type,
                "sender_comp_id": self.sender_comp_id,
                "target_comp_id": self.target_comp_id,
                "seq_num": seq_num,
                "timestamp": timestamp
                if timestamp is not None
                else iso_from_ns(self._clock.now_ns()),
            },
            "chain_id": self.chain_id,
            "address": self.address,
            **fields,
        }
        return sign_message(body, self._key) if sign else body

    async def send_raw(self, frame: str | bytes) -> None:
        """Send a frame as is (text for ``str``, binary for ``bytes``)."""
        if self._ws is None:
            raise ClientFailure("not connected")
        await self._ws.send(frame)

    async def send_message(self, body: Mapping[str, Any]) -> int:
        """Send a built message; returns its seq_num."""
        await self.send_raw(json.dumps(body, separators=(",", ":")))
        return int(body["standard_header"]["seq_num"])

    async def send(self, msg_type: str, fields: Mapping[str, Any], *, sign: bool = True) -> int:
        return await self.send_message(self.build(msg_type, fields, sign=sign))

    async def new_index_order(
        self, client_order_id: str, symbol: str, side: str, amount: Decimal | int | str
    ) -> int:
        """Buy (``amount`` collateral) or sell (``amount`` index tokens); returns the seq_num."""
        return await self.send(
            "NewIndexOrder",
            {
                "client_order_id": client_order_id,
                "symbol": symbol,
                "side": _side_text(side),
                "amount": _amount_text(amount),
            },
        )

    async def cancel_index_order(
        self, client_order_id: str, symbol: str, amount: Decimal | int | str
    ) -> int:
        return await self.send(
            "CancelIndexOrder",
            {"client_order_id": client_order_id, "symbol": symbol, "amount": _amount_text(amount)},
        )

    async def quote(
        self,
        client_quote_id: str,
        symbol: str,
        side: str,
        amount: Decimal | int | str,
        *,
        sign: bool = True,
    ) -> int:
        return await self.send(
            "NewQuoteRequest",
            {
                "client_quote_id": client_quote_id,
                "symbol": symbol,
                "side": _side_text(side),
                "amount": _amount_text(amount),
            },
            sign=sign,
        )

    async def cancel_quote(self, client_quote_id: str, symbol: str, *, sign: bool = True) -> int:
        return await self.send(
            "CancelQuoteRequest", {"client_quote_id": client_quote_id, "symbol": symbol}, sign=sign
        )

    async def replay(self, request_id: str, since_ns: int) -> int:
        """Ask for the account's fill reports and invoices since ``since_ns`` again (signed)."""
        return await self.send(
            "ReplayRequest", {"request_id": request_id, "since": iso_from_ns(since_ns)}
        )

    async def replay_after(self, request_id: str, last_report_seq_num: int) -> int:
        """Ask for the account's fill reports and invoices numbered above
        ``last_report_seq_num`` (the last ``report_seq_num`` read; 0 for all kept) again."""
        return await self.send(
            "ReplayRequest", {"request_id": request_id, "last_report_seq_num": last_report_seq_num}
        )

    async def account_status(self, request_id: str) -> int:
        """Ask for the account's collateral, positions and open orders (signed)."""
        return await self.send("AccountStatusRequest", {"request_id": request_id})

    # --- receiving ----------------------------------------------------------------------------

    async def wait_for(
        self,
        msg_type: str | tuple[str, ...],
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = 10.0,
    ) -> Any:
        """Take the first reply of ``msg_type`` (or one of several) that ``predicate`` accepts,
        waiting up to ``timeout`` seconds (``TimeoutError``); raises ``ClientFailure`` if the
        connection ends first."""
        wanted = (msg_type,) if isinstance(msg_type, str) else msg_type

        def match() -> ServerMessage | None:
            for index, message in enumerate(self._inbox):
                if message.msg_type in wanted and (predicate is None or predicate(message)):
                    return self._inbox.pop(index)
            return None

        async with asyncio.timeout(timeout), self._arrived:
            while (found := match()) is None:
                if self._failure is not None:
                    raise self._failure
                await self._arrived.wait()
            return found

    async def ack_or_nak(self, seq_num: int, timeout: float = 10.0) -> Ack | Nak:
        """The ACK or NAK of the message ``seq_num``."""
        answer: Ack | Nak = await self.wait_for(
            ("ACK", "NAK"), lambda message: message.ref_seq_num == seq_num, timeout
        )
        return answer

    def __aiter__(self) -> AsyncIterator[ServerMessage]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[ServerMessage]:
        while True:
            async with self._arrived:
                while not self._inbox:
                    if self._failure is not None:
                        return
                    await self._arrived.wait()
                message = self._inbox.pop(0)
            yield message
