"""Pay a redemption's collateral back to the user from the vault, once per invoice.

    CollateralPayer(wallet=DeskWallet on the vault chain, vault=…, token=USDC, usd_price=…)
      on_invoice(invoice)   the desk's InvoiceListener: SELL invoices with amount_paid > 0 are
                            paid in the background
      pay(invoice)          the same, awaited (-> Payout | None)
      resume(invoices)      pay, in the background, every sell invoice not paid yet

For a SELL invoice with ``amount_paid`` > 0 (quote asset, proceeds after the desk fee):

  amount   = floor_6dp(amount_paid * usd_price(invoice))  USDC base units, rounded DOWN
  float    if the vault's free USDC (balance - ``reserve()``) is short, the desk's hot wallet
           on the vault chain tops it up by the shortfall: ERC-20 transfer, intent
           ``payout-float:<invoice_id>`` (``…:<n>`` for a further top-up, at most 3)
  payout   ``vault.withdraw(user, USDC, amount, ref = bytes.fromhex(invoice_id))``, the desk's
           OPERATOR_ROLE, intent ``payout:<invoice_id>``; the vault refuses a reused ref

Payouts run one at a time (the balance check, the top-up and the withdrawal must not interleave
with another payout's). ``usd_price`` converts the index's quote asset to USDC: USDC per unit of
quote (default 1, USDT at par); it is sampled once per payout, before its intent is signed.

The chain float is the desk's own USDC on the vault chain. Its exchange-side USDT (where the
sell's proceeds land) is rebalanced to that float out of band — by the operator, not automated
here; when the hot wallet lacks the USDC for a top-up, the payout fails with
``chain.payout_float_short`` and is tried again by ``resume`` after the float is refilled.
With ``capital`` (a ``DeskCapital``), the top-ups (kind ``top_up``, to the vault) and payouts
(kind ``payout``, to the redeeming user, whom the invoice whitelists) pass custody's policy
before they are sent; a refusal raises ``CapitalMoveRefused``, sends nothing and is retried by
``resume``.
``reserve`` (optional) returns the vault USDC that payouts must leave alone, e.g. user deposits
confirmed but not yet swept by the collateral router.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import event_abi_to_log_topic, is_address, to_checksum_address
from web3 import AsyncWeb3

from tradewind.chain.bridge.spoke_pool import Erc20Contract
from tradewind.chain.contracts import event_abi, load_artifact
from tradewind.chain.registry import DeploymentRegistry
from tradewind.chain.tx import SentTransaction, TransactionWouldRevert, TxBuilder, TxRequest
from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.desks.index.capital import DeskCapital
from tradewind.desks.index.minting.amounts import floor_units, invoice_reference
from tradewind.desks.index.minting.background import SettlementTasks
from tradewind.desks.index.minting.errors import (
    InvalidSettlementConfigError,
    InvalidTokenAmountError,
    SettlementRefused,
    WrongInvoiceSideError,
)
from tradewind.desks.index.minting.minter import SettledCallback, notify
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.routing import DeskWallet

__all__ = [
    "CollateralPayer",
    "Payout",
    "PayoutFloatShortError",
    "UsdPrice",
    "VaultReserve",
    "VaultWithdrawals",
    "par_usd_price",
    "payout_float_intent",
    "payout_intent",
]

log = get_logger("chain.minting")

UsdPrice = Callable[[MintInvoice], Awaitable[Decimal]]
"""USDC per one unit of the invoice's quote asset (e.g. the USDC/USDT rate for a USDT index)."""

VaultReserve = Callable[[], Awaitable[int]]
"""USDC base units in the vault that payouts must not spend (deposits waiting to be routed)."""

_MAX_TOP_UPS = 3


async def par_usd_price(invoice: MintInvoice) -> Decimal:
    """The default conversion: one unit of the quote asset is one USDC."""
    return Decimal(1)


def payout_intent(invoice_id: str) -> str:
    return f"payout:{invoice_id}"


def payout_float_intent(invoice_id: str, top_up: int = 0) -> str:
    suffix = f":{top_up}" if top_up else ""
    return f"payout-float:{invoice_id}{suffix}"


class PayoutFloatShortError(RuntimeError):
    """The vault lacks the payout's USDC and the desk's hot wallet cannot top it up."""


def _fixed(request: TxRequest) -> TxBuilder:
    async def build() -> TxRequest:
        return request

    return build


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


