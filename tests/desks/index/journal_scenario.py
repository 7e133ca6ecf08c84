"""A deterministic index-desk history touching every event kind and field shape: deposits with
routing fees, returned tokens, buys filled over batches with a base-asset fee and a rebate, house
inventory handed over, partial and full cancels, a sell, completions.

``journal_v1.jsonl`` next to this file holds what the journal stored for it (columns key, kind,
payload, ts) when it was written by the hand-written codec, before the declarative one: the
replay test reads those bytes with today's code.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tradewind.core.enums import OrderSide

GOLDEN_JOURNAL = Path(__file__).with_name("data") / "journal_v1.jsonl"

D = Decimal


def run_scenario(desk: Any, alice: str, bob: str) -> None:
    """Drive ``desk`` (the DeskHarness) through the history; ``desk.journal`` then holds it."""
    desk.deposit(alice, "1000.12345678", routing_fees="0.5")
    desk.deposit(bob, "500")
    desk.return_tokens(bob, "TW3", "1.5")
    buy = desk.buy(alice, "o1", "TW3", "200")
    other = desk.buy(bob, "o2", "TW3", "100")
    basket = desk.basket(buy, "1")
    desk.plan("b1", targets={buy: basket, other: desk.basket(other, "0.5")})
    first, *rest = sorted(basket)
    desk.lot("b1", first, basket[first], fee="-0.00000001", fee_asset="USDT")
    for symbol in rest:
        base = symbol.split("/")[0]
        desk.lot("b1", symbol, basket[symbol] * 2, fee=basket[symbol] / 1000, fee_asset=base)
    desk.close("b1")
    desk.cancel(other, "10")
    desk.complete("b2", buy)
    third = desk.buy(alice, "o3", "TW3", "150")
    inventory = desk.state.house_inventory()
    if inventory:
        desk.plan("b3", inventory={third: inventory})
    desk.cancel(third, "1000")
    desk.cancel(other, "1000")
    sell = desk.sell(bob, "s1", "TW3", "1.5")
    sold = desk.basket(sell, "1.5")
    desk.plan("b4", targets={sell: sold}, side=OrderSide.SELL)
    desk.fill_basket("b4", sold, side=OrderSide.SELL, fee="0.01")
    desk.close("b4")
