"""Fixtures for the index desk end to end: a desk runtime on a running ``tradewind sim``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from eth_account import Account

from tradewind.common.config import DeskConfig
from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.node.venue_factory import VenueSettings
from tradewind.venues.sim.process import SimEndpoints

from .desk_process import DEPOSIT_TOKEN

# a fixed user key, so failures name the same address every run (never a real key)
USER_KEY = "0x" + "11" * 32
USER = Account.from_key(USER_KEY).address


def desk_config(tmp: Path, **overrides: object) -> DeskConfig:
    values: dict[str, object] = {
        "port": 0,
        "database": str(tmp / "desk.sqlite"),
        "kernel_database": str(tmp / "kernel.sqlite"),
        "batch_interval_ms": 20,
        "local_deposits": True,
    }
    values.update(overrides)
    return DeskConfig.model_validate(values)


def venue_settings(sim: SimEndpoints, api_key: str, api_secret: str) -> VenueSettings:
    return VenueSettings(
        name="sim", rest_url=sim.rest_url, ws_url=sim.ws_url, api_key=api_key,
        api_secret=api_secret,
    )  # fmt: skip


@pytest.fixture
def gateway_limits() -> GatewayLimits | None:
    """The desk's gateway limits (None: the defaults); a test module may override it."""
    return None


@pytest.fixture
async def desk_runtime(
    sim: SimEndpoints, account: object, tmp_path: Path, gateway_limits: GatewayLimits | None
) -> AsyncIterator[IndexDeskRuntime]:
    settings = venue_settings(sim, account.api_key, account.api_secret)  # type: ignore[attr-defined]
    async with IndexDeskRuntime(
        desk_config(tmp_path),
        settings,
        local_deposit_token=DEPOSIT_TOKEN,
        gateway_limits=gateway_limits,
    ) as runtime:
        yield runtime
