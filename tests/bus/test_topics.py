"""NATS-style topics: default topics per message, wildcard matching, pattern validation."""

from __future__ import annotations

import pytest

from tradewind.bus import TopicError, topic_for, topic_matches, validate_pattern
from tradewind.core import CancelOrder, Message, OrderAccepted


def test_default_topic_has_category_type_venue_symbol(samples: list[Message]) -> None:
    accepted = OrderAccepted(
        client_order_id="c",
        venue="bin.ance",
        symbol="BTC/USDT",
        venue_order_id="1",
        ts_event=0,
        ts_init=0,
    )
    # the dot in the venue would split a token, so it is replaced
    assert topic_for(accepted) == "events.OrderAccepted.bin_ance.BTC/USDT"
    cancel = CancelOrder(venue="binance", symbol="ETH/USDT", client_order_id="c", ts_init=0)
    assert topic_for(cancel) == "commands.CancelOrder.binance.ETH/USDT"
    topics = {topic_for(message).split(".")[0] for message in samples}
    assert topics == {"events", "commands", "reports"}


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("events.OrderFilled.binance.BTC/USDT", "events.OrderFilled.binance.BTC/USDT", True),
        ("events.*.binance.*", "events.OrderFilled.binance.BTC/USDT", True),
        ("events.*.binance", "events.OrderFilled.binance.BTC/USDT", False),  # * is one token
        ("events.>", "events.OrderFilled.binance.BTC/USDT", True),
        ("events.>", "events", False),  # > needs at least one more token
        ("events.OrderFilled.>", "events.OrderFilled.kraken.ETH/USD", True),
        ("*.*.kraken.>", "events.OrderFilled.binance.BTC/USDT", False),
        ("events.OrderFilled.binance.BTC/USDT.x", "events.OrderFilled.binance.BTC/USDT", False),
        (">", "anything.at.all", True),
    ],
)
def test_wildcards(pattern: str, topic: str, expected: bool) -> None:
    assert topic_matches(validate_pattern(pattern), topic) is expected


@pytest.mark.parametrize("pattern", ["", "a..b", "a.>.b", "a.b*", "a b", "a.x>"])
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(TopicError):
        validate_pattern(pattern)
