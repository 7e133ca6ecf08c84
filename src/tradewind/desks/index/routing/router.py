"""Route a vault deposit from the origin chain over the bridge to the exchange, step by step.

    CollateralRouter.route(record, sink)   drive one RoutingRecord to DELIVERED (or FAILED)

Stages (each stored before the next; each transaction an intent of the desk's
``TransactionManager`` on that chain, so a restart resumes without sending anything twice):

  DETECTED     --sweep-->     vault.sweep(token, desk origin wallet, amount)     route:<id>:sweep
  SWEPT        --bridge-->    token.approve(pool, max) once per (chain, token, pool), charged to
                              the deposit that needed it; pool.depositV3(desk -> desk's
                              destination wallet, output = amount - BridgeFeeQuote fee)
                                                                                 route:<id>:bridge
  BRIDGED      --fill-->      FilledRelay of (origin chain, spoke deposit id) on the destination
                              pool, paying the desk the expected output, ``fill_confirmations``
                              deep and canonical
  FILLED       --transfer-->  token.transfer(exchange deposit address, output)   route:<id>:transfer
                              (the address from the venue: deposit_address(coin, network))
  TRANSFERRED  --credit-->    the exchange's deposit history shows that transaction credited
  CREDITED     --deliver-->   CollateralDeposit handed to the desk's sink

What the desk is charged (``routing_fees``, USDC): the bridge fee + the gas of every step it paid
(sweep, approve, bridge, transfer; ``fees.GasPrice.usdc_for_wei``) + any shortfall between what
was sent to the exchange and what it credited; capped at the deposit. The ``CollateralDeposit``
carries the gross deposit as ``amount`` and that total as ``routing_fees``: the desk's collateral
book frees ``amount - routing_fees`` = what the exchange credited minus the gas it fronted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
from eth_utils import is_address, to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import (
    ProviderConnectionError,
    TimeExhausted,
    Web3Exception,
    Web3RPCError,
)
from web3.logs import DISCARD
from web3.types import RPCEndpoint

from tradewind.chain.bridge.spoke_pool import Erc20Contract, SpokePoolContract, from_bytes32
from tradewind.chain.events import LogDecoder
from tradewind.chain.registry import DeploymentRegistry
from tradewind.chain.tx import (
    FeeCapExceededError,
    TransactionManager,
    TransactionRejected,
    TxBuilder,
    TxRequest,
)
from tradewind.common.logging import get_logger
from tradewind.core.clock import LiveClock, TimerClock, seconds_to_ns
from tradewind.desks.index.capital import CapitalMovePending, DeskCapital
from tradewind.desks.index.collateral_source import CollateralDeposit, DepositSink
from tradewind.desks.index.routing.exchange import ExchangeCapital, find_deposit
from tradewind.desks.index.routing.fees import BridgeFeeQuote, GasPricing, units_to_decimal
from tradewind.desks.index.routing.record import RouteStage, RoutingRecord, RoutingStep
from tradewind.desks.index.routing.store import InMemoryRouteStore, RouteStore
from tradewind.desks.index.routing.vault import CollateralVaultContract
from tradewind.venues.base import RateLimitedByVenue, VenueUnavailable

__all__ = [
    "CollateralRouter",
    "DeskWallet",
    "InvalidRouteConfigError",
    "RouteContracts",
    "RouteFailed",
    "RouterSettings",
]

log = get_logger("chain.routing")

# Worth waiting out: the node, the venue or the fee market. Anything else fails the route.
_TRANSIENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    TimeoutError,
    OSError,
    Web3RPCError,
    ProviderConnectionError,
    TimeExhausted,
    TransactionRejected,
    FeeCapExceededError,
    VenueUnavailable,
    RateLimitedByVenue,
    CapitalMovePending,  # waits for approvals; executes when retried after them
)


class InvalidRouteConfigError(ValueError):
    """The router's chains, contracts or settings cannot route anything."""


