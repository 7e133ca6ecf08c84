"""The backtest HTML report: its content as text, and its charts rendered by a real Chromium.

Chromium and Playwright missing: under CI=true the browser test FAILS; otherwise it is skipped
with a message saying how to get them (`python scripts/ensure_services.py` installs chromium).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from tests.backtest.run_records import BTC, ETH, D, S, sample, two_strategy_record
from tests.fixtures.browser import CHROMIUM, need_browser

from tradewind.backtest.report import MAX_POINTS, money_text, quantity_text, write_html
from tradewind.backtest.results import compute_results


def _report(tmp_path: Path, fee_asset: str = "BNB", marks: dict[str, Decimal] | None = None) -> str:
    record = two_strategy_record(fee_asset, marks)
    path = write_html(record, compute_results(record), tmp_path / "report.html")
    return path.read_text(encoding="utf-8")


def test_money_to_cents_with_currency_and_quantities_to_8_places() -> None:
    assert money_text(D("-1234.565"), "USDT") == "-1,234.56 USDT"  # half-even
    assert money_text(D("0.355"), "USDT") == "0.36 USDT"
    assert money_text(None, "USDT", ("XYZ",)) == "unvalued (XYZ)"
    assert quantity_text(D("0.5")) == "0.50000000"
    assert quantity_text(D("-0.0001")) == "-0.00010000"


def test_summary_table_has_each_strategy_a_total_row_and_currencies(tmp_path: Path) -> None:
    page = _report(tmp_path)
    summary = page[page.index("<table id='summary'>") : page.index("</table>")]
    rows = re.findall(r"<tr class='(\w+)'><td>(\w+)</td>(.*?)</tr>", summary)
    assert [(kind, name) for kind, name, _cells in rows] == [
        ("strategy", "mm"),
        ("strategy", "tk"),
        ("total", "total"),
    ]
    total_cells = rows[2][2]
    assert "-6.30 USDT" in total_cells  # realised
    assert "-1.40 USDT" in total_cells  # unrealised
    assert "0.00010000 BNB<br>0.40000000 USDT" in total_cells  # fees per asset
    assert "0.45 USDT" in total_cells and "-8.15 USDT" in total_cells  # fees valued, net
    assert "0.50000000 BTC" in rows[0][2]  # mm's position
    assert "10,090.85 USDT" in page  # final equity
    assert "52.50%" in rows[0][2]  # mm's quote uptime


def test_an_unvalued_asset_is_named_in_the_report_not_shown_as_zero(tmp_path: Path) -> None:
    page = _report(tmp_path, fee_asset="XYZ", marks={})
    assert "unvalued (XYZ)" in page
    assert "<td class='unvalued'>unvalued (XYZ)</td>" in page


def test_report_is_self_contained_and_deterministic(tmp_path: Path) -> None:
    page = _report(tmp_path)
    assert "<script" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)  # nothing fetched
    assert page.count("<svg") == 4  # equity, inventory, quotes vs mid on BTC and ETH
    again = tmp_path / "again"
    again.mkdir()
    assert _report(again) == page


def test_long_runs_are_thinned_for_drawing_only(tmp_path: Path) -> None:
    record = two_strategy_record()
    many = tuple(sample(i / 1000, "100", "102") for i in range(5_000))
    record = replace(record, market=many, end_ns=10 * S)
    page = write_html(record, compute_results(record), tmp_path / "r.html").read_text()
    # every 3rd of 5,000 mids (ceil(5000 / 1999)) and the last: 1,668 <= MAX_POINTS
    assert "1,668 of 5,000 mids drawn (thinned for drawing only)" in page
    assert MAX_POINTS >= 1_668
    assert "&quot;mid&quot;: 1668" in page  # what the figure says it drew


def test_charts_hold_data_in_a_real_browser(tmp_path: Path) -> None:
    need_browser()
    from playwright.sync_api import sync_playwright

    record = two_strategy_record()
    page_file = write_html(record, compute_results(record), tmp_path / "report.html")
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
                    const lines = [...f.querySelectorAll('g[id^="line2d"] path')]
                        .map(p => p.getBoundingClientRect())
                        .filter(b => b.width > 20 || b.height > 20).length;
                    const markers = [...f.querySelectorAll('g[id^="PathCollection"] use')]
                        .filter(u => !u.closest('g[id^="legend"]'))
                        .filter(u => u.getBoundingClientRect().width > 0).length;
                    return {
                        name: f.dataset.chart,
                        series: JSON.parse(f.dataset.series),
                        width: box.width,
                        height: box.height,
                        lines: lines,
                        markers: markers,
                        text: f.textContent,
                    };
                })"""
            )
            cells = page.evaluate(
                "() => [...document.querySelectorAll('#summary tr.total td')]"
                ".map(td => td.textContent)"
            )
        finally:
            browser.close()
    by_name = {c["name"]: c for c in charts}
    assert set(by_name) == {"equity", "inventory", f"quotes-{BTC}", f"quotes-{ETH}"}
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 100
    equity = by_name["equity"]
    assert equity["series"]["points"] == {"account": 10, "mm": 10, "tk": 10, "total": 10}
    assert equity["lines"] >= 4  # account, mm, tk, total drawn with extent
    inventory = by_name["inventory"]
    assert set(inventory["series"]["points"]) == {"mm BTC", "mm BNB", "tk BTC"}
    assert inventory["lines"] >= 3
    quotes = by_name[f"quotes-{BTC}"]
    assert quotes["series"] == {"mid": 4, "mm quotes": 4, "buy fills": 3, "sell fills": 2}
    assert quotes["lines"] >= 3  # mid, mm bid, mm ask
    assert quotes["markers"] == 5  # every fill marked (legend swatches not counted)
    eth = by_name[f"quotes-{ETH}"]  # mm quoted ETH with no market data: quotes only
    assert eth["series"] == {"mid": 0, "mm quotes": 3, "buy fills": 0, "sell fills": 0}
    assert eth["lines"] >= 1
    assert cells[0] == "total" and "-8.15 USDT" in cells
