"""Where the desk's contracts live: per chain its id, RPC URL and contract addresses.

A registry is written by ``deploy_all`` / ``tradewind chain up`` and read by the connector, the
relayer and the demo. JSON on disk (version 1)::

    {"version": 1,
     "admin_address": "0x…", "desk_address": "0x…", "relayer_address": "0x…",
     "chains": {"arbitrum": {"chain_id": 42161, "rpc_url": "http://127.0.0.1:8545",
                             "contracts": {"MockUSDC": "0x…", "IndexToken:TW10": "0x…"}}}}

Index tokens are keyed ``IndexToken:<SYMBOL>`` (one token contract per index per chain).
Addresses are EIP-55 checksummed on load; anything malformed raises ``InvalidRegistryError``
naming the file and the field.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self
from urllib.parse import urlparse

from eth_utils import is_address, to_checksum_address

__all__ = [
    "REGISTRY_VERSION",
    "ChainDeployment",
    "DeploymentRegistry",
    "InvalidRegistryError",
    "MissingRegistryError",
    "RegistryError",
    "UnknownChainError",
    "UnknownDeploymentError",
    "index_token_key",
]

REGISTRY_VERSION = 1
_CHAIN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_CONTRACT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(:[A-Z0-9]{1,32})?$")
_INDEX_SYMBOL = re.compile(r"^[A-Z0-9]{1,32}$")


class RegistryError(ValueError):
    """Base of every deployment-registry error."""


class MissingRegistryError(RegistryError):
    """The registry file does not exist (run ``tradewind chain up`` or deploy first)."""


class InvalidRegistryError(RegistryError):
    """The registry (file or values) is malformed; the message names the field."""


class UnknownChainError(RegistryError, KeyError):
    """No deployment for the chain name or id asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownDeploymentError(RegistryError, KeyError):
    """The chain has no contract under the key asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def index_token_key(symbol: str) -> str:
    """Registry key of an index's token contract, e.g. ``IndexToken:TW10``."""
    if not _INDEX_SYMBOL.match(symbol):
        raise InvalidRegistryError(f"index symbol must be upper-case A-Z0-9, got {symbol!r}")
    return f"IndexToken:{symbol}"


def _checksum(where: str, value: object) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise InvalidRegistryError(f"{where}: not an address: {value!r}")
    return to_checksum_address(value)


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class ChainDeployment:
    """The desk's contracts on one chain: EIP-155 chain id, JSON-RPC URL, key -> address."""

    name: str
    chain_id: int
    rpc_url: str
    contracts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"chains.{self.name}"
        if not isinstance(self.name, str) or not _CHAIN_NAME.match(self.name):
            raise InvalidRegistryError(
                f"chain name must match {_CHAIN_NAME.pattern}: {self.name!r}"
            )
        chain_id = self.chain_id
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
            raise InvalidRegistryError(f"{where}.chain_id must be a positive int: {chain_id!r}")
        url = urlparse(self.rpc_url) if isinstance(self.rpc_url, str) else None
        if url is None or url.scheme not in {"http", "https", "ws", "wss"} or not url.netloc:
            raise InvalidRegistryError(
                f"{where}.rpc_url must be an http(s)/ws(s) URL: {self.rpc_url!r}"
            )
        if not isinstance(self.contracts, Mapping):
            raise InvalidRegistryError(f"{where}.contracts must be an object")
        checked: dict[str, str] = {}
        for key, address in self.contracts.items():
            if not isinstance(key, str) or not _CONTRACT_KEY.match(key):
                raise InvalidRegistryError(f"{where}.contracts: bad contract key {key!r}")
            checked[key] = _checksum(f"{where}.contracts.{key}", address)
        object.__setattr__(self, "contracts", _frozen(checked))

    def address(self, key: str) -> str:
        """Checksummed address of the contract registered under ``key`` on this chain."""
        try:
            address: str = self.contracts[key]
        except KeyError:
            known = ", ".join(sorted(self.contracts)) or "none"
            raise UnknownDeploymentError(
                f"no {key!r} on chain {self.name!r} (deployed: {known})"
            ) from None
        return address

    def index_token(self, symbol: str) -> str:
        return self.address(index_token_key(symbol))

    def with_contracts(self, extra: Mapping[str, str]) -> ChainDeployment:
        return ChainDeployment(self.name, self.chain_id, self.rpc_url, {**self.contracts, **extra})

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "rpc_url": self.rpc_url,
            "contracts": dict(sorted(self.contracts.items())),
        }


