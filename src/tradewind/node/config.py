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
    backup_rest_url = "http://..."       # optional backup market data source (same kind)
    backup_ws_url = "ws://..."

    [metrics]                            # Prometheus /metrics; off ("") by default
    listen = "127.0.0.1:9464"            # host:port (port 0: a free one); keep it on loopback

    [risk]                               # pre-trade limits (tradewind.risk.limits); none by default
    max_order_notional = "50000"

    [control]                            # the risk control API (tradewind node run serves it)
    listen = "127.0.0.1:8787"            # loopback unless allow_remote (which needs a token)
    token = "..."                        # bearer token, or TRADEWIND_CONTROL_TOKEN

    [alerts]                             # alert channels (tradewind.risk.alerts.AlertsConfig)
    [[alerts.webhooks]]
    url = "https://hooks.example/tradewind"
    [monitor]                            # the live web dashboard (tradewind.monitor.web)
    listen = "127.0.0.1:8080"            # "" (the default): no dashboard

    [chain_wallets.base]                 # on-chain wallets the live measures read (per network)
    rpc_url = "http://127.0.0.1:8545"
    wallets = ["0xf39F..."]
    native_asset = "ETH"
    gas_price = true                     # this network's gas price feeds gas_price_variation
    tokens = { USDC = { address = "0x...", decimals = 6 } }

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
from tradewind.risk.alerts import AlertsConfig
from tradewind.risk.limits import RiskLimits

__all__ = [
    "ChainWalletsEntry",
    "ControlSection",
    "MetricsSection",
    "MonitorSection",
    "NodeConfig",
    "NodeConfigError",
    "NodeSection",
    "StrategyEntry",
    "VenueEntry",
    "WatchedTokenEntry",
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
    audit_log: str = ""  # SQLite file of the hash-chained log of risk actions ("" = none)


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class ControlSection(_Model):
    """The risk control API: ``listen`` "host:port" (port 0 picks one), bearer ``token``
    (kept out of repr). A non-loopback host needs ``allow_remote`` and a token."""

    listen: str = "127.0.0.1:8787"
    token: str = Field(default="", repr=False)
    allow_remote: bool = False

    @property
    def host(self) -> str:
        return parse_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return parse_listen(self.listen)[1]

    @field_validator("listen")
    @classmethod
    def _host_port(cls, listen: str) -> str:
        parse_listen(listen, "127.0.0.1:8787")  # a ValueError naming the problem
        return listen

    def model_post_init(self, context: Any) -> None:
        if self.host not in _LOOPBACK:
            if not self.allow_remote:
                raise ValueError(
                    f"control listen {self.listen!r} is not loopback: set allow_remote = true"
                )
            if not self.token:
                raise ValueError("a control API listening beyond loopback needs a token")


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
    # a backup market data source of the same kind (the risk supervisor's "backup_data")
    backup_rest_url: str = ""
    backup_ws_url: str = ""

    def model_post_init(self, context: Any) -> None:
        if bool(self.backup_rest_url) != bool(self.backup_ws_url):
            raise ValueError(
                "a backup market data source needs both backup_rest_url and backup_ws_url"
            )


class MonitorSection(_Model):
    """Monitoring of the node: ``listen`` is the dashboard's HOST:PORT ("" = none; port 0
    picks a free one). The app wiring serves it: the node package cannot import monitor."""

    listen: str = ""

    @field_validator("listen")
    @classmethod
    def _host_port(cls, listen: str) -> str:
        if listen:
            parse_listen(listen, "127.0.0.1:8080")  # a ValueError naming the problem
        return listen


class WatchedTokenEntry(_Model):
    """An ERC-20 held in the wallets: contract ``address`` and ``decimals``."""

    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    decimals: int = Field(ge=0, le=36)


class ChainWalletsEntry(_Model):
    """Our wallets on one EVM network: JSON-RPC ``rpc_url``, addresses, the native asset and
    the ERC-20 ``tokens`` (asset → entry); ``gas_price``: watch this network's gas price."""

    rpc_url: str = Field(min_length=1)
    wallets: tuple[str, ...] = Field(min_length=1)
    native_asset: str = Field(default="ETH", pattern=r"^[A-Z0-9]{1,20}$")
    tokens: dict[str, WatchedTokenEntry] = Field(default_factory=dict)
    gas_price: bool = False

    @field_validator("wallets")
    @classmethod
    def _addresses(cls, wallets: tuple[str, ...]) -> tuple[str, ...]:
        for wallet in wallets:
            if not re.fullmatch(r"0x[0-9a-fA-F]{40}", wallet):
                raise ValueError(f"wallet {wallet!r}: a 0x-prefixed 20-byte hex address expected")
        return wallets

    @field_validator("tokens")
    @classmethod
    def _token_assets(cls, tokens: dict[str, WatchedTokenEntry]) -> dict[str, WatchedTokenEntry]:
        for asset in tokens:
            if not re.fullmatch(r"[A-Z0-9]{1,20}", asset):
                raise ValueError(f"token {asset!r}: upper-case symbol expected")
        return tokens


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
    control: ControlSection | None = None
    alerts: AlertsConfig = AlertsConfig()
    monitor: MonitorSection = MonitorSection()
    chain_wallets: dict[str, ChainWalletsEntry] = Field(default_factory=dict)
    metrics: MetricsSection = MetricsSection()

    @field_validator("venues")
    @classmethod
    def _venue_names(cls, venues: dict[str, VenueEntry]) -> dict[str, VenueEntry]:
        for name in venues:
            if not _VENUE_NAME.match(name):
                raise ValueError(f"venue name {name!r}: letters, digits, '-' or '_' only")
        return venues

    @field_validator("chain_wallets")
    @classmethod
    def _one_gas_price(cls, entries: dict[str, ChainWalletsEntry]) -> dict[str, ChainWalletsEntry]:
        watched = [name for name, entry in entries.items() if entry.gas_price]
        if len(watched) > 1:
            raise ValueError(f"gas_price is set on {watched}: watch one network's gas price")
        return entries

    @field_validator("strategies")
    @classmethod
    def _unique_ids(cls, entries: tuple[StrategyEntry, ...]) -> tuple[StrategyEntry, ...]:
        ids = [entry.id for entry in entries]
        if len(ids) != len(set(ids)):
            raise ValueError(f"strategy ids repeat: {ids}")
        return entries


def _with_env_keys(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    control = data.get("control")
    if isinstance(control, dict) and "TRADEWIND_CONTROL_TOKEN" in environ:
        control["token"] = environ["TRADEWIND_CONTROL_TOKEN"]
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

    ``TRADEWIND_VENUE_<NAME>_API_KEY`` / ``_API_SECRET`` override a venue's keys,
    ``TRADEWIND_CONTROL_TOKEN`` the control API's token.
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
