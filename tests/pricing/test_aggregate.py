"""The aggregated oracle answers in explicit states, with every reading's source and age."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradewind.pricing.aggregate import (
    AggregatedOracle,
    InvalidOracleConfigError,
    OracleConfig,
    OracleState,
    PriceNotUsableError,
    ReadingStatus,
    SourceConfig,
    SourceKind,
    UnknownSourceError,
)

S = 1_000_000_000
NOW = 10_000 * S


def oracle(min_sources: int = 2) -> AggregatedOracle:
    return AggregatedOracle(
        OracleConfig(
            sources=(
                SourceConfig(name="binance", kind=SourceKind.CEX, weight=D(3), max_age_ns=5 * S),
                SourceConfig(name="kraken", kind=SourceKind.CEX, weight=D(2), max_age_ns=5 * S),
                SourceConfig(name="uni-spot", kind=SourceKind.DEX_SPOT, max_age_ns=30 * S),
                SourceConfig(name="uni-twap", kind=SourceKind.DEX_TWAP, max_age_ns=60 * S),
                SourceConfig(
                    name="chainlink", kind=SourceKind.FEED, weight=D(2), max_age_ns=3600 * S
                ),
            ),
            max_deviation=D("0.02"),
            min_sources=min_sources,
        )
    )


def all_fresh(prices: AggregatedOracle) -> None:
    prices.observe("ETH", "binance", D(3100), NOW - 1 * S)
    prices.observe("ETH", "kraken", D(3102), NOW - 2 * S)
    prices.observe("ETH", "uni-spot", D(3098), NOW - 12 * S)
    prices.observe("ETH", "uni-twap", D(3095), NOW - 12 * S)
    prices.observe("ETH", "chainlink", D(3101), NOW - 600 * S)


def test_ok_is_the_weighted_mean_with_every_source_and_its_age() -> None:
    prices = oracle()
    all_fresh(prices)
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.OK
    # (3*3100 + 2*3102 + 3098 + 3095 + 2*3101) / 9
    assert result.value == (D(9300) + D(6204) + D(3098) + D(3095) + D(6202)) / 9
    ages = {r.source: (r.kind, r.age_ns, r.status) for r in result.readings}
    assert ages["chainlink"] == (SourceKind.FEED, 600 * S, ReadingStatus.USED)
    assert ages["uni-twap"] == (SourceKind.DEX_TWAP, 12 * S, ReadingStatus.USED)
    assert prices.quotable("ETH", NOW) == result.value


def test_a_stale_feed_is_flagged_and_left_out() -> None:
    prices = oracle()
    all_fresh(prices)
    prices.observe("ETH", "chainlink", D(2000), NOW - 7200 * S)  # older: ignored
    prices.forget("ETH", "chainlink")
    prices.observe("ETH", "chainlink", D(3000), NOW - 7200 * S)
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.OK
    statuses = {r.source: r.status for r in result.readings}
    assert statuses["chainlink"] is ReadingStatus.STALE
    assert "chainlink" not in result.sources


def test_only_stale_readings_give_stale_with_the_newest_value() -> None:
    prices = oracle()
    prices.observe("ETH", "binance", D(3100), NOW - 50 * S)
    prices.observe("ETH", "kraken", D(3090), NOW - 40 * S)
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.STALE and result.value == D(3090)
    with pytest.raises(PriceNotUsableError, match="stale") as caught:
        prices.quotable("ETH", NOW)
    assert caught.value.price == result


def test_a_deviating_venue_is_dropped_and_flagged() -> None:
    prices = oracle()
    all_fresh(prices)
    prices.observe("ETH", "kraken", D(3400), NOW)  # 10 % away from the others
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.OK
    statuses = {r.source: r.status for r in result.readings}
    assert statuses["kraken"] is ReadingStatus.DEVIATING
    assert result.value is not None and abs(result.value - D(3100)) < 5


def test_two_sources_that_disagree_give_deviating_and_no_value() -> None:
    prices = oracle()
    prices.observe("ETH", "binance", D(3100), NOW)
    prices.observe("ETH", "chainlink", D(3300), NOW)
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.DEVIATING and result.value is None
    assert "differ by more than" in result.reason


def test_a_missing_source_lowers_the_count_below_min_sources() -> None:
    prices = oracle(min_sources=3)
    prices.observe("ETH", "binance", D(3100), NOW)
    prices.observe("ETH", "uni-spot", D(3101), NOW)
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.NO_PRICE and "need 3" in result.reason
    assert prices.price("BTC", NOW).state is OracleState.NO_PRICE


def test_a_rate_limited_source_is_reported_with_when_to_retry() -> None:
    prices = oracle(min_sources=1)
    prices.observe("ETH", "binance", D(3100), NOW - 1 * S)
    prices.mark_rate_limited("binance", NOW + 7 * S)
    result = prices.price("ETH", NOW)
    assert result.state is OracleState.RATE_LIMITED and result.retry_after_ns == 7 * S
    assert result.readings[0].status is ReadingStatus.RATE_LIMITED
    # another fresh source answers meanwhile
    prices.observe("ETH", "uni-spot", D(3101), NOW)
    assert prices.price("ETH", NOW).state is OracleState.OK


@pytest.mark.parametrize(
    ("source", "value", "error"),
    [
        ("nobody", D(1), UnknownSourceError),
        ("binance", D(0), ValueError),
        ("binance", D("NaN"), ValueError),
    ],
)
def test_bad_observations_are_refused_and_change_nothing(
    source: str, value: D, error: type[Exception]
) -> None:
    prices = oracle()
    all_fresh(prices)
    before = prices.price("ETH", NOW)
    with pytest.raises(error):
        prices.observe("ETH", source, value, NOW)
    assert prices.price("ETH", NOW) == before


def test_bad_configs_are_refused() -> None:
    with pytest.raises(InvalidOracleConfigError, match="weight"):
        SourceConfig(name="x", kind=SourceKind.CEX, weight=D(0))
    with pytest.raises(InvalidOracleConfigError, match="duplicate"):
        OracleConfig(
            sources=(
                SourceConfig(name="x", kind=SourceKind.CEX),
                SourceConfig(name="x", kind=SourceKind.FEED),
            )
        )
