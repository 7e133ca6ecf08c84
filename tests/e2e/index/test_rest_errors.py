"""Every error of the desk's REST API is ``{"error", "detail"}`` with a 4xx status: hand-picked
hostile requests, then schemathesis (bounded examples) against the served ``/openapi.json``."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tradewind.desks.index.runtime import IndexDeskRuntime

from .conftest import USER
from .desk_process import DEPOSIT_TOKEN

pytestmark = [pytest.mark.e2e]

HOSTILE = [
    # (why, method, path, body, status)
    ("5000-digit start", "GET", "/invoices?start=" + "9" * 5000 + "&end=1", None, 422),
    ("chain_id 2^63", "GET", "/invoices?start=0&end=1&chain_id=9223372036854775808", None, 422),
    ("chain_id 2^64", "GET", "/invoices?start=0&end=1&chain_id=18446744073709551616", None, 422),
    ("chain_id 0", "GET", f"/invoices/0/{USER}/x", None, 422),
    ("huge path chain", "GET", f"/invoices/{2**64}/{USER}/x", None, 422),
    ("lower-case address", "GET", f"/invoices?start=0&end=1&address={USER.lower()}", None, 422),
    ("no such route", "GET", "/nope", None, 404),
    ("wrong method", "DELETE", "/health", None, 405),
    ("non-JSON deposit", "POST", "/local/deposits", b"{not json", 400),
]


async def test_hostile_requests_get_the_documented_error_shape(
    desk_runtime: IndexDeskRuntime,
) -> None:
    headers = {"Authorization": f"Bearer {DEPOSIT_TOKEN}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        for why, method, path, body, status in HOSTILE:
            async with http.request(
                method, desk_runtime.url + path, data=body, headers=headers
            ) as response:
                answer: Any = await response.json(content_type=None)
                assert response.status == status, (why, answer)
                assert set(answer) == {"error", "detail"}, (why, answer)
                assert isinstance(answer["error"], str) and isinstance(answer["detail"], str)


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    desk_runtime: IndexDeskRuntime, tmp_path: Path
) -> None:
    st = Path(sys.executable).with_name("st")
    process = await asyncio.create_subprocess_exec(
        str(st), "run", f"{desk_runtime.url}/openapi.json",
        "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
        "--max-examples", "40", "--seed", "10", "--workers", "1",
        "--header", f"Authorization: Bearer {DEPOSIT_TOKEN}",
        "--generation-database", "none",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-4000:]
