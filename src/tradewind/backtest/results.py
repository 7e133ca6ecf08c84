"""What a backtest run earned and how it traded, computed from its ``RunRecord``.

    compute_results(record, interval_ns=1s) -> BacktestResults
    results_json(results) -> bytes            canonical: sorted keys, Decimals as strings
    write_csv(record, results, directory)     orders, fills, equity, inventory, summary .csv

Money is ``Decimal`` and exact; ratios and statistics are floats. The choices made here:

- **Realised PnL is FIFO** per strategy and instrument: a fill first closes the oldest open
  lots of the opposite sign (realising ``(sell - buy) x quantity`` in the instrument's quote
  asset), the rest opens a lot. FIFO keeps it exact in ``Decimal``; an average cost would
  need a division. Unrealised PnL is what the open lots would realise at the instrument's last
  mid. Fees are summed per asset.
- **Valuation** is at the end of the run: an asset is worth 1 if it is the valuation asset, else
  the last mid of an instrument ``ASSET/<valuation asset>`` in ``record.market`` (two-sided
  samples only; a one-sided sample keeps the previous mid), else ``record.marks[ASSET]``. An
  asset with none of these is *unvalued*: it is listed, and every sum that would need it is
  ``None`` rather than a number that silently treats it as zero. Valuing flows and positions
  at the same prices makes ``net = realised + unrealised - fees`` equal the end of the
  strategy's mark-to-market PnL curve.
- **Equity** (the account: initial balances of every venue plus every fill's flows, fees
  included) is valued at each market sample and fill, at the mids known at that time.
  Each strategy also gets a PnL curve: its own flows from zero, valued the same way.
- **Sharpe and Sortino** come from the total equity resampled every ``interval_ns`` (default
  one second; the value at each grid time is the last equity point at or before it, the grid
  starting at the first fully valued point): simple returns, risk-free rate 0, annualised by
  ``sqrt(periods per year)`` with a 365-day year (crypto trades every day). Sortino's
  downside deviation is ``sqrt(mean(min(r, 0)^2))`` over all returns. Fewer than two
  returns, or a zero deviation, give ``None``.
- **Max drawdown** is the largest fall from a running peak of the (unresampled) curve: money
  for every curve, and a fraction of the peak for the account equity.
- **Fill ratios**: filled quantity / submitted quantity, and orders with at least one fill /
  orders submitted. **Quote uptime**: per strategy and instrument, the share of the run
  (``start_ns`` .. ``end_ns``) during which its latest ``QuoteSample`` had both a bid and an
  ask; a strategy's uptime is the mean over the instruments it quoted, the total the mean
  over strategies.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tradewind.backtest.canonical import canonical_json, decimal_text
from tradewind.backtest.records import (
    FillRecord,
    MarketSample,
    OrderRecord,
    QuoteSample,
    RunRecord,
)
from tradewind.core.enums import LiquiditySide, OrderSide

__all__ = [
    "TOTAL",
    "BacktestResults",
    "EquityPoint",
    "InventoryPoint",
    "StrategyResults",
    "compute_results",
    "decimal_text",
    "results_json",
    "split_instrument",
    "write_csv",
]

TOTAL = "total"  # the strategy id of the all-strategies row
_ACCOUNT = "\x00account"  # internal key of the account (initial balances + all flows)
_YEAR_NS = 365 * 86_400 * 1_000_000_000
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """A curve's value at a time in the valuation asset; ``None`` if an asset held is unvalued."""

    ts_ns: int
    value: Decimal | None
    unvalued: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InventoryPoint:
    """An asset's quantity after a change (a fill, or the initial balance at ``start_ns``)."""

    ts_ns: int
    asset: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class StrategyResults:
    """One strategy's (or, under ``TOTAL``, all strategies') PnL and trading statistics.

    PnL fields are in the valuation asset and ``None`` when an asset they need is unvalued
    (listed in ``unvalued``); ``fees`` is per asset, in that asset. Quantities in base units.
    """

    strategy_id: str
    realised_pnl: Decimal | None
    unrealised_pnl: Decimal | None
    fees: dict[str, Decimal]
    fees_value: Decimal | None
    net_pnl: Decimal | None
    unvalued: tuple[str, ...]
    positions: dict[str, Decimal]  # instrument -> signed base quantity at the end
    inventory: tuple[InventoryPoint, ...]  # this strategy's flows per asset, from zero
    pnl_curve: tuple[EquityPoint, ...]
    max_drawdown: Decimal | None
    orders: int
    filled_orders: int
    quoted_quantity: Decimal
    filled_quantity: Decimal
    fill_ratio_quantity: float | None
    fill_ratio_orders: float | None
    quote_uptime: float | None
    fills: int
    maker_fills: int
    taker_fills: int
    order_counts: dict[str, int]  # OrderRecord.action -> count


