"""Settle index invoices on chain: mint a buy's tokens to the user, burn a sell's returned tokens.

    IndexMinter(registry=…, wallets=[DeskWallet, …], on_minted=callback)
      on_invoice(invoice)   the desk's InvoiceListener: plans, then settles in the background
      settle(invoice)       plan + send + confirm, awaited (-> TokenSettlement | None)
      resume(invoices)      settle, in the background, every invoice with no tx hash yet
      plan(invoice)         the checks alone (-> TokenPlan | None), nothing sent

BUY, quantity > 0   IndexToken(symbol on invoice.chain_id).mint(invoice.address,
                    quantity * 10**18, invoiceHash = bytes.fromhex(invoice_id))
                    intent ``mint:<invoice_id>``
SELL, quantity > 0  IndexToken(...).burn(desk address, quantity * 10**18,
                    redemptionId = bytes.fromhex(invoice_id)); the tokens are the ones the user
                    sent to the desk (TokenReturnWatcher) — intent ``burn:<invoice_id>``

Exactly once: every transaction is a ``TransactionManager`` intent keyed by the invoice, so a
second call, a concurrent call or a new minter on the same intent store returns the first
transaction instead of sending another; the contract refuses a reused invoice hash or
redemption id as well. When an intent store was lost, the event of the earlier mint (burn) is
found on chain and reported instead of sending anything. Once confirmed, ``on_minted(invoice_id,
chain_id, tx_hash)`` is awaited (the desk stores the hash on the invoice), for burns too; a
failing callback is logged (``chain.settlement_callback_failed``), the transaction stands.

An invoice that cannot be settled (unknown chain or index token, a quantity finer than
10**-18, a malformed id) raises a ``SettlementRefused`` (``settle``) or is logged with
``chain.settlement_refused`` (``on_invoice``, which never raises into the desk); nothing is sent.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from eth_utils import is_address, to_checksum_address

from tradewind.chain.registry import (
    DeploymentRegistry,
    RegistryError,
    UnknownChainError,
)
from tradewind.chain.tx import TxBuilder, TxRequest
from tradewind.common.logging import get_logger
from tradewind.core.enums import OrderSide
from tradewind.desks.index.minting.amounts import invoice_reference, tokens_to_units
from tradewind.desks.index.minting.background import SettlementTasks
from tradewind.desks.index.minting.errors import (
    InvalidSettlementConfigError,
    SettlementRefused,
    UnknownIndexTokenError,
    UnknownSettlementChainError,
)
from tradewind.desks.index.minting.token import IndexTokenContract
from tradewind.desks.index.reports import MintInvoice
from tradewind.desks.index.routing import DeskWallet

__all__ = [
    "IndexMinter",
    "SettledCallback",
    "TokenAction",
    "TokenPlan",
    "TokenSettlement",
    "burn_intent",
    "mint_intent",
    "notify",
]

log = get_logger("chain.minting")

SettledCallback = Callable[[str, int, str], Awaitable[None]]
"""``(invoice_id, chain_id, tx_hash)``: the invoice's transaction is confirmed on chain."""


async def notify(
    callback: SettledCallback | None, invoice_id: str, chain_id: int, tx_hash: str
) -> None:
    """Tell ``callback`` of a confirmed transaction. Its failure is logged, not raised: the
    transaction stands, and the invoice, left without its hash, is reported again by the next
    ``resume`` (which finds the same transaction)."""
    if callback is None:
        return
    try:
        await callback(invoice_id, chain_id, tx_hash)
    except Exception as exc:
        log.error(
            "chain.settlement_callback_failed",
            invoice_id=invoice_id,
            chain_id=chain_id,
            tx_hash=tx_hash,
            error=f"{type(exc).__name__}: {exc}",
        )


def mint_intent(invoice_id: str) -> str:
    return f"mint:{invoice_id}"


def burn_intent(invoice_id: str) -> str:
    return f"burn:{invoice_id}"


