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
from datetime import UTC, datetime
from decimal import Decimal

from tradewind.portfolio.costbasis import (
    GERMANY,
    UNITED_STATES,
    CostBasisConfig,
    CostBasisMethod,
    compute_cost_basis,
)
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.pnl import ValuePoint
from tradewind.portfolio.prices import NoPrice, Priced, StalePrice
from tradewind.portfolio.reports import (
    GermanSummary,
    capital_gains_csv,
    form_8949_csv,
    freigrenze,
    gains_summary,
    gains_summary_json,
    german_summary,
    holdings,
    holdings_csv,
    holdings_json,
    html_report,
)
from tradewind.portfolio.reports.gains_csv import Reporting, form_8949_notes, schedule_d_csv
from tradewind.portfolio.reports.german import anlage_so_csv

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


COMPLETE = compute_cost_basis(LEDGER[:3])


def test_json_summary_of_a_complete_year_has_cent_strings_and_its_currency() -> None:
    summary = json.loads(gains_summary_json(COMPLETE, 2025, UNITED_STATES))
    assert set(summary) >= KEYS
    assert summary["method"] == "fifo" and summary["year"] == 2025
    assert summary["complete"] is True and summary["missing"] == []
    assert summary["currency"] == "USD"
    assert {k: summary[k] for k in KEYS - {"method", "year", "unmatched_disposals"}} == {
        "proceeds": "119880.00",
        "cost_basis": "70070.00",
        "realized_gain": "49810.00",
        "short_term_gain": "9930.00",
        "long_term_gain": "39880.00",
    }
    assert summary["price_states"] == {"stale": 0, "no_price": 0, "rate_limited": 0}


def test_an_incomplete_year_states_no_gain_and_lists_the_fix() -> None:
    summary = json.loads(gains_summary_json(RESULT, 2025, UNITED_STATES))
    assert summary["complete"] is False
    assert (summary["realized_gain"], summary["cost_basis"], summary["short_term_gain"]) == (
        None,
        None,
        None,
    )
    # Every disposal counts in proceeds, the unmatched ETH sale too.
    assert summary["proceeds"] == "120480.00"
    assert summary["unmatched_disposals"] == [
        {
            "date": "2025-04-01",
            "timestamp_ms": 1_743_465_600_000,
            "kind": "sale",
            "account": EX,
            "asset": "ETH",
            "quantity": "0.20000000",
            "proceeds": "600.00",
        }
    ]
    [item] = summary["missing"]
    assert item["asset"] == "ETH" and item["problem"].startswith("no known acquisition")
    assert "transfer" in item["fix"]


def test_proceeds_do_not_depend_on_the_lot_method() -> None:
    # The third lot has an unknown basis (income without a price): HIFO puts it last, LIFO
    # first; the proceeds are the same, and the unknown basis is flagged, not dropped.
    ledger = [
        *LEDGER[:2],
        Transaction(EntryKind.INCOME, 1_720_000_000_000, (Movement(EX, "BTC", Decimal(1)),)),
        *LEDGER[2:],
    ]
    seen = set()
    for method in CostBasisMethod:
        if method is CostBasisMethod.SPECIFIC_ID:
            continue
        result = compute_cost_basis(ledger, CostBasisConfig(method=method))
        summary = gains_summary(result, 2025, UNITED_STATES)
        seen.add(summary["proceeds"])
        assert summary["complete"] is False
    assert seen == {"120480.00"}


def test_totals_are_sums_of_the_lines_rounded_to_cents() -> None:
    # 3 BTC bought for 100 (33.3333… each); three sales of 1 BTC for 10.005 each.
    # Lines: proceeds 10.01, basis 33.33, gain -23.32; totals from those lines:
    # 30.03 / 99.99 / -69.96 (the exact sums would round to 30.02 / 100.00 / -69.99).
    ledger = [_trade(1_735_689_600_000, "3", "-100", "")]
    ledger += [_trade(1_735_776_000_000 + i * 1000, "-1", "10.005", "") for i in range(3)]
    result = compute_cost_basis(ledger)
    summary = gains_summary(result, 2025, UNITED_STATES)
    assert (summary["proceeds"], summary["cost_basis"], summary["realized_gain"]) == (
        "30.03",
        "99.99",
        "-69.96",
    )
    rows = list(csv.DictReader(io.StringIO(capital_gains_csv(result, 2025, UNITED_STATES))))
    assert [r["proceeds (USD)"] for r in rows] == ["10.01", "10.01", "10.01", "30.03"]
    assert rows[-1]["date_disposed"] == "total" and rows[-1]["gain (USD)"] == "-69.96"
    form = list(csv.reader(form_8949_csv(result, 2025, UNITED_STATES).splitlines()))
    assert form[-1][2:] == ["Totals (box I)", "", "", "30.03", "99.99", "", "0.00", "-69.96"]


