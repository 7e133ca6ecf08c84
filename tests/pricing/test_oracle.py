"""The price oracle answers in explicit states: Price, StalePrice, RateLimitedSource, NoPrice."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradewind.pricing import NoPrice, Price, PriceOracle, RateLimitedSource, StalePrice

S = 1_000_000_000
NOW = 1_000 * S


def oracle(min_sources: int = 1) -> PriceOracle:
    # observations older than 5 s are stale; a venue 2% away from the others' median is dropped
    return PriceOracle(max_age_ns=5 * S, max_deviation=D("0.02"), min_sources=min_sources)


def test_median_of_fresh_mids() -> None:
    prices = oracle()
    prices.observe("BTC", "binance", D("100"), NOW - 1 * S)
    prices.observe("BTC", "kraken", D("101"), NOW - 2 * S)
    prices.observe("BTC", "okx", D("100.5"), NOW)
    result = prices.price("BTC", NOW)
    # sorted mids 100, 100.5, 101 → median 100.5; ts is the oldest source used
    assert result == Price(D("100.5"), ("binance", "kraken", "okx"), NOW - 2 * S)


def test_even_count_median_averages_the_middle_two() -> None:
    prices = oracle()
    for venue, mid in (("a", "100"), ("b", "101"), ("c", "100.2"), ("d", "100.6")):
        prices.observe("ETH", venue, D(mid), NOW)
    result = prices.price("ETH", NOW)
    # sorted 100, 100.2, 100.6, 101 → (100.2 + 100.6) / 2 = 100.4
    assert isinstance(result, Price) and result.value == D("100.4")


def test_one_deviating_venue_is_dropped_the_others_survive() -> None:
    prices = oracle()
    prices.observe("BTC", "binance", D("100"), NOW)
    prices.observe("BTC", "kraken", D("101"), NOW)
    prices.observe("BTC", "broken", D("120"), NOW)
    result = prices.price("BTC", NOW)
    # "broken" is 120 vs the others' median 100.5: 19.4% off, dropped first. Then 100 vs 101
    # is 1% and 101 vs 100 is 1%, both within 2% → median of 100 and 101
    assert isinstance(result, Price)
    assert result.value == D("100.5") and result.sources == ("binance", "kraken")
    assert [venue for venue, _ in result.excluded] == ["broken"]


def test_two_disagreeing_venues_give_no_price() -> None:
    prices = oracle()
    prices.observe("BTC", "binance", D("100"), NOW)
    prices.observe("BTC", "kraken", D("110"), NOW)
    result = prices.price("BTC", NOW)
    assert isinstance(result, NoPrice) and "differ" in result.reason


def test_stale_only_gives_stale_price_with_age() -> None:
    prices = oracle()
    prices.observe("BTC", "binance", D("100"), NOW - 10 * S)
    prices.observe("BTC", "kraken", D("99"), NOW - 8 * S)
    # the newest stale value is reported with its age, never as a Price
    assert prices.price("BTC", NOW) == StalePrice(D("99"), 8 * S)


def test_stale_sources_are_ignored_when_fresh_ones_exist() -> None:
    prices = oracle()
    prices.observe("BTC", "binance", D("50"), NOW - 10 * S)
    prices.observe("BTC", "kraken", D("99"), NOW)
    assert prices.price("BTC", NOW) == Price(D("99"), ("kraken",), NOW)


def test_rate_limited_source_when_the_needed_venue_is_limited() -> None:
    prices = oracle()
    prices.observe("BTC", "binance", D("100"), NOW - 10 * S)
    prices.mark_rate_limited("binance", NOW + 30 * S)
    assert prices.price("BTC", NOW) == RateLimitedSource("binance", 30 * S)
    # once the limit has passed, the stale state shows again
    assert isinstance(prices.price("BTC", NOW + 31 * S), StalePrice)


def test_rate_limit_does_not_hide_a_good_price_from_others() -> None:
    prices = oracle()
    prices.observe("BTC", "kraken", D("100"), NOW)
    prices.mark_rate_limited("binance", NOW + 30 * S)
    assert isinstance(prices.price("BTC", NOW), Price)


def test_no_observations_and_too_few_sources() -> None:
    assert isinstance(oracle().price("DOGE", NOW), NoPrice)
    needs_two = oracle(min_sources=2)
    needs_two.observe("BTC", "kraken", D("100"), NOW)
    result = needs_two.price("BTC", NOW)
    assert isinstance(result, NoPrice) and "need 2" in result.reason


def test_older_observation_does_not_replace_newer_and_forget_removes() -> None:
    prices = oracle()
    prices.observe("BTC", "kraken", D("100"), NOW)
    prices.observe("BTC", "kraken", D("90"), NOW - S)  # arrived late: ignored
    assert prices.price("BTC", NOW) == Price(D("100"), ("kraken",), NOW)
    prices.forget("BTC", "kraken")
    assert isinstance(prices.price("BTC", NOW), NoPrice)


@pytest.mark.parametrize("mid", [D(0), D("-1"), D("NaN")])
def test_bad_mids_are_refused(mid: D) -> None:
    with pytest.raises(ValueError, match="mid"):
        oracle().observe("BTC", "kraken", mid, NOW)
