"""Is a tax year complete enough for a verdict? If not, what is missing and how to fix each item.

A report with an unknown proceeds, acquisition cost or income value must not state a taxable
gain, a Freigrenze verdict or a form total as if it were known. Every report format asks
`missing_items` first; a non-empty list makes the report say INCOMPLETE, list the items, and
the command exit with status 3 (INCOMPLETE_EXIT). Items are one per disposal or income, not
one per lot, so the list reads as a to-do list.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradewind.portfolio.reports.money import quantity_text
from tradewind.portfolio.reports.tax_year import YearFigures, local_date

__all__ = ["INCOMPLETE_EXIT", "MissingItem", "incomplete_text", "missing_items"]

INCOMPLETE_EXIT = 3
"""Exit status of a report command whose year is incomplete (0 done, 2 bad input)."""

_PRICES_FIX = (
    "import a price history of {asset} covering {date} "
    "(tradewind portfolio prices import FILE --format coingecko|kraken|binance|sim "
    "--asset {asset}) or fetch it (--fetch-prices --price-url URL)"
)


@dataclass(frozen=True, slots=True)
class MissingItem:
    """One unknown value of the year: what, when, where, and how to fix it."""

    problem: str
    date: str
    account: str
    asset: str
    quantity: Decimal
    fix: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "problem": self.problem,
            "date": self.date,
            "account": self.account,
            "asset": self.asset,
            "quantity": quantity_text(self.quantity),
            "fix": self.fix,
        }

    def text(self) -> str:
        """One line for a terminal or a notes file."""
        return (
            f"{self.date} {self.account} {quantity_text(self.quantity)} {self.asset}: "
            f"{self.problem}; fix: {self.fix}"
        )


def missing_items(figures: YearFigures, timezone: str) -> list[MissingItem]:
    """Every unknown value of the year in `figures`, oldest first."""
    items: list[tuple[int, MissingItem]] = []
    seen_proceeds: set[tuple[int, str, str]] = set()
    for leg in figures.legs:
        date = local_date(leg.disposed_ms, timezone)
        if leg.proceeds is None:
            key = (leg.tx_index, leg.account, leg.asset)
            if key not in seen_proceeds:
                seen_proceeds.add(key)
                quantity = sum(
                    (
                        other.quantity
                        for other in figures.legs
                        if (other.tx_index, other.account, other.asset) == key
                    ),
                    Decimal(0),
                )
                items.append(
                    (
                        leg.disposed_ms,
                        MissingItem(
                            f"proceeds unknown ({leg.kind}): no price on the day of disposal",
                            date,
                            leg.account,
                            leg.asset,
                            quantity,
                            _PRICES_FIX.format(asset=leg.asset, date=date),
                        ),
                    )
                )
        if leg.cost_basis is None:
            acquired = local_date(leg.acquired_ms, timezone)
            items.append(
                (
                    leg.disposed_ms,
                    MissingItem(
                        f"acquisition cost unknown: lot acquired {acquired} in "
                        f"{leg.lot_account} was received without a value",
                        date,
                        leg.account,
                        leg.asset,
                        leg.quantity,
                        _PRICES_FIX.format(asset=leg.asset, date=acquired),
                    ),
                )
            )
    for u in figures.unmatched:
        date = local_date(u.disposed_ms, timezone)
        items.append(
            (
                u.disposed_ms,
                MissingItem(
                    "no known acquisition: more was disposed than the ledger shows acquired",
                    date,
                    u.account,
                    u.asset,
                    u.quantity,
                    "import the acquisition (the wallet or exchange the asset came from), or "
                    "label the deposit as a transfer by importing its sending side "
                    "(tradewind portfolio transfers lists deposits waiting for review)",
                ),
            )
        )
        if u.proceeds is None:
            items.append(
                (
                    u.disposed_ms,
                    MissingItem(
                        f"proceeds unknown ({u.kind}): no price on the day of disposal",
                        date,
                        u.account,
                        u.asset,
                        u.quantity,
                        _PRICES_FIX.format(asset=u.asset, date=date),
                    ),
                )
            )
    for record in figures.income:
        if record.value is None:
            date = local_date(record.received_ms, timezone)
            items.append(
                (
                    record.received_ms,
                    MissingItem(
                        f"income value unknown ({record.label or record.kind})",
                        date,
                        record.account,
                        record.asset,
                        record.quantity,
                        _PRICES_FIX.format(asset=record.asset, date=date)
                        + ", or give the value in the import (Koinly Net Worth)",
                    ),
                )
            )
    items.sort(key=lambda pair: pair[0])
    return [item for _ms, item in items]


def incomplete_text(items: list[MissingItem], year: int) -> str:
    """The prominent notice every incomplete report carries (plain text, one item a line)."""
    lines = [
        f"INCOMPLETE: the {year} figures have {len(items)} unknown value(s); "
        "no taxable gain, total or Freigrenze verdict can be given until they are fixed:"
    ]
    lines.extend(f"  - {item.text()}" for item in items)
    return "\n".join(lines)
