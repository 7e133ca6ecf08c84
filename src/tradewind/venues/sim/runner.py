"""Run the simulated exchange as a process until interrupted (``tradewind sim``)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tradewind.common.config import SimConfig
from tradewind.common.sim_chain_config import SimChainConfig, merge_chain_options
from tradewind.venues.sim.clock import AcceleratedClock, ExchangeClock, RealClock
from tradewind.venues.sim.exchange import SimExchange, SimSettings
from tradewind.venues.sim.server.rate_limits import RateLimit


def chains_from_config(cfg: SimConfig) -> dict[str, SimChainConfig]:
    """The ``[sim.chains]`` section keyed by upper-case network (empty when absent)."""
    # getattr: a config model without the section (older app config) watches no chain.
    configured = getattr(cfg, "chains", None) or {}
    return merge_chain_options(configured)


def settings_from_config(cfg: SimConfig, *, port: int | None = None) -> SimSettings:
    return SimSettings(
        host=cfg.host,
        port=cfg.port if port is None else port,
        database=Path(cfg.database) if cfg.database else None,
        seed=cfg.seed,
        market_activity=cfg.market_activity,
        admin=cfg.admin,
        replay_file=Path(cfg.replay_file) if cfg.replay_file else None,
        markets_file=None if cfg.markets == "default" else Path(cfg.markets),
        demo_seed=cfg.demo_seed,
        rate_limits=(
            RateLimit("REQUEST_WEIGHT", "MINUTE", 1, cfg.request_weight_per_minute),
            RateLimit("ORDERS", "SECOND", 10, cfg.orders_per_10s),
            RateLimit("ORDERS", "DAY", 1, cfg.orders_per_day),
            RateLimit("RAW_REQUESTS", "MINUTE", 5, 61_000),
        ),
        ignored_429s_before_ban=cfg.ignored_429s_before_ban,
        chains=chains_from_config(cfg),
    )


def clock_from_config(cfg: SimConfig) -> ExchangeClock:
    return RealClock() if cfg.speed == 1.0 else AcceleratedClock(cfg.speed)


async def serve(settings: SimSettings, clock: ExchangeClock, announce: bool = True) -> None:
    exchange = SimExchange(settings, clock)
    await exchange.start()
    if announce:
        cred = exchange.demo_credential
        print(f"REST       {exchange.rest_url}/api/v3", flush=True)
        print(f"WebSocket  {exchange.ws_url}/ws  and  {exchange.ws_url}/stream", flush=True)
        print(f"WS API     {exchange.ws_url}/ws-api/v3", flush=True)
        if settings.admin:
            print(f"Admin      {exchange.rest_url}/admin/v1", flush=True)
        for network, chain in sorted(settings.chains.items()):
            print(
                f"Chain      {network} {chain.rpc_url} token={chain.token} "
                f"confirmations={chain.confirmations}",
                flush=True,
            )
        print(f"API key    {cred.api_key}", flush=True)
        print(f"API secret {cred.api_secret}", flush=True)
        print(f"READY port={exchange.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await exchange.stop()
