"""On-chain price sources feeding the aggregated oracle: the Chainlink MockV3Aggregator driven
by the feeder (lag, stale, frozen, outlier), a v3 pool's spot and its TWAP from ``observe``."""

from __future__ import annotations

from decimal import Decimal

from tests.venues.uniswap.conftest import DEX_CHAIN, Dex

from tradewind.chain.feeds import FeedFault, FeedFeeder, FeedReader
from tradewind.chain.keys import HotKey
from tradewind.chain.tx import TransactionManager
from tradewind.pricing.aggregate import (
    AggregatedOracle,
    OracleConfig,
    OracleState,
    ReadingStatus,
    SourceConfig,
    SourceKind,
)
from tradewind.venues.uniswap.quotes import mid_price
from tradewind.venues.uniswap.twap import twap

S = 1_000_000_000
POOL = "WETH/USDC@3000"


def _feeder(dex: Dex, prices: list[Decimal], lag_s: int) -> tuple[FeedFeeder, FeedReader]:
    key = HotKey.from_private_key(dex.local.users[1].private_key, source="anvil-dev")
    chain = dex.local.registry.chain(DEX_CHAIN)
    tx = TransactionManager(dex.w3, key, chain_id=chain.chain_id, poll_interval_s=0.02)
    address = chain.address("MockV3Aggregator:WETHUSD")

    async def source() -> Decimal:
        return prices[-1]

    return (
        FeedFeeder(dex.w3, tx, address, source=source, lag_s=lag_s, name="weth"),
        FeedReader(dex.w3, address),
    )


def _oracle() -> AggregatedOracle:
    return AggregatedOracle(
        OracleConfig(
            sources=(
                SourceConfig(name="sim", kind=SourceKind.CEX, max_age_ns=5 * S),
                SourceConfig(name="uni-spot", kind=SourceKind.DEX_SPOT, max_age_ns=60 * S),
                SourceConfig(name="uni-twap", kind=SourceKind.DEX_TWAP, max_age_ns=60 * S),
                SourceConfig(name="chainlink", kind=SourceKind.FEED, max_age_ns=30 * S),
            ),
            max_deviation=Decimal("0.02"),
            min_sources=2,
        )
    )


async def test_the_feeder_follows_with_lag_and_its_faults_show_in_the_oracle(dex: Dex) -> None:
    prices = [Decimal(3100)]
    feeder, reader = _feeder(dex, prices, lag_s=10)
    t0 = 1_800_000_000
    assert await feeder.step(t0) == 3100 * 10**8
    prices.append(Decimal(3150))
    assert await feeder.step(t0 + 5) == 3100 * 10**8  # 10 s lag: still the old price
    assert await feeder.step(t0 + 10) == 3100 * 10**8  # the price of t0
    assert await feeder.step(t0 + 15) == 3150 * 10**8  # the price of t0 + 5
    round_ = await reader.latest()
    assert (round_.value, round_.updated_at_ns) == (Decimal(3150), (t0 + 15) * S)

    feeder.fault = FeedFault.FROZEN
    prices.append(Decimal(3300))
    await feeder.step(t0 + 30)
    frozen = await reader.latest()
    assert frozen.value == Decimal(3150) and frozen.updated_at_ns == (t0 + 30) * S

    feeder.fault = FeedFault.OUTLIER
    await feeder.step(t0 + 45)  # publishes 3300 lagged to t0+35: 3300 * 1.2
    outlier = await reader.latest()
    assert outlier.value == Decimal(3300) * Decimal("1.2")
    oracle = _oracle()
    now = (t0 + 46) * S
    oracle.observe("ETH", "sim", Decimal(3300), now)
    oracle.observe("ETH", "uni-spot", Decimal(3290), now)
    oracle.observe("ETH", "chainlink", outlier.value, outlier.updated_at_ns)
    result = oracle.price("ETH", now)
    assert result.state is OracleState.OK
    assert {r.source: r.status for r in result.readings}["chainlink"] is ReadingStatus.DEVIATING

    feeder.fault = FeedFault.STALE
    assert await feeder.step(t0 + 200) is None
    stale = await reader.latest()
    assert stale.updated_at_ns == (t0 + 45) * S
    oracle.observe("ETH", "chainlink", stale.value, stale.updated_at_ns)
    later = oracle.price("ETH", (t0 + 200) * S)
    assert {r.source: r.status for r in later.readings}["chainlink"] is ReadingStatus.STALE
    assert later.state is OracleState.STALE  # and the CEX/DEX readings are old by now too


async def test_dex_spot_and_twap_agree_on_an_untouched_pool(dex: Dex) -> None:
    node = dex.local.nodes[DEX_CHAIN]
    for _ in range(3):
        await node.request("evm_increaseTime", 40)
        await node.mine(1)
    pool = dex.pools[POOL]
    spot = mid_price(pool, dex.book.state(POOL))
    mean = await twap(dex.w3, pool, 60)
    # the TWAP is a whole tick's price: within one tick (1 bp) of the spot
    assert abs(mean - spot) / spot < Decimal("0.0001")
    oracle = _oracle()
    now = 1_000 * S
    oracle.observe("ETH", "uni-spot", spot, now)
    oracle.observe("ETH", "uni-twap", mean, now)
    assert oracle.price("ETH", now).state is OracleState.OK
