"""What the command line says when the user, not the code, is wrong: one line, exit status 2.

``user_message(exc)`` turns an exception a user can fix (a bad symbol, a busy port, a missing
file, a store held by another process) into one line naming what is wrong and what to do; it
answers None for anything else (a bug), which the CLI reports with a pointer to ``--debug``.
"""

from __future__ import annotations

import errno

from tradewind.backtest.errors import BacktestConfigError, BacktestDataError
from tradewind.common.config import ConfigError
from tradewind.execution.engine import UnknownInstrument, WrongVenue
from tradewind.node.config import NodeConfigError
from tradewind.store.exclusive import StoreLocked
from tradewind.venues.base import VenueError, VenueUnavailable
from tradewind.venues.sim.market.replay import ReplayFileError

__all__ = ["USER_ERROR_STATUS", "user_message"]

USER_ERROR_STATUS = 2

_ADDRESS_IN_USE = (errno.EADDRINUSE,)


def user_message(exc: BaseException) -> str | None:
    """One line for an error the user can act on; None when it is a defect of Tradewind."""
    if isinstance(exc, UnknownInstrument):
        return f"{exc}; use a symbol the venue lists, e.g. BTC/USDT"
    if isinstance(exc, WrongVenue):
        return f"{exc}; pass --venue matching the order"
    if isinstance(exc, ReplayFileError):
        return f"{exc}; pass a recorded L2/trade JSONL file (format in docs/sim.md)"
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}"
    if isinstance(exc, OSError) and exc.errno in _ADDRESS_IN_USE:
        return (
            f"cannot listen: {_reason(exc)}; another process holds that port: stop it or choose "
            "another (--port, or the config's port key; 0 picks a free one)"
        )
    if isinstance(
        exc, StoreLocked | ConfigError | NodeConfigError | BacktestConfigError | BacktestDataError
    ):
        return str(exc)
    if isinstance(exc, VenueUnavailable):
        return f"{exc}; is the venue running at that URL (`tradewind sim` prints it)?"
    if isinstance(exc, VenueError):
        return str(exc)
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused ({_reason(exc)}); is the server running at that address?"
    return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
