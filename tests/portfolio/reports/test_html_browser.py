"""The HTML report rendered by a real headless Chromium (Debian's, driven by Playwright).

Chromium and Playwright missing: under CI=true the test FAILS; otherwise it is skipped with a
message saying how to get them (`python scripts/ensure_services.py` installs chromium).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.fixtures.browser import CHROMIUM, need_browser

from tradewind.portfolio.costbasis import UNITED_STATES, compute_cost_basis
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.pnl import value_series
from tradewind.portfolio.prices import Priced, PriceResult
from tradewind.portfolio.reports import holdings, html_report, year_bounds

EX = "binance:main"
CASH = frozenset({"USD"})


def _buy(ms: int, asset: str, qty: str, usd: str) -> Transaction:
    return Transaction(
        EntryKind.TRADE,
        ms,
        (Movement(EX, asset, Decimal(qty)), Movement(EX, "USD", -Decimal(usd))),
    )


def _price(asset: str, ms: int) -> PriceResult:
    # BTC rises by 1,000 a month from 40,000; ETH is 2,000 flat.
    month = (ms - 1_704_067_200_000) // (30 * 86_400_000)
    return Priced(Decimal(40_000 + 1000 * month) if asset == "BTC" else Decimal(2000))


def test_report_charts_hold_data_in_a_real_browser(tmp_path: Path) -> None:
    need_browser()
    from playwright.sync_api import sync_playwright

    ledger = [
        _buy(1_704_880_800_000, "BTC", "1", "40000"),  # 2024-01-10
        _buy(1_712_000_000_000, "ETH", "5", "10000"),  # 2024-04-01
        Transaction(
            EntryKind.TRADE,
            1_720_000_000_000,  # 2024-07-03: sell half the BTC
            (Movement(EX, "BTC", Decimal("-0.5")), Movement(EX, "USD", Decimal(25000))),
        ),
    ]
    result = compute_cost_basis(ledger, prices=_price)
    _start, end = year_bounds(2024, "UTC")
    months = [end - 1 - (11 - m) * 30 * 86_400_000 for m in range(12)]
    series = value_series(ledger, months, _price, CASH)
    rows = holdings(
        {(EX, "BTC"): Decimal("0.5"), (EX, "ETH"): Decimal(5)},
        result.open_lots,
        lambda asset: _price(asset, end - 1),
        CASH,
    )
    page_file = tmp_path / "report.html"
    page_file.write_text(
        html_report(result, 2024, UNITED_STATES, series=series, holdings=rows), encoding="utf-8"
    )
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            charts = page.evaluate(
                """() => [...document.querySelectorAll('figure[data-chart]')].map(f => {
                    const box = f.querySelector('svg').getBoundingClientRect();
                    return {
                        name: f.dataset.chart,
                        series: JSON.parse(f.dataset.series),
                        width: box.width,
                        height: box.height,
                        areas: [...f.querySelectorAll('g[id*="PolyCollection"] path')]
                            .filter(p => p.getBoundingClientRect().height > 0).length,
                        bars: [...f.querySelectorAll('g[id^="patch"] path')]
                            .filter(p => p.getBoundingClientRect().width > 1).length,
                        text: f.textContent,
                    };
                })"""
            )
        finally:
            browser.close()
    by_name = {c["name"]: c for c in charts}
    assert set(by_name) == {"holdings-over-time", "allocation", "gain-per-month"}
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 100
    over_time = by_name["holdings-over-time"]
    assert over_time["areas"] == 2  # one stacked area per asset: BTC and ETH
    assert set(over_time["series"]["assets"]) == {"BTC", "ETH"}
    assert over_time["series"]["assets"]["ETH"][-1] == "10000.00"
    allocation = by_name["allocation"]
    # year end: BTC at 40,000 + 12 x 1,000 = 52,000 -> 0.5 BTC is 26,000
    assert allocation["series"]["assets"] == {"BTC": "26000.00", "ETH": "10000.00"}
    assert allocation["series"]["total"] == "36000.00"
    assert allocation["bars"] >= 2
    assert "36,000.00 USD" in allocation["text"]