class RouteFailed(Exception):
    """A route cannot go on (a reverted step, an expired bridge deposit, a wrong payload)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeskWallet:
    """The desk on one chain: a web3 client and the transaction manager signing for its wallet."""

    name: str
    w3: AsyncWeb3[Any]
    tx: TransactionManager

    @property
    def chain_id(self) -> int:
        return self.tx.chain_id

    @property
    def address(self) -> str:
        return self.tx.address


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteContracts:
    """Where a route's contracts are: the vault and token + spoke pool on each chain."""

    vault: str
    origin_token: str
    origin_spoke_pool: str
    destination_token: str
    destination_spoke_pool: str

    @classmethod
    def from_registry(
        cls,
        registry: DeploymentRegistry,
        *,
        origin: str = "arbitrum",
        destination: str = "base",
        token_key: str = "MockUSDC",
    ) -> RouteContracts:
        source, target = registry.chain(origin), registry.chain(destination)
        return cls(
            vault=source.address("CollateralVault"),
            origin_token=source.address(token_key),
            origin_spoke_pool=source.address("SpokePool"),
            destination_token=target.address(token_key),
            destination_spoke_pool=target.address("SpokePool"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterSettings:
    """Depths in blocks, times in seconds; ``coin``/``network`` name the exchange deposit."""

    vault_confirmations: int = 2
    fill_confirmations: int = 2
    fill_deadline_s: int = 3600
    poll_interval_s: float = 0.5
    max_retry_delay_s: float = 10.0
    coin: str = "USDC"
    network: str = "BASE"

    def __post_init__(self) -> None:
        if self.vault_confirmations < 1 or self.fill_confirmations < 1:
            raise InvalidRouteConfigError("confirmations must be >= 1 block")
        if self.fill_deadline_s < 60:
            raise InvalidRouteConfigError("fill_deadline_s must be >= 60 s")
        if not self.poll_interval_s > 0 or not self.max_retry_delay_s > 0:
            raise InvalidRouteConfigError("poll and retry intervals must be > 0 s")


def _fixed(request: TxRequest) -> TxBuilder:
    async def build() -> TxRequest:
        return request

    return build


def _topic(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


class _Patience:
    """Logs a line every ``every_s`` seconds while a route waits on someone else."""

    def __init__(self, deposit_id: str, waiting_for: str, every_s: float = 60.0) -> None:
        self._deposit_id = deposit_id
        self._waiting_for = waiting_for
        self._every_s = every_s
        self._started = self._last = time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last >= self._every_s:
            self._last = now
            log.warning(
                "chain.route_waiting",
                deposit_id=self._deposit_id,
                waiting_for=self._waiting_for,
                waited_s=round(now - self._started),
            )


class CollateralRouter:
    """Routes vault deposits of ``origin`` to the exchange through ``destination``."""

    def __init__(
        self,
        *,
        origin: DeskWallet,
        destination: DeskWallet,
        contracts: RouteContracts,
        exchange: ExchangeCapital,
        fee_quote: BridgeFeeQuote,
        gas_pricing: GasPricing,
        store: RouteStore | None = None,
        settings: RouterSettings | None = None,
        clock: TimerClock | None = None,
        capital: DeskCapital | None = None,
    ) -> None:
        if origin.chain_id == destination.chain_id:
            raise InvalidRouteConfigError("origin and destination must be different chains")
        if origin.address != destination.address:
            raise InvalidRouteConfigError("the desk must use one wallet address on both chains")
        self.origin = origin
        self.destination = destination
        self.contracts = contracts
        self.settings = settings or RouterSettings()
        self.store: RouteStore = store if store is not None else InMemoryRouteStore()
        self._exchange = exchange
        self._fee_quote = fee_quote
        self._gas = gas_pricing
        self._clock: TimerClock = clock or LiveClock()
        self.vault = CollateralVaultContract(origin.w3, contracts.vault)
        self._origin_token = Erc20Contract(origin.w3, contracts.origin_token)
        self._origin_pool = SpokePoolContract(origin.w3, contracts.origin_spoke_pool)
        self._dest_token = Erc20Contract(destination.w3, contracts.destination_token)
        self._dest_pool = SpokePoolContract(destination.w3, contracts.destination_spoke_pool)
        self._fill_decoder = LogDecoder(destination.chain_id, [self._dest_pool.filled_filter()])
        self._approval_lock = asyncio.Lock()
        self._capital = capital

    # -- one deposit ---------------------------------------------------------------------------

    async def route(self, record: RoutingRecord, sink: DepositSink) -> RoutingRecord:
        """Drive ``record`` through its remaining stages; returns it DELIVERED or FAILED.

        Node and venue trouble is retried with backoff; a reverted step or a wrong payload
        fails the route (stored, logged) without losing what it already paid."""
        delay = self.settings.poll_interval_s
        while not record.finished:
            try:
                record = await self._advance(record, sink)
                delay = self.settings.poll_interval_s
            except _TRANSIENT as exc:
                log.warning(
                    "chain.route_retry",
                    deposit_id=record.deposit_id,
                    stage=record.stage.value,
                    error=f"{type(exc).__name__}: {exc}",
                    retry_in_s=delay,
                )
                await self._clock.sleep(seconds_to_ns(delay))
                delay = min(delay * 2, self.settings.max_retry_delay_s)
            except Exception as exc:  # a revert, a bad payload, a bug: stop this route only
                failed_at = record.stage.value
                record = await self._save(
                    record.with_changes(
                        stage=RouteStage.FAILED, error=f"{failed_at}: {type(exc).__name__}: {exc}"
                    )
                )
                log.error(
                    "chain.route_failed",
                    deposit_id=record.deposit_id,
                    stage=failed_at,
                    error=record.error,
                )
        return record

    async def _advance(self, record: RoutingRecord, sink: DepositSink) -> RoutingRecord:
        stage = record.stage
        if stage is RouteStage.DETECTED:
            return await self._sweep(record)
        if stage is RouteStage.SWEPT:
            return await self._bridge(record)
        if stage is RouteStage.BRIDGED:
            return await self._await_fill(record)
        if stage is RouteStage.FILLED:
            return await self._transfer(record)
        if stage is RouteStage.TRANSFERRED:
            return await self._await_credit(record)
        if stage is RouteStage.CREDITED:
            return await self._deliver(record, sink)
        raise RouteFailed(f"nothing to do at stage {stage}")

    async def _save(self, record: RoutingRecord) -> RoutingRecord:
        record = record.with_changes(updated_ns=self._clock.now_ns())
        await self.store.put(record)
        return record

    async def _send(
        self,
        wallet: DeskWallet,
        record: RoutingRecord,
        name: str,
        build: TxBuilder,
        *,
        amount_units: int,
        destination: str,
    ) -> RoutingStep:
        intent = f"route:{record.deposit_id}:{name}"
        if self._capital is None:
            sent = await wallet.tx.send(intent, build)
        else:  # custody's policy first: a refusal fails the route with its reason, sends nothing
            sent = await self._capital.send(
                wallet.tx,
                intent,
                build,
                kind=f"route_{name}",
                amount_units=amount_units,
                decimals=record.decimals,
                destination=destination,
            )
        log.info(
            "chain.route_step",
            deposit_id=record.deposit_id,
            step=name,
            chain=wallet.name,
            tx_hash=sent.tx_hash,
            gas_used=sent.gas_used,
            effective_gas_price=sent.effective_gas_price,
            fee_wei=sent.fee_paid_wei,
        )
        return RoutingStep.from_sent(name, sent)

    # -- stages --------------------------------------------------------------------------------

    async def _sweep(self, record: RoutingRecord) -> RoutingRecord:
        request = self.vault.sweep(record.token, self.origin.address, record.amount_units)
        step = await self._send(
            self.origin,
            record,
            "sweep",
            _fixed(request),
            amount_units=record.amount_units,
            destination=self.origin.address,
        )
        return await self._save(record.with_step(step, stage=RouteStage.SWEPT))

    async def _approve(self, record: RoutingRecord) -> RoutingRecord:
        intent = (
            f"route:approve:{self.origin.chain_id}:{self._origin_token.address}:"
            f"{self._origin_pool.address}"
        )
        request = self._origin_token.approve(self._origin_pool.address)
        async with self._approval_lock:
            if record.approval_intent is None:
                allowance = await self._origin_token.allowance(
                    self.origin.address, self._origin_pool.address
                )
                if allowance >= record.amount_units:
                    return record
                if await self.origin.tx.get(intent) is not None:
                    # Another deposit's approval, still on its way: wait for it, charge nothing.
                    await self.origin.tx.send(intent, _fixed(request))
                    return record
                # Written first so a restart charges this deposit, and only this one.
                record = await self._save(record.with_changes(approval_intent=intent))
            sent = await self.origin.tx.send(intent, _fixed(request))
        step = RoutingStep.from_sent("approve", sent)
        log.info(
            "chain.route_step",
            deposit_id=record.deposit_id,
            step="approve",
            chain=self.origin.name,
            tx_hash=sent.tx_hash,
            gas_used=sent.gas_used,
            effective_gas_price=sent.effective_gas_price,
            fee_wei=sent.fee_paid_wei,
        )
        return await self._save(record.with_step(step))

    async def _bridge(self, record: RoutingRecord) -> RoutingRecord:
        record = await self._approve(record)
        if record.bridge_fee_units is None or record.fill_from_block is None:
            fee = self._fee_quote.fee_for(record.amount_units)
            # Fills can only follow the deposit: the destination head now bounds the search.
            head = int(await self.destination.w3.eth.block_number)
            record = await self._save(
                record.with_changes(
                    bridge_fee_units=fee,
                    output_units=record.amount_units - fee,
                    fill_from_block=head,
                )
            )
        output = record.output_units
        assert output is not None

        async def build() -> TxRequest:
            latest = await self.origin.w3.eth.get_block("latest")
            now = int(latest["timestamp"])
            return self._origin_pool.deposit_v3(
                depositor=self.origin.address,
                recipient=self.destination.address,
                input_token=self._origin_token.address,
                output_token=self._dest_token.address,
                input_amount=record.amount_units,
                output_amount=output,
                destination_chain_id=self.destination.chain_id,
                quote_timestamp=now,
                fill_deadline=now + self.settings.fill_deadline_s,
            )

        step = await self._send(
            self.origin,
            record,
            "bridge",
            build,
            amount_units=record.amount_units,
            destination=self._origin_pool.address,
        )
        spoke_id, deadline = await self._bridge_deposit(step.tx_hash, record)
        log.info(
            "chain.route_bridged",
            deposit_id=record.deposit_id,
            spoke_deposit_id=spoke_id,
            input_units=record.amount_units,
            output_units=output,
            bridge_fee_units=record.bridge_fee_units,
        )
        return await self._save(
            record.with_step(
                step, stage=RouteStage.BRIDGED, spoke_deposit_id=spoke_id, fill_deadline=deadline
            )
        )

    async def _bridge_deposit(self, tx_hash: str, record: RoutingRecord) -> tuple[int, int]:
        eth = self.origin.w3.eth
        receipt = await eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        contract = self.origin.w3.eth.contract(
            address=self._origin_pool.address,
            abi=[dict(self._origin_pool.deposited_filter().event_abi)],
        )
        events = [
            e
            for e in contract.events.FundsDeposited().process_receipt(receipt, errors=DISCARD)
            if e["address"] == self._origin_pool.address
        ]
        if len(events) != 1:
            raise RouteFailed(f"bridge tx {tx_hash} has {len(events)} FundsDeposited events")
        args = events[0]["args"]
        if (
            int(args["inputAmount"]) != record.amount_units
            or int(args["outputAmount"]) != record.output_units
            or _address(args["recipient"]) != self.destination.address
        ):
            raise RouteFailed(f"bridge tx {tx_hash} deposited other amounts or recipient")
        return int(args["depositId"]), int(args["fillDeadline"])

    async def _await_fill(self, record: RoutingRecord) -> RoutingRecord:
        assert record.spoke_deposit_id is not None and record.fill_from_block is not None
        w3 = self.destination.w3
        topics = [
            self._dest_pool.filled_filter().topic0,
            _topic(self.origin.chain_id),
            _topic(record.spoke_deposit_id),
        ]
        patience = _Patience(record.deposit_id, "bridge fill")
        while True:
            head = int(await w3.eth.block_number)
            raw_logs = await self._raw_logs(w3, record.fill_from_block, head, topics)
            for raw in raw_logs:
                decoded = self._fill_decoder.decode(raw, self.destination.chain_id)
                if decoded is None or not self._fill_matches(record, decoded.args):
                    continue
                if head - decoded.block_number + 1 < self.settings.fill_confirmations:
                    break  # deep enough on a later poll
                canonical = await w3.eth.get_block(decoded.block_number)
                if "0x" + bytes(canonical["hash"]).hex() != decoded.block_hash:
                    break  # reorged out meanwhile: look again
                log.info(
                    "chain.route_filled",
                    deposit_id=record.deposit_id,
                    fill_tx_hash=decoded.tx_hash,
                    block_number=decoded.block_number,
                    relayer=decoded.args.get("relayer"),
                )
                return await self._save(
                    record.with_changes(
                        stage=RouteStage.FILLED,
                        fill_tx_hash=decoded.tx_hash,
                        fill_block=decoded.block_number,
                    )
                )
            else:
                latest = await w3.eth.get_block("latest")
                deadline = record.fill_deadline or 0
                if raw_logs == [] and int(latest["timestamp"]) > deadline:
                    raise RouteFailed(
                        f"bridge deposit {record.spoke_deposit_id} not filled by its deadline "
                        f"{deadline}; the hub refunds it to the depositor in a root bundle"
                    )
            patience.tick()
            await self._clock.sleep(seconds_to_ns(self.settings.poll_interval_s))

    def _fill_matches(self, record: RoutingRecord, args: Any) -> bool:
        expected = {
            "depositor": self.origin.address,
            "recipient": self.destination.address,
            "outputToken": self._dest_token.address,
            "inputToken": self._origin_token.address,
        }
        for name, value in expected.items():
            if _address(args.get(name)) != value:
                log.warning(
                    "chain.event_ignored",
                    reason="fill_mismatch",
                    deposit_id=record.deposit_id,
                    field=name,
                    got=args.get(name),
                    expected=value,
                )
                return False
        if (
            args.get("outputAmount") != record.output_units
            or args.get("inputAmount") != record.amount_units
        ):
            log.warning(
                "chain.event_ignored",
                reason="fill_mismatch",
                deposit_id=record.deposit_id,
                field="amounts",
            )
            return False
        return True

    @staticmethod
    async def _raw_logs(
        w3: AsyncWeb3[Any], start: int, end: int, topics: list[str]
    ) -> list[dict[str, Any]]:
        if end < start:
            return []
        params = {"fromBlock": hex(start), "toBlock": hex(end), "topics": topics}
        response = await w3.provider.make_request(RPCEndpoint("eth_getLogs"), [params])
        if response.get("error"):
            raise Web3Exception(f"eth_getLogs failed: {response['error']}")
        result = response.get("result")
        return list(result) if isinstance(result, list) else []

    async def _transfer(self, record: RoutingRecord) -> RoutingRecord:
        if record.exchange_address is None:
            where = await self._exchange.deposit_address(self.settings.coin, self.settings.network)
            if not is_address(where.address) or where.tag:
                raise RouteFailed(f"exchange deposit address {where.address!r} is not usable")
            record = await self._save(
                record.with_changes(exchange_address=to_checksum_address(where.address))
            )
        assert record.exchange_address is not None and record.output_units is not None
        request = self._dest_token.transfer(record.exchange_address, record.output_units)
        step = await self._send(
            self.destination,
            record,
            "transfer",
            _fixed(request),
            amount_units=record.output_units,
            destination=record.exchange_address,
        )
        return await self._save(record.with_step(step, stage=RouteStage.TRANSFERRED))

    async def _await_credit(self, record: RoutingRecord) -> RoutingRecord:
        transfer = record.step("transfer")
        assert transfer is not None
        patience = _Patience(record.deposit_id, "exchange credit")
        while True:
            rows = await self._exchange.deposit_history(self.settings.coin)
            row = find_deposit(rows, transfer.tx_hash)
            if row is not None and row.credited:
                log.info(
                    "chain.route_credited",
                    deposit_id=record.deposit_id,
                    tx_hash=transfer.tx_hash,
                    amount=str(row.amount),
                    network=row.network,
                )
                return await self._save(
                    record.with_changes(stage=RouteStage.CREDITED, credited_amount=row.amount)
                )
            patience.tick()
            await self._clock.sleep(seconds_to_ns(self.settings.poll_interval_s))

    async def _deliver(self, record: RoutingRecord, sink: DepositSink) -> RoutingRecord:
        if record.routing_fees is None:
            price = await self._gas.sample()
            gas_usdc = price.usdc_for_wei(record.gas_fee_wei)
            sent = units_to_decimal(record.output_units or 0, record.decimals)
            credited = record.credited_amount if record.credited_amount is not None else sent
            shortfall = max(Decimal(0), sent - credited)
            fees = record.bridge_fee + gas_usdc + shortfall
            if fees > record.amount:
                log.warning(
                    "chain.route_fees_capped",
                    deposit_id=record.deposit_id,
                    fees=str(fees),
                    amount=str(record.amount),
                )
                fees = record.amount
            record = await self._save(
                record.with_changes(gas_price=price, gas_usdc=gas_usdc, routing_fees=fees)
            )
        deposit = self.collateral_deposit(record)
        await sink(deposit)
        log.info(
            "chain.route_delivered",
            deposit_id=record.deposit_id,
            user=record.user,
            amount=str(deposit.amount),
            routing_fees=str(deposit.routing_fees),
            bridge_fee=str(record.bridge_fee),
            gas_usdc=str(record.gas_usdc),
            gas_fee_wei=record.gas_fee_wei,
        )
        return await self._save(record.with_changes(stage=RouteStage.DELIVERED))

    def collateral_deposit(self, record: RoutingRecord) -> CollateralDeposit:
        """The collateral a credited record hands to the desk (see the module docstring)."""
        if record.routing_fees is None:
            raise RouteFailed(f"route {record.deposit_id} has no routing fees yet")
        return CollateralDeposit(
            deposit_id=record.deposit_id,
            chain_id=record.chain_id,
            address=record.user,
            asset=self.settings.coin,
            amount=record.amount,
            ts_ns=record.updated_ns,
            routing_fees=record.routing_fees,
        )


def _address(value: object) -> str | None:
    """An address field of an Across event (``bytes32``) as a checksummed address, or None."""
    if isinstance(value, bytes):
        try:
            return from_bytes32(value)
        except ValueError:
            return None
    return to_checksum_address(value) if isinstance(value, str) else None
