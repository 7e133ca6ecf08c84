"""Canonical JSON of backtest records and results: equal values give equal bytes.

Sorted keys, no spaces, UTF-8; Decimals as exact normalised strings (one spelling per number),
enums as their values, dataclasses as objects, non-finite floats as null.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["canonical_json", "decimal_text", "plain"]


def decimal_text(value: Decimal) -> str:
    """One spelling per number: no exponent, no trailing zeros (``-8.1500`` -> ``-8.15``)."""
    return "0" if value == 0 else format(value.normalize(), "f")


def plain(value: Any) -> Any:
    """``value`` as JSON-ready lists, dicts, strings and numbers."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
