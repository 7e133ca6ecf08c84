"""Backtest configuration: one TOML file, pydantic models that refuse unknown keys.

    run_id = "quoter-btc"          seed = 7          valuation_asset = "USDT"
    marks = { BNB = "600" }        # constant prices (valuation asset) of other fee assets

    [venues.binance]               # a backtest venue (one account)
    balances = { USDT = "100000", BTC = "1" }
    queue_model = "risk_averse"    # or "power" (with queue_power = n) or "log"
    gap_policy = "resync"          # or "error"
    fees = { maker_bps = "1", taker_bps = "5", asset = "USDT" }
    latency.entry = { kind = "constant", ns = 2_000_000 }
    latency.cancel = { kind = "lognormal", median_ns = 2_000_000, sigma = 0.5 }
    latency.response = { kind = "recorded", path = "response_ns.txt" }
    latency.market_data = { kind = "constant", ns = 0 }
    [[venues.binance.instruments]]
    symbol = "BTC/USDT"  tick_size = "0.01"  step_size = "0.00001"  min_notional = "5"

    [[feeds]]                      # kinds: binance, sim_recording, sim_market, stylised
    kind = "binance"  venue = "binance"  symbol = "BTC/USDT"
    snapshot = "snapshot.json"  depth = "depth.jsonl"  trades = ["trades.csv"]

    [[strategies]]                 # as in the node's config
    class = "tradewind.node.examples.quoter:Quoter"  id = "quoter"
    config = { instrument = "BTC/USDT@binance", quantity = "0.001" }

    [node] / [risk]                # the node's own sections (tradewind.node.config)

Relative paths are relative to the config file. ``load_backtest_config`` raises
BacktestConfigError with one line naming the offending key.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tradewind.backtest.errors import BacktestConfigError
from tradewind.node.config import NodeSection, StrategyEntry
from tradewind.risk.limits import RiskLimits

__all__ = [
    "BacktestConfig",
    "BinanceFeedConfig",
    "FeedConfig",
    "InstrumentConfig",
    "LatencyConfig",
    "SimMarketFeedConfig",
    "SimRecordingFeedConfig",
    "StylisedFeedConfig",
    "VenueConfig",
    "config_digest",
    "load_backtest_config",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConstantLatencyConfig(_Model):
    kind: Literal["constant"] = "constant"
    ns: int = Field(default=0, ge=0)


class LognormalLatencyConfig(_Model):
    """``median_ns · e^(sigma·Z)``; seeded from the run's seed, the venue and the use."""

    kind: Literal["lognormal"]
    median_ns: int = Field(gt=0)
    sigma: float = Field(ge=0)


class RecordedLatencyConfig(_Model):
    """A file of latencies measured live (tradewind.backtest.latency)."""

    kind: Literal["recorded"]
    path: Path


LatencyModelConfig = Annotated[
    ConstantLatencyConfig | LognormalLatencyConfig | RecordedLatencyConfig,
    Field(discriminator="kind"),
]


class LatencyConfig(_Model):
    """One-way latencies: order entry and cancel to the venue, responses and market data back."""

    entry: LatencyModelConfig = ConstantLatencyConfig()
    cancel: LatencyModelConfig = ConstantLatencyConfig()
    response: LatencyModelConfig = ConstantLatencyConfig()
    market_data: LatencyModelConfig = ConstantLatencyConfig()


class FeesConfig(_Model):
    """Rates in bps of notional; ``asset`` None: the quote asset; another asset needs
    ``asset_price`` (quote per unit of it)."""

    maker_bps: Decimal = Decimal(0)
    taker_bps: Decimal = Decimal(0)
    asset: str | None = None
    asset_price: Decimal | None = Field(default=None, gt=0)


class InstrumentConfig(_Model):
    """A listed pair and its filters; ``qty_places``: the data's quantity precision."""

    symbol: str = Field(pattern=r"^[A-Z0-9]+/[A-Z0-9]+$")
    tick_size: Decimal = Field(gt=0)
    step_size: Decimal = Field(gt=0)
    min_qty: Decimal = Field(default=Decimal(0), ge=0)
    max_qty: Decimal = Field(default=Decimal(1_000_000), gt=0)
    min_notional: Decimal = Field(default=Decimal(0), ge=0)
    qty_places: int = Field(default=8, ge=0, le=18)


class VenueConfig(_Model):
    """One backtest venue (one account)."""

    instruments: tuple[InstrumentConfig, ...] = Field(min_length=1)
    balances: dict[str, Decimal] = Field(default_factory=dict)
    fees: FeesConfig = FeesConfig()
    latency: LatencyConfig = LatencyConfig()
    queue_model: Literal["risk_averse", "power", "log"] = "risk_averse"
    queue_power: float = Field(default=2.0, gt=0)
    gap_policy: Literal["resync", "error"] = "resync"


