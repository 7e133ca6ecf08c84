"""TRADEWIND_GATEWAY_KEY: 64 hex digits (0x optional); anything else is refused, naming it."""

from __future__ import annotations

import pytest

from tradewind.common.config import ConfigError
from tradewind.desks.index import runtime


@pytest.mark.parametrize("key", ["0x" + "ab" * 32, "AB" * 32])
def test_a_hex_private_key_is_taken(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("TRADEWIND_GATEWAY_KEY", key)
    assert runtime._gateway_key() == key


@pytest.mark.parametrize("key", ["0x1234", "zz" * 32, "0x" + "ab" * 33, "my secret"])
def test_anything_else_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("TRADEWIND_GATEWAY_KEY", key)
    with pytest.raises(ConfigError, match=r"TRADEWIND_GATEWAY_KEY must be .* 64 hex digits"):
        runtime._gateway_key()
