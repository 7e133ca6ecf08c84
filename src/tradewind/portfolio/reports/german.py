"""German private sales (§ 23 Abs. 1 Nr. 2 EStG) and other income (§ 22 Nr. 3 EStG) of crypto.

Gains on assets held not more than one year are taxable ("steuerpflichtig"), those held longer
are tax-free ("steuerfrei"); see costbasis/jurisdiction.py for the day count. Two separate
Freigrenzen, both limits rather than allowances (at or above the limit, all of it is taxable):
    § 23 Abs. 3 Satz 5 EStG  private sales: 600 EUR up to 2023, 1,000 EUR from 2024
    § 22 Nr. 3 Satz 2 EStG   other income (staking, lending interest, rewards): 256 EUR
They cover all such income of the person, so the verdicts here are hints, not rulings. A year
with any unknown value gets no verdict at all (completeness.py).
Anlage SO layout: one line per taxable disposal (asset, acquired, sold, Veräußerungspreis,
Anschaffungskosten, Werbungskosten, Gewinn/Verlust) with a totals line, money in EUR cents.
Lot order: FIFO per wallet, as the BMF accepts it (docs/portfolio.md gives the source).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis.jurisdiction import GERMANY, Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.reports.completeness import MissingItem, missing_items
from tradewind.portfolio.reports.money import (
    UNKNOWN,
    cents,
    money_text,
    quantity_text,
    rounded_total,
)
from tradewind.portfolio.reports.tax_year import local_date, year_figures

__all__ = [
    "OTHER_INCOME_FREIGRENZE",
    "GermanSummary",
    "anlage_so_csv",
    "freigrenze",
    "german_summary",
]

OTHER_INCOME_FREIGRENZE = Decimal(256)
"""§ 22 Nr. 3 Satz 2 EStG: other income below 256 EUR a year is not taxed."""


def freigrenze(year: int) -> Decimal:
    """The § 23 Freigrenze for private sales in EUR for `year`."""
    return Decimal(1000) if year >= 2024 else Decimal(600)


@dataclass(frozen=True, slots=True)
class GermanSummary:
    """One year's § 23 and § 22 Nr. 3 figures in EUR; None wherever a value is unknown."""

    year: int
    method: str
    taxable_gain: Decimal | None
    tax_free_gain: Decimal | None
    taxable_disposals: int
    tax_free_disposals: int
    freigrenze: Decimal
    other_income: Decimal | None
    incomplete_disposals: int
    unmatched_disposals: int
    price_states: dict[str, int]
    missing: tuple[MissingItem, ...]

    @property
    def complete(self) -> bool:
        """True when every value of the year is known (only then is there a verdict)."""
        return not self.missing

    @property
    def below_freigrenze(self) -> bool | None:
        """§ 23: True when the net taxable gain stays under the Freigrenze; None if unknown."""
        if self.taxable_gain is None:
            return None
        return self.taxable_gain < self.freigrenze

    @property
    def other_income_below_freigrenze(self) -> bool | None:
        """§ 22 Nr. 3: True when other income stays under 256 EUR; None if unknown."""
        if self.other_income is None:
            return None
        return self.other_income < OTHER_INCOME_FREIGRENZE

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (money as EUR cent strings, null where unknown)."""
        return {
            "year": self.year,
            "method": self.method,
            "currency": "EUR",
            "complete": self.complete,
            "verdict": "given" if self.complete else "none: the year is incomplete",
            "private_sales_23": {
                "taxable_gain": money_text(self.taxable_gain) or None,
                "tax_free_gain": money_text(self.tax_free_gain) or None,
                "taxable_disposals": self.taxable_disposals,
                "tax_free_disposals": self.tax_free_disposals,
                "freigrenze": money_text(self.freigrenze),
                "below_freigrenze": self.below_freigrenze,
            },
            "other_income_22_nr3": {
                "income": money_text(self.other_income) or None,
                "freigrenze": money_text(OTHER_INCOME_FREIGRENZE),
                "below_freigrenze": self.other_income_below_freigrenze,
            },
            "incomplete_disposals": self.incomplete_disposals,
            "unmatched_disposals": self.unmatched_disposals,
            "price_states": self.price_states,
            "missing": [item.as_dict() for item in self.missing],
            "lot_order": (
                "fifo: accepted by the BMF (letter of 10 May 2022, Rn. 61)"
                if self.method == "fifo"
                else f"{self.method}: not an order the BMF accepts; use --method fifo"
            ),
        }


def german_summary(
    result: CostBasisResult, year: int, jurisdiction: Jurisdiction = GERMANY
) -> GermanSummary:
    """The § 23 / § 22 Nr. 3 summary of `year` from a cost-basis run (German profile)."""
    figures = year_figures(result, year, jurisdiction)
    missing = tuple(missing_items(figures, jurisdiction.timezone))
    complete = [leg for leg in figures.legs if leg.gain is not None]
    known = not missing
    income = rounded_total(r.value for r in figures.income if r.value is not None)
    return GermanSummary(
        year=year,
        method=result.method,
        taxable_gain=figures.short_term_gain if known else None,
        tax_free_gain=figures.long_term_gain if known else None,
        taxable_disposals=sum(1 for leg in complete if not leg.long_term),
        tax_free_disposals=sum(1 for leg in complete if leg.long_term),
        freigrenze=freigrenze(year),
        other_income=income if known else None,
        incomplete_disposals=len(figures.incomplete),
        unmatched_disposals=len(figures.unmatched),
        price_states=figures.price_states,
        missing=missing,
    )


def anlage_so_csv(result: CostBasisResult, year: int, jurisdiction: Jurisdiction = GERMANY) -> str:
    """Anlage SO lines: § 22 Nr. 3 income, then each § 23 disposal; totals lines; EUR cents.

    Tax-free disposals (held more than a year) are listed after the taxable ones for the
    record; only the taxable ones belong on the form.
    """
    figures = year_figures(result, year, jurisdiction)
    zone = jurisdiction.timezone
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "Abschnitt",
            "Wirtschaftsgut",
            "Menge",
            "Anschaffung (Datum)",
            "Veräußerung (Datum)",
            "Veräußerungspreis (EUR)",
            "Anschaffungskosten (EUR)",
            "Werbungskosten (EUR)",
            "Gewinn/Verlust (EUR)",
            "Konto",
        ]
    )
    income_values = []
    for record in figures.income:
        income_values.append(record.value)
        writer.writerow(
            [
                "§ 22 Nr. 3 Leistungen",
                f"{record.asset} ({record.label or record.kind})",
                quantity_text(record.quantity),
                local_date(record.received_ms, zone),
                "",
                "",
                "",
                "",
                money_text(record.value, unknown=UNKNOWN),
                record.account,
            ]
        )
    income_known = all(v is not None for v in income_values)
    writer.writerow(
        [
            "§ 22 Nr. 3 Summe",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            money_text(rounded_total(v for v in income_values if v is not None))
            if income_known
            else UNKNOWN,
            "",
        ]
    )
    for long_term, section in ((False, "§ 23 steuerpflichtig"), (True, "§ 23 steuerfrei")):
        legs = [leg for leg in figures.legs if leg.long_term is long_term]
        proceeds = []
        costs = []
        for leg in legs:
            proceeds.append(leg.proceeds)
            costs.append(leg.cost_basis)
            gain = (
                None
                if leg.proceeds is None or leg.cost_basis is None
                else cents(leg.proceeds) - cents(leg.cost_basis)
            )
            writer.writerow(
                [
                    section,
                    leg.asset,
                    quantity_text(leg.quantity),
                    local_date(leg.acquired_ms, zone),
                    local_date(leg.disposed_ms, zone),
                    money_text(leg.proceeds, unknown=UNKNOWN),
                    money_text(leg.cost_basis, unknown=UNKNOWN),
                    # Fees are already in the proceeds (sale) and the costs (purchase).
                    "0.00",
                    money_text(gain, unknown=UNKNOWN),
                    leg.account,
                ]
            )
        if not long_term:
            for u in figures.unmatched:
                proceeds.append(u.proceeds)
                costs.append(None)
                writer.writerow(
                    [
                        section,
                        u.asset,
                        quantity_text(u.quantity),
                        UNKNOWN,
                        local_date(u.disposed_ms, zone),
                        money_text(u.proceeds, unknown=UNKNOWN),
                        UNKNOWN,
                        "0.00",
                        UNKNOWN,
                        u.account,
                    ]
                )
        known = all(p is not None for p in proceeds) and all(c is not None for c in costs)
        total_p = rounded_total(p for p in proceeds if p is not None)
        total_c = rounded_total(c for c in costs if c is not None)
        writer.writerow(
            [
                f"{section} Summe",
                "",
                "",
                "",
                "",
                money_text(total_p) if all(p is not None for p in proceeds) else UNKNOWN,
                money_text(total_c) if known else UNKNOWN,
                "0.00",
                money_text(total_p - total_c) if known else UNKNOWN,
                "",
            ]
        )
    return out.getvalue()