def test_another_year_is_empty_but_complete() -> None:
    summary = gains_summary(RESULT, 2024, UNITED_STATES)
    assert (summary["proceeds"], summary["realized_gain"], summary["unmatched_disposals"]) == (
        "0.00",
        "0.00",
        [],
    )


def test_unpriced_legs_are_counted_not_summed() -> None:
    ledger = [
        _trade(1_704_880_800_000, "1", "-100", ""),
        Transaction(EntryKind.SPEND, 1_741_600_800_000, (Movement(EX, "BTC", Decimal(-1)),)),
    ]
    summary = gains_summary(compute_cost_basis(ledger), 2025, UNITED_STATES)
    assert summary["proceeds"] is None and summary["proceeds_unknown"] == 1
    assert summary["incomplete_disposals"] == 1
    assert summary["price_states"]["no_price"] == 1
    assert summary["missing"][0]["problem"].startswith("proceeds unknown")


def test_capital_gains_csv_rows() -> None:
    rows = list(csv.DictReader(io.StringIO(capital_gains_csv(RESULT, 2025, UNITED_STATES))))
    assert [
        (
            r["date_acquired"],
            r["quantity"],
            r["proceeds (USD)"],
            r["cost_basis (USD)"],
            r["gain (USD)"],
            r["term"],
            r["status"],
        )
        for r in rows
    ] == [
        ("2024-01-10", "1.00000000", "79920.00", "40040.00", "39880.00", "long-term", "ok"),
        ("2024-06-10", "0.50000000", "39960.00", "30030.00", "9930.00", "short-term", "ok"),
        ("unknown", "0.20000000", "600.00", "unknown", "unknown", "", "unmatched"),
        ("", "", "120480.00", "unknown", "unknown", "", "incomplete"),
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
    assert [(r["asset"], r["gain (USD)"], r["price_states"]) for r in rows[:-1]] == [
        ("BNB", "1.00", "BNB:stale"),  # 0.01 BNB: proceeds 4, basis 3
        ("BTC", "96.00", ""),  # basis 1,000 + fee value 4; proceeds 1,100
    ]
    form = form_8949_csv(result, 2025, UNITED_STATES)
    assert "#" not in form  # the form CSV stays clean; the notes say what was stale
    assert "priced with BNB:stale: 0.01000000 BNB" in form_8949_notes(result, 2025, UNITED_STATES)
    assert gains_summary(result, 2025, UNITED_STATES)["price_states"]["stale"] == 1
    assert german_summary(result, 2025).as_dict()["price_states"]["stale"] == 1


def test_form_8949_parts_boxes_and_dates() -> None:
    rows = list(csv.reader(form_8949_csv(RESULT, 2025, UNITED_STATES).splitlines()))
    assert rows[0][5] == "(d) proceeds (USD)"
    assert rows[1] == [
        "I",
        "I",
        "0.50000000 BTC",
        "06/10/2024",
        "03/10/2025",
        "39960.00",
        "30030.00",
        "",
        "",
        "9930.00",
    ]
    assert rows[3] == [
        "II",
        "L",
        "1.00000000 BTC",
        "01/10/2024",
        "03/10/2025",
        "79920.00",
        "40040.00",
        "",
        "",
        "39880.00",
    ]
    notes = form_8949_notes(RESULT, 2025, UNITED_STATES)
    assert "INCOMPLETE" in notes and "0.20000000 ETH" in notes
    # Before 2025 the boxes are C / F.
    old = compute_cost_basis(
        [_trade(1_600_000_000_000, "1", "-1", ""), _trade(1_700_000_000_000, "-1", "2", "")]
    )
    assert list(csv.reader(form_8949_csv(old, 2023, UNITED_STATES).splitlines()))[1][:2] == [
        "II",
        "F",
    ]


def test_form_8949_groups_by_1099_da_checkbox_and_schedule_d_adds_the_boxes() -> None:
    # binance:main reported the sales on a 1099-DA without basis (H/K); a wallet sale is not
    # reported (I). Short: H 39960 - 30030, I 150 - 100; long: K 79920 - 40040.
    wallet = "evm:1:0xabc"
    ledger = [
        *LEDGER[:3],
        Transaction(
            EntryKind.TRADE,
            1_735_689_600_000,
            (Movement(wallet, "ETH", Decimal(1)), Movement(wallet, "USD", Decimal(-100))),
        ),
        Transaction(
            EntryKind.TRADE,
            1_746_000_000_000,
            (Movement(wallet, "ETH", Decimal(-1)), Movement(wallet, "USD", Decimal(150))),
        ),
    ]
    ledger.sort(key=lambda tx: tx.timestamp_ms)
    result = compute_cost_basis(ledger)
    reporting = Reporting(reported=frozenset({EX}))
    rows = list(
        csv.reader(form_8949_csv(result, 2025, UNITED_STATES, "USD", reporting).splitlines())
    )
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("I", "H", "0.50000000 BTC"),
        ("I", "H", "Totals (box H)"),
        ("I", "I", "1.00000000 ETH"),
        ("I", "I", "Totals (box I)"),
        ("II", "K", "1.00000000 BTC"),
        ("II", "K", "Totals (box K)"),
    ]
    lines = {
        r[0]: r[2:]
        for r in csv.reader(
            schedule_d_csv(result, 2025, UNITED_STATES, "USD", reporting).splitlines()[1:]
        )
    }
    assert lines["2"] == ["39960.00", "30030.00", "0.00", "9930.00"]
    assert lines["3"] == ["150.00", "100.00", "0.00", "50.00"]
    assert lines["7"] == ["40110.00", "30130.00", "0.00", "9980.00"]
    assert lines["9"] == ["79920.00", "40040.00", "0.00", "39880.00"]
    assert lines["15"] == ["79920.00", "40040.00", "0.00", "39880.00"]
    assert lines["1b"] == lines["10"] == ["0.00", "0.00", "0.00", "0.00"]