@dataclass(frozen=True, slots=True)
class BacktestResults:
    """A run's results: per strategy and in total, plus the account's equity and statistics."""

    run_id: str
    seed: int
    config_digest: str
    start_ns: int
    end_ns: int
    events: int
    valuation_asset: str
    interval_ns: int
    strategies: tuple[StrategyResults, ...]
    total: StrategyResults
    equity: tuple[EquityPoint, ...]
    inventory: tuple[InventoryPoint, ...]  # the account, initial balances included
    initial_equity: Decimal | None
    final_equity: Decimal | None
    max_drawdown: Decimal | None
    max_drawdown_fraction: float | None
    sharpe: float | None
    sortino: float | None
    unvalued: tuple[str, ...] = field(default=())


def split_instrument(instrument: str) -> tuple[str, str]:
    """``"BTC/USDT@sim"`` -> ``("BTC", "USDT")``; a clear error for anything else."""
    pair = instrument.split("@", 1)[0]
    base, sep, quote = pair.partition("/")
    if not sep or not base or not quote:
        raise ValueError(f"instrument {instrument!r} is not written BASE/QUOTE@venue")
    return base, quote


class _MidBook:
    """Last two-sided mid per instrument over time, and the price of an asset from them."""

    def __init__(self, record: RunRecord) -> None:
        times: dict[str, list[int]] = defaultdict(list)
        mids: dict[str, list[Decimal]] = defaultdict(list)
        for sample in record.market:
            if sample.best_bid is None or sample.best_ask is None:
                continue
            times[sample.instrument].append(sample.ts_ns)
            mids[sample.instrument].append((sample.best_bid + sample.best_ask) / 2)
        self._times = dict(times)
        self._mids = dict(mids)
        self._valuation = record.valuation_asset
        self._marks = record.marks
        self._priced_by: dict[str, str] = {}
        for instrument in sorted(self._mids):
            base, quote = split_instrument(instrument)
            if quote == self._valuation:
                self._priced_by.setdefault(base, instrument)

    def mid(self, instrument: str, ts_ns: int | None = None) -> Decimal | None:
        """The last mid at or before ``ts_ns`` (the last of the run when ``None``)."""
        mids = self._mids.get(instrument)
        if not mids:
            return None
        if ts_ns is None:
            return mids[-1]
        index = bisect.bisect_right(self._times[instrument], ts_ns) - 1
        return mids[index] if index >= 0 else None

    def price(self, asset: str, ts_ns: int | None = None) -> Decimal | None:
        """An asset's price in the valuation asset at ``ts_ns`` (the end when ``None``)."""
        return self.price_from(asset, lambda instrument: self.mid(instrument, ts_ns))

    def price_from(self, asset: str, mid_of: Callable[[str], Decimal | None]) -> Decimal | None:
        """The same, with the mids taken from ``mid_of`` (a sweep's current mids)."""
        if asset == self._valuation:
            return Decimal(1)
        instrument = self._priced_by.get(asset)
        if instrument is not None:
            return mid_of(instrument)
        return self._marks.get(asset)


def _value(
    amounts: Mapping[str, Decimal], price: Callable[[str], Decimal | None]
) -> tuple[Decimal | None, tuple[str, ...]]:
    total = _ZERO
    unvalued: list[str] = []
    for asset in sorted(amounts):
        amount = amounts[asset]
        if amount == 0:
            continue
        price_now = price(asset)
        if price_now is None:
            unvalued.append(asset)
        else:
            total += amount * price_now
    return (None if unvalued else total), tuple(unvalued)