@dataclass(frozen=True, slots=True)
class DeploymentRegistry:
    """Deployments by chain name, plus who holds the roles (admin, desk, relayer addresses)."""

    chains: Mapping[str, ChainDeployment]
    admin_address: str
    desk_address: str
    relayer_address: str

    def __post_init__(self) -> None:
        if not isinstance(self.chains, Mapping) or not self.chains:
            raise InvalidRegistryError("chains must be a non-empty object")
        ids: dict[int, str] = {}
        for name, chain in self.chains.items():
            if not isinstance(chain, ChainDeployment) or chain.name != name:
                raise InvalidRegistryError(f"chains.{name}: entry is not that chain's deployment")
            if chain.chain_id in ids:
                raise InvalidRegistryError(
                    f"chains.{name}.chain_id {chain.chain_id} is also {ids[chain.chain_id]!r}"
                )
            ids[chain.chain_id] = name
        object.__setattr__(self, "chains", _frozen(self.chains))
        for role in ("admin_address", "desk_address", "relayer_address"):
            object.__setattr__(self, role, _checksum(role, getattr(self, role)))

    def __iter__(self) -> Iterator[ChainDeployment]:
        return iter(self.chains.values())

    def chain(self, name: str) -> ChainDeployment:
        try:
            return self.chains[name]
        except KeyError:
            raise UnknownChainError(
                f"no deployment on chain {name!r} (registry has: {', '.join(self.chains)})"
            ) from None

    def by_chain_id(self, chain_id: int) -> ChainDeployment:
        for chain in self.chains.values():
            if chain.chain_id == chain_id:
                return chain
        raise UnknownChainError(f"no deployment on chain id {chain_id}")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REGISTRY_VERSION,
            "admin_address": self.admin_address,
            "desk_address": self.desk_address,
            "relayer_address": self.relayer_address,
            "chains": {name: chain.to_json() for name, chain in self.chains.items()},
        }

    @classmethod
    def from_json(cls, raw: object) -> Self:
        """Validate a parsed JSON document; ``InvalidRegistryError`` names what is wrong."""
        if not isinstance(raw, dict):
            raise InvalidRegistryError("registry must be a JSON object")
        if raw.get("version") != REGISTRY_VERSION:
            raise InvalidRegistryError(
                f"version must be {REGISTRY_VERSION}, got {raw.get('version')!r}"
            )
        unknown = set(raw) - {
            "version",
            "admin_address",
            "desk_address",
            "relayer_address",
            "chains",
        }
        if unknown:
            raise InvalidRegistryError(f"unknown fields: {', '.join(sorted(unknown))}")
        chains_raw = raw.get("chains")
        if not isinstance(chains_raw, dict) or not chains_raw:
            raise InvalidRegistryError("chains must be a non-empty object")
        chains: dict[str, ChainDeployment] = {}
        for name, body in chains_raw.items():
            if not isinstance(body, dict):
                raise InvalidRegistryError(f"chains.{name} must be an object")
            extra = set(body) - {"chain_id", "rpc_url", "contracts"}
            if extra:
                raise InvalidRegistryError(f"chains.{name}: unknown fields {sorted(extra)}")
            for required in ("chain_id", "rpc_url", "contracts"):
                if required not in body:
                    raise InvalidRegistryError(f"chains.{name}.{required} is missing")
            chains[name] = ChainDeployment(
                name=name,
                chain_id=body["chain_id"],
                rpc_url=body["rpc_url"],
                contracts=body["contracts"],
            )
        for role in ("admin_address", "desk_address", "relayer_address"):
            if role not in raw:
                raise InvalidRegistryError(f"{role} is missing")
        return cls(
            chains=chains,
            admin_address=raw["admin_address"],
            desk_address=raw["desk_address"],
            relayer_address=raw["relayer_address"],
        )

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename) so readers never see half a registry."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Self:
        path = Path(path)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise MissingRegistryError(
                f"{path}: no deployment registry (run `tradewind chain up`)"
            ) from None
        except OSError as exc:
            raise InvalidRegistryError(f"{path}: unreadable ({exc})") from exc
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidRegistryError(f"{path}: not JSON ({exc})") from exc
        try:
            return cls.from_json(raw)
        except InvalidRegistryError as exc:
            raise InvalidRegistryError(f"{path}: {exc}") from None
