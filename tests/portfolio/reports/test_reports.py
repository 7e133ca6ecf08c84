"""Reports over one worked ledger (USD cash):

  2024-01-10  buy 1 BTC for 40,000 + 40 fee      lot A basis 40,040
  2024-06-10  buy 1 BTC for 60,000 + 60 fee      lot B basis 60,060
  2025-03-10  sell 1.5 BTC for 120,000 - 120 fee proceeds 119,880
  2025-04-01  sell 0.2 ETH for 600 (no ETH ever acquired: flagged)
FIFO 2025: A whole, proceeds 79,920, gain 39,880, long-term (held > 1 year);
           B half, proceeds 39,960, basis 30,030, gain 9,930, short-term.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from tradewind.portfolio.costbasis import (
    GERMANY,
    UNITED_STATES,
    CostBasisConfig,
    compute_cost_basis,
)
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.pnl import ValuePoint
from tradewind.portfolio.prices import NoPrice, Priced, StalePrice
from tradewind.portfolio.reports import (
    capital_gains_csv,
    form_8949_csv,
    freigrenze,
    gains_summary,
    gains_summary_json,
    german_summary,
    holdings,
    holdings_json,
    html_report,
)

EX = "binance:main"


def _trade(when: int, btc: str, usd: str, fee: str, asset: str = "BTC") -> Transaction:
    return Transaction(
        EntryKind.TRADE,
        when,
        (Movement(EX, asset, Decimal(btc)), Movement(EX, "USD", Decimal(usd))),
        fees=(Movement(EX, "USD", -Decimal(fee)),) if fee else (),
    )


LEDGER = [
    _trade(1_704_880_800_000, "1", "-40000", "40"),  # 2024-01-10 10:00Z
    _trade(1_718_013_600_000, "1", "-60000", "60"),  # 2024-06-10 10:00Z
    _trade(1_741_600_800_000, "-1.5", "120000", "120"),  # 2025-03-10 10:00Z
    _trade(1_743_465_600_000, "-0.2", "600", "", "ETH"),  # 2025-04-01 00:00Z
]
RESULT = compute_cost_basis(LEDGER)
KEYS = {
    "method",
    "year",
    "proceeds",
    "cost_basis",
    "realized_gain",
    "short_term_gain",
    "long_term_gain",
    "unmatched_disposals",
}


def test_json_summary_has_the_keys_as_decimal_strings() -> None:
    summary = json.loads(gains_summary_json(RESULT, 2025, UNITED_STATES))
    assert set(summary) >= KEYS
    assert summary["method"] == "fifo" and summary["year"] == 2025
    assert {k: summary[k] for k in KEYS - {"method", "year", "unmatched_disposals"}} == {
        "proceeds": "119880",
        "cost_basis": "70070",
        "realized_gain": "49810",
        "short_term_gain": "9930",
        "long_term_gain": "39880",
    }
    assert summary["unmatched_disposals"] == [
        {
            "date": "2025-04-01",
            "timestamp_ms": 1_743_465_600_000,
            "kind": "sale",
            "account": EX,
            "asset": "ETH",
            "quantity": "0.2",
            "proceeds": "600",
        }
    ]
    assert summary["price_states"] == {"stale": 0, "no_price": 0, "rate_limited": 0}


def test_another_year_is_empty_but_complete() -> None:
    summary = gains_summary(RESULT, 2024, UNITED_STATES)
    assert (summary["proceeds"], summary["realized_gain"], summary["unmatched_disposals"]) == (
        "0",
        "0",
        [],
    )


def test_unpriced_legs_are_counted_not_summed() -> None:
    ledger = [
        _trade(1_704_880_800_000, "1", "-100", ""),
        Transaction(EntryKind.SPEND, 1_741_600_800_000, (Movement(EX, "BTC", Decimal(-1)),)),
    ]
    summary = gains_summary(compute_cost_basis(ledger), 2025, UNITED_STATES)
    assert summary["proceeds"] == "0" and summary["incomplete_disposals"] == 1
    assert summary["price_states"]["no_price"] == 1


def test_capital_gains_csv_rows() -> None:
    rows = list(csv.DictReader(io.StringIO(capital_gains_csv(RESULT, 2025, UNITED_STATES))))
    assert [
        (
            r["date_acquired"],
            r["quantity"],
            r["proceeds"],
            r["cost_basis"],
            r["gain"],
            r["term"],
            r["status"],
        )
        for r in rows
    ] == [
        ("2024-01-10", "1", "79920", "40040", "39880", "long-term", "ok"),
        ("2024-06-10", "0.5", "39960", "30030", "9930", "short-term", "ok"),
        ("", "0.2", "600", "", "", "", "unmatched"),
    ]
    assert rows[0]["lot_id"] == f"{LEDGER[0].content_key()[:16]}/0"


def test_stale_prices_are_named_in_every_report() -> None:
    # Buy 1 BNB for 300; buy 1 BTC paying a 0.01 BNB fee priced from a stale candle (400);
    # sell the BTC. The fee's disposal and the BTC lot used the stale price: say so.
    ledger = [
        _trade(1_735_689_600_000, "1", "-300", "", "BNB"),
        Transaction(
            EntryKind.TRADE,
            1_735_776_000_000,
            (Movement(EX, "BTC", Decimal(1)), Movement(EX, "USD", Decimal(-1000))),
            fees=(Movement(EX, "BNB", Decimal("-0.01")),),
        ),
        _trade(1_735_862_400_000, "-1", "1100", ""),
    ]
    result = compute_cost_basis(ledger, prices=lambda a, t: StalePrice(Decimal(400), 7_200_000))
    rows = list(csv.DictReader(io.StringIO(capital_gains_csv(result, 2025, UNITED_STATES))))
    assert [(r["asset"], r["gain"], r["price_states"]) for r in rows] == [
        ("BNB", "1", "BNB:stale"),  # 0.01 BNB: proceeds 4, basis 3
        ("BTC", "96", ""),  # basis 1,000 + fee value 4; proceeds 1,100
    ]
    assert "# priced with BNB:stale: 0.01 BNB" in form_8949_csv(result, 2025, UNITED_STATES)
    assert gains_summary(result, 2025, UNITED_STATES)["price_states"]["stale"] == 1
    assert german_summary(result, 2025).as_dict()["price_states"]["stale"] == 1


def test_form_8949_parts_boxes_and_dates() -> None:
    text = form_8949_csv(RESULT, 2025, UNITED_STATES)
    lines = text.splitlines()
    rows = list(csv.reader(line for line in lines if not line.startswith("#")))
    assert rows[1] == [
        "I",
        "I",
        "0.5 BTC",
        "06/10/2024",
        "03/10/2025",
        "39960",
        "30030",
        "",
        "",
        "9930",
    ]
    assert rows[2] == [
        "II",
        "L",
        "1 BTC",
        "01/10/2024",
        "03/10/2025",
        "79920",
        "40040",
        "",
        "",
        "39880",
    ]
    assert lines[-1].startswith("# not on the form: unmatched") and "0.2 ETH" in lines[-1]
    # Before 2025 the boxes are C / F.
    old = compute_cost_basis(
        [_trade(1_600_000_000_000, "1", "-1", ""), _trade(1_700_000_000_000, "-1", "2", "")]
    )
    assert list(csv.reader(form_8949_csv(old, 2023, UNITED_STATES).splitlines()))[1][:2] == [
        "II",
        "F",
    ]


def test_german_summary_splits_taxable_and_tax_free() -> None:
    result = compute_cost_basis(LEDGER, CostBasisConfig(jurisdiction=GERMANY))
    summary = german_summary(result, 2025)
    assert (
        summary.taxable_gain,
        summary.tax_free_gain,
        summary.freigrenze,
        summary.below_freigrenze,
    ) == (Decimal(9930), Decimal(39880), Decimal(1000), False)
    assert summary.as_dict()["taxable_gain"] == "9930"
    assert "steuerfrei" in summary.text() and "überschritten" in summary.text()
    assert (freigrenze(2023), freigrenze(2024)) == (Decimal(600), Decimal(1000))


def test_holdings_show_price_states_and_unlotted_quantity() -> None:
    balances = {
        (EX, "BTC"): Decimal("0.5"),
        (EX, "USD"): Decimal("19780"),
        (EX, "ETH"): Decimal("-0.2"),
    }
    rows = holdings(
        balances,
        RESULT.open_lots,
        lambda a: Priced(Decimal(80000)) if a == "BTC" else NoPrice("none"),
        frozenset({"USD"}),
    )
    by_asset = {r["asset"]: r for r in holdings_json(rows)}
    assert by_asset["BTC"] == {
        "account": EX,
        "asset": "BTC",
        "quantity": "0.5",
        "lot_quantity": "0.5",
        "unlotted_quantity": "0",
        "cost_basis": "30030",
        "unknown_basis_quantity": "0",
        "price_state": "priced",
        "price": "80000",
        "market_value": "40000",
    }
    assert by_asset["ETH"]["price_state"] == "no_price"
    assert by_asset["ETH"]["market_value"] is None
    assert by_asset["ETH"]["unlotted_quantity"] == "-0.2"


def test_html_report_embeds_charts_and_flags() -> None:
    series = [
        ValuePoint(
            1_735_689_600_000 + i * 86_400_000,
            Decimal(i * 1000),
            (("ETH", "no_price"),) if i == 2 else (),
            (),
        )
        for i in range(5)
    ]
    rows = holdings(
        {(EX, "BTC"): Decimal("0.5")},
        RESULT.open_lots,
        lambda a: Priced(Decimal(90000)),
        frozenset({"USD"}),
    )
    page = html_report(RESULT, 2025, UNITED_STATES, series=series, holdings=rows)
    assert page.count("data:image/png;base64,") == 3
    assert "Disposals with no known acquisition (1)" in page
    assert "<td class=num>49810</td>" in page