@dataclass
class _Lots:
    """FIFO open lots of one strategy on one instrument; realised PnL in the quote asset."""

    lots: deque[list[Decimal]] = field(default_factory=deque)  # [signed quantity, price]
    realised: Decimal = _ZERO

    def fill(self, side: OrderSide, quantity: Decimal, price: Decimal) -> None:
        signed = quantity if side is OrderSide.BUY else -quantity
        while signed != 0 and self.lots and (self.lots[0][0] > 0) != (signed > 0):
            lot = self.lots[0]
            closed = min(abs(signed), abs(lot[0]))
            # a long lot closed by a sale gains (sell - buy); a short lot the opposite
            direction = 1 if lot[0] > 0 else -1
            self.realised += (price - lot[1]) * closed * direction
            lot[0] -= closed * direction
            signed += closed * direction
            if lot[0] == 0:
                self.lots.popleft()
        if signed != 0:
            self.lots.append([signed, price])

    @property
    def position(self) -> Decimal:
        return sum((lot[0] for lot in self.lots), _ZERO)

    def unrealised(self, mid: Decimal) -> Decimal:
        return sum(((mid - price) * quantity for quantity, price in self.lots), _ZERO)


def _flows(fill: FillRecord) -> list[tuple[str, Decimal]]:
    base, quote = split_instrument(fill.instrument)
    sign = 1 if fill.side is OrderSide.BUY else -1
    return [
        (base, fill.quantity * sign),
        (quote, -fill.price * fill.quantity * sign),
        (fill.fee_asset, -fill.fee),
    ]


def _curves(
    record: RunRecord, prices: _MidBook, strategy_ids: Sequence[str]
) -> tuple[dict[str, list[EquityPoint]], dict[str, list[InventoryPoint]]]:
    """Walk fills and market samples in time order; value every account at each time.

    Accounts: each strategy's flows from zero, ``TOTAL`` (all strategies' flows) and
    ``_ACCOUNT`` (the initial balances plus all flows).
    """
    balances: dict[str, dict[str, Decimal]] = {s: defaultdict(Decimal) for s in strategy_ids}
    balances[TOTAL] = defaultdict(Decimal)
    balances[_ACCOUNT] = defaultdict(Decimal)
    inventory: dict[str, list[InventoryPoint]] = {s: [] for s in balances}
    for asset, quantity in sorted(_initial_totals(record).items()):
        balances[_ACCOUNT][asset] = quantity
        inventory[_ACCOUNT].append(InventoryPoint(record.start_ns, asset, quantity))
    fills_at: dict[int, list[FillRecord]] = defaultdict(list)
    for fill in record.fills:
        fills_at[fill.ts_ns].append(fill)
    samples_at: dict[int, list[MarketSample]] = defaultdict(list)
    for sample in record.market:
        samples_at[sample.ts_ns].append(sample)
    mids: dict[str, Decimal] = {}

    def price_now(asset: str) -> Decimal | None:
        return prices.price_from(asset, mids.get)

    curves: dict[str, list[EquityPoint]] = {s: [] for s in balances}
    for ts in sorted({record.start_ns, *fills_at, *samples_at}):
        for sample in samples_at.get(ts, ()):
            if sample.best_bid is not None and sample.best_ask is not None:
                mids[sample.instrument] = (sample.best_bid + sample.best_ask) / 2
        for fill in fills_at.get(ts, ()):
            flows = _flows(fill)
            for account in (fill.strategy_id, TOTAL, _ACCOUNT):
                for asset, amount in flows:
                    balances[account][asset] += amount
                for asset in sorted({a for a, _ in flows}):
                    inventory[account].append(InventoryPoint(ts, asset, balances[account][asset]))
        for account, held in balances.items():
            value, unvalued = _value(held, price_now)
            curves[account].append(EquityPoint(ts, value, unvalued))
    return curves, inventory


