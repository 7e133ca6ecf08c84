"""``POST /local/deposits`` creates collateral out of nothing, so it is off by default and, when
on, loopback only, token-guarded and as strict as FIX: checked against ``tradewind serve``
processes and a desk runtime through real HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.venues.sim.process import SimEndpoints

from .conftest import USER
from .desk_process import DEPOSIT_TOKEN, DeskProcess

pytestmark = [pytest.mark.e2e]

CHAIN = 42161
AUTH = {"Authorization": f"Bearer {DEPOSIT_TOKEN}"}


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "deposit_id": "dep-1",
        "chain_id": CHAIN,
        "address": USER,
        "asset": "USDT",
        "amount": "100",
    }
    body.update(overrides)
    return body


async def _post(
    url: str, *, json_body: Any = None, data: bytes | None = None, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/local/deposits", json=json_body, data=data, headers=headers) as answer,
    ):
        return answer.status, await answer.json(content_type=None)


async def test_serve_with_the_default_config_has_no_deposit_route(
    sim: SimEndpoints, account: Any, tmp_path: Path
) -> None:
    desk = DeskProcess(
        sim, account.api_key, account.api_secret, tmp_path / "desk", local_deposits=False
    )
    try:
        endpoints = await asyncio.to_thread(desk.start)
        status, answer = await _post(endpoints.url, json_body=_body(), headers=AUTH)
    finally:
        desk.close()
    assert status == 404
    assert answer["error"] == "not_found" and answer["detail"]


def _serve(sim: SimEndpoints, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    environ.update(
        {
            "TRADEWIND_VENUE__REST_URL": sim.rest_url,
            "TRADEWIND_VENUE__WS_URL": sim.ws_url,
            "TRADEWIND_VENUE__API_KEY": "k",
            "TRADEWIND_VENUE__API_SECRET": "s",
            "TRADEWIND_DESK__PORT": "0",
            "TRADEWIND_DESK__DATABASE": str(tmp_path / "desk.sqlite"),
            "TRADEWIND_DESK__KERNEL_DATABASE": str(tmp_path / "kernel.sqlite"),
            "TRADEWIND_DESK__LOCAL_DEPOSITS": "true",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "tradewind.app.cli", "serve"],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_refuses_local_deposits_without_a_token_or_off_loopback(
    sim: SimEndpoints, tmp_path: Path
) -> None:
    no_token = _serve(sim, tmp_path)
    assert no_token.returncode == 2
    assert "TRADEWIND_LOCAL_DEPOSIT_TOKEN" in no_token.stderr
    assert "Traceback" not in no_token.stderr
    exposed = _serve(
        sim, tmp_path, TRADEWIND_LOCAL_DEPOSIT_TOKEN="t", TRADEWIND_DESK__HOST='"0.0.0.0"'
    )
    assert exposed.returncode == 2
    assert "loopback" in exposed.stderr and "Traceback" not in exposed.stderr


BAD = [
    # (why, headers, body, status, error)
    ("no token", {}, _body(), 401, "unauthorized"),
    ("wrong token", {"Authorization": "Bearer nope"}, _body(), 401, "unauthorized"),
    ("JSON number", AUTH, _body(amount=2000), 422, "bad_deposit"),
    ("exponent", AUTH, _body(amount="1e3"), 422, "bad_deposit"),
    ("huge exponent", AUTH, _body(amount="1e400"), 422, "bad_deposit"),
    ("tiny", AUTH, _body(amount="1e-30"), 422, "bad_deposit"),
    ("19 decimals", AUTH, _body(amount="0.0000000000000000001"), 422, "bad_deposit"),
    ("negative", AUTH, _body(amount="-1"), 422, "bad_deposit"),
    ("float", AUTH, _body(amount=1.5), 422, "bad_deposit"),
    ("chain 2^64", AUTH, _body(chain_id=2**64), 422, "bad_deposit"),
    ("chain 2^63", AUTH, _body(chain_id=2**63), 422, "bad_deposit"),
    ("lower-case address", AUTH, _body(address=USER.lower()), 422, "bad_deposit"),
    ("SQL asset", AUTH, _body(asset="USDT'; DROP TABLE x;--"), 422, "unknown_asset"),
    ("unknown asset", AUTH, _body(asset="XYZ"), 422, "unknown_asset"),
    ("extra field", AUTH, _body(note="x"), 422, "bad_deposit"),
    ("array", AUTH, [_body()], 400, "bad_json"),
]


async def test_bad_local_deposits_are_refused_and_credit_nothing(
    desk_runtime: IndexDeskRuntime,
) -> None:
    journal = desk_runtime.desk.journal
    before = await asyncio.to_thread(journal.count)
    for why, headers, body, status, error in BAD:
        got, answer = await _post(desk_runtime.url, json_body=body, headers=headers)
        assert (got, answer.get("error")) == (status, error), (why, answer)
        assert isinstance(answer.get("detail"), str) and answer["detail"], why
    for raw in (b"not json", b"\xff\xfe", b"x" * 10_000):
        got, answer = await _post(
            desk_runtime.url, data=raw, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert got in (400, 413) and set(answer) == {"error", "detail"}, (raw[:10], answer)
    assert await asyncio.to_thread(journal.count) == before
    assert desk_runtime.desk.state.account(CHAIN, USER).collateral == {}


async def test_a_deposit_id_is_credited_once_and_a_changed_repost_is_a_conflict(
    desk_runtime: IndexDeskRuntime,
) -> None:
    url = desk_runtime.url
    assert await _post(url, json_body=_body(), headers=AUTH) == (
        200,
        {"deposit_id": "dep-1", "status": "credited"},
    )
    again = await _post(url, json_body=_body(), headers=AUTH)
    assert again == (200, {"deposit_id": "dep-1", "status": "already_credited"})
    status, answer = await _post(url, json_body=_body(amount="1000"), headers=AUTH)
    assert (status, answer["error"]) == (409, "deposit_conflict")
    collateral = desk_runtime.desk.state.account(CHAIN, USER).collateral["USDT"]
    assert collateral.free == Decimal(100)
