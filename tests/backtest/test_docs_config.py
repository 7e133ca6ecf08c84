"""The config shown in docs/backtest.md is a valid backtest config (the page cannot drift)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tradewind.backtest.config import LognormalLatencyConfig, parse_backtest_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "backtest.md"


def test_the_documented_config_validates() -> None:
    [block] = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    config = parse_backtest_config(tomllib.loads(block), source="docs/backtest.md")
    venue = config.venues["binance"]
    assert isinstance(venue.latency.cancel, LognormalLatencyConfig)
    assert [s.class_path for s in config.strategies] == ["tradewind.node.examples.quoter:Quoter"]
