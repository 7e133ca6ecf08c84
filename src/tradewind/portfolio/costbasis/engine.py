"""The cost-basis engine: one pass over time-sorted transactions, lots in method-ordered heaps.

How each kind of transaction touches lots (money in the report currency, see CostBasisConfig):
  TRADE       exactly one asset in and one out. Cash out -> acquisition at cash paid + fees.
              Cash in -> disposal with proceeds = cash received - fees. Crypto -> crypto ->
              disposal of the one and acquisition of the other at market value (price of the
              incoming asset, else of the outgoing one; neither -> both values None, flagged).
  fees        on a trade: cash fees count at face value; a fee in the acquired asset shrinks the
              acquired quantity (its cost stays in the basis); a fee in the disposed asset adds to
              the disposed quantity; a fee in a third asset (BNB) is itself a disposal of that
              asset at market value, and that value is the trade's fee. Acquisition fees raise the
              basis; disposal fees lower the proceeds (crypto -> crypto: the proceeds).
  TRANSFER    lots move from the sending to the receiving account with their acquisition dates;
              nothing is sold. The transfer fee (quantity lost on the way, fee movements) is not a
              disposal: the basis of the fee quantity is added to the moved lots in proportion, so
              the basis is conserved and only the quantity shrinks.
  DEPOSIT     an inflow of unknown origin creates no lot (its acquisition is unknown); selling it
              later yields an UnmatchedDisposal. Match it to a withdrawal to carry lots.
  WITHDRAWAL  an outflow not matched to a transfer removes lots without a sale (a Removal, for
              review): it is not guessed to be a sale.
  INCOME, AIRDROP  acquisitions at market value, each also an IncomeRecord. SPEND, FEE
              disposals at market value.
A transaction's own `worth` (the source's valuation, e.g. Koinly's net worth) in the report
currency is its market value: a crypto-to-crypto trade is a disposal at that value and an
acquisition at the same value; income and spending of one asset are valued at it.
A disposal no lot covers is an UnmatchedDisposal; a value no price covers is None plus a
PriceIssue; neither is ever a silent zero.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext

from tradewind.portfolio.costbasis.errors import CostBasisInputError
from tradewind.portfolio.costbasis.ledger_pass import run_pass
from tradewind.portfolio.costbasis.methods import CostBasisConfig, CostBasisMethod, LotPooling
from tradewind.portfolio.costbasis.pools import WORK_PRECISION, Lot, LotPool, Piece, share_of
from tradewind.portfolio.costbasis.results import (
    CostBasisResult,
    DisposalKind,
    DisposalLeg,
    IncomeRecord,
    OpenLot,
    PriceIssue,
    Removal,
    UnmatchedDisposal,
    lot_id_of,
)
from tradewind.portfolio.costbasis.selection import take_named_lots
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction, normalize_amount
from tradewind.portfolio.prices.states import NoPrice, Priced, PriceLookup, StalePrice

__all__ = ["compute_cost_basis", "disposal_ref"]

_ZERO = Decimal(0)
_TRADE = EntryKind.TRADE
_SALE = DisposalKind.SALE
_HOUR_MS = 3_600_000
_REF_LEN = 16
_NO_SOURCE = NoPrice("no price source configured")


def disposal_ref(content_key: str) -> str:
    """How specific identification names a disposal: its transaction's content-key prefix."""
    return content_key[:_REF_LEN]


def compute_cost_basis(
    transactions: Sequence[Transaction],
    config: CostBasisConfig | None = None,
    *,
    prices: PriceLookup | None = None,
    selections: Mapping[str, Mapping[str, Decimal]] | None = None,
    keys: Sequence[str] | None = None,
) -> CostBasisResult:
    """Run cost basis over `transactions` (sorted by timestamp_ms, oldest first).

    `prices(asset, ms)` values non-cash assets where a trade, income or fee needs it.
    `selections` (specific identification): disposal ref -> {lot id: quantity}.
    `keys` are the transactions' content keys when already known (the store has them); they
    are only needed for specific identification, and computed when absent.
    """
    config = config or CostBasisConfig()
    if keys is not None and len(keys) != len(transactions):
        raise CostBasisInputError(f"{len(keys)} keys for {len(transactions)} transactions")
    run = _Run(config, transactions, prices, selections or {}, keys)
    # The pass allocates millions of small acyclic objects while the whole ledger is alive;
    # the cyclic collector would rescan that ledger again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with localcontext() as context:
            context.prec = WORK_PRECISION
            run.run()
            return run.result()
    finally:
        if collecting:
            gc.enable()


