"""Fills applied exactly once, keyed by (venue, trade id), with the positions they build.

A venue may report one execution several times (the user-data stream, the REST reply, a trade
query during reconciliation). The ledger applies the first and recognises the others; a report
that reuses a key with different economics is a data fault and raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradewind.common.logging import get_logger
from tradewind.core.fills import Fill, FillKey
from tradewind.core.positions import Position

__all__ = ["ConflictingFill", "FillLedger"]

log = get_logger("oms.fill_ledger")


class ConflictingFill(ValueError):
    """A trade id already applied arrived again with different price, size, fee or order."""

    def __init__(self, held: Fill, incoming: Fill) -> None:
        super().__init__(
            f"trade {incoming.venue}:{incoming.trade_id} already applied as "
            f"{held.side} {held.qty} @ {held.price} (order {held.venue_order_id}); "
            f"now reported as {incoming.side} {incoming.qty} @ {incoming.price} "
            f"(order {incoming.venue_order_id})"
        )
        self.held = held
        self.incoming = incoming


def _economics(fill: Fill) -> tuple[object, ...]:
    # the client order id is left out: a trade query may not know it where the stream did
    return (
        fill.symbol,
        fill.venue_order_id,
        fill.side,
        fill.price,
        fill.qty,
        fill.fee,
        fill.fee_asset,
    )


class FillLedger:
    """Every fill applied once, in arrival order, and the position per (venue, symbol)."""

    def __init__(self, fills: Iterable[Fill] = ()) -> None:
        self._fills: dict[FillKey, Fill] = {}
        self._positions: dict[tuple[str, str], Position] = {}
        self._filled_by_order: dict[tuple[str, str], Decimal] = {}
        self._latest: dict[tuple[str, str], Fill] = {}
        self._by_client: dict[str, list[FillKey]] = {}
        for fill in fills:
            self.apply(fill)

    def apply(self, fill: Fill) -> bool:
        """Apply ``fill``: True if it was new, False if already applied (nothing changes).

        ConflictingFill if the key is known with different economics (nothing changes).
        """
        held = self._fills.get(fill.key)
        if held is not None:
            if _economics(held) != _economics(fill):
                log.error("fill_conflict", venue=fill.venue, trade_id=fill.trade_id)
                raise ConflictingFill(held, fill)
            log.debug("fill_duplicate", venue=fill.venue, trade_id=fill.trade_id)
            return False
        market = (fill.venue, fill.symbol)
        position = self._positions.get(market) or Position(venue=fill.venue, symbol=fill.symbol)
        updated = position.apply(fill)  # may raise: done before anything is recorded
        self._positions[market] = updated
        self._fills[fill.key] = fill
        if fill.client_order_id is not None:
            self._by_client.setdefault(fill.client_order_id, []).append(fill.key)
        order_key = (fill.venue, fill.venue_order_id)
        before = self._filled_by_order.get(order_key, Decimal(0))
        self._filled_by_order[order_key] = before + fill.qty
        latest = self._latest.get(market)
        if latest is None or _sequence_key(fill) > _sequence_key(latest):
            self._latest[market] = fill
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._fills

    def __len__(self) -> int:
        return len(self._fills)

    def relabel(self, fill: Fill) -> None:
        """Attribute an applied fill to an order (its client id): nothing else may differ."""
        held = self._fills.get(fill.key)
        if held is None or _economics(held) != _economics(fill):
            raise ValueError(f"relabel of {fill.key} would change more than the order id")
        self._fills[fill.key] = fill
        if fill.client_order_id is not None and held.client_order_id != fill.client_order_id:
            self._by_client.setdefault(fill.client_order_id, []).append(fill.key)

    def seen(self, venue: str, symbol: str, trade_id: str) -> bool:
        return (venue, symbol, trade_id) in self._fills

    def fills_of(self, client_order_id: str) -> tuple[Fill, ...]:
        """The fills of one of our orders, in the order applied (an index, not a scan)."""
        return tuple(self._fills[key] for key in self._by_client.get(client_order_id, ()))

    def fills(self) -> tuple[Fill, ...]:
        """Every applied fill in the order applied."""
        return tuple(self._fills.values())

    def position(self, venue: str, symbol: str) -> Position:
        """The position built by fills on (venue, symbol); flat if none."""
        return self._positions.get((venue, symbol)) or Position(venue=venue, symbol=symbol)

    def positions(self) -> tuple[Position, ...]:
        return tuple(self._positions.values())

    def filled_qty(self, venue: str, venue_order_id: str) -> Decimal:
        """Base units filled on one venue order, from applied fills."""
        return self._filled_by_order.get((venue, venue_order_id), Decimal(0))

    def last_trade_id(self, venue: str, symbol: str) -> str | None:
        """The newest applied trade of (venue, symbol): where a 'trades since' query resumes."""
        latest = self._latest.get((venue, symbol))
        return None if latest is None else latest.trade_id


def _sequence_key(fill: Fill) -> tuple[int, int, str]:
    # numeric trade ids (Binance) increase per symbol; other venues order by timestamp
    numeric = int(fill.trade_id) if fill.trade_id.isdigit() else -1
    return (numeric, fill.ts_event, fill.trade_id)
