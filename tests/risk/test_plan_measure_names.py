"""The default action plans watch the readings the live measures actually publish (a plan on a
name nobody publishes would never fire), and the alert rules match them too."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from tradewind.node import TradingNode
from tradewind.node.live_measures import attach_live_measures
from tradewind.risk.actions import default_plans
from tradewind.risk.live.settings import MeasureSettings

REPO = Path(__file__).resolve().parents[2]


def _published() -> set[str]:
    # global measures read even on an idle node; per-asset ones (net_delta, ...) only once
    # there are holdings, so the thresholded names stand for those
    node = TradingNode()
    attach_live_measures(node)
    idle = {reading.name for reading in node.measure_readings()}
    assert "uptime" in idle and "var_99_1d_historical" in idle
    return idle | set(MeasureSettings().thresholds())


def test_every_default_plan_watches_a_published_measure() -> None:
    names = _published()
    for plan in default_plans():
        assert fnmatch.filter(names, plan.measure), f"{plan.name}: no reading {plan.measure!r}"


def test_every_measure_alert_rule_matches_a_published_measure() -> None:
    names = _published()
    rules = (REPO / "deploy/prometheus/rules/alerts.yml").read_text(encoding="utf-8")
    patterns = re.findall(r'tradewind_measure\{name=~"([^"]+)"', rules)
    assert patterns
    for pattern in patterns:
        assert any(re.fullmatch(pattern, name) for name in names), pattern
