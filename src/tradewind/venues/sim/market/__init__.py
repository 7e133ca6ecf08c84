"""The moving market of ``tradewind sim`` and the public market data it produces.

Markets / Market / MarketProfile   listed symbols: filters + how each one moves (markets)
JumpDiffusion                      a symbol's latent mid price (price_process)
MarketSimulator                    background participants trading through the engine
ReplayFeeder, record_sample        a recorded book-and-trade tape instead (replay)
MarketDataRecorder                 trades, aggTrades, klines, 24h tickers (market_data)
"""

from tradewind.venues.sim.market.klines import INTERVALS, Kline
from tradewind.venues.sim.market.market_data import AggTrade, MarketDataRecorder, Ticker24h
from tradewind.venues.sim.market.markets import (
    Market,
    MarketProfile,
    Markets,
    MarketsFileError,
    default_markets,
    load_markets,
    parse_markets,
)
from tradewind.venues.sim.market.participants import (
    ASK_MAKER,
    BID_MAKER,
    PARTICIPANT_ACCOUNTS,
    TAKER,
    MarketSimulator,
    ParticipantStats,
)
from tradewind.venues.sim.market.price_process import (
    JumpDiffusion,
    JumpDiffusionParams,
    stream_seed,
    to_step,
    to_tick,
)
from tradewind.venues.sim.market.replay import (
    REPLAY_ACCOUNTS,
    BookEvent,
    ReplayFeeder,
    ReplayFileError,
    ReplayStats,
    TradeEvent,
    read_recording,
    record_sample,
)

__all__ = [
    "ASK_MAKER",
    "BID_MAKER",
    "INTERVALS",
    "PARTICIPANT_ACCOUNTS",
    "REPLAY_ACCOUNTS",
    "TAKER",
    "AggTrade",
    "BookEvent",
    "JumpDiffusion",
    "JumpDiffusionParams",
    "Kline",
    "Market",
    "MarketDataRecorder",
    "MarketProfile",
    "MarketSimulator",
    "Markets",
    "MarketsFileError",
    "ParticipantStats",
    "ReplayFeeder",
    "ReplayFileError",
    "ReplayStats",
    "Ticker24h",
    "TradeEvent",
    "default_markets",
    "load_markets",
    "parse_markets",
    "read_recording",
    "record_sample",
    "stream_seed",
    "to_step",
    "to_tick",
]
