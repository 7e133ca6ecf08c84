"""Invariants of backtest results over random runs (hypothesis).

- each strategy's net PnL (FIFO realised + unrealised at the last mid - fees) equals the end of
  its mark-to-market curve (its flows valued at the last mids): two independent computations;
- the total row is the sum of the strategies;
- the account's final equity is the initial balances plus every flow, valued at the last mid.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.backtest.run_records import BTC, BUY, SELL, S, fill, sample

from tradewind.backtest.records import RunRecord
from tradewind.backtest.results import compute_results

fills_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.sampled_from([BUY, SELL]),
        st.integers(9_000, 11_000),  # price in cents
        st.integers(1, 500),  # quantity in 0.001
        st.integers(0, 50),  # fee in 0.0001 USDT
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(fills_strategy, st.lists(st.integers(9_000, 11_000), min_size=1, max_size=10))
def test_net_pnl_matches_mark_to_market_and_totals_add_up(
    trades: list[tuple[str, object, int, int, int]], mids: list[int]
) -> None:
    fills = tuple(
        fill(
            i + 1,
            f"o{i}",
            strategy,
            side,  # type: ignore[arg-type]
            str(Decimal(price) / 100),
            str(Decimal(qty) / 1000),
            str(Decimal(fee) / 10_000),
        )
        for i, (strategy, side, price, qty, fee) in enumerate(trades)
    )
    market = tuple(
        sample(i * len(trades) / len(mids), str(Decimal(m) / 100), str(Decimal(m + 2) / 100))
        for i, m in enumerate(mids)
    )
    record = RunRecord(
        run_id="p",
        seed=0,
        config_digest="",
        start_ns=0,
        end_ns=(len(trades) + 1) * S,
        events=len(market),
        valuation_asset="USDT",
        initial_balances={"sim": {"USDT": Decimal(100_000), "BTC": Decimal(3)}},
        orders=(),
        fills=fills,
        market=market,
        quotes=(),
        marks={},
    )
    results = compute_results(record)
    for strategy in results.strategies:
        assert strategy.net_pnl is not None
        assert strategy.net_pnl == strategy.pnl_curve[-1].value
    total = results.total
    assert total.realised_pnl == sum(s.realised_pnl or 0 for s in results.strategies)
    assert total.unrealised_pnl == sum(s.unrealised_pnl or 0 for s in results.strategies)
    assert total.net_pnl == sum(s.net_pnl or 0 for s in results.strategies)
    assert total.positions.get(BTC, 0) == sum(s.positions.get(BTC, 0) for s in results.strategies)
    last_mid = (Decimal(mids[-1]) + Decimal(mids[-1] + 2)) / 200
    btc = Decimal(3) + sum(f.quantity * (1 if f.side is BUY else -1) for f in fills)
    usdt = Decimal(100_000) + sum(
        -f.price * f.quantity * (1 if f.side is BUY else -1) - f.fee for f in fills
    )
    assert results.final_equity == btc * last_mid + usdt