def _drawdown(curve: Iterable[EquityPoint]) -> tuple[Decimal | None, float | None]:
    peak: Decimal | None = None
    worst = _ZERO
    worst_fraction = 0.0
    seen = False
    for point in curve:
        if point.value is None:
            continue
        seen = True
        if peak is None or point.value > peak:
            peak = point.value
        fall = peak - point.value
        worst = max(worst, fall)
        if peak > 0:
            worst_fraction = max(worst_fraction, float(fall / peak))
    return (worst, worst_fraction) if seen else (None, None)


def _resampled_returns(curve: Sequence[EquityPoint], end_ns: int, interval_ns: int) -> list[float]:
    first_valued = next((i for i, p in enumerate(curve) if p.value is not None), None)
    if first_valued is None:
        return []
    times = [p.ts_ns for p in curve]
    values: list[Decimal | None] = []
    ts = curve[first_valued].ts_ns
    while ts <= end_ns:
        index = bisect.bisect_right(times, ts) - 1
        values.append(curve[index].value)
        ts += interval_ns
    returns: list[float] = []
    for before, after in itertools.pairwise(values):
        if before is not None and after is not None and before > 0:
            returns.append(float(after / before) - 1.0)
    return returns


def _sharpe_sortino(
    returns: Sequence[float], interval_ns: int
) -> tuple[float | None, float | None]:
    if len(returns) < 2:
        return None, None
    scale = math.sqrt(_YEAR_NS / interval_ns)
    mean = sum(returns) / len(returns)
    variance = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    sharpe = mean / math.sqrt(variance) * scale if variance > 0 else None
    sortino = mean / downside * scale if downside > 0 else None
    return sharpe, sortino


def _uptime(quotes: Sequence[QuoteSample], start_ns: int, end_ns: int) -> float | None:
    """Mean over instruments of the share of the run with both a bid and an ask resting."""
    by_instrument: dict[str, list[QuoteSample]] = defaultdict(list)
    for sample in quotes:
        by_instrument[sample.instrument].append(sample)
    if not by_instrument or end_ns <= start_ns:
        return None
    shares = []
    for instrument in sorted(by_instrument):
        samples = sorted(by_instrument[instrument], key=lambda s: s.ts_ns)
        two_sided = 0
        for sample, following in zip(samples, [*samples[1:], None], strict=True):
            if sample.bid is None or sample.ask is None:
                continue
            begin = max(sample.ts_ns, start_ns)
            finish = min(following.ts_ns if following else end_ns, end_ns)
            two_sided += max(0, finish - begin)
        shares.append(two_sided / (end_ns - start_ns))
    return sum(shares) / len(shares)


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    total = _ZERO
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _strategy_results(
    strategy_id: str,
    fills: Sequence[FillRecord],
    orders: Sequence[OrderRecord],
    uptime: float | None,
    prices: _MidBook,
    pnl_curve: Sequence[EquityPoint],
    inventory: Sequence[InventoryPoint],
) -> StrategyResults:
    lots: dict[tuple[str, str], _Lots] = defaultdict(_Lots)
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for fill in fills:
        lots[(fill.strategy_id, fill.instrument)].fill(fill.side, fill.quantity, fill.price)
        fees[fill.fee_asset] += fill.fee
    realised: dict[str, Decimal] = defaultdict(Decimal)  # per quote asset
    unrealised: dict[str, Decimal] = defaultdict(Decimal)
    unpriced: set[str] = set()
    positions: dict[str, Decimal] = defaultdict(Decimal)
    for (_strategy, instrument), book in sorted(lots.items()):
        base, quote = split_instrument(instrument)
        realised[quote] += book.realised
        positions[instrument] += book.position
        if book.lots:
            mid = prices.mid(instrument)
            if mid is None:
                unpriced.add(base)  # an open position with no mid to mark it at
            else:
                unrealised[quote] += book.unrealised(mid)
    at_end = prices.price
    realised_value, unvalued_r = _value(realised, at_end)
    unrealised_value, unvalued_u = _value(unrealised, at_end)
    if unpriced:
        unrealised_value = None
    fees_value, unvalued_f = _value(fees, at_end)
    unvalued = tuple(sorted({*unvalued_r, *unvalued_u, *unvalued_f, *unpriced}))
    net = _sum_or_none([realised_value, unrealised_value])
    net = None if net is None or fees_value is None else net - fees_value
    submitted = {o.client_order_id: o for o in orders if o.action == "submitted"}
    filled_ids = {f.client_order_id for f in fills}
    quoted = sum((o.quantity for o in submitted.values()), _ZERO)
    filled = sum((f.quantity for f in fills), _ZERO)
    drawdown, _fraction = _drawdown(pnl_curve)
    return StrategyResults(
        strategy_id=strategy_id,
        realised_pnl=realised_value,
        unrealised_pnl=unrealised_value,
        fees=dict(sorted(fees.items())),
        fees_value=fees_value,
        net_pnl=net,
        unvalued=unvalued,
        positions=dict(sorted(positions.items())),
        inventory=tuple(inventory),
        pnl_curve=tuple(pnl_curve),
        max_drawdown=drawdown,
        orders=len(submitted),
        filled_orders=len(filled_ids & set(submitted)),
        quoted_quantity=quoted,
        filled_quantity=filled,
        fill_ratio_quantity=_ratio(filled, quoted),
        fill_ratio_orders=_ratio(len(filled_ids & set(submitted)), len(submitted)),
        quote_uptime=uptime,
        fills=len(fills),
        maker_fills=sum(1 for f in fills if f.liquidity is LiquiditySide.MAKER),
        taker_fills=sum(1 for f in fills if f.liquidity is LiquiditySide.TAKER),
        order_counts=dict(sorted(Counter(o.action for o in orders).items())),
    )


