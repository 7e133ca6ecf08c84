"""Binance-coded rejections raised by the matching engine.

The texts are Binance Spot's own, so the server can pass them to clients unchanged.
"""

from __future__ import annotations


class SimError(Exception):
    """A Binance-coded rejection. code e.g. -1013; http_status e.g. 400; msg is Binance's text."""

    def __init__(self, code: int, msg: str, http_status: int = 400) -> None:
        super().__init__(code, msg, http_status)
        self.code = code
        self.msg = msg
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.code} {self.msg}"


INSUFFICIENT_BALANCE = "Account has insufficient balance for requested action."
DUPLICATE_ORDER = "Duplicate order sent."
WOULD_TAKE = "Order would immediately match and take."
UNKNOWN_ORDER = "Unknown order sent."
ORDER_DOES_NOT_EXIST = "Order does not exist."
INVALID_SYMBOL = "Invalid symbol."


def filter_failure(filter_type: str) -> SimError:
    return SimError(-1013, f"Filter failure: {filter_type}")


def invalid_symbol() -> SimError:
    return SimError(-1121, INVALID_SYMBOL)


def insufficient_balance() -> SimError:
    return SimError(-2010, INSUFFICIENT_BALANCE)


def missing_parameter(name: str) -> SimError:
    return SimError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def unexpected_parameter(name: str) -> SimError:
    return SimError(-1106, f"Parameter '{name}' sent when not required.")


def too_much_precision(name: str) -> SimError:
    return SimError(-1111, f"Parameter '{name}' has too much precision.")


def unknown_order() -> SimError:
    return SimError(-2011, UNKNOWN_ORDER)


def order_does_not_exist() -> SimError:
    return SimError(-2013, ORDER_DOES_NOT_EXIST)
