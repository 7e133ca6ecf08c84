"""Assets: a currency or token by its unified code, with the precision balances are kept at."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tradewind.core.errors import DomainValueError

__all__ = ["Asset"]

_CODE = re.compile(r"^[A-Z0-9]{1,20}$")


@dataclass(frozen=True, slots=True)
class Asset:
    """A currency or token. ``precision``: decimal places an amount of it is kept at."""

    code: str
    precision: int = 8

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise DomainValueError("Asset", "code", f"expected upper-case code, got {self.code!r}")
        if not isinstance(self.precision, int) or not 0 <= self.precision <= 36:
            raise DomainValueError("Asset", "precision", f"must be 0..36, got {self.precision!r}")

    def __str__(self) -> str:
        return self.code
