"""Backtester: the node's strategies on the TestClock against in-process venues with fill,
queue and latency models, recorded or synthetic data, and reports.

    config.py      the TOML run description (pydantic, unknown keys refused)
    build.py       config → BacktestEngine (venues, models, feeds, strategies; seeded draws)
    engine.py      BacktestEngine: the TradingNode + merged feeds + the event loop; and
                   run_record_json, the canonical bytes of a RunRecord
    venue.py       BacktestVenue: the node's VenueAdapter over replayed books, with latency
    matching.py    our orders beside the replayed book: queues, maker and taker fills
    book.py        ReplayBook: the data's L2 book in integer ticks and lots
    queue_models   risk-averse, power and log queue-position models
    latency.py     constant, lognormal and recorded latency models
    fees.py        maker/taker fees in any asset
    scheduler.py   the backtest clock and the venues' future actions
    recorder.py    collects the RunRecord (records.py: the shared record types)
    recording.py   SessionRecorder: record a live session for a parity replay
    feeds/         Binance files, sim recordings, the sim's market, the stylised market
    units.py       decimal text ↔ integer ticks / lots

Modules are imported by path (``tradewind.backtest.engine``), so reading ``records`` stays
light. See docs/backtest.md.
"""