def compute_results(record: RunRecord, interval_ns: int = 1_000_000_000) -> BacktestResults:
    """Results of one run; ``interval_ns`` is the resampling step of Sharpe and Sortino."""
    if interval_ns <= 0:
        raise ValueError(f"interval_ns must be positive, got {interval_ns}")
    prices = _MidBook(record)
    strategy_ids = sorted(
        {f.strategy_id for f in record.fills}
        | {o.strategy_id for o in record.orders}
        | {q.strategy_id for q in record.quotes}
    )
    if TOTAL in strategy_ids:
        raise ValueError(f"strategy id {TOTAL!r} is reserved for the all-strategies row")
    curves, inventory = _curves(record, prices, strategy_ids)
    per_strategy = []
    uptimes = []
    for strategy_id in strategy_ids:
        uptime = _uptime(
            [q for q in record.quotes if q.strategy_id == strategy_id],
            record.start_ns,
            record.end_ns,
        )
        if uptime is not None:
            uptimes.append(uptime)
        per_strategy.append(
            _strategy_results(
                strategy_id,
                [f for f in record.fills if f.strategy_id == strategy_id],
                [o for o in record.orders if o.strategy_id == strategy_id],
                uptime,
                prices,
                curves[strategy_id],
                inventory[strategy_id],
            )
        )
    total = _strategy_results(
        TOTAL,
        record.fills,
        record.orders,
        sum(uptimes) / len(uptimes) if uptimes else None,
        prices,
        curves[TOTAL],
        inventory[TOTAL],
    )
    equity = curves[_ACCOUNT]
    drawdown, drawdown_fraction = _drawdown(equity)
    sharpe, sortino = _sharpe_sortino(
        _resampled_returns(equity, record.end_ns, interval_ns), interval_ns
    )
    first_priced = _first_priced_time(record)
    initial_value, initial_unvalued = _value(
        _initial_totals(record), lambda asset: prices.price(asset, first_priced)
    )
    # assets unvalued at the end or in the PnL (a point before the first mid lists its own)
    final_unvalued = equity[-1].unvalued if equity else ()
    unvalued = tuple(sorted({*final_unvalued, *total.unvalued, *initial_unvalued}))
    return BacktestResults(
        run_id=record.run_id,
        seed=record.seed,
        config_digest=record.config_digest,
        start_ns=record.start_ns,
        end_ns=record.end_ns,
        events=record.events,
        valuation_asset=record.valuation_asset,
        interval_ns=interval_ns,
        strategies=tuple(per_strategy),
        total=total,
        equity=tuple(equity),
        inventory=tuple(inventory[_ACCOUNT]),
        initial_equity=initial_value,
        final_equity=equity[-1].value if equity else None,
        max_drawdown=drawdown,
        max_drawdown_fraction=drawdown_fraction,
        sharpe=sharpe,
        sortino=sortino,
        unvalued=unvalued,
    )