@dataclass(frozen=True, slots=True, kw_only=True)
class Payout:
    """Collateral paid back for one invoice: ``amount_units`` base units of ``token`` to
    ``user`` on ``chain_id``; ``float_tx_hashes`` the hot wallet's top-ups of the vault;
    ``recovered`` when the withdrawal was found on chain rather than sent by this intent."""

    invoice_id: str
    chain_id: int
    user: str
    token: str
    amount_units: int
    tx_hash: str
    block_number: int
    float_tx_hashes: tuple[str, ...] = ()
    recovered: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class _Withdrawn:
    tx_hash: str
    block_number: int
    user: str
    amount_units: int


class VaultWithdrawals:
    """The vault's withdrawal side: ``withdraw`` requests, the paid-reference view and the
    ``CollateralWithdrawn`` event of a reference (amounts in token base units)."""

    def __init__(self, w3: AsyncWeb3[Any], address: str) -> None:
        artifact = load_artifact("CollateralVault")
        self.address = to_checksum_address(address)
        self._w3 = w3
        self._contract = w3.eth.contract(address=self.address, abi=artifact.abi_list())
        self._errors = tuple(entry for entry in artifact.abi if entry.get("type") == "error")

    def withdraw(self, user: str, token: str, amount_units: int, ref: bytes) -> TxRequest:
        data = self._contract.encode_abi(
            "withdraw",
            [to_checksum_address(user), to_checksum_address(token), amount_units, bytes(ref)],
        )
        return TxRequest(to=self.address, data=data, error_abi=self._errors)

    def withdraw_amount(self, request: TxRequest) -> int:
        """The amount a ``withdraw`` request pays (read back from its calldata)."""
        _, args = self._contract.decode_function_input(request.data)
        return int(args["amount"])

    async def withdrawal_paid(self, ref: bytes) -> bool:
        return bool(await self._contract.functions.withdrawalPaid(bytes(ref)).call())

    async def find_withdrawn(self, ref: bytes, from_block: int = 0) -> _Withdrawn | None:
        abi = event_abi("CollateralVault", "CollateralWithdrawn")
        topic0 = "0x" + event_abi_to_log_topic(dict(abi)).hex()  # type: ignore[arg-type]
        logs = await self._w3.eth.get_logs(
            {
                "address": self.address,
                "fromBlock": from_block,
                "toBlock": "latest",
                # (event, user, token, ref)
                "topics": [topic0, None, None, "0x" + bytes(ref).hex()],
            }
        )
        for entry in logs:
            decoded = self._contract.events.CollateralWithdrawn().process_log(entry)
            return _Withdrawn(
                tx_hash=_hex(entry["transactionHash"]),
                block_number=int(entry["blockNumber"]),
                user=to_checksum_address(decoded["args"]["user"]),
                amount_units=int(decoded["args"]["amount"]),
            )
        return None