class TokenAction(enum.StrEnum):
    """What an invoice does to the index token: a buy mints, a sell burns."""

    MINT = "mint"
    BURN = "burn"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPlan:
    """One invoice's mint or burn, checked: ``amount_units`` token base units (18 decimals) to
    (mint) or from (burn) ``account`` on ``token`` of ``chain_id``; ``reference`` the 32-byte
    invoice hash / redemption id."""

    invoice_id: str
    chain_id: int
    chain_name: str
    symbol: str
    action: TokenAction
    token: str
    account: str
    amount_units: int
    reference: bytes

    @property
    def intent_id(self) -> str:
        return (mint_intent if self.action is TokenAction.MINT else burn_intent)(self.invoice_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenSettlement:
    """A confirmed mint or burn of one invoice. ``fee_paid_wei``: the gas the desk paid (0 and
    ``recovered`` when the transaction was found on chain rather than sent by this intent)."""

    plan: TokenPlan
    tx_hash: str
    block_number: int
    fee_paid_wei: int
    recovered: bool = False

    @property
    def invoice_id(self) -> str:
        return self.plan.invoice_id

    @property
    def chain_id(self) -> int:
        return self.plan.chain_id


def _fixed(request: TxRequest) -> TxBuilder:
    async def build() -> TxRequest:
        return request

    return build


class IndexMinter:
    """Mints and burns the index tokens of the desk's invoices (amounts as in ``TokenPlan``).

    ``wallets``: the desk on each chain it settles on (its key must be the registry's
    ``desk_address``, which holds MINTER_ROLE). ``retry_delay_s``/``max_retry_delay_s``:
    backoff (seconds) of background settlements when the node is unreachable.
    """

    def __init__(
        self,
        *,
        registry: DeploymentRegistry,
        wallets: Iterable[DeskWallet],
        on_minted: SettledCallback | None = None,
        retry_delay_s: float = 0.5,
        max_retry_delay_s: float = 10.0,
    ) -> None:
        self._registry = registry
        self._wallets: dict[int, DeskWallet] = {}
        for wallet in wallets:
            try:
                registry.by_chain_id(wallet.chain_id)
            except UnknownChainError:
                raise InvalidSettlementConfigError(
                    f"wallet {wallet.name!r}: chain id {wallet.chain_id} is not in the registry"
                ) from None
            if wallet.chain_id in self._wallets:
                raise InvalidSettlementConfigError(f"two wallets on chain id {wallet.chain_id}")
            if wallet.address != registry.desk_address:
                raise InvalidSettlementConfigError(
                    f"wallet {wallet.name!r} signs as {wallet.address}, but MINTER_ROLE is "
                    f"the registry's desk {registry.desk_address}"
                )
            self._wallets[wallet.chain_id] = wallet
        if not self._wallets:
            raise InvalidSettlementConfigError("a minter needs at least one desk wallet")
        self._on_minted = on_minted
        self._tokens: dict[tuple[int, str], IndexTokenContract] = {}
        self._tasks: SettlementTasks[TokenSettlement] = SettlementTasks(
            action="index_token",
            retry_delay_s=retry_delay_s,
            max_retry_delay_s=max_retry_delay_s,
        )

    @property
    def desk_address(self) -> str:
        return self._registry.desk_address

    @property
    def active(self) -> list[str]:
        """Invoice ids being settled in the background."""
        return self._tasks.active

    def token(self, chain_id: int, address: str) -> IndexTokenContract:
        """The index token at ``address`` on ``chain_id``, through the desk's client there."""
        key = (chain_id, to_checksum_address(address))
        if key not in self._tokens:
            self._tokens[key] = IndexTokenContract(self._wallet(chain_id).w3, key[1])
        return self._tokens[key]

    # -- planning (pure) -----------------------------------------------------------------------

    def plan(self, invoice: MintInvoice) -> TokenPlan | None:
        """The invoice's mint (buy) or burn (sell), or None when its quantity is zero; raises a
        ``SettlementRefused`` naming what is wrong. Sends nothing."""
        units = tokens_to_units(invoice.quantity)
        reference = invoice_reference(invoice.invoice_id)
        if units == 0:
            return None
        try:
            chain = self._registry.by_chain_id(invoice.chain_id)
        except UnknownChainError:
            raise UnknownSettlementChainError(
                f"invoice {invoice.invoice_id}: no deployment on chain id {invoice.chain_id}"
            ) from None
        if invoice.chain_id not in self._wallets:
            raise UnknownSettlementChainError(
                f"invoice {invoice.invoice_id}: the desk has no wallet on chain "
                f"{chain.name!r} ({invoice.chain_id})"
            )
        try:
            token = chain.index_token(invoice.symbol)
        except RegistryError as exc:
            raise UnknownIndexTokenError(
                f"invoice {invoice.invoice_id}: no index token {invoice.symbol!r} on chain "
                f"{chain.name!r}: {exc}"
            ) from None
        if invoice.side is OrderSide.BUY:
            if not isinstance(invoice.address, str) or not is_address(invoice.address):
                raise SettlementRefused(
                    f"invoice {invoice.invoice_id}: not an address: {invoice.address!r}"
                )
            action, account = TokenAction.MINT, str(to_checksum_address(invoice.address))
        else:
            action, account = TokenAction.BURN, self.desk_address
        return TokenPlan(
            invoice_id=invoice.invoice_id,
            chain_id=chain.chain_id,
            chain_name=chain.name,
            symbol=invoice.symbol,
            action=action,
            token=token,
            account=account,
            amount_units=units,
            reference=reference,
        )

    # -- settling ------------------------------------------------------------------------------

    async def on_invoice(self, invoice: MintInvoice) -> None:
        """The desk's ``InvoiceListener``: check the invoice and settle it in the background.
        Never raises (the desk calls this under its journal lock); refusals are logged."""
        plan = self._checked_plan(invoice)
        if plan is not None:
            self._tasks.spawn(plan.invoice_id, self._work(plan))

    async def settle(self, invoice: MintInvoice) -> TokenSettlement | None:
        """Mint or burn for ``invoice`` and wait for it to confirm (None: quantity zero).
        Raises ``SettlementRefused`` before sending anything, or the transaction's error."""
        try:
            plan = self.plan(invoice)
        except SettlementRefused as exc:
            self._log_refusal(invoice, exc)
            raise
        if plan is None:
            return None
        return await self.execute(plan)

    async def resume(self, invoices: Iterable[MintInvoice]) -> list[str]:
        """After a restart: settle, in the background, each invoice that has no tx hash yet
        (resuming its stored intent, so nothing is sent twice); returns their invoice ids.
        ``drain()`` waits for them."""
        started: list[str] = []
        for invoice in invoices:
            if invoice.tx_hash is not None:
                continue
            plan = self._checked_plan(invoice)
            if plan is not None and self._tasks.spawn(plan.invoice_id, self._work(plan)):
                started.append(plan.invoice_id)
        if started:
            log.info("chain.settlements_resumed", action="index_token", invoices=len(started))
        return started

    async def wait(self, invoice_id: str) -> TokenSettlement | None:
        """The background settlement of ``invoice_id`` (None: it failed, see the log)."""
        return await self._tasks.wait(invoice_id)

    async def drain(self) -> None:
        """Wait for every background settlement started so far."""
        await self._tasks.drain()

    async def stop(self) -> None:
        await self._tasks.stop()

    async def execute(self, plan: TokenPlan) -> TokenSettlement:
        """Send ``plan``'s transaction once (intent ``plan.intent_id``), wait until it is
        confirmed, report it to ``on_minted``."""
        wallet = self._wallet(plan.chain_id)
        token = self.token(plan.chain_id, plan.token)
        result: TokenSettlement | None = None
        if await wallet.tx.get(plan.intent_id) is None:
            result = await self._already_on_chain(token, plan)
        if result is None:
            if plan.action is TokenAction.MINT:
                request = token.mint(plan.account, plan.amount_units, plan.reference)
            else:
                request = token.burn(plan.account, plan.amount_units, plan.reference)
            sent = await wallet.tx.send(plan.intent_id, _fixed(request))
            result = TokenSettlement(
                plan=plan,
                tx_hash=sent.tx_hash,
                block_number=sent.block_number,
                fee_paid_wei=sent.fee_paid_wei,
            )
        log.info(
            f"chain.index_{'minted' if plan.action is TokenAction.MINT else 'burned'}",
            invoice_id=plan.invoice_id,
            chain_id=plan.chain_id,
            symbol=plan.symbol,
            account=plan.account,
            amount_units=plan.amount_units,
            tx_hash=result.tx_hash,
            block_number=result.block_number,
            recovered=result.recovered,
        )
        await notify(self._on_minted, plan.invoice_id, plan.chain_id, result.tx_hash)
        return result

    # -- internals -----------------------------------------------------------------------------

    def _work(self, plan: TokenPlan) -> Callable[[], Awaitable[TokenSettlement]]:
        return lambda: self.execute(plan)

    def _wallet(self, chain_id: int) -> DeskWallet:
        try:
            return self._wallets[chain_id]
        except KeyError:
            raise UnknownSettlementChainError(
                f"the desk has no wallet on chain id {chain_id}"
            ) from None

    def _checked_plan(self, invoice: MintInvoice) -> TokenPlan | None:
        try:
            return self.plan(invoice)
        except SettlementRefused as exc:
            self._log_refusal(invoice, exc)
            return None

    @staticmethod
    def _log_refusal(invoice: MintInvoice, exc: SettlementRefused) -> None:
        log.error(
            "chain.settlement_refused",
            action="index_token",
            invoice_id=invoice.invoice_id,
            chain_id=invoice.chain_id,
            symbol=invoice.symbol,
            side=invoice.side.value,
            quantity=str(invoice.quantity),
            error_type=type(exc).__name__,
            reason=str(exc),
        )

    @staticmethod
    async def _already_on_chain(
        token: IndexTokenContract, plan: TokenPlan
    ) -> TokenSettlement | None:
        """The earlier transaction of ``plan``'s reference when the contract has it but no
        intent of ours does (an intent store lost or replaced)."""
        if plan.action is TokenAction.MINT:
            if not await token.invoice_minted(plan.reference):
                return None
            found = await token.find_minted(plan.reference)
        else:
            if not await token.redemption_burned(plan.reference):
                return None
            found = await token.find_burned(plan.reference)
        if found is None:
            return None
        if found.amount_units != plan.amount_units or found.account != plan.account:
            log.error(
                "chain.settlement_mismatch",
                invoice_id=plan.invoice_id,
                action=plan.action.value,
                tx_hash=found.tx_hash,
                on_chain_units=found.amount_units,
                planned_units=plan.amount_units,
                on_chain_account=found.account,
                planned_account=plan.account,
            )
        return TokenSettlement(
            plan=plan,
            tx_hash=found.tx_hash,
            block_number=found.block_number,
            fee_paid_wei=0,
            recovered=True,
        )
