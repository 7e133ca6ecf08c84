"""Which EVM nodes the simulated exchange watches for deposits, from ``[sim.chains]`` or the CLI.

    [sim.chains.BASE]                          # the deposit network, as in /capital/deposit/*
    rpc_url = "http://127.0.0.1:8545"          # JSON-RPC of the node to watch
    token = "0x…"                              # the ERC-20 contract whose Transfers credit
    coin = "USDC"                              # the coin credited (default USDC)
    confirmations = 3                          # blocks deep before crediting (1 = its block)
    poll_interval_ms = 500
    start_block = 0                            # first block read when nothing is stored

    tradewind sim --chain base=RPC_URL --chain-token base=TOKEN --confirmations N

This module is light on purpose (pydantic and eth_utils at import time): the application
config imports it. Bad values raise ``ChainOptionError`` naming the option and the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlparse

from eth_utils import is_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# The sim's deposit networks whose addresses are EVM-shaped (others get an opaque address),
# and the networks each coin deposits on (its /capital/deposit/* answers).
EVM_NETWORKS = frozenset({"ETH", "BSC", "ARBITRUM", "BASE", "OPTIMISM", "MATIC", "AVAXC"})
SUPPORTED_NETWORKS: dict[str, tuple[str, ...]] = {
    "USDT": ("ETH", "BSC", "ARBITRUM", "BASE", "TRX"),
    "USDC": ("ETH", "BSC", "ARBITRUM", "BASE"),
    "BTC": ("BTC",),
    "ETH": ("ETH", "ARBITRUM", "BASE"),
    "BNB": ("BSC",),
    "SOL": ("SOL",),
}

__all__ = [
    "EVM_NETWORKS",
    "SUPPORTED_NETWORKS",
    "ChainOptionError",
    "SimChainConfig",
    "merge_chain_options",
    "parse_assignments",
]


class ChainOptionError(ValueError):
    """A ``--chain``/``--chain-token``/``--confirmations`` value or a ``[sim.chains]`` entry
    is unusable; the message names the option and the network."""


class SimChainConfig(BaseModel):
    """One watched deposit network: node URL, token contract, coin, confirmation depth (blocks),
    poll interval (ms) and the first block to read when no cursor is stored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rpc_url: str = Field(description="JSON-RPC URL of the EVM node watched (http or https).")
    token: str = Field(
        description="Address of the token contract (USDC) whose transfers are deposits."
    )
    coin: str = Field(default="USDC", description="Coin credited for a deposit.")
    confirmations: int = Field(
        default=3, ge=1, le=10_000, description="Blocks deep before a deposit is credited."
    )
    poll_interval_ms: int = Field(
        default=500, ge=10, le=600_000, description="Milliseconds between polls of the node."
    )
    start_block: int = Field(
        default=0, ge=0, description="First block read when no cursor is stored."
    )

    @field_validator("rpc_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"rpc_url must be an http(s) URL, got {value!r}")
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        if not is_address(value):
            raise ValueError(f"token must be an EVM address, got {value!r}")
        return to_checksum_address(value)

    @field_validator("coin")
    @classmethod
    def _coin(cls, value: str) -> str:
        coin = value.upper()
        if coin not in SUPPORTED_NETWORKS:
            raise ValueError(f"coin {value!r} is not a deposit coin of the sim")
        return coin


def _network(name: str, option: str) -> str:
    network = name.strip().upper()
    if network not in EVM_NETWORKS:
        raise ChainOptionError(
            f"{option}: {name!r} is not an EVM deposit network ({', '.join(sorted(EVM_NETWORKS))})"
        )
    return network


def parse_assignments(values: Iterable[str], option: str) -> dict[str, str]:
    """``["base=http://…", …]`` -> ``{"BASE": "http://…"}``; a network named twice is an error."""
    parsed: dict[str, str] = {}
    for raw in values:
        name, sep, value = raw.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ChainOptionError(f"{option} expects NETWORK=VALUE, got {raw!r}")
        network = _network(name, option)
        if network in parsed:
            raise ChainOptionError(f"{option}: network {network} given twice")
        parsed[network] = value.strip()
    return parsed


def merge_chain_options(
    configured: Mapping[str, SimChainConfig],
    chain: Iterable[str] = (),
    chain_token: Iterable[str] = (),
    confirmations: int | None = None,
) -> dict[str, SimChainConfig]:
    """The ``[sim.chains]`` section with the command-line options laid over it.

    ``--chain`` sets a network's node URL, ``--chain-token`` its token, ``--confirmations`` the
    depth of every watched network. A network new on the command line needs both a URL and a
    token.
    """
    urls = parse_assignments(chain, "--chain")
    tokens = parse_assignments(chain_token, "--chain-token")
    merged: dict[str, SimChainConfig] = {}
    for name, section in configured.items():
        merged[_network(name, "[sim.chains]")] = section
    for network in sorted(set(urls) | set(tokens)):
        base = merged.get(network)
        fields = base.model_dump() if base is not None else {}
        if network in urls:
            fields["rpc_url"] = urls[network]
        if network in tokens:
            fields["token"] = tokens[network]
        missing = [key for key in ("rpc_url", "token") if key not in fields]
        if missing:
            flag = "--chain" if "rpc_url" in missing else "--chain-token"
            raise ChainOptionError(f"network {network}: {flag} {network.lower()}=… is missing")
        merged[network] = _validated(network, fields)
    if confirmations is not None:
        if not merged:
            raise ChainOptionError("--confirmations needs a watched network (--chain)")
        merged = {
            network: _validated(network, {**section.model_dump(), "confirmations": confirmations})
            for network, section in merged.items()
        }
    return merged


def _validated(network: str, fields: Mapping[str, object]) -> SimChainConfig:
    try:
        return SimChainConfig.model_validate(dict(fields))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ChainOptionError(f"network {network}: {problems}") from None