class _FeedBase(_Model):
    venue: str
    symbol: str


class BinanceFeedConfig(_FeedBase):
    """Binance recordings: snapshot + diff-depth JSONL, trades / aggTrades CSV or JSONL."""

    kind: Literal["binance"]
    snapshot: Path | None = None
    depth: Path | None = None
    trades: tuple[Path, ...] = ()


class SimRecordingFeedConfig(_FeedBase):
    """The JSONL ``tradewind sim --replay`` reads (full books and trades, ms times)."""

    kind: Literal["sim_recording"]
    path: Path


class SimMarketFeedConfig(_FeedBase):
    """The sim's seeded jump-diffusion market (venues/sim/market) as books and trades."""

    kind: Literal["sim_market"]
    duration_s: float = Field(gt=0)
    start_ms: int = Field(default=1_700_000_000_000, ge=0)
    book_interval_ms: int = Field(default=1_000, gt=0)
    levels: int = Field(default=10, gt=0)
    trades_per_interval: int = Field(default=2, ge=0)


class StylisedFeedConfig(_FeedBase):
    """Arithmetic Brownian mid (``sigma`` quote units per √s) and market orders arriving at
    distance δ from the mid with intensity ``A·e^(−kδ)`` per second (δ in quote units)."""

    kind: Literal["stylised"]
    duration_s: float = Field(gt=0)
    start_ms: int = Field(default=1_700_000_000_000, ge=0)
    mid: Decimal = Field(gt=0)
    sigma: float = Field(ge=0)
    intensity_a: float = Field(gt=0)
    decay_k: float = Field(gt=0)
    step_ms: int = Field(default=100, gt=0)
    levels: int = Field(default=10, gt=0)
    level_qty: Decimal = Field(gt=0)
    trade_qty: Decimal = Field(gt=0)


FeedConfig = Annotated[
    BinanceFeedConfig | SimRecordingFeedConfig | SimMarketFeedConfig | StylisedFeedConfig,
    Field(discriminator="kind"),
]


class BacktestConfig(_Model):
    """A whole run: venues, feeds, strategies, the node's sections, the seed."""

    run_id: str = Field(default="backtest", min_length=1)
    seed: int = 0
    valuation_asset: str = "USDT"
    marks: dict[str, Decimal] = Field(default_factory=dict)
    venues: dict[str, VenueConfig] = Field(min_length=1)
    feeds: tuple[FeedConfig, ...] = Field(min_length=1)
    strategies: tuple[StrategyEntry, ...] = ()
    node: NodeSection = NodeSection()
    risk: RiskLimits = RiskLimits()


def load_backtest_config(path: Path | str) -> BacktestConfig:
    """Read and validate a TOML backtest config; relative paths resolved against its folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BacktestConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BacktestConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_backtest_config(data, base_dir=path.parent, source=str(path))


def parse_backtest_config(
    data: dict[str, Any], *, base_dir: Path | None = None, source: str = "config"
) -> BacktestConfig:
    """Validate a config mapping; BacktestConfigError names the first bad key."""
    try:
        config = BacktestConfig.model_validate(data)
    except ValidationError as exc:
        raise BacktestConfigError(f"{source}: {_first_problem(exc)}") from None
    return config if base_dir is None else _resolved(config, base_dir)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key {loc!r}"
    if error["type"] == "missing":
        return f"missing key {loc!r}"
    return f"{loc}: {error['msg']}"


def _resolved(config: BacktestConfig, base: Path) -> BacktestConfig:
    def fix(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    feeds = []
    for feed in config.feeds:
        if isinstance(feed, BinanceFeedConfig):
            feed = feed.model_copy(
                update={
                    "snapshot": None if feed.snapshot is None else fix(feed.snapshot),
                    "depth": None if feed.depth is None else fix(feed.depth),
                    "trades": tuple(fix(p) for p in feed.trades),
                }
            )
        elif isinstance(feed, SimRecordingFeedConfig):
            feed = feed.model_copy(update={"path": fix(feed.path)})
        feeds.append(feed)
    venues = {}
    for name, venue in config.venues.items():
        latency = venue.latency
        updates = {
            use: model.model_copy(update={"path": fix(model.path)})
            for use in ("entry", "cancel", "response", "market_data")
            if isinstance(model := getattr(latency, use), RecordedLatencyConfig)
        }
        venues[name] = venue.model_copy(update={"latency": latency.model_copy(update=updates)})
    return config.model_copy(update={"feeds": tuple(feeds), "venues": venues})


def config_digest(config: BacktestConfig) -> str:
    """sha256 of the canonical JSON of the config: equal configs, equal digests."""
    data = config.model_dump(mode="json", by_alias=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
