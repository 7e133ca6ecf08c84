"""Deposit addresses and deposit history of the simulated exchange (``/sapi/v1/capital/deposit/*``).

A deposit is keyed by its transaction id, plus the log index when it comes from an ERC-20
``Transfer`` log (one transaction may carry several): crediting the same key twice is a no-op,
so a chain watcher that sees a log twice (or restarts) never credits twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from tradewind.common.sim_chain_config import EVM_NETWORKS, SUPPORTED_NETWORKS
from tradewind.venues.sim.engine import SimError

DEFAULT_NETWORK = {"BTC": "BTC", "SOL": "SOL", "BNB": "BSC"}

STATUS_PENDING = 0
STATUS_SUCCESS = 1


@dataclass(frozen=True, slots=True)
class DepositRecord:
    """One credited (or pending) deposit. ``amount`` in units of ``coin``; times in epoch ms.

    ``log_index``: position of the token ``Transfer`` log in its transaction (chain deposits),
    None for deposits announced through the admin API.
    """

    deposit_id: str
    account_id: str
    coin: str
    network: str
    amount: Decimal
    address: str
    tx_id: str
    insert_time: int
    status: int
    confirmations: int
    required_confirmations: int
    log_index: int | None = None

    @property
    def key(self) -> str:
        return deposit_key(self.tx_id, self.log_index)


def deposit_key(tx_id: str, log_index: int | None = None) -> str:
    """What a deposit is deduplicated by: the tx id, and ``:<log index>`` for a token log."""
    return tx_id if log_index is None else f"{tx_id}:{log_index}"


def deposit_address(account_id: str, coin: str, network: str) -> str:
    """A stable address per (account, network); coins on one network share it, as at Binance."""
    digest = hashlib.sha256(f"{account_id}|{network}".encode()).hexdigest()
    if network in EVM_NETWORKS:
        return "0x" + digest[:40]
    return digest[:42]


class DepositBook:
    """Addresses handed out and deposits credited, per account."""

    def __init__(self) -> None:
        self._records: dict[str, DepositRecord] = {}
        self._by_account: dict[str, list[str]] = {}

    def resolve_network(self, coin: str, network: str | None) -> str:
        networks = SUPPORTED_NETWORKS.get(coin)
        if networks is None:
            raise SimError(-4003, f"Coin {coin} is not supported for deposit.", 400)
        if network is None:
            return DEFAULT_NETWORK.get(coin, networks[0])
        if network not in networks:
            raise SimError(-4018, f"Network {network} is not supported for coin {coin}.", 400)
        return network

    def address(self, account_id: str, coin: str, network: str | None) -> tuple[str, str]:
        resolved = self.resolve_network(coin, network)
        return deposit_address(account_id, coin, resolved), resolved

    def get(self, tx_id: str, log_index: int | None = None) -> DepositRecord | None:
        return self._records.get(deposit_key(tx_id, log_index))

    def record(self, record: DepositRecord) -> bool:
        """Store a deposit; False when its key is already credited (the caller must not credit)."""
        key = record.key
        existing = self._records.get(key)
        if existing is not None and existing.status == STATUS_SUCCESS:
            return False
        self._records[key] = record
        keys = self._by_account.setdefault(record.account_id, [])
        if key not in keys:
            keys.append(key)
        return True

    def discard_pending(self, key: str) -> DepositRecord | None:
        """Forget a pending deposit (its block left the chain); a credited one is kept."""
        existing = self._records.get(key)
        if existing is None or existing.status == STATUS_SUCCESS:
            return None
        del self._records[key]
        keys = self._by_account.get(existing.account_id, [])
        if key in keys:
            keys.remove(key)
        return existing

    def history(
        self,
        account_id: str,
        *,
        coin: str | None = None,
        status: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int = 1000,
    ) -> list[DepositRecord]:
        records = [self._records[key] for key in self._by_account.get(account_id, [])]
        selected = [
            r
            for r in records
            if (coin is None or r.coin == coin)
            and (status is None or r.status == status)
            and (start_time is None or r.insert_time >= start_time)
            and (end_time is None or r.insert_time <= end_time)
        ]
        selected.sort(key=lambda r: r.insert_time, reverse=True)
        return selected[:limit]