class _Run:
    def __init__(
        self,
        config: CostBasisConfig,
        txs: Sequence[Transaction],
        prices: PriceLookup | None,
        selections: Mapping[str, Mapping[str, Decimal]],
        keys: Sequence[str] | None,
    ) -> None:
        self.config = config
        self.txs = txs
        self.prices = prices
        self.keys = keys
        self.cash = config.cash_assets
        self.method = str(config.method)
        self.specific = config.method is CostBasisMethod.SPECIFIC_ID
        self.per_wallet = config.pooling is LotPooling.PER_WALLET
        self.long_from = config.jurisdiction.long_from_ms
        self.long_cache: dict[int, int] = {}  # UTC hour of acquisition -> first long-term ms
        if all(len(ref) == _REF_LEN for ref in selections):
            self.selections = selections
        else:
            self.selections = {disposal_ref(ref): lots for ref, lots in selections.items()}
        self.pools: dict[object, LotPool] = {}
        self.lots_by_id: dict[str, list[Lot]] = {}  # specific identification: id -> pieces
        self.legs: list[DisposalLeg] = []
        self.unmatched: list[UnmatchedDisposal] = []
        self.issues: list[PriceIssue] = []
        self.removals: list[Removal] = []
        self.income_records: list[IncomeRecord] = []
        self.currency = config.currency
        self.seq = 0
        self.fast = True  # tests switch the fast path off to compare it with the general one

    # -- the pass -------------------------------------------------------------------------
    def run(self) -> None:
        run_pass(self)

    def handlers(self) -> dict[EntryKind, Callable[[int, Transaction], None]]:
        return {
            EntryKind.TRADE: self.trade,
            EntryKind.TRANSFER: self.transfer,
            EntryKind.DEPOSIT: self.deposit,
            EntryKind.WITHDRAWAL: self.withdrawal,
            EntryKind.INCOME: self.income,
            EntryKind.AIRDROP: self.income,
            EntryKind.SPEND: self.spend,
            EntryKind.FEE: self.spend,
        }

    def result(self) -> CostBasisResult:
        open_lots: list[OpenLot] = []
        new = tuple.__new__  # OpenLot's own __new__ is a Python frame per lot
        for key, pool in sorted(self.pools.items(), key=lambda item: str(item[0])):
            asset = key[1] if isinstance(key, tuple) else str(key)
            open_lots.extend(
                new(
                    OpenLot,
                    (lot.origin, lot.index, lot.account, asset, lot.qty, lot.cost, lot.acquired_ms),
                )
                for lot in pool.lots()
            )
        return CostBasisResult(
            method=self.method,
            pooling=str(self.config.pooling),
            jurisdiction=self.config.jurisdiction.code,
            legs=tuple(self.legs),
            unmatched=tuple(self.unmatched),
            price_issues=tuple(self.issues),
            removals=tuple(self.removals),
            open_lots=tuple(open_lots),
            income=tuple(self.income_records),
        )

    # -- building blocks -------------------------------------------------------------------
    def pool(self, account: str, asset: str) -> LotPool:
        key: object = (account, asset) if self.per_wallet else asset
        try:
            return self.pools[key]
        except KeyError:
            pool = self.pools[key] = LotPool(self.method)
            return pool

    def key_of(self, i: int) -> str:
        return self.keys[i] if self.keys is not None else self.txs[i].content_key()

    def value_of(self, i: int, tx: Transaction, asset: str, qty: Decimal) -> Decimal | None:
        if asset in self.cash:
            return qty
        result = _NO_SOURCE if self.prices is None else self.prices(asset, tx.timestamp_ms)
        if type(result) is Priced:
            return result.value * qty
        self.issues.append(PriceIssue(i, tx.timestamp_ms, asset, result))
        if type(result) is StalePrice:
            return result.value * qty
        return None

    def acquire(
        self,
        i: int,
        tx: Transaction,
        index: int,
        account: str,
        asset: str,
        qty: Decimal,
        cost: Decimal | None,
    ) -> None:
        if qty <= 0 or asset in self.cash:
            return
        self.seq += 1
        lot_id = None
        if self.specific:
            lot_id = lot_id_of(self.key_of(i), index)
        key: object = (account, asset) if self.per_wallet else asset
        pool = self.pools.get(key)
        if pool is None:
            pool = self.pools[key] = LotPool(self.method)
        lot = Lot(qty, cost, tx.timestamp_ms, self.seq, tx, index, account, lot_id)
        if lot_id is not None:
            self.lots_by_id[lot_id] = [lot]
        pool.add(lot)

    def take(
        self, i: int, account: str, asset: str, qty: Decimal, *, named_required: bool
    ) -> tuple[list[Piece], Decimal]:
        pool = self.pool(account, asset)
        if not self.specific:
            return pool.take(qty)
        return self.take_named(i, pool, account, asset, qty, named_required)

    def take_named(
        self, i: int, pool: LotPool, account: str, asset: str, qty: Decimal, required: bool
    ) -> tuple[list[Piece], Decimal]:
        keys = self.keys
        ref = (keys[i] if keys is not None else self.txs[i].content_key())[:_REF_LEN]
        return take_named_lots(
            pool,
            ref,
            asset,
            qty,
            self.selections.get(ref),
            self.lots_by_id,
            account=account,
            per_wallet=self.per_wallet,
            required=required,
        )

    def dispose(
        self,
        i: int,
        tx: Transaction,
        kind: DisposalKind,
        account: str,
        asset: str,
        qty: Decimal,
        proceeds: Decimal | None,
        *,
        named_required: bool,
    ) -> None:
        if qty <= 0 or asset in self.cash:
            return
        if self.specific:
            pieces, uncovered = self.take(i, account, asset, qty, named_required=named_required)
        else:
            key: object = (account, asset) if self.per_wallet else asset
            pool = self.pools.get(key)
            if pool is None:
                pool = self.pools[key] = LotPool(self.method)
            pieces, uncovered = pool.take(qty)
        self.record(i, tx.timestamp_ms, kind, account, asset, qty, proceeds, pieces, uncovered)

    def record(
        self,
        i: int,
        ts: int,
        kind: DisposalKind,
        account: str,
        asset: str,
        qty: Decimal,
        proceeds: Decimal | None,
        pieces: list[Piece],
        uncovered: Decimal,
    ) -> None:
        last = len(pieces) - 1
        allocated = _ZERO
        append = self.legs.append
        new = tuple.__new__
        long_cache = self.long_cache
        for j, (lot, q, cost) in enumerate(pieces):
            if proceeds is None:
                share = None
            elif j == last and uncovered == 0:
                share = proceeds - allocated  # the last leg takes the rounding remainder
            else:
                share = share_of(proceeds, q, qty)
                allocated += share
            acquired = lot.acquired_ms
            long_from = long_cache.get(acquired // _HOUR_MS)
            if long_from is None:
                long_from = long_cache[acquired // _HOUR_MS] = self.long_from(acquired)
            append(
                new(
                    DisposalLeg,
                    (
                        i,
                        ts,
                        kind,
                        account,
                        asset,
                        q,
                        share,
                        cost,
                        acquired,
                        ts >= long_from,
                        lot.origin,
                        lot.index,
                        lot.account,
                    ),
                )
            )
        if uncovered > 0:
            rest = None if proceeds is None else proceeds - allocated
            self.unmatched.append(UnmatchedDisposal(i, ts, kind, account, asset, uncovered, rest))

    def remove(self, i: int, tx: Transaction, account: str, asset: str, qty: Decimal) -> None:
        if qty <= 0 or asset in self.cash:
            return
        pieces, uncovered = self.take(i, account, asset, qty, named_required=False)
        self.removals.append(
            Removal(
                i, tx.timestamp_ms, account, asset, qty - uncovered, _known_sum(pieces), uncovered
            )
        )

    def pay_fees_as_disposals(self, i: int, tx: Transaction) -> None:
        for fee in tx.fees:
            amount = -fee.amount
            if amount > 0 and fee.asset not in self.cash:
                value = self.value_of(i, tx, fee.asset, amount)
                self.dispose(
                    i,
                    tx,
                    DisposalKind.FEE,
                    fee.account,
                    fee.asset,
                    amount,
                    value,
                    named_required=False,
                )

    # -- one handler per kind --------------------------------------------------------------
    def trade(self, i: int, tx: Transaction) -> None:
        moves = tx.movements
        if len(moves) != 2:
            raise CostBasisInputError(
                _name(i, tx, "a trade needs exactly one asset in and one out")
            )
        first, second = moves
        if first.amount > 0 > second.amount:
            inc, out, inc_index = first, second, 0
        elif second.amount > 0 > first.amount:
            inc, out, inc_index = second, first, 1
        else:
            raise CostBasisInputError(_name(i, tx, "a trade needs one positive and one negative"))
        cash = self.cash
        inc_qty = inc.amount
        out_qty = -out.amount
        fee_value = _ZERO
        for fee in tx.fees:
            amount = -fee.amount
            if amount <= 0:
                continue
            asset = fee.asset
            if asset in cash:
                fee_value += amount
            elif asset == inc.asset and fee.account == inc.account:
                inc_qty -= amount
            elif asset == out.asset and fee.account == out.account:
                out_qty += amount
            else:
                value = self.value_of(i, tx, asset, amount)
                self.dispose(
                    i, tx, DisposalKind.FEE, fee.account, asset, amount, value, named_required=False
                )
                if value is not None:
                    fee_value += value
        if out.asset in cash:
            if inc.asset not in cash:
                self.acquire(i, tx, inc_index, inc.account, inc.asset, inc_qty, out_qty + fee_value)
            return
        if inc.asset in cash:
            self.dispose(
                i,
                tx,
                DisposalKind.SALE,
                out.account,
                out.asset,
                out_qty,
                inc.amount - fee_value,
                named_required=True,
            )
            return
        value = self.market_value(i, tx, inc, out)
        self.dispose(
            i,
            tx,
            DisposalKind.TRADE,
            out.account,
            out.asset,
            out_qty,
            None if value is None else value - fee_value,
            named_required=True,
        )
        self.acquire(i, tx, inc_index, inc.account, inc.asset, inc_qty, value)

    def own_worth(self, tx: Transaction) -> Decimal | None:
        """The transaction's own valuation when it is in the report currency."""
        if tx.worth is not None and tx.worth_currency == self.currency:
            return tx.worth
        return None

    def market_value(self, i: int, tx: Transaction, inc: Movement, out: Movement) -> Decimal | None:
        worth = self.own_worth(tx)
        if worth is not None:
            return worth
        # Price the incoming side; only when that fails try the outgoing side. Record an issue
        # only for the side whose price was used or, when neither is usable, for both.
        if self.prices is None:
            self.issues.append(PriceIssue(i, tx.timestamp_ms, inc.asset, _NO_SOURCE))
            return None
        got_in = self.prices(inc.asset, tx.timestamp_ms)
        if type(got_in) is Priced:
            return got_in.value * inc.amount
        got_out = self.prices(out.asset, tx.timestamp_ms)
        if type(got_out) is Priced:
            return got_out.value * -out.amount
        for asset, got in ((inc.asset, got_in), (out.asset, got_out)):
            if type(got) is StalePrice:
                self.issues.append(PriceIssue(i, tx.timestamp_ms, asset, got))
                qty = inc.amount if asset == inc.asset else -out.amount
                return got.value * qty
        self.issues.append(PriceIssue(i, tx.timestamp_ms, inc.asset, got_in))
        self.issues.append(PriceIssue(i, tx.timestamp_ms, out.asset, got_out))
        return None

    def transfer(self, i: int, tx: Transaction) -> None:
        outs = [m for m in tx.movements if m.amount < 0]
        ins = [m for m in tx.movements if m.amount > 0]
        if len(outs) != 1 or len(ins) != 1 or outs[0].asset != ins[0].asset:
            raise CostBasisInputError(
                _name(i, tx, "a transfer needs one outflow and one inflow of the same asset")
            )
        src, dst = outs[0], ins[0]
        asset = src.asset
        leaving = -src.amount
        arriving = dst.amount
        carried_cost = _ZERO
        for fee in tx.fees:
            amount = -fee.amount
            if amount <= 0:
                continue
            if fee.asset == asset and fee.account == src.account:
                leaving += amount
            elif fee.asset == asset and fee.account == dst.account:
                arriving -= amount
            elif fee.asset in self.cash:
                carried_cost += amount
            else:
                pieces, uncovered = self.take(
                    i, fee.account, fee.asset, amount, named_required=False
                )
                carried_cost += _known_sum(pieces) or _ZERO
                if uncovered > 0:
                    self.removals.append(
                        Removal(
                            i,
                            tx.timestamp_ms,
                            fee.account,
                            fee.asset,
                            amount - uncovered,
                            _known_sum(pieces),
                            uncovered,
                        )
                    )
        if asset in self.cash:
            return
        if arriving < 0 or arriving > leaving:
            raise CostBasisInputError(
                _name(i, tx, f"transfer delivers {_q(arriving)} {asset} of {_q(leaving)} sent")
            )
        moved, _uncovered = self.take(i, src.account, asset, arriving, named_required=False)
        fee_pieces, _ = self.pool(src.account, asset).take(leaving - arriving)
        carried_cost += _known_sum(fee_pieces) or _ZERO
        self.land(moved, arriving, carried_cost, dst.account, asset)

    def land(
        self,
        moved: list[Piece],
        arriving: Decimal,
        carried_cost: Decimal,
        account: str,
        asset: str,
    ) -> None:
        # The fee's basis is spread over the moved pieces by quantity; the last piece takes the
        # rounding remainder so the total basis is conserved exactly.
        moved_qty = sum((q for _lot, q, _cost in moved), _ZERO)
        pool = self.pool(account, asset)
        spread = _ZERO
        last = len(moved) - 1
        for j, (lot, q, cost) in enumerate(moved):
            if j == last:
                share = carried_cost - spread
            else:
                share = share_of(carried_cost, q, moved_qty) if moved_qty else _ZERO
                spread += share
            new_cost = None if cost is None else cost + share
            piece = Lot(
                q, new_cost, lot.acquired_ms, lot.seq, lot.origin, lot.index, account, lot.lot_id
            )
            if lot.lot_id is not None:
                self.lots_by_id[lot.lot_id].append(piece)
            pool.add(piece)

    def deposit(self, i: int, tx: Transaction) -> None:
        for move in tx.movements:
            if move.amount < 0:
                raise CostBasisInputError(_name(i, tx, "a deposit cannot move an asset out"))
        self.remove_fees(i, tx)

    def withdrawal(self, i: int, tx: Transaction) -> None:
        for move in tx.movements:
            if move.amount > 0:
                raise CostBasisInputError(_name(i, tx, "a withdrawal cannot move an asset in"))
            self.remove(i, tx, move.account, move.asset, -move.amount)
        self.remove_fees(i, tx)

    def remove_fees(self, i: int, tx: Transaction) -> None:
        for fee in tx.fees:
            self.remove(i, tx, fee.account, fee.asset, -fee.amount)

    def income(self, i: int, tx: Transaction) -> None:
        worth = self.own_worth(tx) if len(tx.movements) == 1 else None
        label = income_label(tx.note)
        for index, move in enumerate(tx.movements):
            if move.amount < 0:
                raise CostBasisInputError(_name(i, tx, f"{tx.kind} cannot move an asset out"))
            if worth is not None:
                value: Decimal | None = worth
            else:
                value = self.value_of(i, tx, move.asset, move.amount)
            self.income_records.append(
                IncomeRecord(
                    i,
                    tx.timestamp_ms,
                    str(tx.kind),
                    label,
                    move.account,
                    move.asset,
                    move.amount,
                    value,
                )
            )
            if move.asset not in self.cash:
                self.acquire(i, tx, index, move.account, move.asset, move.amount, value)
        self.pay_fees_as_disposals(i, tx)

    def spend(self, i: int, tx: Transaction) -> None:
        kind = DisposalKind.SPEND if tx.kind is EntryKind.SPEND else DisposalKind.FEE
        for move in tx.movements:
            if move.amount > 0:
                raise CostBasisInputError(_name(i, tx, f"{tx.kind} cannot move an asset in"))
            qty = -move.amount
            if move.asset not in self.cash:
                worth = self.own_worth(tx) if len(tx.movements) == 1 else None
                value = worth if worth is not None else self.value_of(i, tx, move.asset, qty)
                self.dispose(
                    i,
                    tx,
                    kind,
                    move.account,
                    move.asset,
                    qty,
                    value,
                    named_required=kind is DisposalKind.SPEND,
                )
        self.pay_fees_as_disposals(i, tx)


def income_label(note: str) -> str:
    """The source's label of an income ("label staking" in the note; importers write it)."""
    for part in note.split(";"):
        part = part.strip()
        if part.startswith("label "):
            return part[len("label ") :].strip()
    return ""


def _known_sum(pieces: list[Piece]) -> Decimal | None:
    """Sum of the pieces' costs, or None when any piece's cost is unknown."""
    total = _ZERO
    for _lot, _qty, cost in pieces:
        if cost is None:
            return None
        total += cost
    return total


def _q(amount: Decimal) -> str:
    return normalize_amount(amount)


def _name(i: int, tx: Transaction, problem: str) -> str:
    ident = tx.external_id or tx.tx_hash or ""
    return f"transaction #{i} ({tx.kind} at {tx.timestamp_ms} {tx.source} {ident}): {problem}"