class CollateralPayer:
    """Pays sell invoices' collateral from the vault (see the module docstring; USDC in base
    units, the invoice's ``amount_paid`` in its quote asset)."""

    def __init__(
        self,
        *,
        wallet: DeskWallet,
        vault: str,
        token: str,
        usd_price: UsdPrice | None = None,
        reserve: VaultReserve | None = None,
        on_paid: SettledCallback | None = None,
        retry_delay_s: float = 0.5,
        max_retry_delay_s: float = 10.0,
        capital: DeskCapital | None = None,
    ) -> None:
        for name, address in (("vault", vault), ("token", token)):
            if not isinstance(address, str) or not is_address(address):
                raise InvalidSettlementConfigError(f"{name} is not an address: {address!r}")
        self._wallet = wallet
        self._vault = VaultWithdrawals(wallet.w3, vault)
        self._token = Erc20Contract(wallet.w3, token)
        self._usd_price = usd_price or par_usd_price
        self._reserve = reserve
        self._on_paid = on_paid
        self._decimals: int | None = None
        self._lock = asyncio.Lock()
        self._capital = capital
        self._tasks: SettlementTasks[Payout] = SettlementTasks(
            action="payout", retry_delay_s=retry_delay_s, max_retry_delay_s=max_retry_delay_s
        )

    @classmethod
    def from_registry(
        cls,
        registry: DeploymentRegistry,
        wallet: DeskWallet,
        *,
        token_key: str = "MockUSDC",
        usd_price: UsdPrice | None = None,
        reserve: VaultReserve | None = None,
        on_paid: SettledCallback | None = None,
        capital: DeskCapital | None = None,
    ) -> CollateralPayer:
        """The payer of the vault on ``wallet``'s chain, paying in the token ``token_key``."""
        try:
            chain = registry.by_chain_id(wallet.chain_id)
            vault, token = chain.address("CollateralVault"), chain.address(token_key)
        except ValueError as exc:
            raise InvalidSettlementConfigError(f"no vault to pay from: {exc}") from None
        return cls(
            wallet=wallet,
            vault=vault,
            token=token,
            usd_price=usd_price,
            reserve=reserve,
            on_paid=on_paid,
            capital=capital,
        )

    @property
    def chain_id(self) -> int:
        return self._wallet.chain_id

    @property
    def vault(self) -> str:
        return self._vault.address

    @property
    def token(self) -> str:
        return self._token.address

    @property
    def active(self) -> list[str]:
        """Invoice ids being paid in the background."""
        return self._tasks.active

    # -- the desk's listener -------------------------------------------------------------------

    async def on_invoice(self, invoice: MintInvoice) -> None:
        """Pay a sell invoice in the background; buys and zero payouts are not ours. Never
        raises (the desk calls this under its journal lock); refusals are logged."""
        if self._due(invoice):
            self._tasks.spawn(invoice.invoice_id, self._work(invoice))

    async def resume(self, invoices: Iterable[MintInvoice]) -> list[str]:
        """After a restart: pay, in the background, every sell invoice whose payout is not
        confirmed (a confirmed one returns at once, nothing is sent twice); their ids."""
        started = [
            invoice.invoice_id
            for invoice in invoices
            if self._due(invoice) and self._tasks.spawn(invoice.invoice_id, self._work(invoice))
        ]
        if started:
            log.info("chain.settlements_resumed", action="payout", invoices=len(started))
        return started

    async def wait(self, invoice_id: str) -> Payout | None:
        return await self._tasks.wait(invoice_id)

    async def drain(self) -> None:
        await self._tasks.drain()

    async def stop(self) -> None:
        await self._tasks.stop()

    # -- paying --------------------------------------------------------------------------------

    async def pay(self, invoice: MintInvoice) -> Payout | None:
        """Pay ``invoice``'s collateral once and wait for it to confirm (None: nothing owed).
        Raises ``SettlementRefused`` before anything is sent, ``PayoutFloatShortError`` when
        the float cannot cover it, or the transaction's error."""
        try:
            if invoice.side is not OrderSide.SELL:
                raise WrongInvoiceSideError(
                    f"invoice {invoice.invoice_id} is a {invoice.side.value}: nothing to pay"
                )
            if not invoice.amount_paid.is_finite() or invoice.amount_paid < 0:
                raise InvalidTokenAmountError(
                    f"invoice {invoice.invoice_id}: amount_paid {invoice.amount_paid} is not >= 0"
                )
            if not isinstance(invoice.address, str) or not is_address(invoice.address):
                raise SettlementRefused(
                    f"invoice {invoice.invoice_id}: not an address: {invoice.address!r}"
                )
            ref = invoice_reference(invoice.invoice_id)
        except SettlementRefused as exc:
            self._log_refusal(invoice, exc)
            raise
        if invoice.amount_paid == 0:
            return None
        user = to_checksum_address(invoice.address)
        intent = payout_intent(invoice.invoice_id)
        async with self._lock:
            floats: tuple[str, ...] = ()
            record = await self._wallet.tx.get(intent)
            if record is None:
                found = await self._already_paid(invoice, ref)
                if found is not None:
                    return await self._report(found)
                units = await self._units(invoice)
                if units == 0:
                    log.warning(
                        "chain.payout_below_unit",
                        invoice_id=invoice.invoice_id,
                        amount_paid=str(invoice.amount_paid),
                    )
                    return None
                floats = await self._ensure_float(invoice.invoice_id, units)
                request = self._vault.withdraw(user, self.token, units, ref)
            else:
                request = record.request  # stored: send() follows it, never builds again
            if self._capital is not None:
                # the redeeming user is the payout's destination: whitelisted by the invoice
                self._capital.allow(user, f"redeemer {invoice.invoice_id}")
            sent = await self._send(
                intent,
                request,
                kind="payout",
                amount_units=self._vault.withdraw_amount(request),
                destination=user,
            )
        payout = Payout(
            invoice_id=invoice.invoice_id,
            chain_id=self.chain_id,
            user=user,
            token=self.token,
            amount_units=self._vault.withdraw_amount(request),
            tx_hash=sent.tx_hash,
            block_number=sent.block_number,
            float_tx_hashes=floats,
        )
        return await self._report(payout)

    # -- internals -----------------------------------------------------------------------------

    def _work(self, invoice: MintInvoice) -> Callable[[], Awaitable[Payout | None]]:
        return lambda: self.pay(invoice)

    def _due(self, invoice: MintInvoice) -> bool:
        return (
            invoice.side is OrderSide.SELL
            and invoice.amount_paid.is_finite()
            and invoice.amount_paid > 0
        )

    async def _units(self, invoice: MintInvoice) -> int:
        price = await self._usd_price(invoice)
        if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
            raise InvalidTokenAmountError(
                f"invoice {invoice.invoice_id}: usd_price must be a positive Decimal, got {price!r}"
            )
        if self._decimals is None:
            self._decimals = await self._token.decimals()
        return floor_units(invoice.amount_paid * price, self._decimals)

    async def _already_paid(self, invoice: MintInvoice, ref: bytes) -> Payout | None:
        """The earlier withdrawal of ``ref`` when the vault has it but no intent of ours does."""
        if not await self._vault.withdrawal_paid(ref):
            return None
        found = await self._vault.find_withdrawn(ref)
        if found is None:
            return None
        return Payout(
            invoice_id=invoice.invoice_id,
            chain_id=self.chain_id,
            user=found.user,
            token=self.token,
            amount_units=found.amount_units,
            tx_hash=found.tx_hash,
            block_number=found.block_number,
            recovered=True,
        )

    async def _ensure_float(self, invoice_id: str, units: int) -> tuple[str, ...]:
        """Top the vault up from the hot wallet until ``units`` are free; the top-ups' hashes.
        A top-up sent by an earlier run (same intent) is reused, not sent again."""
        hashes: list[str] = []
        for top_up in range(_MAX_TOP_UPS + 1):
            balance = await self._token.balance_of(self.vault)
            reserved = await self._reserve() if self._reserve is not None else 0
            free = balance - max(reserved, 0)
            if free >= units:
                return tuple(hashes)
            if top_up == _MAX_TOP_UPS:
                break
            shortfall = units - max(free, 0)
            intent = payout_float_intent(invoice_id, top_up)
            try:
                sent = await self._send(
                    intent,
                    self._token.transfer(self.vault, shortfall),
                    kind="top_up",
                    amount_units=shortfall,
                    destination=self.vault,
                )
            except TransactionWouldRevert as exc:
                hot = await self._token.balance_of(self._wallet.address)
                log.error(
                    "chain.payout_float_short",
                    invoice_id=invoice_id,
                    chain_id=self.chain_id,
                    needed_units=shortfall,
                    hot_wallet_units=hot,
                    vault_units=balance,
                    hint="rebalance the exchange's USDT to the chain float (out of band)",
                )
                raise PayoutFloatShortError(
                    f"invoice {invoice_id}: the vault lacks {shortfall} USDC units and the "
                    f"desk's hot wallet {self._wallet.address} holds {hot}: {exc}"
                ) from exc
            hashes.append(sent.tx_hash)
            log.info(
                "chain.payout_float_topped_up",
                invoice_id=invoice_id,
                chain_id=self.chain_id,
                amount_units=shortfall,
                tx_hash=sent.tx_hash,
            )
        raise PayoutFloatShortError(
            f"invoice {invoice_id}: the vault still lacks USDC after {_MAX_TOP_UPS} top-ups"
        )

    async def _send(
        self, intent: str, request: TxRequest, *, kind: str, amount_units: int, destination: str
    ) -> SentTransaction:
        """Send a capital move, through custody's policy when the payer has one (a refusal
        raises ``CapitalMoveRefused`` and sends nothing)."""
        if self._capital is None:
            return await self._wallet.tx.send(intent, _fixed(request))
        if self._decimals is None:
            self._decimals = await self._token.decimals()
        return await self._capital.send(
            self._wallet.tx,
            intent,
            _fixed(request),
            kind=kind,
            amount_units=amount_units,
            decimals=self._decimals,
            destination=destination,
        )

    async def _report(self, payout: Payout) -> Payout:
        log.info(
            "chain.collateral_paid",
            invoice_id=payout.invoice_id,
            chain_id=payout.chain_id,
            user=payout.user,
            amount_units=payout.amount_units,
            tx_hash=payout.tx_hash,
            block_number=payout.block_number,
            float_tx_hashes=",".join(payout.float_tx_hashes),
            recovered=payout.recovered,
        )
        await notify(self._on_paid, payout.invoice_id, payout.chain_id, payout.tx_hash)
        return payout

    @staticmethod
    def _log_refusal(invoice: MintInvoice, exc: SettlementRefused) -> None:
        log.error(
            "chain.settlement_refused",
            action="payout",
            invoice_id=invoice.invoice_id,
            chain_id=invoice.chain_id,
            side=invoice.side.value,
            amount_paid=str(invoice.amount_paid),
            error_type=type(exc).__name__,
            reason=str(exc),
        )
