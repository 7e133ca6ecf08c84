"""Structured logging: one event per line, key=value or JSON, secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import IO, Any

import structlog

_SECRET_KEYS = frozenset({"secret", "api_secret", "signature", "private_key", "password"})


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in event:
        if key in _SECRET_KEYS:
            event[key] = "***"
    return event


class _StderrLogger:
    """Writes each rendered event to whatever ``sys.stderr`` is *now*, so redirected or
    replaced streams (test capture, daemonisation) never receive writes after they close."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _stderr_logger_factory(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


class _FileLogger:
    """Appends each rendered event to one open file (``make demo`` keeps its story on screen
    and its logs here)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def msg(self, message: str) -> None:
        self._stream.write(message + "\n")
        self._stream.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def configure_logging(
    level: str = "info", fmt: str = "keyvalue", *, path: Path | None = None
) -> None:
    """Route structlog and stdlib logging to stderr (or appended to ``path``) in one
    structured format."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.processors.KeyValueRenderer(key_order=["ts", "level", "event"])
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", key="ts"),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=_stderr_logger_factory if path is None else _file_factory(path),
        cache_logger_on_first_use=False,
    )
    if path is None:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(message)s")
    else:
        logging.basicConfig(
            level=logging.WARNING, filename=path, format="%(name)s %(message)s", force=True
        )


def _file_factory(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = _FileLogger(path.open("a", encoding="utf-8"))  # open for the process's life

    def factory(*_args: Any) -> _FileLogger:
        return logger

    return factory


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A structured logger bound to a component name."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(component=name)
    return logger
