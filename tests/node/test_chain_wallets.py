"""ChainWallets against a real local chain (anvil): native and ERC-20 balances of our wallets,
exact to the base unit, and the chain's gas price; they feed the on-chain share."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_utils import to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import load_artifact
from tradewind.chain.nodes import AnvilNode
from tradewind.node.chain_wallets import ChainWallets, WatchedToken, wallets_from_config
from tradewind.node.config import NodeConfigError, load_node_config
from tradewind.risk.live.inventory import Holding, InventorySnapshot, on_chain_share


async def _deploy_usdc(node: AnvilNode, to: str, units: int) -> str:
    w3 = AsyncWeb3(AsyncHTTPProvider(node.rpc_url))
    try:
        deployer = ANVIL_DEV_ACCOUNTS[0].address  # anvil signs for its dev accounts
        artifact = load_artifact("MockUSDC")
        factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
        tx = await factory.constructor().transact({"from": deployer})
        receipt = await w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.05)
        address = to_checksum_address(receipt["contractAddress"])
        usdc = w3.eth.contract(address=address, abi=artifact.abi_list())
        tx = await usdc.functions.faucet(to, units).transact({"from": deployer})
        await w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.05)
        return address
    finally:
        await w3.provider.disconnect()


async def test_wallet_balances_and_gas_price_from_anvil(anvil_base: AnvilNode) -> None:
    wallet = ANVIL_DEV_ACCOUNTS[5].address
    empty = ANVIL_DEV_ACCOUNTS[6].address
    usdc = await _deploy_usdc(anvil_base, wallet, 1_234_500_001)  # 1,234.500001 USDC
    # the second wallet sends all but 1 wei away: exact to the wei
    w3 = AsyncWeb3(AsyncHTTPProvider(anvil_base.rpc_url))
    try:
        balance = await w3.eth.get_balance(empty)
        price = await w3.eth.gas_price
        fee = 21_000 * price
        tx = await w3.eth.send_transaction(
            {
                "from": empty,
                "to": wallet,
                "value": balance - fee - 1,
                "gas": 21_000,
                "gasPrice": price,
            }
        )
        await w3.eth.wait_for_transaction_receipt(tx, timeout=30, poll_latency=0.05)
        expected_wallet_eth = Decimal(await w3.eth.get_balance(wallet)).scaleb(-18)
    finally:
        await w3.provider.disconnect()

    wallets = ChainWallets(
        "base", anvil_base.rpc_url, [wallet, empty], tokens=[WatchedToken("USDC", usdc, 6)]
    )
    try:
        held = {(h.asset, h.location): h for h in await wallets.holdings()}
        assert held[("USDC", f"wallet:base:{wallet}")].quantity == Decimal("1234.500001")
        assert held[("ETH", f"wallet:base:{wallet}")].quantity == expected_wallet_eth
        assert held[("ETH", f"wallet:base:{empty}")].quantity == Decimal("1E-18")
        assert ("USDC", f"wallet:base:{empty}") not in held  # a zero balance is no holding
        assert all(h.on_chain for h in held.values())
        assert await wallets.gas_price_wei() > 0
        # they feed the on-chain share: 1,234.500001 USDC on chain beside 1,000 on a venue
        usdc_only = [h for h in held.values() if h.asset == "USDC"]
        snapshot = InventorySnapshot(
            holdings=(*usdc_only, Holding("USDC", Decimal(1000), "venue:cex")),
            prices={},
            cash_assets=frozenset({"USDC"}),
            on_chain_known=True,
        )
        assert on_chain_share(snapshot) == pytest.approx(1234.500001 / 2234.500001)
    finally:
        await wallets.close()


def test_a_watched_token_is_checked() -> None:
    with pytest.raises(ValueError, match="upper-case"):
        WatchedToken("usdc", "0x" + "11" * 20, 6)
    with pytest.raises(ValueError, match="decimals"):
        WatchedToken("USDC", "0x" + "11" * 20, 99)
    with pytest.raises(ValueError):
        WatchedToken("USDC", "0x1234", 6)
    with pytest.raises(ValueError, match="no wallet"):
        ChainWallets("base", "http://127.0.0.1:1", [])


async def test_the_node_config_lists_the_wallets_the_measures_read(anvil_base: AnvilNode) -> None:
    wallet = ANVIL_DEV_ACCOUNTS[7].address
    usdc = await _deploy_usdc(anvil_base, wallet, 5_000_000)  # 5 USDC
    config = load_node_config(
        {
            "chain_wallets": {
                "base": {
                    "rpc_url": anvil_base.rpc_url,
                    "wallets": [wallet],
                    "gas_price": True,
                    "tokens": {"USDC": {"address": usdc, "decimals": 6}},
                }
            }
        },
        environ={},
    )
    wallets, gas = wallets_from_config(config.chain_wallets)
    assert wallets is not None and gas is not None
    try:
        held = {h.asset: h.quantity for h in await wallets.holdings()}
        assert held["USDC"] == Decimal(5)
        assert held["ETH"] > 0
        assert await gas.gas_price_wei() > 0
    finally:
        await wallets.close()
    assert wallets_from_config({}) == (None, None)


def test_chain_wallets_tables_are_checked() -> None:
    good = {"rpc_url": "http://127.0.0.1:8545", "wallets": ["0x" + "ab" * 20]}
    for bad, message in (
        ({**good, "wallets": ["0x1234"]}, "20-byte hex address"),
        ({**good, "wallets": []}, "at least 1 item"),
        ({**good, "tokens": {"usdc": {"address": "0x" + "11" * 20, "decimals": 6}}}, "upper-case"),
        ({**good, "tokens": {"USDC": {"address": "0x11", "decimals": 6}}}, "address"),
        ({**good, "colour": "blue"}, "Extra inputs"),
    ):
        with pytest.raises(NodeConfigError, match=message):
            load_node_config({"chain_wallets": {"base": bad}}, environ={})
    two = {"a": {**good, "gas_price": True}, "b": {**good, "gas_price": True}}
    with pytest.raises(NodeConfigError, match="watch one network"):
        load_node_config({"chain_wallets": two}, environ={})
