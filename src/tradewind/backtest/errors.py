"""The backtester's errors: bad data (naming the file and line) and bad configuration."""

from __future__ import annotations

__all__ = ["BacktestConfigError", "BacktestDataError"]


class BacktestDataError(ValueError):
    """Market data that cannot be replayed; the message names the file and line ("path:12: ...").

    ``source`` is the file (or feed name), ``line`` the 1-based line (0: the file as a whole).
    """

    def __init__(self, source: str, line: int, message: str) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.reason = message


class BacktestConfigError(ValueError):
    """A backtest configuration that cannot run (unknown key, bad value, missing file)."""
