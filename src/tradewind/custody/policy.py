"""The governance policy of capital moves, from TOML: who may move what, where, how much.

    [approvers]                 # the N owners whose distinct approvals count (EIP-55 addresses)
    addresses = ["0x…", "0x…", "0x…"]

    [assets.USDC]
    decimals = 6
    hot_daily_limit = "50000"   # per UTC day, across all hot moves of the asset (asset units)
    approval_above = "10000"    # a hot move above this needs approvals too
    approvals_required = 2      # M of the N approvers, distinct
    cold_timelock_s = 86400     # a cold withdrawal executes no earlier than request + this
    sweep_ceiling = "100000"    # optional: hot balance above this is swept to cold ...
    sweep_target = "60000"      # ... down to this (default: the ceiling)

    [sweep]
    destination = "0x…"         # the cold Safe (must also be a whitelisted destination)

    [destinations]              # whitelist: address -> label and the assets it may receive
    "0x…" = { label = "cold safe", assets = ["USDC", "ETH"] }

Tiers: hot moves run alone up to ``approval_above`` and ``hot_daily_limit``; warm moves always
need M approvals; cold moves need M approvals and the timelock. Amounts are Decimal asset
units (``"0.5"``); a float in the file is refused, as are unknown keys.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from eth_utils.address import is_hex_address, to_checksum_address

from tradewind.custody.errors import PolicyError

__all__ = ["AssetRule", "Destination", "Policy", "Tier", "load_policy", "parse_policy"]


class Tier(StrEnum):
    """Where the key that moves the funds lives."""

    HOT = "hot"  # online, signs alone within per-day limits
    WARM = "warm"  # online, every use needs approvals
    COLD = "cold"  # never online: offline round trip, approvals and a timelock


@dataclass(frozen=True, slots=True)
class AssetRule:
    """Limits for one asset; amounts in asset units (Decimal), timelock in seconds."""

    symbol: str
    decimals: int
    hot_daily_limit: Decimal
    approval_above: Decimal
    approvals_required: int
    cold_timelock_s: int
    sweep_ceiling: Decimal | None = None
    sweep_target: Decimal | None = None

    def to_base_units(self, amount: Decimal) -> int:
        """``amount`` in the asset's smallest unit; refuses amounts finer than that unit."""
        scaled = amount.scaleb(self.decimals)
        if scaled != scaled.to_integral_value():
            raise PolicyError(f"{amount} {self.symbol} is finer than {self.decimals} decimals")
        return int(scaled)


@dataclass(frozen=True, slots=True)
class Destination:
    """A whitelisted destination address, its label, and the assets it may receive."""

    address: str
    label: str
    assets: frozenset[str]


@dataclass(frozen=True, slots=True)
class Policy:
    """The whole policy: approvers (N), per-asset rules, whitelisted destinations."""

    approvers: frozenset[str]
    assets: Mapping[str, AssetRule]
    destinations: Mapping[str, Destination]
    sweep_destination: str | None = None

    def rule(self, symbol: str) -> AssetRule:
        try:
            return self.assets[symbol]
        except KeyError:
            raise PolicyError(f"asset {symbol!r} has no rule in the policy") from None


def _address(value: Any, where: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise PolicyError(f"{where}: {value!r} is not an address")
    return to_checksum_address(value)


def _amount(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PolicyError(f'{where}: write amounts as strings ("1000.5") or integers')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PolicyError(f"{where}: {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise PolicyError(f"{where}: {value!r} must be a finite amount >= 0")
    return amount


def _int(value: Any, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise PolicyError(f"{where}: needs an integer >= {low}")
    return value


def _keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def parse_policy(document: Mapping[str, Any]) -> Policy:
    """Validate a parsed TOML document into a ``Policy`` (``PolicyError`` names the key)."""
    _keys(document, {"approvers", "assets", "destinations", "sweep"}, "policy")
    approvers_table = document.get("approvers", {})
    _keys(approvers_table, {"addresses"}, "[approvers]")
    raw_approvers = approvers_table.get("addresses", [])
    approvers = [_address(a, "[approvers].addresses") for a in raw_approvers]
    if len(set(approvers)) != len(approvers):
        raise PolicyError("[approvers].addresses: an approver is listed twice")
    assets: dict[str, AssetRule] = {}
    for symbol, table in document.get("assets", {}).items():
        where = f"[assets.{symbol}]"
        _keys(
            table,
            {
                "decimals",
                "hot_daily_limit",
                "approval_above",
                "approvals_required",
                "cold_timelock_s",
                "sweep_ceiling",
                "sweep_target",
            },
            where,
        )
        ceiling = target = None
        if "sweep_ceiling" in table:
            ceiling = _amount(table["sweep_ceiling"], f"{where}.sweep_ceiling")
            target = _amount(table.get("sweep_target", ceiling), f"{where}.sweep_target")
            if target > ceiling:
                raise PolicyError(f"{where}.sweep_target must not exceed sweep_ceiling")
        required = _int(table.get("approvals_required", 1), f"{where}.approvals_required", 1)
        if required > len(approvers):
            raise PolicyError(f"{where}.approvals_required={required} > {len(approvers)} approvers")
        assets[symbol] = AssetRule(
            symbol=symbol,
            decimals=_int(table.get("decimals", 18), f"{where}.decimals", 0),
            hot_daily_limit=_amount(table.get("hot_daily_limit", "0"), f"{where}.hot_daily_limit"),
            approval_above=_amount(table.get("approval_above", "0"), f"{where}.approval_above"),
            approvals_required=required,
            cold_timelock_s=_int(table.get("cold_timelock_s", 0), f"{where}.cold_timelock_s", 0),
            sweep_ceiling=ceiling,
            sweep_target=target,
        )
    destinations: dict[str, Destination] = {}
    for raw, table in document.get("destinations", {}).items():
        address = _address(raw, "[destinations]")
        where = f"[destinations] {address}"
        if not isinstance(table, Mapping):
            raise PolicyError(f"{where}: needs {{ label = …, assets = […] }}")
        _keys(table, {"label", "assets"}, where)
        allowed = table.get("assets", [])
        unknown = [a for a in allowed if a not in assets]
        if unknown:
            raise PolicyError(f"{where}: asset(s) without a rule: {', '.join(unknown)}")
        destinations[address] = Destination(
            address, str(table.get("label", "")), frozenset(allowed)
        )
    sweep = document.get("sweep", {})
    _keys(sweep, {"destination"}, "[sweep]")
    sweep_to = None
    if "destination" in sweep:
        sweep_to = _address(sweep["destination"], "[sweep].destination")
        if sweep_to not in destinations:
            raise PolicyError(f"[sweep].destination {sweep_to} is not a whitelisted destination")
    return Policy(frozenset(approvers), assets, destinations, sweep_to)


def load_policy(path: Path) -> Policy:
    """Read and validate a policy TOML file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from None
    return parse_policy(document)
