"""Market data for the backtester: recorded files and synthetic processes, as ``MarketEvent``s.

Feed (protocol: source, events())        one instrument's time-ordered events
  ├─ binance.BinanceFeed                  REST snapshot + diff-depth JSONL, trades/aggTrades
  │                                       as the public dumps' CSV or stream JSONL
  ├─ sim_recording.SimRecordingFeed       the JSONL ``tradewind sim --replay`` reads
  └─ synthetic.SimMarketFeed,             the sim's seeded jump-diffusion market;
     synthetic.StylisedFeed               arithmetic Brownian mid + Poisson A·e^(−kδ) orders
"""

from tradewind.backtest.feeds.events import DepthEvent, Feed, ListFeed, MarketEvent, TradeEvent

__all__ = ["DepthEvent", "Feed", "ListFeed", "MarketEvent", "TradeEvent"]
