"""The hub's part of Across relayer repayment, played by the desk's owner key.

On mainnet the HubPool (with UMA's optimistic oracle) proposes root bundles and relays them to
the spoke pools; locally the spoke pools' owner (the deployer/admin key, ``Ownable`` on
``Ethereum_SpokePool``) does it directly:

    RefundHub(w3, origin spoke pool, hub_tx).refund(relay, relayer, executor_tx)
      1. leaf     RelayerRefundLeaf(chain = origin, token = input token,
                  refund = [input amount -> relayer], amountToReturn = 0)
      2. bundle   ``relayRootBundle(root, 0)`` from the hub key    intent ``hub:bundle:<o>:<id>``
      3. execute  ``executeRelayerRefundLeaf(bundle id, leaf, proof)`` from the relayer's key
                                                                  intent ``relay:repay:<o>:<id>``

One bundle per filled deposit (a real hub batches a whole period's fills into one tree; the
Merkle code in ``merkle.py`` builds any number of leaves). Both steps are intents, so a restart
never relays or executes twice. Amounts are token base units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import AsyncWeb3
from web3.logs import DISCARD

from tradewind.chain.bridge.merkle import RefundTree, RelayerRefundLeaf
from tradewind.chain.bridge.spoke_pool import RelayData, SpokePoolContract
from tradewind.chain.contracts import load_artifact
from tradewind.chain.tx import SentTransaction, TransactionManager, TxRequest

__all__ = ["RefundHub", "RefundPaid", "bundle_intent", "repay_intent"]


def bundle_intent(relay: RelayData) -> str:
    return f"hub:bundle:{relay.origin_chain_id}:{relay.deposit_id}"


def repay_intent(relay: RelayData) -> str:
    return f"relay:repay:{relay.origin_chain_id}:{relay.deposit_id}"


@dataclass(frozen=True, slots=True)
class RefundPaid:
    """A refund paid on the origin chain: the bundle relayed and the leaf executed."""

    root_bundle_id: int
    leaf: RelayerRefundLeaf
    bundle: SentTransaction
    execution: SentTransaction


class RefundHub:
    """Relays refund root bundles to one origin spoke pool with the hub (owner) key."""

    def __init__(self, w3: AsyncWeb3[Any], spoke_pool: str, hub_tx: TransactionManager) -> None:
        self._w3 = w3
        self._pool = SpokePoolContract(w3, spoke_pool)
        self._tx = hub_tx
        self._contract = w3.eth.contract(
            address=self._pool.address, abi=load_artifact("SpokePool").abi_list()
        )

    @property
    def spoke_pool(self) -> SpokePoolContract:
        return self._pool

    async def refund(
        self, relay: RelayData, relayer: str, executor_tx: TransactionManager
    ) -> RefundPaid:
        """Repay ``relayer`` the deposit's input amount on its origin chain."""
        leaf = RelayerRefundLeaf(
            amount_to_return=0,
            chain_id=relay.origin_chain_id,
            refund_amounts=(relay.input_amount,),
            leaf_id=0,
            token=relay.input_token,
            refund_addresses=(relayer,),
        )
        tree = RefundTree([leaf])
        bundle = await self._tx.send(
            bundle_intent(relay), _builder(self._pool.relay_root_bundle(tree.root, bytes(32)))
        )
        bundle_id = await self._bundle_id(bundle.tx_hash)
        execution = await executor_tx.send(
            repay_intent(relay),
            _builder(self._pool.execute_refund_leaf(bundle_id, leaf, tree.proof(0))),
        )
        return RefundPaid(bundle_id, leaf, bundle, execution)

    async def _bundle_id(self, tx_hash: str) -> int:
        receipt = await self._w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        events = [
            e
            for e in self._contract.events.RelayedRootBundle().process_receipt(
                receipt, errors=DISCARD
            )
            if e["address"] == self._pool.address
        ]
        if len(events) != 1:
            raise RuntimeError(f"root bundle tx {tx_hash} has {len(events)} RelayedRootBundle")
        return int(events[0]["args"]["rootBundleId"])


def _builder(request: TxRequest) -> Any:
    async def build() -> TxRequest:
        return request

    return build
