"""The fast pass (ledger_pass.py) against the general rules of engine.py, on random ledgers.

`_Run.fast = False` sends every transaction through the handlers of engine.py: that is the
reference. The ledgers mix every kind of transaction, fees in cash, in a third asset (priced,
stale or unpriced) and in the traded assets, crypto-for-crypto trades, transfers that lose
some quantity, deposits, withdrawals, income and spending; specific identification names
lots (sometimes wrongly, so refusals are compared too). Both ways must give the same result,
or refuse with the same error.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradewind.portfolio.costbasis import (
    CostBasisConfig,
    CostBasisError,
    CostBasisMethod,
    CostBasisResult,
    LotPooling,
    disposal_ref,
    lot_id_of,
)
from tradewind.portfolio.costbasis.engine import _Run
from tradewind.portfolio.costbasis.pools import WORK_PRECISION
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.prices import NoPrice, Priced, PriceResult, StalePrice

ACCOUNTS = ("binance:main", "evm:1:0xabc")
START = 1_700_000_000_000

quantities = st.integers(min_value=1, max_value=3000).map(lambda n: Decimal(n) / 1000)
unit_prices = st.integers(min_value=1, max_value=90_000).map(Decimal)
Selections = dict[str, dict[str, Decimal]]


def prices(asset: str, at: int) -> PriceResult:
    """BNB and ETH priced most of the time; some instants stale or unpriced (by the clock)."""
    if asset not in ("BNB", "ETH"):
        return NoPrice("not in the table")
    second = at // 1000
    if second % 11 == 3:
        return NoPrice("gap")
    if second % 13 == 5:
        return StalePrice(Decimal(250), 3_600_000)
    return Priced(Decimal(300) if asset == "BNB" else Decimal("2500.5"))


def _trade(
    ts: int,
    account: str,
    got: tuple[str, Decimal],
    gave: tuple[str, Decimal],
    fees: tuple[Movement, ...],
    worth: Decimal | None = None,
) -> Transaction:
    return Transaction(
        EntryKind.TRADE,
        ts,
        (Movement(account, got[0], got[1]), Movement(account, gave[0], -gave[1])),
        fees=fees,
        source="test",
        worth=worth,
        worth_currency="USD" if worth is not None else "",
    )


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[Transaction], Selections]:
    """A ledger and specific-ID selections that name lots of earlier buys."""
    txs: list[Transaction] = []
    ts = START
    for account in ACCOUNTS:  # fee coins, so BNB fee disposals usually have lots
        txs.append(_trade(ts, account, ("BNB", Decimal(2)), ("USD", Decimal(600)), ()))
    # Open buys per account, [lot id, quantity not yet named], to name lots as a person would;
    # transfers, fees and withdrawals take lots too, so some names still end up refused.
    open_buys: dict[str, list[list[Any]]] = {account: [] for account in ACCOUNTS}
    every_lot: list[str] = []
    selections: Selections = {}
    for _ in range(draw(st.integers(min_value=1, max_value=35))):
        ts += draw(st.sampled_from([0, 1000, 2000, 86_400_000, 400 * 86_400_000]))
        account = draw(st.sampled_from(ACCOUNTS))
        other = ACCOUNTS[1 - ACCOUNTS.index(account)]
        qty = draw(quantities)
        op = draw(
            st.sampled_from(
                [
                    "buy",
                    "buy",
                    "buy",
                    "sell",
                    "sell",
                    "sell",
                    "swap",
                    "transfer",
                    "deposit",
                    "withdrawal",
                    "income",
                    "spend",
                ]
            )
        )
        fee_kind = draw(st.sampled_from(["none", "usd", "usd", "bnb", "bnb", "same", "other"]))
        fee_account = other if fee_kind == "other" else account
        fees: tuple[Movement, ...] = ()
        if fee_kind == "usd":
            fees = (Movement(account, "USD", -draw(quantities)),)
        elif fee_kind in ("bnb", "other"):
            fees = (Movement(fee_account, "BNB", -Decimal("0.001") * draw(st.integers(1, 400))),)
        elif fee_kind == "same":
            fees = (Movement(account, "BTC", -qty / 100),)
        if op in ("buy", "sell"):
            usd = qty * draw(unit_prices)
            if op == "buy":
                tx = _trade(ts, account, ("BTC", qty), ("USD", usd), fees)
                lot_id = lot_id_of(tx.content_key(), 0)
                open_buys[account].append([lot_id, qty])
                every_lot.append(lot_id)
            else:
                tx = _trade(ts, account, ("USD", usd), ("BTC", qty), fees)
        elif op == "swap":
            worth = draw(st.sampled_from([None, qty * 1000]))
            if draw(st.booleans()):
                tx = _trade(ts, account, ("ETH", qty * 10), ("BTC", qty), fees, worth)
            else:
                tx = _trade(ts, account, ("BTC", qty), ("ETH", qty * 10), fees, worth)
        elif op == "transfer":
            lost = draw(st.sampled_from([Decimal(0), qty / 1000]))
            tx = Transaction(
                EntryKind.TRANSFER,
                ts,
                (Movement(account, "BTC", -qty), Movement(other, "BTC", qty - lost)),
                fees=fees if fee_kind in ("usd", "bnb") else (),
            )
        elif op in ("deposit", "income"):
            kind = EntryKind.DEPOSIT if op == "deposit" else EntryKind.INCOME
            asset = draw(st.sampled_from(["BTC", "ETH", "BNB"]))
            tx = Transaction(kind, ts, (Movement(account, asset, qty),), note="label staking")
        else:
            kind = EntryKind.WITHDRAWAL if op == "withdrawal" else EntryKind.SPEND
            asset = draw(st.sampled_from(["BTC", "BTC", "ETH", "BNB"]))
            if kind is EntryKind.SPEND and asset != "BTC":
                kind = EntryKind.FEE  # names no lots (only BTC disposals name theirs here)
            tx = Transaction(kind, ts, (Movement(account, asset, -qty),))
        btc_out = -sum(
            (m.amount for m in (*tx.movements, *tx.fees) if m.asset == "BTC"), Decimal(0)
        )
        if tx.kind in (EntryKind.TRADE, EntryKind.SPEND) and btc_out > 0:
            # specific identification: every disposal of BTC names its lots
            names = selections.setdefault(disposal_ref(tx.content_key()), {})
            if every_lot and draw(st.integers(0, 9)) == 0:  # a careless pick
                lot_id = draw(st.sampled_from([*every_lot, "0123456789abcdef/0"]))  # or none
                names[lot_id] = draw(st.sampled_from([qty, qty * 2]))
            else:  # newest lots first, as far as they go
                rest = btc_out
                for lot in reversed(open_buys[account]):
                    part = min(rest, lot[1])
                    if part > 0:
                        names[lot[0]] = part
                        lot[1] -= part
                        rest -= part
        txs.append(tx)
    return txs, selections


def _outcome(
    ledger: list[Transaction], config: CostBasisConfig, selections: Selections, *, fast: bool
) -> CostBasisResult | str:
    run = _Run(config, ledger, prices, selections, None)
    run.fast = fast
    try:
        with localcontext() as context:
            context.prec = WORK_PRECISION
            run.run()
            return run.result()
    except CostBasisError as error:
        return f"{type(error).__name__}: {error}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ledgers(),
    st.sampled_from(list(CostBasisMethod)),
    st.sampled_from(list(LotPooling)),
)
def test_the_fast_pass_gives_what_the_general_rules_give(
    ledger_and_selections: tuple[list[Transaction], Selections],
    method: CostBasisMethod,
    pooling: LotPooling,
) -> None:
    ledger, selections = ledger_and_selections
    config = CostBasisConfig(method=method, pooling=pooling)
    chosen = selections if method is CostBasisMethod.SPECIFIC_ID else {}
    fast = _outcome(ledger, config, chosen, fast=True)
    reference = _outcome(ledger, config, chosen, fast=False)
    assert fast == reference


def test_a_bnb_fee_sale_on_the_fast_path_matches_the_rules_by_hand() -> None:
    """Buy 1 BTC for 100 + 1 USD fee, 2 BNB for 600; sell 0.4 BTC for 80 paying 0.01 BNB.

    The fee is a disposal of 0.01 BNB at 300 = 3 USD with basis 3; the sale's proceeds are
    80 - 3 = 77 with basis 0.4 x 101 = 40.4.
    """
    account = ACCOUNTS[0]
    ledger = [
        _trade(
            START,
            account,
            ("BTC", Decimal(1)),
            ("USD", Decimal(100)),
            (Movement(account, "USD", Decimal(-1)),),
        ),
        _trade(START, account, ("BNB", Decimal(2)), ("USD", Decimal(600)), ()),
        _trade(
            START + 1000,
            account,
            ("USD", Decimal(80)),
            ("BTC", Decimal("0.4")),
            (Movement(account, "BNB", Decimal("-0.01")),),
        ),
    ]
    for method in (CostBasisMethod.FIFO, CostBasisMethod.LIFO, CostBasisMethod.HIFO):
        result = _outcome(ledger, CostBasisConfig(method=method), {}, fast=True)
        assert isinstance(result, CostBasisResult)
        fee, sale = result.legs
        assert (fee.kind, fee.asset, fee.quantity, fee.proceeds, fee.cost_basis) == (
            "fee",
            "BNB",
            Decimal("0.01"),
            Decimal(3),
            Decimal(3),
        )
        assert (sale.kind, sale.quantity, sale.proceeds, sale.cost_basis) == (
            "sale",
            Decimal("0.4"),
            Decimal(77),
            Decimal("40.4"),
        )