def _initial_totals(record: RunRecord) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for venue in record.initial_balances.values():
        for asset, quantity in venue.items():
            totals[asset] += quantity
    return totals


def _first_priced_time(record: RunRecord) -> int:
    """The initial equity is valued at the first two-sided market sample (or marks only)."""
    for sample in record.market:
        if sample.best_bid is not None and sample.best_ask is not None:
            return sample.ts_ns
    return record.start_ns


# ---- serialisation ------------------------------------------------------------------------


def results_json(results: BacktestResults) -> bytes:
    """Canonical JSON: sorted keys, no spaces, Decimals as exact normalised strings, UTF-8."""
    return canonical_json(results) + b"\n"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


SUMMARY_COLUMNS = (
    "strategy_id",
    "realised_pnl",
    "unrealised_pnl",
    "fees_value",
    "net_pnl",
    "fees",
    "unvalued",
    "max_drawdown",
    "orders",
    "filled_orders",
    "quoted_quantity",
    "filled_quantity",
    "fill_ratio_quantity",
    "fill_ratio_orders",
    "quote_uptime",
    "fills",
    "maker_fills",
    "taker_fills",
)


_ORDER_COLUMNS = (
    "ts_ns",
    "client_order_id",
    "strategy_id",
    "instrument",
    "side",
    "price",
    "quantity",
)


def _order_cells(o: OrderRecord | FillRecord) -> list[object]:
    return [o.ts_ns, o.client_order_id, o.strategy_id, o.instrument, o.side.value]


def write_csv(record: RunRecord, results: BacktestResults, directory: Path) -> list[Path]:
    """Write orders, fills, equity, inventory and summary CSVs; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]] = {
        "orders.csv": (
            [*_ORDER_COLUMNS, "action", "reason"],
            (
                [*_order_cells(o), _text(o.price), o.quantity, o.action, o.reason]
                for o in record.orders
            ),
        ),
        "fills.csv": (
            [*_ORDER_COLUMNS, "fee", "fee_asset", "liquidity"],
            (
                [*_order_cells(f), f.price, f.quantity, f.fee, f.fee_asset, f.liquidity.value]
                for f in record.fills
            ),
        ),
        "equity.csv": (
            ("ts_ns", "curve", "value", "unvalued"),
            (
                (p.ts_ns, name, _text(p.value), " ".join(p.unvalued))
                for name, curve in _named_curves(results)
                for p in curve
            ),
        ),
        "inventory.csv": (
            ("ts_ns", "account", "asset", "quantity"),
            (
                (p.ts_ns, name, p.asset, p.quantity)
                for name, points in [
                    ("account", results.inventory),
                    *((s.strategy_id, s.inventory) for s in results.strategies),
                ]
                for p in points
            ),
        ),
        "summary.csv": (
            SUMMARY_COLUMNS,
            (_summary_row(s) for s in (*results.strategies, results.total)),
        ),
    }
    paths = []
    for name, (header, rows) in tables.items():
        path = directory / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([_text(v) for v in row] for row in rows)
        paths.append(path)
    return paths


def _named_curves(results: BacktestResults) -> list[tuple[str, Sequence[EquityPoint]]]:
    return [
        ("account", results.equity),
        *((s.strategy_id, s.pnl_curve) for s in results.strategies),
    ]


def _summary_row(s: StrategyResults) -> list[str]:
    values: dict[str, object] = {
        "fees": " ".join(f"{decimal_text(amount)} {asset}" for asset, amount in s.fees.items()),
        "unvalued": " ".join(s.unvalued),
    }
    return [str(values[c]) if c in values else _text(getattr(s, c)) for c in SUMMARY_COLUMNS]
