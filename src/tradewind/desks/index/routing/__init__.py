"""Collateral routing: vault deposit on the origin chain -> bridge -> exchange -> the desk.

ChainCollateralSource   the index desk's CollateralSource: follows the vault, routes, delivers
CollateralRouter        one deposit's route, stage by stage (router.py docstring)
RoutingRecord           what a route did and paid, per step (for the invoice)
BridgeFeeQuote, GasPricing, GasPrice   the bridge fee policy and gas -> USDC conversion
VenueCapital, SapiDepositHistory       the exchange's deposit address and deposit history
RouteStore              InMemoryRouteStore, SqliteRouteStore
"""

from __future__ import annotations

from tradewind.desks.index.routing.exchange import (
    DEPOSIT_CREDITED,
    DEPOSIT_PENDING,
    DepositHistorySource,
    ExchangeCapital,
    ExchangeDeposit,
    SapiDepositHistory,
    VenueCapital,
    find_deposit,
    parse_deposit_history,
)
from tradewind.desks.index.routing.fees import (
    COLLATERAL_PLACES,
    BridgeFeeQuote,
    EthPriceSource,
    GasPrice,
    GasPricing,
    InvalidFeePolicyError,
    UsdcPriceSource,
    ceil_places,
    units_to_decimal,
)
from tradewind.desks.index.routing.record import RouteStage, RoutingRecord, RoutingStep
from tradewind.desks.index.routing.router import (
    CollateralRouter,
    DeskWallet,
    InvalidRouteConfigError,
    RouteContracts,
    RouteFailed,
    RouterSettings,
)
from tradewind.desks.index.routing.source import ChainCollateralSource
from tradewind.desks.index.routing.store import InMemoryRouteStore, RouteStore, SqliteRouteStore
from tradewind.desks.index.routing.vault import CollateralVaultContract, VaultDeposit

__all__ = [
    "COLLATERAL_PLACES",
    "DEPOSIT_CREDITED",
    "DEPOSIT_PENDING",
    "BridgeFeeQuote",
    "ChainCollateralSource",
    "CollateralRouter",
    "CollateralVaultContract",
    "DepositHistorySource",
    "DeskWallet",
    "EthPriceSource",
    "ExchangeCapital",
    "ExchangeDeposit",
    "GasPrice",
    "GasPricing",
    "InMemoryRouteStore",
    "InvalidFeePolicyError",
    "InvalidRouteConfigError",
    "RouteContracts",
    "RouteFailed",
    "RouteStage",
    "RouteStore",
    "RouterSettings",
    "RoutingRecord",
    "RoutingStep",
    "SapiDepositHistory",
    "SqliteRouteStore",
    "UsdcPriceSource",
    "VaultDeposit",
    "VenueCapital",
    "ceil_places",
    "find_deposit",
    "parse_deposit_history",
    "units_to_decimal",
]
