"""Fees in the quote, the base or any other asset; synthetic markets (the sim's, the stylised
one) run through the config like recorded ones."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradewind.backtest.build import build_engine
from tradewind.backtest.config import parse_backtest_config
from tradewind.backtest.fees import FeeSchedule
from tradewind.core.enums import LiquiditySide

MAKER, TAKER = LiquiditySide.MAKER, LiquiditySide.TAKER


def test_fees_are_exact_in_any_asset() -> None:
    quote = FeeSchedule(Decimal("-0.5"), Decimal(4))
    args = {"price": Decimal("30000.01"), "qty": Decimal("0.003"), "base": "BTC", "quote": "USDT"}
    assert quote.fee(liquidity=TAKER, **args) == (Decimal("0.036000012"), "USDT")
    assert quote.fee(liquidity=MAKER, **args) == (Decimal("-0.0045000015"), "USDT")  # a rebate
    base = FeeSchedule(Decimal(1), Decimal(1), asset="BTC")
    assert base.fee(liquidity=MAKER, **args) == (Decimal("0.0000003"), "BTC")
    bnb = FeeSchedule(Decimal(0), Decimal(10), asset="BNB", asset_price=Decimal(600))
    fee, asset = bnb.fee(liquidity=TAKER, **args)
    assert asset == "BNB" and fee == Decimal("0.09000003") / 600
    with pytest.raises(ValueError, match="fees in BNB need a positive asset_price"):
        FeeSchedule(asset="BNB").fee(liquidity=TAKER, **args)


def _config(feed: dict[str, object]) -> dict[str, object]:
    return {
        "seed": 4,
        "venues": {
            "sim": {
                "balances": {"USDT": "1000000", "BTC": "10"},
                "fees": {"maker_bps": "1", "taker_bps": "5"},
                "instruments": [
                    {"symbol": "BTC/USDT", "tick_size": "0.01", "step_size": "0.00001"}
                ],
            }
        },
        "feeds": [{"venue": "sim", "symbol": "BTC/USDT", **feed}],
        "strategies": [
            {
                "class": "tradewind.node.examples.quoter:Quoter",
                "id": "quoter",
                "config": {"instrument": "BTC/USDT@sim", "quantity": "0.001", "spread_bps": "0"},
            }
        ],
    }


async def test_the_stylised_market_fills_a_quote_at_the_touch() -> None:
    feed = {
        "kind": "stylised",
        "duration_s": 60,
        "mid": "30000",
        "sigma": 2.0,
        "intensity_a": 5.0,
        "decay_k": 50.0,
        "step_ms": 100,
        "levels": 5,
        "level_qty": "0.5",
        "trade_qty": "0.2",
    }
    record = await build_engine(parse_backtest_config(_config(feed))).run()
    assert record.events > 600 and record.fills
    assert all(f.liquidity is MAKER and f.fee > 0 for f in record.fills)


async def test_the_sims_seeded_market_runs_as_a_feed() -> None:
    feed = {"kind": "sim_market", "duration_s": 30, "book_interval_ms": 500}
    record = await build_engine(parse_backtest_config(_config(feed))).run()
    assert record.events > 60
    assert any(o.action == "accepted" for o in record.orders)
