"""Configuration: a TOML file, overridden by ``TRADEWIND_<SECTION>__<KEY>`` environment variables.

The model is frozen and rejects unknown keys, so a typo in a config file is an error at start,
not a silently ignored setting.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tradewind.venues.sim.chain_config import SimChainConfig

ENV_PREFIX = "TRADEWIND_"


class ConfigError(ValueError):
    """A configuration file or variable is unreadable or invalid; the message names which."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LogConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["keyvalue", "json"] = "keyvalue"


class SimConfig(_Section):
    """The simulated exchange. Ports are TCP ports; ``speed`` multiplies the clock."""

    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    database: str = "var/sim.sqlite"
    seed: int = 7
    markets: str = "default"
    market_activity: bool = True
    speed: float = Field(default=1.0, gt=0)
    admin: bool = False
    replay_file: str | None = None
    # unset: the demo key pair is generated per data directory; set (e.g. "tradewind-demo"):
    # the fixed pair derived from it, the same on every machine
    demo_seed: str | None = None
    request_weight_per_minute: int = Field(default=6000, gt=0)
    orders_per_10s: int = Field(default=100, gt=0)
    orders_per_day: int = Field(default=200_000, gt=0)
    ignored_429s_before_ban: int = Field(default=5, gt=0)
    # deposit network ("BASE") -> EVM node + token watched for deposits ([sim.chains.BASE])
    chains: dict[str, SimChainConfig] = Field(default_factory=dict)


class VenueConfig(_Section):
    """The venue the kernel commands (`book`, `order`, `balances`) and the desk talk to;
    ``name`` labels its orders and fills ("sim" for the simulated exchange)."""

    name: str = "sim"
    rest_url: str | None = None
    ws_url: str | None = None
    api_key: str | None = None
    api_secret: str | None = None


class DeskConfig(_Section):
    """The index desk (`tradewind serve`). Ports are TCP ports, intervals milliseconds, prices
    and amounts decimal strings in the index's quote asset, ``*_bps`` basis points.

    ``indexes``: a TOML file of index definitions, or "demo" for the packaged demo indexes.
    ``database``/``kernel_database``: SQLAlchemy URLs or SQLite file paths. ``local_deposits``
    enables ``POST /local/deposits`` (tests and the demo only: it credits collateral without a
    chain). Off by default; when on the desk must listen on loopback and the route needs the
    token of ``TRADEWIND_LOCAL_DEPOSIT_TOKEN`` (docs/index-desk.md).
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8100, ge=0, le=65535)
    comp_id: str = Field(default="TRADEWIND", min_length=1, max_length=32)
    indexes: str = "demo"
    database: str = "var/index_desk.sqlite"
    kernel_database: str = "var/index_kernel.sqlite"
    venue_kind: Literal["binance", "ccxt"] = "binance"
    batch_interval_ms: int = Field(default=100, ge=1)
    price_threshold_bps: Decimal = Field(default=Decimal(100), ge=0, lt=10_000)
    depth_levels: int = Field(default=10, ge=1, le=1000)
    liquidity_fraction: Decimal = Field(default=Decimal("0.8"), gt=0, le=1)
    max_order_volley: Decimal = Field(default=Decimal(50_000), gt=0)
    max_batch_volley: Decimal = Field(default=Decimal(200_000), gt=0)
    max_in_flight_volley: Decimal = Field(default=Decimal(400_000), gt=0)
    # the venue's taker commission; buy legs are grossed up by it, since the venue takes it out
    # of the bought asset (Binance's default spot rate: 10 bps)
    taker_fee_bps: Decimal = Field(default=Decimal(10), ge=0, lt=10_000)
    local_deposits: bool = False
    clock_skew_s: int = Field(default=60, ge=1, le=3600)


class ChainLinkConfig(_Section):
    """The index desk on chain (`docs/chain.md`): collateral from the vault on ``origin``,
    bridged to ``destination`` and on to the exchange; index tokens minted on the order's chain.

    ``registry``: the deployment registry `tradewind chain up` writes; ``state_dir``: the
    desk's chain stores (intents, routes, follower cursors); ``confirmations``: blocks deep
    before an event counts; the bridge fee offered to relayers is ``bridge_fee_bps`` of the
    amount plus ``bridge_fee_fixed_usdc``. The hot key comes from ``TRADEWIND_KEYSTORE`` (+
    password) or ``TRADEWIND_DESK_KEY``, never from this file.
    """

    enabled: bool = False
    registry: str = "var/chain/registry.json"
    state_dir: str = "var/chain/desk"
    origin: str = "arbitrum"
    destination: str = "base"
    confirmations: int = Field(default=2, ge=1, le=1000)
    bridge_fee_bps: int = Field(default=5, ge=0, lt=10_000)
    bridge_fee_fixed_usdc: Decimal = Field(default=Decimal("0.01"), ge=0)
    poll_interval_ms: int = Field(default=200, ge=10)


class TradewindConfig(_Section):
    log: LogConfig = LogConfig()
    sim: SimConfig = SimConfig()
    venue: VenueConfig = VenueConfig()
    desk: DeskConfig = DeskConfig()
    chain: ChainLinkConfig = ChainLinkConfig()


def _parse_env_value(raw: str) -> Any:
    # Values are TOML scalars ("8090", "true", '"x"'); anything else is taken as a plain string.
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    overrides: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        overrides.setdefault(section, {})[key] = _parse_env_value(raw)
    return overrides


def load_config(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> TradewindConfig:
    """Read ``path`` (or ``$TRADEWIND_CONFIG``, or nothing) and apply environment overrides."""
    environ = os.environ if environ is None else environ
    if path is None and environ.get("TRADEWIND_CONFIG"):
        path = Path(environ["TRADEWIND_CONFIG"])
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    for section, values in _env_overrides(environ).items():
        target = data.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(f"config section [{section}] must be a table")
        target.update(values)
    try:
        return TradewindConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        source = str(path) if path is not None else "environment"
        raise ConfigError(f"invalid configuration ({source}): {problems}") from exc