def test_german_summary_splits_taxable_and_tax_free() -> None:
    result = compute_cost_basis(LEDGER[:3], CostBasisConfig(jurisdiction=GERMANY))
    summary = german_summary(result, 2025)
    assert (
        summary.taxable_gain,
        summary.tax_free_gain,
        summary.freigrenze,
        summary.below_freigrenze,
    ) == (Decimal(9930), Decimal(39880), Decimal(1000), False)
    assert summary.as_dict()["private_sales_23"]["taxable_gain"] == "9930.00"
    assert (freigrenze(2023), freigrenze(2024)) == (Decimal(600), Decimal(1000))


def _german_year(gain: str, income: str, year: int) -> GermanSummary:
    # Buy 1 BTC for 1000 on 1 March, sell it on 1 June for 1000 + gain; staking income.
    start = int(datetime(year, 3, 1, 10, tzinfo=UTC).timestamp()) * 1000
    ledger = [
        _trade(start, "1", "-1000", ""),
        Transaction(
            EntryKind.INCOME,
            start + 1000,
            (Movement(EX, "ETH", Decimal("0.1")),),
            note="label staking",
            worth=Decimal(income),
            worth_currency="EUR",
        ),
        _trade(start + 92 * 86_400_000, "-1", str(1000 + Decimal(gain)), ""),
    ]
    config = CostBasisConfig(jurisdiction=GERMANY, cash_assets=frozenset({"USD"}), currency="EUR")
    return german_summary(compute_cost_basis(ledger, config), year)


def test_german_freigrenzen_under_and_over_each_kept_apart() -> None:
    under = _german_year("999.99", "255.99", 2024)
    assert (under.taxable_gain, under.below_freigrenze) == (Decimal("999.99"), True)
    assert (under.other_income, under.other_income_below_freigrenze) == (Decimal("255.99"), True)
    over = _german_year("1000", "256", 2024)
    assert (over.below_freigrenze, over.other_income_below_freigrenze) == (False, False)
    # 2023: the § 23 limit was 600; the § 22 Nr. 3 limit is 256 either way.
    old = _german_year("700", "10", 2023)
    assert (old.freigrenze, old.below_freigrenze, old.other_income_below_freigrenze) == (
        Decimal(600),
        False,
        True,
    )
    lines = list(csv.reader(anlage_so_csv(compute_cost_basis([]), 2024).splitlines()))
    assert [r[0] for r in lines[1:]] == [
        "§ 22 Nr. 3 Summe",
        "§ 23 steuerpflichtig Summe",
        "§ 23 steuerfrei Summe",
    ]


