"""Safe 1.4.1 (npm ``@safe-global/safe-contracts``): its published artifacts, deployed unmodified.

    load_safe_artifact("Safe") -> ContractArtifact           (ABI + bytecode from node_modules)
    deploy_safe_stack(w3, deployer) -> SafeStack              singleton, factory, MultiSend(s),
                                                              fallback handler: 5 transactions
    create_safe(w3, stack, sender, owners, threshold, salt)   a proxy set up with its owners

Kept apart from ``deploy.py`` (the desk's own contracts) because only custody needs it. Calls
are synchronous (web3's HTTP client): custody runs as short CLI commands and tests, not in the
event loop. ``send_and_wait`` signs locally (EIP-1559) and raises ``SafeDeploymentError`` with
the revert reason when a transaction fails.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from tradewind.chain.contracts import ContractArtifact, ContractsNotBuiltError
from tradewind.common.logging import get_logger

__all__ = [
    "SAFE_ARTIFACTS",
    "SAFE_ARTIFACTS_ENV",
    "SAFE_VERSION",
    "SafeDeploymentError",
    "SafeStack",
    "create_safe",
    "deploy_safe_stack",
    "load_safe_artifact",
    "safe_contract",
    "send_and_wait",
]

_log = get_logger("chain.safe")

SAFE_VERSION = "1.4.1"
SAFE_ARTIFACTS_ENV = "TRADEWIND_SAFE_ARTIFACTS"
_PACKAGE = Path("node_modules/@safe-global/safe-contracts/build/artifacts/contracts")
SAFE_ARTIFACTS: dict[str, str] = {
    "Safe": "Safe.sol/Safe.json",
    "SafeProxyFactory": "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
    "MultiSend": "libraries/MultiSend.sol/MultiSend.json",
    "MultiSendCallOnly": "libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json",
    "CompatibilityFallbackHandler": (
        "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"
    ),
}
_RECEIPT_TIMEOUT_S = 60.0


class SafeDeploymentError(RuntimeError):
    """A Safe deployment or set-up transaction was rejected or reverted (reason included)."""


def _package_dir() -> Path:
    """``$TRADEWIND_SAFE_ARTIFACTS``, else the npm package in the nearest ``node_modules``
    above this file or the working directory (the repository root after ``make install``)."""
    override = os.environ.get(SAFE_ARTIFACTS_ENV)
    if override:
        return Path(override)
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / _PACKAGE).is_dir():
                return candidate / _PACKAGE
    raise ContractsNotBuiltError(
        f"@safe-global/safe-contracts not found in node_modules; run `make install` or set "
        f"${SAFE_ARTIFACTS_ENV}"
    )


@cache
def load_safe_artifact(name: str) -> ContractArtifact:
    """One of ``SAFE_ARTIFACTS`` as published (hardhat artifact: ABI, bytecode)."""
    if name not in SAFE_ARTIFACTS:
        raise ContractsNotBuiltError(f"unknown Safe artifact {name!r}")
    path = _package_dir() / SAFE_ARTIFACTS[name]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractsNotBuiltError(
            f"{path} missing: run `make install` (@safe-global/safe-contracts)"
        ) from None
    return ContractArtifact(
        name=name,
        abi=tuple(document["abi"]),
        bytecode=document["bytecode"],
        deployed_bytecode=document["deployedBytecode"],
    )


@dataclass(frozen=True, slots=True)
class SafeStack:
    """Addresses (checksummed) of one chain's Safe singleton, factory, libraries and handler."""

    chain_id: int
    singleton: str
    proxy_factory: str
    multi_send: str
    multi_send_call_only: str
    fallback_handler: str


def safe_contract(w3: Web3, address: str, name: str = "Safe") -> Any:
    """A web3 contract object for a deployed Safe (or another ``SAFE_ARTIFACTS`` contract)."""
    return w3.eth.contract(
        address=to_checksum_address(address), abi=load_safe_artifact(name).abi_list()
    )


def send_and_wait(w3: Web3, sender: LocalAccount, call: Any, what: str) -> Any:
    """Build, sign (locally), send ``call`` (a contract function or constructor) and wait.

    Returns the receipt; raises ``SafeDeploymentError`` naming ``what`` and the revert reason.
    """
    try:
        latest = w3.eth.get_block("latest")
        base_fee = int(latest.get("baseFeePerGas", 0))
        priority = int(w3.eth.max_priority_fee)
        tx = call.build_transaction(
            {
                "from": sender.address,
                "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
                "chainId": w3.eth.chain_id,
                "maxFeePerGas": 2 * base_fee + priority,
                "maxPriorityFeePerGas": priority,
            }
        )
    except ContractLogicError as exc:
        raise SafeDeploymentError(f"{what} would revert: {exc.message or exc}") from None
    signed = sender.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(
        tx_hash, timeout=_RECEIPT_TIMEOUT_S, poll_latency=0.02
    )
    if receipt["status"] != 1:
        raise SafeDeploymentError(f"{what} reverted in tx {tx_hash.hex()}")
    return receipt


def _deploy(w3: Web3, sender: LocalAccount, name: str) -> str:
    artifact = load_safe_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    receipt = send_and_wait(w3, sender, factory.constructor(), f"deploy {name}")
    address = to_checksum_address(receipt["contractAddress"])
    _log.info("chain.safe_contract_deployed", contract=name, address=address)
    return address


def deploy_safe_stack(w3: Web3, deployer: LocalAccount) -> SafeStack:
    """Deploy the Safe 1.4.1 singleton, proxy factory, MultiSend, MultiSendCallOnly and
    CompatibilityFallbackHandler from ``deployer`` (five transactions)."""
    return SafeStack(
        chain_id=int(w3.eth.chain_id),
        singleton=_deploy(w3, deployer, "Safe"),
        proxy_factory=_deploy(w3, deployer, "SafeProxyFactory"),
        multi_send=_deploy(w3, deployer, "MultiSend"),
        multi_send_call_only=_deploy(w3, deployer, "MultiSendCallOnly"),
        fallback_handler=_deploy(w3, deployer, "CompatibilityFallbackHandler"),
    )


def create_safe(
    w3: Web3,
    stack: SafeStack,
    sender: LocalAccount,
    owners: list[str],
    threshold: int,
    salt_nonce: int = 0,
) -> str:
    """A new Safe proxy with ``owners`` and ``threshold`` (``setup`` in the same transaction);
    returns its address. The proxy address depends on owners, threshold and ``salt_nonce``."""
    if not 1 <= threshold <= len(owners):
        raise SafeDeploymentError(f"threshold {threshold} needs 1..{len(owners)} owners")
    zero = "0x" + "00" * 20
    singleton = safe_contract(w3, stack.singleton)
    initializer = singleton.encode_abi(
        "setup",
        args=[
            [to_checksum_address(owner) for owner in owners],
            threshold,
            zero,
            b"",
            stack.fallback_handler,
            zero,
            0,
            zero,
        ],
    )
    factory = safe_contract(w3, stack.proxy_factory, "SafeProxyFactory")
    receipt = send_and_wait(
        w3,
        sender,
        factory.functions.createProxyWithNonce(stack.singleton, initializer, salt_nonce),
        "create Safe",
    )
    events = factory.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    if not events:
        raise SafeDeploymentError("create Safe: no ProxyCreation event in the receipt")
    address = to_checksum_address(events[0]["args"]["proxy"])
    _log.info("chain.safe_created", safe=address, owners=len(owners), threshold=threshold)
    return address
