"""The transaction manager's metrics against a real anvil node: sent, confirmed, failed by
reason (rejected by the node, reverted on chain) and the gas price of the last signed one."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from web3 import AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.tx import TransactionRejected, TransactionReverted, TxRequest
from tradewind.chain.tx.metrics import TxMetrics

USER = ANVIL_DEV_ACCOUNTS[5].address
DESK = ANVIL_DEV_ACCOUNTS[1].address


def _samples(metrics: TxMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_sent_confirmed_failed_and_gas_price_are_counted(
    make_manager: Any, mock_usdc: Any, w3: AsyncWeb3[Any], transfer_to: Any
) -> None:
    metrics = TxMetrics()
    manager = make_manager(metrics=metrics)
    chain = str(manager.chain_id)
    await manager.send("pay-1", transfer_to(USER, 10**15))

    limit = await mock_usdc.functions.FAUCET_LIMIT().call()
    abi = load_artifact("MockUSDC").abi_list()

    async def too_much_usdc() -> TxRequest:
        data = mock_usdc.encode_abi("faucet", [USER, limit + 1])
        return TxRequest(to=mock_usdc.address, data=data, gas_limit=200_000, error_abi=abi)

    with pytest.raises(TransactionReverted) as reverted:
        await manager.send("too-much", too_much_usdc)
    last = await w3.eth.get_transaction(reverted.value.tx_hash)  # type: ignore[arg-type]
    balance = await w3.eth.get_balance(DESK)

    async def too_much_eth() -> TxRequest:
        return TxRequest(to=USER, value=balance * 2, gas_limit=21_000)

    with pytest.raises(TransactionRejected):
        await manager.send("broke", too_much_eth)

    samples = _samples(metrics)

    def get(metric: str, /, **labels: str) -> float:
        return samples[(metric, frozenset({"chain_id": chain, **labels}.items()))]

    assert get("tradewind_chain_tx_sent_total") == 2  # the rejected one never left
    assert get("tradewind_chain_tx_confirmed_total") == 1
    assert get("tradewind_chain_tx_failed_total", reason="reverted") == 1
    assert get("tradewind_chain_tx_failed_total", reason="rejected") == 1
    # the last transaction signed (the reverted one): its max fee per gas, in gwei
    assert get("tradewind_chain_gas_price_gwei") == last["maxFeePerGas"] / 10**9 > 0
