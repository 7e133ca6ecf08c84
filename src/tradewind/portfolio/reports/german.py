"""German one-year-rule summary (§23 Abs. 1 Nr. 2 EStG) of private sales of crypto assets.

Gains on assets held not more than one year are taxable ("steuerpflichtig"), those held longer
are tax-free ("steuerfrei"); see costbasis/jurisdiction.py for the day count. The Freigrenze
(§23 Abs. 3 Satz 5 EStG: 600 EUR up to 2023, 1,000 EUR from 2024) is a limit, not an allowance:
if the year's net taxable private-sale gains stay below it they are all tax-free, otherwise all
taxable. It covers all private sales of the person, so the flag here is a hint, not a ruling.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradewind.portfolio.costbasis.jurisdiction import GERMANY, Jurisdiction
from tradewind.portfolio.costbasis.results import CostBasisResult
from tradewind.portfolio.reports.tax_year import decimal_text, year_figures

__all__ = ["GermanSummary", "freigrenze", "german_summary"]


def freigrenze(year: int) -> Decimal:
    """The §23 Freigrenze for private sales in EUR for `year`."""
    return Decimal(1000) if year >= 2024 else Decimal(600)


@dataclass(frozen=True, slots=True)
class GermanSummary:
    """One year's §23 figures in the report currency (EUR for a German report)."""

    year: int
    method: str
    taxable_gain: Decimal
    tax_free_gain: Decimal
    taxable_disposals: int
    tax_free_disposals: int
    freigrenze: Decimal
    incomplete_disposals: int
    unmatched_disposals: int
    price_states: dict[str, int]

    @property
    def below_freigrenze(self) -> bool:
        """True when the net taxable gain stays under the Freigrenze (then it is tax-free)."""
        return self.taxable_gain < self.freigrenze

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (money as exact decimal strings)."""
        return {
            "year": self.year,
            "method": self.method,
            "taxable_gain": decimal_text(self.taxable_gain),
            "tax_free_gain": decimal_text(self.tax_free_gain),
            "taxable_disposals": self.taxable_disposals,
            "tax_free_disposals": self.tax_free_disposals,
            "freigrenze": decimal_text(self.freigrenze),
            "below_freigrenze": self.below_freigrenze,
            "incomplete_disposals": self.incomplete_disposals,
            "unmatched_disposals": self.unmatched_disposals,
            "price_states": self.price_states,
        }

    def text(self) -> str:
        """A short German summary for the terminal."""
        lines = [
            f"Private Veräußerungsgeschäfte (§23 EStG) {self.year}, Methode {self.method}",
            f"  steuerpflichtig (Haltedauer <= 1 Jahr): {decimal_text(self.taxable_gain)} "
            f"({self.taxable_disposals} Veräußerungen)",
            f"  steuerfrei (Haltedauer > 1 Jahr):       {decimal_text(self.tax_free_gain)} "
            f"({self.tax_free_disposals} Veräußerungen)",
            f"  Freigrenze {decimal_text(self.freigrenze)} EUR: "
            + ("unterschritten" if self.below_freigrenze else "überschritten"),
        ]
        stale = self.price_states.get("stale", 0)
        if stale:
            lines.append(f"  {stale} Kurse veraltet (stale) verwendet")
        if self.incomplete_disposals or self.unmatched_disposals:
            lines.append(
                f"  zu prüfen: {self.incomplete_disposals} ohne Kurs, "
                f"{self.unmatched_disposals} ohne bekannte Anschaffung"
            )
        return "\n".join(lines)


def german_summary(
    result: CostBasisResult, year: int, jurisdiction: Jurisdiction = GERMANY
) -> GermanSummary:
    """The §23 summary of `year` from a cost-basis run (best run with the German profile)."""
    figures = year_figures(result, year, jurisdiction)
    complete = [leg for leg in figures.legs if leg.gain is not None]
    return GermanSummary(
        year=year,
        method=result.method,
        taxable_gain=figures.short_term_gain,
        tax_free_gain=figures.long_term_gain,
        taxable_disposals=sum(1 for leg in complete if not leg.long_term),
        tax_free_disposals=sum(1 for leg in complete if leg.long_term),
        freigrenze=freigrenze(year),
        incomplete_disposals=len(figures.incomplete),
        unmatched_disposals=len(figures.unmatched),
        price_states=figures.price_states,
    )
