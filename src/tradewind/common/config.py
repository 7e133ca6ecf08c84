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

from tradewind.common.sim_chain_config import SimChainConfig

ENV_PREFIX = "TRADEWIND_"


class ConfigError(ValueError):
    """A configuration file or variable is unreadable or invalid; the message names which."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LogConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Lowest level logged: debug, info, warning or error."
    )
    format: Literal["keyvalue", "json"] = Field(
        default="keyvalue",
        description="keyvalue (human-readable key=value) or json (one object per line).",
    )


class SimConfig(_Section):
    """The simulated exchange. Ports are TCP ports; ``speed`` multiplies the clock."""

    host: str = Field(default="127.0.0.1", description="Interface the simulated exchange binds.")
    port: int = Field(
        default=8090,
        ge=0,
        le=65535,
        description="TCP port of its REST and WebSocket server (0 picks a free one).",
    )
    database: str = Field(
        default="var/sim.sqlite",
        description="SQLite file for accounts, orders and trades (survives a restart).",
    )
    seed: int = Field(
        default=7, description="Seed of the simulated market (same seed, same price paths)."
    )
    markets: str = Field(
        default="default",
        description='"default" for the built-in symbols, or a TOML file of markets.',
    )
    market_activity: bool = Field(
        default=True, description="Run background participants that quote and trade."
    )
    speed: float = Field(default=1.0, gt=0, description="Clock speed multiplier (1 = real time).")
    admin: bool = Field(
        default=False,
        description="Enable the admin API under /admin/v1 (accounts, credits, deposits, shocks).",
    )
    replay_file: str | None = Field(
        default=None,
        description="Replay a recorded L2/trade JSONL file instead of simulating a market.",
    )
    demo_seed: str | None = Field(
        default=None,
        description="Unset: the demo account's key pair is generated once per data directory and"
        ' kept in its database (0600); set (e.g. "tradewind-demo"): the fixed pair derived'
        " from it, the same on every machine. Printed at start; `--venue sim` reads it.",
    )
    request_weight_per_minute: int = Field(
        default=6000,
        gt=0,
        description="REQUEST_WEIGHT limit per minute per IP, as exchangeInfo declares.",
    )
    orders_per_10s: int = Field(default=100, gt=0, description="ORDERS limit per 10 s per account.")
    orders_per_day: int = Field(
        default=200_000, gt=0, description="ORDERS limit per day per account."
    )
    ignored_429s_before_ban: int = Field(
        default=5,
        gt=0,
        description="Requests sent while told to back off before an IP is banned (418).",
    )
    # deposit network ("BASE") -> EVM node + token watched for deposits ([sim.chains.BASE])
    chains: dict[str, SimChainConfig] = Field(
        default_factory=dict,
        description="Deposit networks watched for token deposits, keyed by network"
        " ([sim.chains.BASE]).",
    )


class VenueConfig(_Section):
    """The venue the kernel commands (`book`, `order`, `balances`) and the desk talk to;
    ``name`` labels its orders and fills ("sim" for the simulated exchange)."""

    name: str = Field(
        default="sim",
        description='Label of the venue\'s orders and fills ("sim" for the simulated exchange).',
    )
    rest_url: str | None = Field(
        default=None,
        description="REST base URL (the URL `tradewind sim` prints, with or without /api/v3).",
    )
    ws_url: str | None = Field(
        default=None, description="WebSocket base URL (with or without /ws or /stream)."
    )
    api_key: str | None = Field(
        default=None, description="API key of the account (better from TRADEWIND_VENUE__API_KEY)."
    )
    api_secret: str | None = Field(
        default=None,
        description="API secret (better from TRADEWIND_VENUE__API_SECRET; never logged).",
    )


class DeskConfig(_Section):
    """The index desk (`tradewind serve`). Ports are TCP ports, intervals milliseconds, prices
    and amounts decimal strings in the index's quote asset, ``*_bps`` basis points.

    ``indexes``: a TOML file of index definitions, or "demo" for the packaged demo indexes.
    ``database``/``kernel_database``: SQLAlchemy URLs or SQLite file paths. ``local_deposits``
    enables ``POST /local/deposits`` (tests and the demo only: it credits collateral without a
    chain). Off by default; when on the desk must listen on loopback and the route needs the
    token of ``TRADEWIND_LOCAL_DEPOSIT_TOKEN`` (docs/index-desk.md).
    """

    host: str = Field(
        default="127.0.0.1", description="Interface the gateway and REST server bind."
    )
    port: int = Field(
        default=8100,
        ge=0,
        le=65535,
        description="TCP port of the FIX/JSON gateway (/fix) and REST (0 picks a free one).",
    )
    comp_id: str = Field(
        default="TRADEWIND",
        min_length=1,
        max_length=32,
        description="The gateway's comp_id: what clients put in target_comp_id.",
    )
    indexes: str = Field(
        default="demo",
        description='TOML file of index definitions, or "demo" for the packaged demo indexes.',
    )
    database: str = Field(
        default="var/index_desk.sqlite",
        description="The desk's journal and invoices: SQLAlchemy URL or SQLite file path.",
    )
    kernel_database: str = Field(
        default="var/index_kernel.sqlite",
        description="The kernel store (venue orders, fills): SQLAlchemy URL or SQLite path.",
    )
    venue_kind: Literal["binance", "ccxt"] = Field(
        default="binance", description="Adapter to the venue: binance (official SDK) or ccxt."
    )
    batch_interval_ms: int = Field(
        default=100, ge=1, description="Milliseconds between solver batches."
    )
    price_threshold_bps: Decimal = Field(
        default=Decimal(100),
        ge=0,
        lt=10_000,
        description="How far (bps) from the touch a leg's limit price may go.",
    )
    depth_levels: int = Field(
        default=10, ge=1, le=1000, description="Book levels the solver reads per constituent."
    )
    liquidity_fraction: Decimal = Field(
        default=Decimal("0.8"),
        gt=0,
        le=1,
        description="Share of the depth within the limit the solver may take (0-1].",
    )
    max_order_volley: Decimal = Field(
        default=Decimal(50_000),
        gt=0,
        description="Most one order may put into one batch, in quote units.",
    )
    max_batch_volley: Decimal = Field(
        default=Decimal(200_000), gt=0, description="Most one batch may send, in quote units."
    )
    max_in_flight_volley: Decimal = Field(
        default=Decimal(400_000),
        gt=0,
        description="Most that may be in flight at the venue at once, in quote units.",
    )
    # the venue's taker commission; buy legs are grossed up by it, since the venue takes it out
    # of the bought asset (Binance's default spot rate: 10 bps)
    taker_fee_bps: Decimal = Field(
        default=Decimal(10),
        ge=0,
        lt=10_000,
        description="The venue's taker commission (bps); buy legs are grossed up by it.",
    )
    local_deposits: bool = Field(
        default=False,
        description="Enable POST /local/deposits (tests and the demo only): loopback host and"
        " the bearer token of $TRADEWIND_LOCAL_DEPOSIT_TOKEN required.",
    )
    clock_skew_s: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="Seconds a client message's timestamp may differ from the desk's clock.",
    )
    # kept under the gateway's outbound queue (1,024 messages), so one replay always fits it
    replay_reports_kept: int = Field(
        default=500,
        ge=1,
        le=1000,
        description="Fill reports and invoices kept per account for a ReplayRequest from a"
        " sequence number (last_report_seq_num); older ones are refused as seq_num_too_old.",
    )


class ChainLinkConfig(_Section):
    """The index desk on chain (`docs/chain.md`): collateral from the vault on ``origin``,
    bridged to ``destination`` and on to the exchange; index tokens minted on the order's chain.

    ``registry``: the deployment registry `tradewind chain up` writes; ``state_dir``: the
    desk's chain stores (intents, routes, follower cursors); ``confirmations``: blocks deep
    before an event counts; the bridge fee offered to relayers is ``bridge_fee_bps`` of the
    amount plus ``bridge_fee_fixed_usdc``. The hot key comes from ``TRADEWIND_KEYSTORE`` (+
    password) or ``TRADEWIND_DESK_KEY``, never from this file.
    """

    enabled: bool = Field(
        default=False,
        description="Take collateral from the vault on chain and mint index tokens there.",
    )
    registry: str = Field(
        default="var/chain/registry.json",
        description="Deployment registry written by `tradewind chain up`.",
    )
    state_dir: str = Field(
        default="var/chain/desk",
        description="Folder of the desk's chain stores (intents, routes, follower cursors).",
    )
    origin: str = Field(default="arbitrum", description="Chain of the collateral vault.")
    destination: str = Field(
        default="base", description="Chain the bridge delivers to, on the way to the exchange."
    )
    confirmations: int = Field(
        default=2, ge=1, le=1000, description="Blocks deep before a chain event counts."
    )
    bridge_fee_bps: int = Field(
        default=5, ge=0, lt=10_000, description="Bridge fee offered to relayers, bps of the amount."
    )
    bridge_fee_fixed_usdc: Decimal = Field(
        default=Decimal("0.01"), ge=0, description="Fixed part of the bridge fee, in USDC."
    )
    poll_interval_ms: int = Field(
        default=200, ge=10, description="Milliseconds between polls of the chains."
    )
    hot_daily_limit_usdc: Decimal = Field(
        default=Decimal("10000000"),
        ge=0,
        description="USDC per UTC day the desk's hot wallet may move (routing, top-ups, "
        "payouts) under custody's policy; a move over it is refused.",
    )


class PortfolioConfig(_Section):
    """The portfolio desk's command-line defaults (`tradewind portfolio ...`)."""

    tenant: str = Field(
        default="default",
        min_length=1,
        description="Tenant the portfolio commands use when neither --tenant nor "
        "$TRADEWIND_TENANT is given.",
    )


class TradewindConfig(_Section):
    log: LogConfig = LogConfig()
    sim: SimConfig = SimConfig()
    venue: VenueConfig = VenueConfig()
    desk: DeskConfig = DeskConfig()
    chain: ChainLinkConfig = ChainLinkConfig()
    portfolio: PortfolioConfig = PortfolioConfig()


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
