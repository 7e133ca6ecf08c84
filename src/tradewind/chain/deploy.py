"""Deploy the desk's contracts to its chains and describe where they went.

Layout (``deploy_all``):

    every chain          MockUSDC, SpokePool (RELAYER_ROLE -> relayer)
    vault chain          CollateralVault (USDC allowed, OPERATOR_ROLE -> desk)   "arbitrum"
    index chains         IndexToken per index symbol (MINTER_ROLE -> desk)       "base", "arbitrum"

The deployer key becomes DEFAULT_ADMIN_ROLE of every contract. Transactions are signed locally
(EIP-1559) and sent with web3.py's async client, one chain per task, sequential nonces per chain.

``deploy_local`` does the same on local anvil nodes with anvil's public dev accounts (deployer
#0, desk #1, relayer #2, users #3..#9): tests, ``tradewind chain up`` and the demo only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS, DevAccount
from tradewind.chain.contracts import (
    MINTER_ROLE,
    OPERATOR_ROLE,
    RELAYER_ROLE,
    decode_custom_error,
    load_artifact,
)
from tradewind.chain.nodes import ChainSet
from tradewind.chain.registry import ChainDeployment, DeploymentRegistry, index_token_key
from tradewind.common.logging import get_logger

__all__ = [
    "DEFAULT_INDEX_SYMBOLS",
    "ChainEndpoint",
    "DeploymentError",
    "InvalidDeploymentPlanError",
    "LocalChains",
    "deploy_all",
    "deploy_local",
]

_log = get_logger("chain.deploy")

DEFAULT_INDEX_SYMBOLS: tuple[str, ...] = ("TW10", "TW3")
VAULT_CHAIN = "arbitrum"
INDEX_CHAINS: tuple[str, ...] = ("base", "arbitrum")
_RECEIPT_TIMEOUT_S = 60.0


class DeploymentError(RuntimeError):
    """A deployment or set-up transaction was rejected or reverted."""


class InvalidDeploymentPlanError(ValueError):
    """The chains, addresses or index symbols given to a deployment cannot work."""


class ChainEndpoint(Protocol):
    """What a deployment needs of a chain: its name, EIP-155 id and JSON-RPC URL."""

    @property
    def name(self) -> str: ...

    @property
    def chain_id(self) -> int: ...

    @property
    def rpc_url(self) -> str: ...


class _ChainDeployer:
    """Sends one chain's deployment transactions in order from the deployer account."""

    def __init__(self, endpoint: ChainEndpoint, account: LocalAccount) -> None:
        self._endpoint = endpoint
        self._account = account
        self._w3 = AsyncWeb3(AsyncHTTPProvider(endpoint.rpc_url))
        self._nonce: int | None = None
        self.contracts: dict[str, str] = {}

    async def close(self) -> None:
        await self._w3.provider.disconnect()

    async def _fees(self) -> dict[str, int]:
        latest = await self._w3.eth.get_block("latest")
        base_fee = int(latest.get("baseFeePerGas", 0))
        priority = int(await self._w3.eth.max_priority_fee)
        # Twice the base fee survives several full blocks of base-fee growth before the tx
        # would stall; unused headroom is not charged under EIP-1559.
        return {"maxFeePerGas": 2 * base_fee + priority, "maxPriorityFeePerGas": priority}

    async def _send(self, what: str, builder: Any) -> Any:
        if self._nonce is None:
            self._nonce = await self._w3.eth.get_transaction_count(self._account.address, "pending")
        tx = await builder.build_transaction(
            {
                "from": self._account.address,
                "nonce": self._nonce,
                "chainId": self._endpoint.chain_id,
                **(await self._fees()),
            }
        )
        signed = self._account.sign_transaction(tx)
        tx_hash = await self._w3.eth.send_raw_transaction(signed.raw_transaction)
        self._nonce += 1
        receipt = await self._w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=_RECEIPT_TIMEOUT_S, poll_latency=0.05
        )
        if receipt["status"] != 1:
            raise DeploymentError(f"{self._endpoint.name}: {what} reverted in tx {tx_hash.hex()}")
        return receipt

    async def deploy(self, key: str, contract: str, *args: Any) -> str:
        artifact = load_artifact(contract)
        factory = self._w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
        receipt = await self._send(f"deploy {key}", factory.constructor(*args))
        address = to_checksum_address(receipt["contractAddress"])
        self.contracts[key] = address
        _log.info(
            "chain.contract_deployed",
            chain=self._endpoint.name,
            contract=key,
            address=address,
            block=receipt["blockNumber"],
        )
        return address

    async def call(self, key: str, function: str, *args: Any) -> None:
        contract_name = key.split(":", 1)[0]
        contract = self._w3.eth.contract(
            address=to_checksum_address(self.contracts[key]),
            abi=load_artifact(contract_name).abi_list(),
        )
        try:
            await self._send(f"{key}.{function}", contract.functions[function](*args))
        except DeploymentError:
            raise
        except Exception as exc:
            # Estimation runs the call: a revert surfaces here with the custom error's data.
            data = getattr(exc, "data", None)
            reason = decode_custom_error(data) if isinstance(data, (str, bytes)) else None
            raise DeploymentError(
                f"{self._endpoint.name}: {key}.{function} failed: {reason or exc}"
            ) from exc


