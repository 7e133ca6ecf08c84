"""From a BacktestConfig to a ready BacktestEngine: venues, latency and queue models, feeds,
strategies. Every random draw is seeded from the run's seed and a label (the venue and what the
draw is for), so adding a venue or a feed never changes another one's numbers."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from tradewind.backtest.config import (
    BacktestConfig,
    BinanceFeedConfig,
    ConstantLatencyConfig,
    LatencyModelConfig,
    LognormalLatencyConfig,
    SimMarketFeedConfig,
    SimRecordingFeedConfig,
    StylisedFeedConfig,
    config_digest,
)
from tradewind.backtest.engine import BacktestEngine, ProgressCallback
from tradewind.backtest.errors import BacktestConfigError
from tradewind.backtest.feeds.binance import BinanceDepthFeed, BinanceTradesFeed
from tradewind.backtest.feeds.events import Feed
from tradewind.backtest.feeds.sim_recording import SimRecordingFeed
from tradewind.backtest.feeds.synthetic import SimMarketFeed, StylisedFeed
from tradewind.backtest.fees import FeeSchedule
from tradewind.backtest.latency import (
    ConstantLatency,
    LatencyModel,
    LognormalLatency,
    read_latency_file,
)
from tradewind.backtest.queue_models import (
    LogProbQueue,
    PowerProbQueue,
    QueueModel,
    RiskAverseQueue,
)
from tradewind.backtest.units import Scale
from tradewind.backtest.venue import ListedInstrument, VenueLatency
from tradewind.core.instruments import Instrument, InstrumentFilters
from tradewind.node.config import NodeConfig, NodeConfigError, StrategyEntry
from tradewind.node.node import load_actor
from tradewind.node.strategy import Actor

__all__ = ["build_engine", "derived_seed", "load_strategy"]


def derived_seed(seed: int, *labels: str) -> int:
    """A seed for one use, from the run's seed and labels (stable across processes)."""
    text = ":".join((str(seed), *labels)).encode("utf-8")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def build_engine(
    config: BacktestConfig, *, progress: ProgressCallback | None = None
) -> BacktestEngine:
    """An engine with everything the config describes (files are opened when the run starts)."""
    engine = BacktestEngine(
        seed=config.seed,
        run_id=config.run_id,
        valuation_asset=config.valuation_asset,
        config_digest=config_digest(config),
        marks=config.marks,
        node_config=NodeConfig(node=config.node, risk=config.risk),
        progress=progress,
    )
    scales: dict[tuple[str, str], Scale] = {}
    for name, venue in config.venues.items():
        listed = []
        for entry in venue.instruments:
            scale = Scale(entry.tick_size, entry.qty_places)
            scales[(name, entry.symbol)] = scale
            filters = InstrumentFilters(
                tick_size=entry.tick_size,
                step_size=entry.step_size,
                min_qty=entry.min_qty,
                max_qty=entry.max_qty,
                min_notional=entry.min_notional,
            )
            listed.append(
                ListedInstrument(
                    Instrument(venue=name, symbol=entry.symbol, filters=filters), scale
                )
            )
        latency = venue.latency
        engine.add_venue(
            name,
            listed,
            balances=venue.balances,
            fees=FeeSchedule(
                venue.fees.maker_bps, venue.fees.taker_bps, venue.fees.asset, venue.fees.asset_price
            ),
            latency=VenueLatency(
                entry=_latency(latency.entry, config.seed, name, "entry"),
                cancel=_latency(latency.cancel, config.seed, name, "cancel"),
                response=_latency(latency.response, config.seed, name, "response"),
                market_data=_latency(latency.market_data, config.seed, name, "market_data"),
            ),
            queue_model=_queue_model(venue.queue_model, venue.queue_power),
            gap_policy=venue.gap_policy,
        )
    for index, feed_config in enumerate(config.feeds):
        key = (feed_config.venue, feed_config.symbol)
        if key not in scales:
            raise BacktestConfigError(
                f"feeds.{index}: venue {feed_config.venue!r} lists no {feed_config.symbol!r}"
            )
        for feed in _feeds(feed_config, scales[key], config.seed):
            engine.add_feed(feed_config.venue, feed_config.symbol, feed)
    for strategy in config.strategies:
        engine.add_strategy(load_strategy(strategy))
    return engine


def load_strategy(entry: StrategyEntry) -> Actor:
    """Import and build one strategy from its config entry ("module:Class"), as a node does;
    the error is one line (a pydantic error's first lines joined)."""
    try:
        return load_actor(entry.class_path, entry.id, entry.config)
    except NodeConfigError as exc:
        lines = str(exc).splitlines()
        raise BacktestConfigError(" ".join(line.strip() for line in lines[:3])) from None


def _latency(config: LatencyModelConfig, seed: int, venue: str, use: str) -> LatencyModel:
    if isinstance(config, ConstantLatencyConfig):
        return ConstantLatency(config.ns)
    if isinstance(config, LognormalLatencyConfig):
        return LognormalLatency(config.median_ns, config.sigma, derived_seed(seed, venue, use))
    return read_latency_file(config.path)


def _queue_model(kind: str, power: float) -> QueueModel:
    if kind == "power":
        return PowerProbQueue(power)
    if kind == "log":
        return LogProbQueue()
    return RiskAverseQueue()


def _feeds(config: object, scale: Scale, seed: int) -> list[Feed]:
    if isinstance(config, BinanceFeedConfig):
        symbol = config.symbol.replace("/", "")
        feeds: list[Feed] = []
        if config.depth is not None:
            feeds.append(
                BinanceDepthFeed(config.depth, scale, symbol=symbol, snapshot=config.snapshot)
            )
        elif config.snapshot is not None:
            raise BacktestConfigError("a binance feed with a snapshot needs its depth file")
        feeds.extend(BinanceTradesFeed(path, scale, symbol=symbol) for path in config.trades)
        return feeds
    if isinstance(config, SimRecordingFeedConfig):
        return [SimRecordingFeed(config.path, scale, symbol=config.symbol.replace("/", ""))]
    if isinstance(config, SimMarketFeedConfig):
        return [
            SimMarketFeed(
                scale,
                symbol=config.symbol.replace("/", ""),
                seed=derived_seed(seed, config.venue, config.symbol, "sim_market"),
                start_ms=config.start_ms,
                duration_ms=round(config.duration_s * 1000),
                book_interval_ms=config.book_interval_ms,
                levels=config.levels,
                trades_per_interval=config.trades_per_interval,
            )
        ]
    assert isinstance(config, StylisedFeedConfig)
    return [
        StylisedFeed(
            scale,
            seed=derived_seed(seed, config.venue, config.symbol, "stylised"),
            start_ms=config.start_ms,
            duration_ms=round(config.duration_s * 1000),
            mid=config.mid,
            sigma=config.sigma,
            intensity_a=config.intensity_a,
            decay_k=config.decay_k,
            step_ms=config.step_ms,
            levels=config.levels,
            level_qty=Decimal(config.level_qty),
            trade_qty=Decimal(config.trade_qty),
        )
    ]
