"""A client that ignores the declared limits gets 429 with Retry-After, then a 418 ban."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tradewind.venues.sim.process import SimEndpoints, SimProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_sim() -> Iterator[SimEndpoints]:
    # Its own process: the ban covers the whole IP, which other tests share.
    with SimProcess(admin=False, market=False) as endpoints:
        yield endpoints


def test_weight_limit_then_429_then_418(own_sim: SimEndpoints) -> None:
    http = requests.Session()
    info = http.get(f"{own_sim.rest_url}/api/v3/exchangeInfo", timeout=10)
    assert info.headers["X-MBX-USED-WEIGHT-1M"] == "20"
    limit = next(
        r["limit"]
        for r in info.json()["rateLimits"]
        if r["rateLimitType"] == "REQUEST_WEIGHT" and r["interval"] == "MINUTE"
    )
    assert limit == 6000
    used = 20
    url = f"{own_sim.rest_url}/api/v3/depth"
    # depth with limit=5000 weighs 250; the window may roll over mid-test, so follow the header.
    while True:
        response = http.get(url, params={"symbol": "BTCUSDT", "limit": 5000}, timeout=10)
        if response.status_code != 200:
            break
        used = int(response.headers["X-MBX-USED-WEIGHT-1M"])
        assert used <= limit
    assert response.status_code == 429
    assert response.json()["code"] == -1003
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert int(response.headers["X-MBX-USED-WEIGHT-1M"]) > limit
    assert "current limit is 6000 request weight per 1 MINUTE" in response.json()["msg"]

    statuses = []
    for _ in range(10):
        response = http.get(f"{own_sim.rest_url}/api/v3/ping", timeout=10)
        statuses.append(response.status_code)
        if response.status_code == 418:
            break
    assert statuses[-1] == 418, statuses
    assert set(statuses[:-1]) == {429}
    body = response.json()
    assert body["code"] == -1003
    assert "IP banned until" in body["msg"]
    assert int(response.headers["Retry-After"]) == 120
    # Still banned on the next request, even a weightless one.
    assert http.get(f"{own_sim.rest_url}/api/v3/time", timeout=10).status_code == 418
