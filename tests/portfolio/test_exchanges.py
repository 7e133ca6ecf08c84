"""Building async CCXT exchanges: endpoints pointed at another host, keys only from variables."""

from __future__ import annotations

import pytest

from tradewind.portfolio.exchanges import ExchangeSetupError, open_exchange


async def test_every_rest_endpoint_moves_to_the_given_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TW_TEST_KEY", "k")
    monkeypatch.setenv("TW_TEST_SECRET", "s")
    exchange = open_exchange(
        "binance",
        url="http://127.0.0.1:8090/",
        api_key_env="TW_TEST_KEY",
        secret_env="TW_TEST_SECRET",
    )
    try:
        api = exchange.urls["api"]
        assert api["public"] == "http://127.0.0.1:8090/api/v3"
        assert all(str(v).startswith("http://127.0.0.1:8090") for v in api.values())
        assert (exchange.apiKey, exchange.secret, exchange.enableRateLimit) == ("k", "s", True)
    finally:
        await exchange.close()


def test_unknown_exchange_and_missing_variable_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ExchangeSetupError, match="unknown CCXT exchange 'nope'"):
        open_exchange("nope")
    monkeypatch.delenv("TW_TEST_MISSING", raising=False)
    with pytest.raises(ExchangeSetupError, match="TW_TEST_MISSING is not set"):
        open_exchange("binance", api_key_env="TW_TEST_MISSING")
