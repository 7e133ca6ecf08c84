"""Rate-limit policy: fixed windows, usage headers, 429 with Retry-After, escalating 418 bans."""

from __future__ import annotations

import pytest

from tradewind.venues.sim.server.rate_limits import (
    MIN_BAN_MS,
    RateLimit,
    RateLimited,
    RateLimitPolicy,
    depth_weight,
)

T0 = 1_700_000_080_000  # 40 s into the minute window that starts at 1_700_000_040_000


def small_policy() -> RateLimitPolicy:
    return RateLimitPolicy(
        (
            RateLimit("REQUEST_WEIGHT", "MINUTE", 1, 100),
            RateLimit("ORDERS", "SECOND", 10, 3),
            RateLimit("ORDERS", "DAY", 1, 1000),
            RateLimit("RAW_REQUESTS", "MINUTE", 5, 1000),
        ),
        ignored_429s_before_ban=2,
    )


def test_weight_accumulates_in_headers_and_resets_at_the_window_boundary() -> None:
    policy = small_policy()
    assert policy.charge_request("1.1.1.1", 20, T0) == {"X-MBX-USED-WEIGHT-1M": "20"}
    assert policy.charge_request("1.1.1.1", 30, T0 + 1) == {"X-MBX-USED-WEIGHT-1M": "50"}
    # Another IP has its own budget.
    assert policy.charge_request("2.2.2.2", 5, T0) == {"X-MBX-USED-WEIGHT-1M": "5"}
    # 20 s later the minute window (aligned to :00) has rolled over.
    assert policy.charge_request("1.1.1.1", 1, T0 + 20_000) == {"X-MBX-USED-WEIGHT-1M": "1"}


def test_exceeding_weight_gives_429_with_retry_after_until_the_window_resets() -> None:
    policy = small_policy()
    policy.charge_request("ip", 100, T0)
    with pytest.raises(RateLimited) as caught:
        policy.charge_request("ip", 1, T0 + 500)
    limited = caught.value
    assert limited.error.http_status == 429
    assert limited.error.code == -1003
    # The window started at T0 - 40 s and ends 20 s after T0; 19.5 s remain, rounded up.
    assert limited.retry_after_s == 20
    assert limited.headers == {"X-MBX-USED-WEIGHT-1M": "101"}


def test_ignoring_429s_leads_to_418_and_bans_double() -> None:
    policy = small_policy()
    policy.charge_request("ip", 100, T0)
    with pytest.raises(RateLimited):
        policy.charge_request("ip", 1, T0 + 1)  # first 429
    with pytest.raises(RateLimited) as first_ignored:
        policy.charge_request("ip", 1, T0 + 2)
    assert first_ignored.value.error.http_status == 429
    with pytest.raises(RateLimited) as banned:
        policy.charge_request("ip", 1, T0 + 3)
    assert banned.value.error.http_status == 418
    assert banned.value.retry_after_s == MIN_BAN_MS // 1000
    assert f"IP banned until {T0 + 3 + MIN_BAN_MS}" in banned.value.error.msg
    # While banned every request is 418, whatever its weight.
    with pytest.raises(RateLimited) as still:
        policy.charge_request("ip", 0, T0 + MIN_BAN_MS)
    assert still.value.error.http_status == 418
    # After the ban the budget is fresh; a second offence is banned twice as long.
    after = T0 + 3 + MIN_BAN_MS + 60_000
    policy.charge_request("ip", 100, after)
    for _ in range(2):
        with pytest.raises(RateLimited):
            policy.charge_request("ip", 1, after + 1)
    with pytest.raises(RateLimited) as second_ban:
        policy.charge_request("ip", 1, after + 2)
    assert second_ban.value.error.http_status == 418
    assert second_ban.value.retry_after_s == 2 * MIN_BAN_MS // 1000


def test_order_count_per_account_with_headers_and_minus_1015() -> None:
    policy = small_policy()
    for n in range(1, 4):
        headers = policy.charge_order("acct", "ip", T0 + n)
        assert headers == {"X-MBX-ORDER-COUNT-10S": str(n), "X-MBX-ORDER-COUNT-1D": str(n)}
    with pytest.raises(RateLimited) as caught:
        policy.charge_order("acct", "ip", T0 + 5)
    assert caught.value.error.code == -1015
    assert caught.value.error.http_status == 429
    assert caught.value.headers["X-MBX-ORDER-COUNT-10S"] == "4"
    # Another account is unaffected; the 10 s window resets.
    assert policy.charge_order("other", "ip2", T0 + 5)["X-MBX-ORDER-COUNT-10S"] == "1"
    assert policy.charge_order("acct", "ip", T0 + 10_000)["X-MBX-ORDER-COUNT-10S"] == "1"


def test_exchange_info_declares_the_enforced_limits() -> None:
    policy = small_policy()
    assert policy.exchange_info()[0] == {
        "rateLimitType": "REQUEST_WEIGHT",
        "interval": "MINUTE",
        "intervalNum": 1,
        "limit": 100,
    }


@pytest.mark.parametrize(
    ("limit", "weight"), [(1, 5), (100, 5), (101, 25), (500, 25), (1000, 50), (5000, 250)]
)
def test_depth_weight_follows_binance(limit: int, weight: int) -> None:
    assert depth_weight(limit) == weight
