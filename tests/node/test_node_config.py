"""Node configuration from TOML: strategies built from their config tables; every bad input is a
NodeConfigError naming what is wrong, and nothing is built."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.node import NodeConfigError, TradingNode, load_node_config
from tradewind.node.examples.quoter import Quoter

GOOD = """
[node]
name = "n1"
on_handler_error = "stop_strategy"

[venues.sim-a]
kind = "ccxt"
rest_url = "http://127.0.0.1:1"
ws_url = "ws://127.0.0.1:1"
api_key = "from-file"
api_secret = "secret-from-file"

[[strategies]]
class = "tradewind.node.examples.quoter:Quoter"
id = "q1"
config = { instrument = "BTC/USDT@sim-a", quantity = "0.001", spread_bps = "25" }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_node_and_its_strategies_from_toml(tmp_path: Path) -> None:
    environ = {"TRADEWIND_VENUE_SIM_A_API_KEY": "from-env"}
    config = load_node_config(_write(tmp_path, GOOD), environ=environ)
    venue = config.venues["sim-a"]
    assert (venue.kind, venue.api_key, venue.api_secret) == ("ccxt", "from-env", "secret-from-file")
    assert "secret-from-file" not in repr(config)  # keys never reach a log line
    node = TradingNode.from_toml(_write(tmp_path, GOOD))
    quoter = node.actor("q1")
    assert isinstance(quoter, Quoter)
    assert quoter.config.spread_bps == Decimal(25) and str(quoter.instrument) == "BTC/USDT@sim-a"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[node]", "[node]\ncolour = 'red'"), "node.colour"),
        (('on_handler_error = "stop_strategy"', 'on_handler_error = "shrug"'), "on_handler_error"),
        (("[venues.sim-a]", "[venues.'sim a']"), "venue name 'sim a'"),
        (('kind = "ccxt"', 'kind = "ftx"'), "venues.sim-a.kind"),
        (('id = "q1"', 'id = "q1"\n[[strategies]]\nclass = "a.b:C"\nid = "q1"'), "ids repeat"),
        (("quoter:Quoter", "quoter:Nope"), "not found"),
        (("quoter:Quoter", "quoter:QuoterConfig"), "not an Actor"),
        (('quantity = "0.001", ', ""), "quantity"),
        (("[[strategies]]", "[[strategies"), "not valid TOML"),
    ],
)
def test_bad_config_is_a_specific_error(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(NodeConfigError, match=message):
        TradingNode.from_toml(_write(tmp_path, GOOD.replace(old, new, 1)))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(NodeConfigError, match="not found"):
        load_node_config(tmp_path / "nope.toml")