def _plan_check(
    chains: Mapping[str, ChainEndpoint],
    addresses: Mapping[str, str],
    index_symbols: Sequence[str],
    vault_chain: str,
    index_chains: Sequence[str],
) -> None:
    if not chains:
        raise InvalidDeploymentPlanError("no chains to deploy to")
    for name, endpoint in chains.items():
        if endpoint.name != name:
            raise InvalidDeploymentPlanError(f"chain {name!r} is named {endpoint.name!r}")
    for role, address in addresses.items():
        if not is_address(address):
            raise InvalidDeploymentPlanError(f"{role} is not an address: {address!r}")
    for chain in (vault_chain, *index_chains):
        if chain not in chains:
            raise InvalidDeploymentPlanError(
                f"chain {chain!r} is not among the chains given ({', '.join(chains)})"
            )
    if len(set(index_symbols)) != len(index_symbols):
        raise InvalidDeploymentPlanError(f"duplicate index symbols in {list(index_symbols)}")
    for symbol in index_symbols:
        try:
            index_token_key(symbol)
        except ValueError as exc:
            raise InvalidDeploymentPlanError(str(exc)) from None


async def _deploy_chain(
    endpoint: ChainEndpoint,
    account: LocalAccount,
    *,
    desk: str,
    relayer: str,
    with_vault: bool,
    index_symbols: Sequence[str],
) -> ChainDeployment:
    deployer = _ChainDeployer(endpoint, account)
    try:
        admin = account.address
        usdc = await deployer.deploy("MockUSDC", "MockUSDC")
        await deployer.deploy("SpokePool", "SpokePool", admin)
        await deployer.call("SpokePool", "grantRole", RELAYER_ROLE, relayer)
        if with_vault:
            await deployer.deploy("CollateralVault", "CollateralVault", admin)
            await deployer.call("CollateralVault", "setTokenAllowed", usdc, True)
            await deployer.call("CollateralVault", "grantRole", OPERATOR_ROLE, desk)
        for symbol in index_symbols:
            key = index_token_key(symbol)
            await deployer.deploy(key, "IndexToken", f"Tradewind Index {symbol}", symbol, admin)
            await deployer.call(key, "grantRole", MINTER_ROLE, desk)
    finally:
        await deployer.close()
    return ChainDeployment(
        name=endpoint.name,
        chain_id=endpoint.chain_id,
        rpc_url=endpoint.rpc_url,
        contracts=deployer.contracts,
    )


async def deploy_all(
    chains: Mapping[str, ChainEndpoint],
    *,
    deployer_key: str,
    desk_address: str,
    relayer_address: str | None = None,
    index_symbols: Sequence[str] = DEFAULT_INDEX_SYMBOLS,
    vault_chain: str = VAULT_CHAIN,
    index_chains: Sequence[str] = INDEX_CHAINS,
) -> DeploymentRegistry:
    """Deploy the desk's contracts to every chain (in parallel) and return where they are.

    ``deployer_key`` (0x hex) pays gas and becomes admin of every contract; ``desk_address``
    gets MINTER_ROLE on the index tokens and OPERATOR_ROLE on the vault; ``relayer_address``
    (default: the desk) gets RELAYER_ROLE on every spoke pool.
    """
    relayer = relayer_address or desk_address
    _plan_check(
        chains,
        {"desk_address": desk_address, "relayer_address": relayer},
        index_symbols,
        vault_chain,
        index_chains,
    )
    desk, relayer = to_checksum_address(desk_address), to_checksum_address(relayer)
    try:
        account: LocalAccount = Account.from_key(deployer_key)
    except (ValueError, TypeError):
        raise InvalidDeploymentPlanError("deployer_key is not a valid private key") from None
    deployments = await asyncio.gather(
        *(
            _deploy_chain(
                endpoint,
                account,
                desk=desk,
                relayer=relayer,
                with_vault=name == vault_chain,
                index_symbols=index_symbols if name in index_chains else (),
            )
            for name, endpoint in chains.items()
        )
    )
    return DeploymentRegistry(
        chains={deployment.name: deployment for deployment in deployments},
        admin_address=account.address,
        desk_address=desk,
        relayer_address=relayer,
    )


@dataclass(frozen=True, slots=True)
class LocalChains:
    """Running local anvil nodes with the desk's contracts deployed, and who is who.

    All accounts are anvil's public dev accounts (``anvil_dev_keys``): local use only.
    """

    nodes: ChainSet
    registry: DeploymentRegistry
    deployer: DevAccount
    desk: DevAccount
    relayer: DevAccount
    users: tuple[DevAccount, ...]


async def deploy_local(
    nodes: ChainSet, *, index_symbols: Sequence[str] = DEFAULT_INDEX_SYMBOLS
) -> LocalChains:
    """``deploy_all`` on started local nodes with dev accounts #0 (deployer/admin), #1 (desk)
    and #2 (relayer); #3..#9 are left as users."""
    deployer, desk, relayer, *users = ANVIL_DEV_ACCOUNTS
    registry = await deploy_all(
        nodes,
        deployer_key=deployer.private_key,
        desk_address=desk.address,
        relayer_address=relayer.address,
        index_symbols=index_symbols,
    )
    return LocalChains(
        nodes=nodes,
        registry=registry,
        deployer=deployer,
        desk=desk,
        relayer=relayer,
        users=tuple(users),
    )
