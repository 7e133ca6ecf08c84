"""Topic strings, shaped like NATS subjects so a JetStream bus can use them unchanged.

A topic is dot-separated tokens: ``<category>.<type>[.<venue>[.<symbol>]]``, for example
``events.OrderFilled.binance.BTC/USDT``. Patterns use NATS wildcards: ``*`` matches exactly one
token, ``>`` (last token only) matches one or more remaining tokens.
"""

from __future__ import annotations

from tradewind.core.messages import Command, Event, Message, Report

__all__ = ["TopicError", "category_of", "topic_for", "topic_matches", "validate_pattern"]

_FORBIDDEN = frozenset(" \t\r\n")


class TopicError(ValueError):
    """A topic or pattern is malformed."""


def category_of(message_type: type[Message]) -> str:
    """The first topic token for a message type: events, commands, reports or messages."""
    if issubclass(message_type, Event):
        return "events"
    if issubclass(message_type, Command):
        return "commands"
    if issubclass(message_type, Report):
        return "reports"
    return "messages"


def _token(value: str) -> str:
    # dots separate tokens and wildcards are pattern syntax, so neither may appear inside one
    return value.replace(".", "_").replace("*", "_").replace(">", "_")


def topic_for(message: Message, type_name: str | None = None) -> str:
    """The default topic: category, type name, then venue and symbol when the message has them."""
    tokens = [category_of(type(message)), type_name or type(message).__name__]
    venue = getattr(message, "venue", None)
    if isinstance(venue, str):
        tokens.append(_token(venue))
        symbol = getattr(message, "symbol", None)
        if isinstance(symbol, str):
            tokens.append(_token(symbol))
    return ".".join(tokens)


def validate_pattern(pattern: str) -> tuple[str, ...]:
    """The tokens of ``pattern``; TopicError if it is empty, has an empty token or misplaces '>'."""
    if not pattern or any(char in _FORBIDDEN for char in pattern):
        raise TopicError(f"topic pattern {pattern!r} is empty or contains whitespace")
    tokens = tuple(pattern.split("."))
    for index, token in enumerate(tokens):
        if not token:
            raise TopicError(f"topic pattern {pattern!r} has an empty token")
        if ("*" in token or ">" in token) and token not in ("*", ">"):
            raise TopicError(f"wildcard inside a token in {pattern!r}")
        if token == ">" and index != len(tokens) - 1:
            raise TopicError(f"'>' must be the last token in {pattern!r}")
    return tokens


def topic_matches(pattern: tuple[str, ...], topic: str) -> bool:
    """Whether ``topic`` matches the validated ``pattern`` tokens."""
    tokens = topic.split(".")
    for index, want in enumerate(pattern):
        if want == ">":
            return len(tokens) > index
        if index >= len(tokens):
            return False
        if want != "*" and want != tokens[index]:
            return False
    return len(tokens) == len(pattern)
