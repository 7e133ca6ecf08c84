"""The desk's Solidity contracts and their build outputs (ABI + bytecode).

Sources live next to this file (``*.sol``); ``make`` compiles them with solc-js
(``scripts/build_contracts.mjs``) into ``build/<Name>.json``. This module only reads those
outputs:

    load_artifact("SpokePool") -> ContractArtifact(name, abi, bytecode, deployed_bytecode)
    event_abi("SpokePool", "V3FundsDeposited") -> the event's ABI entry
    decode_custom_error(revert_data) -> "InvoiceAlreadyMinted(0x…)" | None

Role ids are the ``keccak256`` of the role name, as the contracts define them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak, to_checksum_address

__all__ = [
    "BUILD_DIR",
    "CONTRACT_NAMES",
    "DEFAULT_ADMIN_ROLE",
    "MINTER_ROLE",
    "OPERATOR_ROLE",
    "OWN_CONTRACT_NAMES",
    "PROTOCOL_CONTRACT_NAMES",
    "RELAYER_ROLE",
    "ArtifactFormatError",
    "ContractArtifact",
    "ContractsNotBuiltError",
    "UnknownContractError",
    "decode_custom_error",
    "event_abi",
    "load_artifact",
]

SOURCE_DIR = Path(__file__).resolve().parent
BUILD_DIR = SOURCE_DIR / "build"
# The desk's own contracts (sources next to this file) ...
OWN_CONTRACT_NAMES: tuple[str, ...] = (
    "MockUSDC",
    "MockERC20",
    "IndexToken",
    "CollateralVault",
)
# ... and the protocols' published ones, copied (or, for Chainlink, compiled) from npm packages
# by scripts/build_contracts.mjs.
PROTOCOL_CONTRACT_NAMES: tuple[str, ...] = (
    "WETH9",
    "UniswapV2Factory",
    "UniswapV2Pair",
    "UniswapV2Router02",
    "UniswapV3Factory",
    "UniswapV3Pool",
    "SwapRouter",
    "QuoterV2",
    "NonfungiblePositionManager",
    "MockV3Aggregator",
    "SpokePool",  # Across's Ethereum_SpokePool (@across-protocol/contracts)
    "ERC1967Proxy",
)
CONTRACT_NAMES: tuple[str, ...] = OWN_CONTRACT_NAMES + PROTOCOL_CONTRACT_NAMES

DEFAULT_ADMIN_ROLE = b"\x00" * 32
MINTER_ROLE = keccak(text="MINTER_ROLE")
OPERATOR_ROLE = keccak(text="OPERATOR_ROLE")
RELAYER_ROLE = keccak(text="RELAYER_ROLE")

_BUILD_HINT = "run `make install` (it compiles the contracts with scripts/build_contracts.mjs)"


class ContractsNotBuiltError(RuntimeError):
    """The build output of a contract is missing: the Solidity sources were never compiled."""


class UnknownContractError(ValueError):
    """A contract or event name that the desk's contracts do not define."""


class ArtifactFormatError(ValueError):
    """A build output exists but is not a valid {abi, bytecode} JSON document."""


@dataclass(frozen=True, slots=True)
class ContractArtifact:
    """One compiled contract: its ABI (JSON entries) and creation/runtime bytecode (0x hex)."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: str
    deployed_bytecode: str

    def abi_list(self) -> list[dict[str, Any]]:
        """The ABI as the list web3 expects."""
        return list(self.abi)


@cache
def load_artifact(name: str) -> ContractArtifact:
    """Read ``build/<name>.json`` (cached per process)."""
    if name not in CONTRACT_NAMES:
        raise UnknownContractError(f"unknown contract {name!r}; known: {', '.join(CONTRACT_NAMES)}")
    path = BUILD_DIR / f"{name}.json"
    if not path.is_file():
        raise ContractsNotBuiltError(f"{path} is missing; {_BUILD_HINT}")
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactFormatError(f"{path}: not readable JSON ({exc}); {_BUILD_HINT}") from exc
    abi, bytecode = raw.get("abi"), raw.get("bytecode")
    deployed = raw.get("deployedBytecode", "0x")
    if not isinstance(abi, list) or not all(isinstance(entry, dict) for entry in abi):
        raise ArtifactFormatError(f"{path}: 'abi' must be a list of objects")
    for field, value in (("bytecode", bytecode), ("deployedBytecode", deployed)):
        if not isinstance(value, str) or not value.startswith("0x"):
            raise ArtifactFormatError(f"{path}: {field!r} must be 0x-prefixed hex")
    if len(bytecode) <= 2:
        raise ArtifactFormatError(f"{path}: empty bytecode")
    return ContractArtifact(
        name=name, abi=tuple(abi), bytecode=bytecode, deployed_bytecode=deployed
    )


def event_abi(contract: str, event: str) -> dict[str, Any]:
    """The ABI entry of ``event`` in ``contract`` (for log filters and decoding)."""
    for entry in load_artifact(contract).abi:
        if entry.get("type") == "event" and entry.get("name") == event:
            return entry
    raise UnknownContractError(f"{contract} has no event {event!r}")


def _signature(entry: dict[str, Any]) -> str:
    return f"{entry['name']}({','.join(_abi_type(p) for p in entry.get('inputs', []))})"


def _abi_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(p) for p in param.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@cache
def _errors_by_selector() -> dict[bytes, dict[str, Any]]:
    table: dict[bytes, dict[str, Any]] = {}
    for name in CONTRACT_NAMES:
        try:
            abi = load_artifact(name).abi
        except ContractsNotBuiltError:
            continue
        for entry in abi:
            if entry.get("type") == "error":
                table[keccak(text=_signature(entry))[:4]] = entry
    return table


def _render(kind: str, value: Any) -> str:
    if kind == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def decode_custom_error(revert_data: bytes | str) -> str | None:
    """Name a custom-error revert of the desk's contracts (or OpenZeppelin's inside them),
    e.g. ``"AccessControlUnauthorizedAccount(0xf39F…, 0x9f2d…)"``; ``None`` when unknown."""
    if isinstance(revert_data, str):
        try:
            data = bytes.fromhex(revert_data.removeprefix("0x"))
        except ValueError:
            return None
    else:
        data = bytes(revert_data)
    entry = _errors_by_selector().get(data[:4]) if len(data) >= 4 else None
    if entry is None:
        return None
    kinds = [_abi_type(p) for p in entry.get("inputs", [])]
    try:
        values = abi_decode(kinds, data[4:])
    except (DecodingError, ValueError):
        return f"{entry['name']}(<undecodable>)"
    rendered = ", ".join(_render(k, v) for k, v in zip(kinds, values, strict=True))
    return f"{entry['name']}({rendered})"
