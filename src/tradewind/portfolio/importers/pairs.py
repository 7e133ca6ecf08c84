"""Splitting exchange pair names ("BTCUSDT", "ETH/BTC") into base and quote assets."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["KNOWN_QUOTES", "PairSplitError", "split_pair"]

# Quote assets of Binance spot markets, longest first so "FDUSD" wins over a shorter suffix.
KNOWN_QUOTES: tuple[str, ...] = tuple(
    sorted(
        {
            "USDT",
            "USDC",
            "FDUSD",
            "BUSD",
            "TUSD",
            "USDP",
            "USDS",
            "DAI",
            "UST",
            "PAX",
            "VAI",
            "BTC",
            "ETH",
            "BNB",
            "XRP",
            "TRX",
            "DOGE",
            "DOT",
            "SOL",
            "EURI",
            "AEUR",
            "EUR",
            "GBP",
            "TRY",
            "BRL",
            "AUD",
            "RUB",
            "UAH",
            "ZAR",
            "JPY",
            "IDRT",
            "BIDR",
            "NGN",
            "PLN",
            "RON",
            "ARS",
            "MXN",
            "COP",
            "CZK",
            "USD",
        },
        key=lambda quote: (-len(quote), quote),
    )
)
_SEPARATORS = ("/", "-", "_")


class PairSplitError(ValueError):
    """A pair name that cannot be split into base and quote unambiguously."""


def split_pair(pair: str, quotes: Iterable[str] = KNOWN_QUOTES) -> tuple[str, str]:
    """(base, quote) of `pair`: "BTC/USDT", "BTC-USDT" or a run-together "BTCUSDT".

    A run-together name is split at the longest known quote asset it ends with.
    """
    text = pair.strip().upper()
    for separator in _SEPARATORS:
        if separator in text:
            base, _, quote = text.partition(separator)
            if base and quote and separator not in quote:
                return base, quote
            raise PairSplitError(f"pair {pair!r} is not BASE{separator}QUOTE")
    for quote in quotes:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)], quote
    raise PairSplitError(f"cannot split pair {pair!r}: it ends in no known quote asset")
