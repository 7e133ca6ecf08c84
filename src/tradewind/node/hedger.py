"""Hedger: unwinds an asset's net position with reducing orders through the node's commands.

For each asset to unwind, the net position across venues (from the node's fills) is reduced by
one IOC limit order at the touch (a SELL at the best bid when long, a BUY at the best ask when
short) on the venue holding the largest position in the asset, at most ``clip`` base units,
rounded down to the step. One hedge order per asset at a time: the next one goes out on a later
call once the previous is done. Orders carry the strategy id ``risk-hedger``, so they pass the
same pre-trade checks as any other order (a strategy in REDUCING does not block them: they are
not its orders; a global or venue HALT does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, Decimal

from tradewind.common.logging import get_logger
from tradewind.core.clock import Clock
from tradewind.core.commands import SubmitOrder
from tradewind.core.enums import OrderSide, OrderType, TimeInForce
from tradewind.core.identifiers import InstrumentId, parse_symbol
from tradewind.core.positions import Position
from tradewind.node.cache import Cache
from tradewind.oms.client_ids import submit_order

__all__ = ["HEDGER_ID", "Hedger"]

log = get_logger("node.hedger")

HEDGER_ID = "risk-hedger"


class Hedger:
    """Sends reducing orders for assets; ``clip`` caps one order (base units, None: no cap)."""

    def __init__(
        self,
        cache: Cache,
        clock: Clock,
        send: Callable[[SubmitOrder], None],
        positions: Callable[[], Iterable[Position]],
        clip: Decimal | None = None,
    ) -> None:
        self._cache = cache
        self._clock = clock
        self._send = send
        self._positions = positions
        self.clip = clip
        self._working: dict[str, tuple[str, int]] = {}  # asset → (hedge client id, call sent)
        self._calls = 0
        self._sequence = 0
        self.sent: list[SubmitOrder] = []

    def unwind(self, assets: Iterable[str]) -> list[SubmitOrder]:
        """One reducing order per asset that has a net position and no hedge working."""
        by_asset: dict[str, list[Position]] = {}
        for position in self._positions():
            by_asset.setdefault(parse_symbol(position.symbol)[0], []).append(position)
        self._calls += 1
        sent = []
        for asset in sorted(set(assets)):
            held = by_asset.get(asset, [])
            net = sum((p.quantity for p in held), Decimal(0))
            if net == 0 or self._busy(asset):
                continue
            command = self._order(asset, net, held)
            if command is not None:
                self._working[asset] = (command.client_order_id, self._calls)
                self._send(command)
                self.sent.append(command)
                sent.append(command)
        return sent

    def _busy(self, asset: str) -> bool:
        working = self._working.get(asset)
        if working is None:
            return False
        cid, sent_at = working
        order = self._cache.order(cid)
        # not tracked (queued, or refused before any venue saw it): wait one call, then retry
        busy = self._calls - sent_at < 2 if order is None else order.is_open
        if not busy:
            del self._working[asset]
        return busy

    def _order(self, asset: str, net: Decimal, held: list[Position]) -> SubmitOrder | None:
        long = net > 0
        # the venue with the largest position on the side of the net one
        candidates = [p for p in held if (p.quantity > 0) == long and p.quantity != 0]
        position = max(candidates, key=lambda p: abs(p.quantity))
        iid = InstrumentId(position.symbol, position.venue)
        instrument = self._cache.instrument(iid)
        top = self._cache.top(iid)
        if instrument is None or top is None:
            log.warning("hedge_skipped", asset=asset, reason="no instrument or book")
            return None
        price = top.best_bid if long else top.best_ask
        if price is None:
            log.warning("hedge_skipped", asset=asset, reason="one-sided book")
            return None
        filters = instrument.filters
        quantity = min(abs(net), abs(position.quantity))
        if self.clip is not None:
            quantity = min(quantity, self.clip)
        quantity = (quantity / filters.step_size).to_integral_value(ROUND_DOWN) * filters.step_size
        if quantity < filters.min_qty or quantity <= 0 or quantity * price < filters.min_notional:
            log.info("hedge_skipped", asset=asset, reason="under the venue minimum", net=str(net))
            return None
        self._sequence += 1
        side = OrderSide.SELL if long else OrderSide.BUY
        intent = f"unwind:{asset}:{self._clock.now_ns()}:{self._sequence}"
        command = submit_order(
            strategy_id=HEDGER_ID,
            intent_id=intent,
            venue=iid.venue,
            symbol=iid.symbol,
            side=side,
            order_type=OrderType.LIMIT,
            quantity=quantity,
            price=price,
            time_in_force=TimeInForce.IOC,
            ts_init=self._clock.now_ns(),
        )
        log.warning(
            "hedge_order",
            asset=asset,
            net=str(net),
            side=side.name,
            qty=str(quantity),
            px=str(price),
        )
        return command
