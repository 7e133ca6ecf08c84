"""ChainWallets: our on-chain wallets' balances and the chain's gas price, for the live
measures (an OnChainBalanceProvider and a GasPriceProvider over one EVM JSON-RPC endpoint).

    ChainWallets("base", rpc_url, ["0xab…"], native_asset="ETH",
                 tokens=[WatchedToken("USDC", "0x…", 6)])
        holdings()       native and ERC-20 balances of every wallet, as Holdings on chain
        gas_price_wei()  eth_gasPrice

Amounts are exact: base units (wei, token units) scaled by the token's decimals into Decimal.
One RPC call per wallet and token per sample; they run concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from eth_utils import to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.node.config import ChainWalletsEntry
from tradewind.risk.live.inventory import Holding

__all__ = ["ChainWallets", "WalletSet", "WatchedToken", "wallets_from_config"]

_EXACT = Context(prec=80)  # a uint256 has at most 78 digits: scaling never rounds

# balanceOf is all we read: the rest of an ERC-20 ABI is not needed
_BALANCE_OF_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


@dataclass(frozen=True, slots=True)
class WatchedToken:
    """An ERC-20 we hold: its asset code, contract address and decimals."""

    asset: str
    address: str
    decimals: int

    def __post_init__(self) -> None:
        if not self.asset or self.asset != self.asset.upper():
            raise ValueError(f"token asset {self.asset!r}: upper-case symbol expected")
        if not 0 <= self.decimals <= 36:
            raise ValueError(f"token {self.asset}: decimals {self.decimals} out of 0..36")
        to_checksum_address(self.address)  # ValueError on a malformed address


class ChainWallets:
    """Balances of ``wallets`` on the chain ``network`` at ``rpc_url`` (native asset and
    ``tokens``), and its gas price in wei per gas unit."""

    def __init__(
        self,
        network: str,
        rpc_url: str,
        wallets: Sequence[str],
        *,
        native_asset: str = "ETH",
        native_decimals: int = 18,
        tokens: Sequence[WatchedToken] = (),
    ) -> None:
        if not wallets:
            raise ValueError("no wallet to watch")
        self.network = network
        self._w3 = AsyncWeb3(AsyncHTTPProvider(rpc_url))
        self._wallets = [to_checksum_address(wallet) for wallet in wallets]
        self._native = native_asset
        self._native_decimals = native_decimals
        self._tokens = [
            (
                token,
                self._w3.eth.contract(
                    address=to_checksum_address(token.address), abi=_BALANCE_OF_ABI
                ),
            )
            for token in tokens
        ]

    async def holdings(self) -> list[Holding]:
        jobs = []
        for wallet in self._wallets:
            jobs.append(self._native_balance(wallet))
            jobs.extend(
                self._token_balance(wallet, token, contract) for token, contract in self._tokens
            )
        return [holding for holding in await asyncio.gather(*jobs) if holding.quantity != 0]

    async def gas_price_wei(self) -> int:
        return int(await self._w3.eth.gas_price)

    async def close(self) -> None:
        await self._w3.provider.disconnect()

    async def _native_balance(self, wallet: str) -> Holding:
        wei = int(await self._w3.eth.get_balance(wallet))  # type: ignore[arg-type]
        return self._holding(self._native, wei, self._native_decimals, wallet)

    async def _token_balance(self, wallet: str, token: WatchedToken, contract: Any) -> Holding:
        units = int(await contract.functions.balanceOf(wallet).call())
        return self._holding(token.asset, units, token.decimals, wallet)

    def _holding(self, asset: str, units: int, decimals: int, wallet: str) -> Holding:
        quantity = Decimal(units).scaleb(-decimals, _EXACT)
        return Holding(asset, quantity, f"wallet:{self.network}:{wallet}", on_chain=True)


class WalletSet:
    """Every configured network's wallets as one OnChainBalanceProvider."""

    def __init__(self, networks: Sequence[ChainWallets]) -> None:
        self.networks = tuple(networks)

    async def holdings(self) -> list[Holding]:
        found = await asyncio.gather(*(network.holdings() for network in self.networks))
        return [holding for held in found for holding in held]

    async def close(self) -> None:
        for network in self.networks:
            await network.close()


def wallets_from_config(
    entries: Mapping[str, ChainWalletsEntry],
) -> tuple[WalletSet | None, ChainWallets | None]:
    """The node config's ``[chain_wallets.<network>]`` tables as an on-chain balance provider
    and the gas price provider (the network with ``gas_price = true``); None where none."""
    if not entries:
        return None, None
    networks: list[ChainWallets] = []
    gas: ChainWallets | None = None
    for name, entry in entries.items():
        tokens = [
            WatchedToken(asset, token.address, token.decimals)
            for asset, token in entry.tokens.items()
        ]
        network = ChainWallets(
            name, entry.rpc_url, entry.wallets, native_asset=entry.native_asset, tokens=tokens
        )
        networks.append(network)
        if entry.gas_price:
            gas = network
    return WalletSet(networks), gas
