"""Binance request signing: key format, unknown key, signature over query+body, recvWindow."""

from __future__ import annotations

import pytest

from tradewind.venues.sim.engine import SimError
from tradewind.venues.sim.server.auth import (
    ApiKeyStore,
    credential_from_seed,
    sign_query,
    verify_signed_request,
)

NOW = 1_700_000_000_000
CRED = credential_from_seed("test", "acct")


def signed(query: str) -> str:
    return f"{query}&signature={sign_query(CRED.api_secret, query)}"


def params(query: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in query.split("&"))


def test_key_lookup_distinguishes_bad_format_from_unknown_key() -> None:
    store = ApiKeyStore()
    store.add(CRED)
    assert store.resolve(CRED.api_key).account_id == "acct"
    with pytest.raises(SimError) as bad_format:
        store.resolve("short")
    assert (bad_format.value.code, bad_format.value.http_status) == (-2014, 401)
    with pytest.raises(SimError) as unknown:
        store.resolve("A" * 64)
    assert (unknown.value.code, unknown.value.http_status) == (-2015, 401)


def test_signature_in_query_verifies() -> None:
    query = f"symbol=BTCUSDT&side=BUY&timestamp={NOW}"
    raw = signed(query)
    verify_signed_request(CRED, raw, "", params(raw), NOW)


def test_signature_over_query_plus_body_as_ccxt_sends_it() -> None:
    body = f"symbol=BTCUSDT&quantity=1&timestamp={NOW}"
    raw_body = signed(body)
    verify_signed_request(CRED, "", raw_body, params(raw_body), NOW)
    # Mixed: part in the query, the rest in the body, signed as the concatenation.
    query = "symbol=BTCUSDT"
    body2 = f"quantity=1&timestamp={NOW}"
    sig = sign_query(CRED.api_secret, query + body2)
    verify_signed_request(
        CRED, query, f"{body2}&signature={sig}", {**params(query), **params(body2)}, NOW
    )


def test_tampered_parameter_is_minus_1022() -> None:
    raw = signed(f"symbol=BTCUSDT&quantity=1&timestamp={NOW}").replace("quantity=1", "quantity=9")
    with pytest.raises(SimError) as caught:
        verify_signed_request(CRED, raw, "", params(raw), NOW)
    assert (caught.value.code, caught.value.http_status) == (-1022, 400)


@pytest.mark.parametrize(
    ("timestamp", "recv_window"),
    [(NOW - 5_001, None), (NOW + 1_001, None), (NOW - 10_001, "10000")],
)
def test_timestamp_outside_recv_window_is_minus_1021(
    timestamp: int, recv_window: str | None
) -> None:
    query = f"symbol=BTCUSDT&timestamp={timestamp}"
    if recv_window:
        query += f"&recvWindow={recv_window}"
    raw = signed(query)
    with pytest.raises(SimError) as caught:
        verify_signed_request(CRED, raw, "", params(raw), NOW)
    assert (caught.value.code, caught.value.http_status) == (-1021, 400)


def test_missing_timestamp_or_signature_is_minus_1102() -> None:
    with pytest.raises(SimError) as no_ts:
        verify_signed_request(
            CRED, "symbol=X&signature=ab", "", {"symbol": "X", "signature": "ab"}, NOW
        )
    assert no_ts.value.code == -1102
    query = f"symbol=X&timestamp={NOW}"
    with pytest.raises(SimError) as no_sig:
        verify_signed_request(CRED, query, "", params(query), NOW)
    assert no_sig.value.code == -1102
    assert "'signature'" in no_sig.value.msg
