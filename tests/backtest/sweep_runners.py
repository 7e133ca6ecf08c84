"""Top-level runners for the sweep tests (a process pool pickles them by name)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping


def quadratic(params: Mapping[str, object]) -> dict[str, float]:
    """pnl = 10 a - (b - 2)^2; the first grid point is slow, so it finishes last."""
    a = float(str(params["a"]))
    b = float(str(params["b"]))
    if a == 1 and b == 1:
        time.sleep(0.5)
    return {"pnl": 10 * a - (b - 2) ** 2, "pid": float(os.getpid()), "done": time.monotonic()}


def failing(params: Mapping[str, object]) -> dict[str, float]:
    if params["a"] == 2:
        raise RuntimeError("no market data for a=2")
    return {"pnl": 1.0}


def uneven(params: Mapping[str, object]) -> dict[str, float]:
    return {"pnl": 1.0} if params["a"] == 1 else {"pnl": 1.0, "sharpe": 2.0}
