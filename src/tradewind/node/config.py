"""TradingNode configuration: a TOML file; frozen models that reject unknown keys.

    [node]
    name = "node-1"
    database = "var/node.sqlite"        # SQLAlchemy URL or SQLite path; "" keeps state in memory
    on_handler_error = "continue"       # continue | stop_strategy | halt

    [venues.sim]                         # one table per venue; the table name is the venue name
    kind = "binance"                     # binance (official SDK) | ccxt (ccxt.pro)
    rest_url = "http://127.0.0.1:8090"
    ws_url = "ws://127.0.0.1:8090"
    api_key = "..."                      # or TRADEWIND_VENUE_<NAME>_API_KEY in the environment
    api_secret = "..."

    [metrics]                            # Prometheus /metrics; off ("") by default
    listen = "127.0.0.1:9464"            # host:port (port 0: a free one); keep it on loopback

    [risk]                               # pre-trade limits (tradewind.risk.limits); none by default
    max_order_notional = "50000"

    [[strategies]]
    class = "tradewind.node.examples.quoter:Quoter"
    id = "quoter-1"
    config = { instrument = "BTC/USDT@sim", spread_bps = 50 }

Keys never reach a log line: they are excluded from the models' repr.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradewind.common.metrics import parse_listen
from tradewind.risk.limits import RiskLimits

__all__ = [
    "MetricsSection",
    "NodeConfig",
    "NodeConfigError",
    "NodeSection",
    "StrategyEntry",
    "VenueEntry",
    "load_node_config",
]

_VENUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class NodeConfigError(ValueError):
    """The node configuration is unreadable or invalid; the message says where."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeSection(_Model):
    """The node itself. ``database``: SQLAlchemy URL or SQLite path ("" = memory only)."""

    name: str = Field(default="node", min_length=1)
    database: str = ""
    on_handler_error: Literal["continue", "stop_strategy", "halt"] = "continue"
    bar_check_interval_ms: int = Field(default=1000, ge=1)


class MetricsSection(_Model):
    """Prometheus ``/metrics`` of the node. ``listen``: "host:port" to serve it on (port 0: a
    free port, logged), "" (the default) to serve nothing. It is unauthenticated: bind it to
    loopback unless a network policy guards the port."""

    listen: str = ""

    @field_validator("listen")
    @classmethod
    def _host_port(cls, listen: str) -> str:
        if listen:
            parse_listen(listen)  # raises MetricsListenError, a ValueError, with the reason
        return listen


class VenueEntry(_Model):
    """One venue account: adapter ``kind``, endpoints, key pair (secrets kept out of repr)."""

    kind: Literal["binance", "ccxt"] = "binance"
    rest_url: str = Field(min_length=1)
    ws_url: str = Field(min_length=1)
    api_key: str = Field(default="", repr=False)
    api_secret: str = Field(default="", repr=False)


class StrategyEntry(_Model):
    """A strategy or actor to put on the node: ``class`` is "module:ClassName"."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    class_path: str = Field(alias="class", pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    id: str = Field(min_length=1)
    config: dict[str, Any] = Field(default_factory=dict)


class NodeConfig(_Model):
    """The whole node configuration."""

    node: NodeSection = NodeSection()
    venues: dict[str, VenueEntry] = Field(default_factory=dict)
    strategies: tuple[StrategyEntry, ...] = ()
    risk: RiskLimits = RiskLimits()
    metrics: MetricsSection = MetricsSection()

    @field_validator("venues")
    @classmethod
    def _venue_names(cls, venues: dict[str, VenueEntry]) -> dict[str, VenueEntry]:
        for name in venues:
            if not _VENUE_NAME.match(name):
                raise ValueError(f"venue name {name!r}: letters, digits, '-' or '_' only")
        return venues

    @field_validator("strategies")
    @classmethod
    def _unique_ids(cls, entries: tuple[StrategyEntry, ...]) -> tuple[StrategyEntry, ...]:
        ids = [entry.id for entry in entries]
        if len(ids) != len(set(ids)):
            raise ValueError(f"strategy ids repeat: {ids}")
        return entries


def _with_env_keys(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    venues = data.get("venues")
    if not isinstance(venues, dict):
        return data
    for name, table in venues.items():
        if not isinstance(table, dict):
            continue
        for key in ("api_key", "api_secret"):
            variable = f"TRADEWIND_VENUE_{name.upper().replace('-', '_')}_{key.upper()}"
            if variable in environ:
                table[key] = environ[variable]
    return data


def load_node_config(
    source: Path | str | Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> NodeConfig:
    """A NodeConfig from a TOML file (or an already parsed mapping); NodeConfigError if bad.

    ``TRADEWIND_VENUE_<NAME>_API_KEY`` / ``_API_SECRET`` override a venue's keys.
    """
    environ = os.environ if environ is None else environ
    where = "mapping"
    if isinstance(source, Mapping):
        data = {key: value for key, value in source.items()}
    else:
        path = Path(source)
        where = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise NodeConfigError(f"node config not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise NodeConfigError(f"node config {path} is not valid TOML: {exc}") from exc
    try:
        return NodeConfig.model_validate(_with_env_keys(data, environ))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise NodeConfigError(f"invalid node config ({where}): {problems}") from exc