def test_an_incomplete_german_year_gives_no_verdict() -> None:
    result = compute_cost_basis(LEDGER, CostBasisConfig(jurisdiction=GERMANY))
    summary = german_summary(result, 2025)
    figures = summary.as_dict()
    assert figures["complete"] is False
    assert figures["private_sales_23"]["taxable_gain"] is None
    assert figures["private_sales_23"]["below_freigrenze"] is None
    assert figures["other_income_22_nr3"]["below_freigrenze"] is None
    assert len(figures["missing"]) == 1


def test_anlage_so_lines_and_totals() -> None:
    result = compute_cost_basis(LEDGER[:3], CostBasisConfig(jurisdiction=GERMANY))
    rows = list(csv.reader(anlage_so_csv(result, 2025).splitlines()))
    assert rows[0][5:9] == [
        "Veräußerungspreis (EUR)",
        "Anschaffungskosten (EUR)",
        "Werbungskosten (EUR)",
        "Gewinn/Verlust (EUR)",
    ]
    taxable = [r for r in rows if r[0] == "§ 23 steuerpflichtig"]
    assert taxable == [
        [
            "§ 23 steuerpflichtig",
            "BTC",
            "0.50000000",
            "2024-06-10",
            "2025-03-10",
            "39960.00",
            "30030.00",
            "0.00",
            "9930.00",
            EX,
        ]
    ]
    totals = {r[0]: r[5:9] for r in rows if r[0].endswith("Summe")}
    assert totals["§ 23 steuerpflichtig Summe"] == ["39960.00", "30030.00", "0.00", "9930.00"]
    assert totals["§ 23 steuerfrei Summe"] == ["79920.00", "40040.00", "0.00", "39880.00"]


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
        "quantity": "0.50000000",
        "lot_quantity": "0.50000000",
        "unlotted_quantity": "0.00000000",
        "currency": "USD",
        "cost_basis": "30030.00",
        "unknown_basis_quantity": "0.00000000",
        "price_state": "priced",
        "price": "80000",
        "market_value": "40000.00",
    }
    assert by_asset["ETH"]["price_state"] == "no_price"
    assert by_asset["ETH"]["market_value"] is None
    assert by_asset["ETH"]["unlotted_quantity"] == "-0.20000000"


def test_holdings_show_unknown_basis_as_unknown_not_zero() -> None:
    # 1 BTC received as income without any price: its basis is unknown, not 0.
    ledger = [Transaction(EntryKind.INCOME, 1_735_689_600_000, (Movement(EX, "BTC", Decimal(1)),))]
    result = compute_cost_basis(ledger)
    rows = holdings({(EX, "BTC"): Decimal(1)}, result.open_lots, lambda a: NoPrice(), frozenset())
    [row] = holdings_json(rows)
    assert row["cost_basis"] == "unknown" and row["unknown_basis_quantity"] == "1.00000000"
    total_line = holdings_csv(rows).splitlines()[-1]
    assert total_line.startswith("total,") and "unknown" in total_line


def test_html_report_has_stacked_holdings_allocation_and_totals() -> None:
    series = [
        ValuePoint(
            1_735_689_600_000 + i * 86_400_000,
            Decimal(i * 1000),
            (("ETH", "no_price"),) if i == 2 else (),
            (),
            (("BTC", Decimal(i * 1000)), ("SOL", Decimal(500))),
        )
        for i in range(5)
    ]
    rows = holdings(
        {(EX, "BTC"): Decimal("0.5")},
        RESULT.open_lots,
        lambda a: Priced(Decimal(90000)),
        frozenset({"USD"}),
    )
    page = html_report(COMPLETE, 2025, UNITED_STATES, series=series, holdings=rows)
    assert page.count("<svg") == 3
    assert "data-chart='holdings-over-time'" in page and "data-chart='allocation'" in page
    assert "&quot;SOL&quot;" in page  # both assets are plotted
    assert "45,000.00 USD" in page  # allocation labels read with separators and currency
    assert "<tr class=total><td>realised gain</td><td class=num>49810.00 USD</td>" in page
    incomplete = html_report(RESULT, 2025, UNITED_STATES, series=series, holdings=rows)
    assert "INCOMPLETE" in incomplete and "Disposals with no known acquisition (1)" in incomplete
