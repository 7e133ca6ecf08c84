"""DEX venue speed: pool-state updates from logs per second, and a local v3 quote (µs) against
the same quote from the deployed QuoterV2 through ``eth_call`` (ms), in one run.

Starts local anvil nodes, deploys the protocol contracts with pools seeded at the sim's prices,
then:
  1. updates   N raw ``Swap`` logs of WETH/USDC@3000 (real log layout, varied price/tick/
               liquidity) decoded by the follower's ``LogDecoder`` and applied by ``PoolBook``
               as confirmed events: decode + apply per log, best of R runs
  2. quotes    the same random exact-input amounts quoted locally (``quotes.quote`` on the
               book's state) and by QuoterV2.quoteExactInputSingle (eth_call); each local
               result is checked equal to QuoterV2's, to the wei

    .venv/bin/python bench/bench_dex.py [--logs 20000] [--quotes 300] [--runs 3] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

from eth_abi import encode as abi_encode
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.contracts import load_artifact
from tradewind.chain.deploy import deploy_local
from tradewind.chain.events import ChainEventConfirmed, EventFollower, LogDecoder
from tradewind.chain.nodes import ChainSet
from tradewind.chain.uniswap.v3_math import get_sqrt_ratio_at_tick
from tradewind.venues.uniswap.book import PoolBook
from tradewind.venues.uniswap.pools import discover_pools
from tradewind.venues.uniswap.quotes import quote
from tradewind.venues.uniswap.seeding import sim_pool_plan
from tradewind.venues.uniswap.state import V3PoolState

POOL = "WETH/USDC@3000"


def _swap_logs(book: PoolBook, n: int, rng: random.Random) -> list[dict[str, Any]]:
    pool = book.pool(POOL)
    state = book.state(POOL)
    assert isinstance(state, V3PoolState)
    topic0 = next(f.topic0 for f in book.filters() if f.name == f"{POOL}:Swap")
    word = "0x" + "00" * 12 + pool.address[2:].lower()
    logs = []
    for i in range(n):
        tick = state.tick + rng.randint(-500, 500)
        data = abi_encode(
            ["int256", "int256", "uint160", "uint128", "int24"],
            [
                rng.randint(1, 10**18),
                -rng.randint(1, 10**9),
                get_sqrt_ratio_at_tick(tick),
                state.liquidity,
                tick,
            ],
        )
        logs.append(
            {
                "address": pool.address.lower(),
                "topics": [topic0, word, word],
                "data": "0x" + data.hex(),
                "blockNumber": hex(1000 + i),
                "logIndex": "0x0",
                "blockHash": "0x" + f"{i:064x}",
                "transactionHash": "0x" + f"{i + 1:064x}",
            }
        )
    return logs


def _apply(book: PoolBook, decoder: LogDecoder, logs: list[dict[str, Any]], chain_id: int) -> None:
    for raw in logs:
        decoded = decoder.decode(raw, chain_id)
        assert decoded is not None
        book.on_event(
            ChainEventConfirmed(
                ts_init=0,
                ts_event=0,
                chain_id=chain_id,
                filter_name=decoded.filter.name,
                event_name=decoded.filter.event_name,
                address=decoded.filter.address,
                block_number=decoded.block_number,
                block_hash=decoded.block_hash,
                tx_hash=decoded.tx_hash,
                log_index=decoded.log_index,
                args=decoded.args,
                confirmations=1,
            )
        )


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    async with ChainSet() as nodes:
        local = await deploy_local(nodes, pool_plan=sim_pool_plan())
        chain = local.registry.chain("arbitrum")
        w3 = AsyncWeb3(AsyncHTTPProvider(chain.rpc_url))
        pools = await discover_pools(w3, chain)
        book = PoolBook(pools)
        follower = EventFollower(
            w3, chain_id=chain.chain_id, filters=book.filters(), start_block=0, confirmations=1
        )
        for event in await follower.poll():
            book.on_event(event)
        pool = book.pool(POOL)
        seeded = book.state(POOL)

        # 1. pool-state updates from logs
        logs = _swap_logs(book, args.logs, rng)
        decoder = LogDecoder(chain.chain_id, book.filters())
        rates = []
        for _ in range(args.runs):
            fresh = PoolBook(pools)
            start = time.perf_counter()
            _apply(fresh, decoder, logs, chain.chain_id)
            rates.append(args.logs / (time.perf_counter() - start))
        print(
            f"pool-state updates from logs: {max(rates):,.0f} /s "
            f"(best of {args.runs}, {args.logs} Swap logs, decode + apply)"
        )

        # 2. local quote vs QuoterV2
        quoter = w3.eth.contract(
            address=chain.address("QuoterV2"), abi=load_artifact("QuoterV2").abi_list()
        )
        amounts = [int(10 ** rng.uniform(6, 11.5)) for _ in range(args.quotes)]  # 1..300k USDC
        usdc, weth = pool.token("USDC"), pool.token("WETH")
        local_us = []
        results = []
        for amount in amounts:
            start = time.perf_counter()
            result = quote(pool, seeded, token_in="USDC", amount=amount, exact="in")
            local_us.append((time.perf_counter() - start) * 1e6)
            results.append(result.amount_out)
        remote_ms = []
        for amount, expected in zip(amounts, results, strict=True):
            start = time.perf_counter()
            out = await quoter.functions.quoteExactInputSingle(
                (usdc.address, weth.address, amount, pool.fee_pips, 0)
            ).call()
            remote_ms.append((time.perf_counter() - start) * 1e3)
            assert out[0] == expected, (amount, out[0], expected)
        print(
            f"local v3 quote: median {statistics.median(local_us):.1f} µs, "
            f"p99 {sorted(local_us)[int(0.99 * len(local_us))]:.1f} µs ({args.quotes} quotes)"
        )
        print(
            f"QuoterV2 eth_call: median {statistics.median(remote_ms):.2f} ms, "
            f"p99 {sorted(remote_ms)[int(0.99 * len(remote_ms))]:.2f} ms "
            f"(same amounts, all equal to the local quote to the wei)"
        )
        await w3.provider.disconnect()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=20_000)
    parser.add_argument("--quotes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
