"""Properties of every method over random ledgers: nothing created or lost, fast path = rules."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisMethod,
    CostBasisResult,
    LotPooling,
    compute_cost_basis,
)
from tradewind.portfolio.costbasis.engine import _Run
from tradewind.portfolio.costbasis.pools import WORK_PRECISION
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.prices import Priced, PriceResult

ACCOUNTS = ("binance:main", "evm:1:0xabc")
METHODS = [CostBasisMethod.FIFO, CostBasisMethod.LIFO, CostBasisMethod.HIFO]

amounts = st.integers(min_value=1, max_value=5000).map(lambda n: Decimal(n) / 1000)
prices = st.integers(min_value=1, max_value=100_000).map(Decimal)


@st.composite
def ledgers(draw: st.DrawFn, *, bnb_fees: bool = False) -> list[Transaction]:
    txs: list[Transaction] = []
    ts = 1_700_000_000_000
    if bnb_fees:
        for account in ACCOUNTS:
            txs.append(
                Transaction(
                    EntryKind.TRADE,
                    ts,
                    (
                        Movement(account, "BNB", Decimal(5)),
                        Movement(account, "USD", Decimal(-1500)),
                    ),
                )
            )
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        ts += draw(st.sampled_from([0, 1000, 86_400_000, 200 * 86_400_000]))
        account = draw(st.sampled_from(ACCOUNTS))
        op = draw(st.sampled_from(["buy", "buy", "sell", "transfer"]))
        qty = draw(amounts)
        if op == "transfer":
            other = ACCOUNTS[1 - ACCOUNTS.index(account)]
            lost = min(qty / 2, draw(amounts) / 100)
            txs.append(
                Transaction(
                    EntryKind.TRANSFER,
                    ts,
                    (Movement(account, "BTC", -qty), Movement(other, "BTC", qty - lost)),
                )
            )
            continue
        usd = qty * draw(prices)
        if bnb_fees and draw(st.booleans()):
            fees = (Movement(account, "BNB", Decimal("-0.001")),)
        else:
            fees = (Movement(account, "USD", -draw(amounts)),)
        sign = 1 if op == "buy" else -1
        txs.append(
            Transaction(
                EntryKind.TRADE,
                ts,
                (Movement(account, "BTC", sign * qty), Movement(account, "USD", -sign * usd)),
                fees=fees,
            )
        )
    return txs


def _bnb(_asset: str, _ms: int) -> PriceResult:
    return Priced(Decimal(300))


@settings(max_examples=60, deadline=None)
@given(ledgers(), st.sampled_from(METHODS), st.sampled_from(list(LotPooling)))
def test_basis_quantity_and_proceeds_are_conserved(
    ledger: list[Transaction], method: CostBasisMethod, pooling: LotPooling
) -> None:
    result = compute_cost_basis(ledger, CostBasisConfig(method=method, pooling=pooling))
    bought_cost = bought_qty = sold_qty = sold_proceeds = lost = Decimal(0)
    for tx in ledger:
        btc = next(m for m in tx.movements if m.asset == "BTC" and m.amount != 0)
        fee = -sum((f.amount for f in tx.fees), Decimal(0))
        if tx.kind is EntryKind.TRANSFER:
            lost += sum((m.amount for m in tx.movements), Decimal(0))
        elif btc.amount > 0:
            usd = next(m for m in tx.movements if m.asset == "USD")
            bought_qty += btc.amount
            bought_cost += -usd.amount + fee
        else:
            usd = next(m for m in tx.movements if m.asset == "USD")
            sold_qty += -btc.amount
            sold_proceeds += usd.amount - fee
    legs_qty = sum((leg.quantity for leg in result.legs), Decimal(0))
    unmatched_qty = sum((u.quantity for u in result.unmatched), Decimal(0))
    open_qty = sum((lot.quantity for lot in result.open_lots), Decimal(0))
    # Every unit sold is either matched to a lot or flagged; none is both or neither.
    assert legs_qty + unmatched_qty == sold_qty
    # Proceeds are split exactly over legs and unmatched remainders.
    assert (
        sum((leg.proceeds for leg in result.legs), Decimal(0))
        + sum(  # type: ignore[misc]
            (u.proceeds for u in result.unmatched), Decimal(0)
        )
        == sold_proceeds
    )  # type: ignore[misc]
    # Basis is never created or lost: transfers carry fee basis; splits keep exact remainders.
    assert (
        sum((leg.cost_basis for leg in result.legs), Decimal(0))
        + sum(  # type: ignore[misc]
            (lot.cost_basis for lot in result.open_lots), Decimal(0)
        )
        == bought_cost
    )  # type: ignore[misc]
    # Quantity: bought = sold from lots + still open + lost to transfer fees, as far as lots
    # existed to be moved (a transfer of unlotted coins moves nothing).
    assert legs_qty + open_qty <= bought_qty
    assert legs_qty + open_qty >= bought_qty + lost  # lost <= 0


@settings(max_examples=40, deadline=None)
@given(ledgers(bnb_fees=True), st.sampled_from(METHODS), st.sampled_from(list(LotPooling)))
def test_the_fast_path_gives_what_the_general_rules_give(
    ledger: list[Transaction], method: CostBasisMethod, pooling: LotPooling
) -> None:
    results: list[CostBasisResult] = []
    for fast in (True, False):
        run = _Run(CostBasisConfig(method=method, pooling=pooling), ledger, _bnb, {}, None)
        run.fast = fast
        with localcontext() as context:
            context.prec = WORK_PRECISION
            run.run()
            results.append(run.result())
    assert results[0] == results[1]
