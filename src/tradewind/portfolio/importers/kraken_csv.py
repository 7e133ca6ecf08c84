"""Kraken's ledger export (History → Export → Ledgers): ledgers.csv.

Columns: txid, refid, time, type, subtype, aclass, asset, amount, fee, balance. `amount` is the
change without the fee; `fee` is charged on top, in the row's asset. Asset codes are Kraken's
(XXBT, XETH, ZUSD, ZEUR, DOT.S, ETH2.S, …): the X/Z prefix of the four-letter legacy codes and
the staking suffixes (.S, .M, .P, .F, .B) are dropped, XBT is BTC, XDG is DOGE, ETH2 is ETH.
Rows sharing a refid form one event:

    trade, spend + receive    TRADE (one asset in, one out; fees of either row)
    deposit / withdrawal      DEPOSIT / WITHDRAWAL
    staking, earn reward, dividend  INCOME (label staking / reward)
    transfer, earn allocation/deallocation/migration  skipped: moves between Kraken's own
                              wallets (spot, staking, futures) of the same coins
Rows without a txid are Kraken's unconfirmed copies and are skipped. Any other type, or a
trade group that is not one asset in and one out, is reported with its line.
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.portfolio.importers.csv_fields import parse_decimal, parse_utc_ms
from tradewind.portfolio.importers.csv_table import CellError, CsvRow, CsvTable
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction

__all__ = ["KRAKEN_SOURCE", "kraken_asset", "kraken_transactions"]

KRAKEN_SOURCE = "csv:kraken"
_ALIASES = {"XBT": "BTC", "XDG": "DOGE", "ETH2": "ETH"}
_SUFFIXES = (".S", ".M", ".P", ".F", ".B")
_INTERNAL_EARN = {"allocation", "deallocation", "migration", "autoallocation"}


def kraken_asset(code: str) -> str:
    """The common code of a Kraken asset code ("XXBT" -> "BTC", "DOT.S" -> "DOT")."""
    asset = code.strip().upper()
    for suffix in _SUFFIXES:
        if asset.endswith(suffix):
            asset = asset[: -len(suffix)]
    if len(asset) == 4 and asset[0] in "XZ" and asset[1:] != "TZ":
        asset = asset[1:]
    return _ALIASES.get(asset, asset)


def _row(row: CsvRow, table: CsvTable) -> tuple[int, str, str, str, Decimal, Decimal]:
    cells = row.cells
    try:
        ms = parse_utc_ms(cells["time"])
    except ValueError as exc:
        raise CellError(table.written("time"), str(exc)) from None
    values = []
    for column in ("amount", "fee"):
        try:
            value = parse_decimal(cells.get(column, ""), allow_empty=column == "fee")
        except ValueError as exc:
            raise CellError(table.written(column), str(exc)) from None
        values.append(value or Decimal(0))
    if values[1] < 0:
        raise CellError(table.written("fee"), f"must be >= 0, got {values[1]}")
    asset = kraken_asset(cells["asset"])
    if not asset:
        raise CellError(table.written("asset"), "an asset is required")
    kind = cells["type"].strip().lower()
    subtype = cells.get("subtype", "").strip().lower()
    return ms, kind, subtype, asset, values[0], values[1]


def kraken_transactions(
    table: CsvTable, account: str
) -> tuple[list[Transaction], list[tuple[int, CellError]]]:
    """Every event's transaction, and every bad row's (line, error)."""
    table.require(["txid", "refid", "time", "type", "asset", "amount", "fee"], "Kraken ledgers")
    out: list[Transaction] = []
    errors: list[tuple[int, CellError]] = []
    trades: dict[str, list[tuple[int, int, str, Decimal, Decimal]]] = {}
    for row in table.rows:
        if not row.cells["txid"].strip():
            continue
        try:
            ms, kind, subtype, asset, amount, fee = _row(row, table)
            fees = (Movement(account, asset, -fee),) if fee else ()
            if kind in {"trade", "spend", "receive"}:
                refid = row.cells["refid"].strip() or f"line {row.line}"
                trades.setdefault(refid, []).append((row.line, ms, asset, amount, fee))
            elif kind == "transfer" or (kind == "earn" and subtype in _INTERNAL_EARN):
                continue
            elif kind in {"staking", "dividend"} or (kind == "earn" and subtype == "reward"):
                if amount <= 0:
                    raise CellError(table.written("amount"), f"{kind} must be > 0")
                label = "reward" if kind == "dividend" else "staking"
                out.append(
                    Transaction(
                        EntryKind.INCOME,
                        ms,
                        (Movement(account, asset, amount),),
                        fees=fees,
                        source=KRAKEN_SOURCE,
                        external_id=row.cells["txid"].strip(),
                        note=f"label {label}",
                    )
                )
            elif kind in {"deposit", "withdrawal"}:
                expected = amount > 0 if kind == "deposit" else amount < 0
                if not expected:
                    raise CellError(table.written("amount"), f"sign does not fit a {kind}")
                out.append(
                    Transaction(
                        EntryKind.DEPOSIT if kind == "deposit" else EntryKind.WITHDRAWAL,
                        ms,
                        (Movement(account, asset, amount),),
                        fees=fees,
                        source=KRAKEN_SOURCE,
                        external_id=row.cells["txid"].strip(),
                    )
                )
            else:
                raise CellError(
                    table.written("type"), f"type {kind!r} ({subtype or 'no subtype'}) unsupported"
                )
        except CellError as exc:
            errors.append((row.line, exc))
    for refid, rows in trades.items():
        ins = [r for r in rows if r[3] > 0]
        outs = [r for r in rows if r[3] < 0]
        if len(ins) != 1 or len(outs) != 1:
            errors.append(
                (rows[0][0], CellError(None, f"trade {refid} is not one asset in and one out"))
            )
            continue
        fee_moves = tuple(Movement(account, r[2], -r[4]) for r in rows if r[4])
        out.append(
            Transaction(
                EntryKind.TRADE,
                max(r[1] for r in rows),
                (
                    Movement(account, ins[0][2], ins[0][3]),
                    Movement(account, outs[0][2], outs[0][3]),
                ),
                fees=fee_moves,
                source=KRAKEN_SOURCE,
                external_id=refid,
            )
        )
    out.sort(key=lambda tx: tx.timestamp_ms)
    return out, errors
