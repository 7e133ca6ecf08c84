"""REST invoice routes, /health and the OpenAPI document, over a live server."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradewind.gateway.fixjson import GatewayLimits

T0 = 1_735_689_600_000_000_000  # 2025-01-01T00:00:00Z in ns
MS = 1_000_000


def invoice(chain_id: int, address: str, client_order_id: str, ts: int) -> dict[str, Any]:
    """An invoice as a desk would hand it over: Decimals, ts in integer ns."""
    return {
        "invoice_id": client_order_id.encode().hex().ljust(64, "0")[:64],
        "chain_id": chain_id,
        "address": address,
        "client_order_id": client_order_id,
        "symbol": "TW10",
        "side": "buy",
        "quantity": Decimal("2.5"),
        "lots": [
            {
                "lot_id": "sim:1",
                "symbol": "BTC/USDT",
                "side": "buy",
                "price": Decimal("50000.10"),
                "quantity": Decimal("0.00025"),
                "fee": Decimal("0.0000001"),
                "fee_asset": "BTC",
                "cost": Decimal("12.500025"),
            }
        ],
        "amount_paid": Decimal("12.51252503"),
        "amount_remaining": Decimal("987.48747497"),
        "assets_value": Decimal("12.500025"),
        "exchange_fees": Decimal("0.00500001"),
        "desk_fee": Decimal("0.01250003"),
        "routing_fees": Decimal("0"),
        "fill_rate": Decimal("0.0125125250"),
        "position": Decimal("2.5"),
        "tx_hash": None,
        "ts": ts,
    }


@pytest.fixture
async def served(start_gateway, keys):
    gateway = await start_gateway(GatewayLimits(max_invoices_per_query=3))
    gateway.invoices.invoices.extend(
        [
            invoice(keys.chain_id, keys.alice_address, "o-1", T0),
            invoice(keys.chain_id, keys.alice_address, "o-2", T0 + 1000 * MS),
            invoice(keys.chain_id, keys.bob_address, "o-3", T0 + 2000 * MS),
            invoice(8453, keys.alice_address, "o-4", T0 + 3000 * MS),
        ]
    )
    async with aiohttp.ClientSession(gateway.server.http_url) as http:
        yield gateway, http


async def _get(http: aiohttp.ClientSession, path: str, **params: Any) -> tuple[int, Any]:
    async with http.get(path, params=params) as response:
        return response.status, await response.json()


async def test_get_one_invoice(served, keys) -> None:
    _, http = served
    status, body = await _get(http, f"/invoices/{keys.chain_id}/{keys.alice_address}/o-2")
    assert status == 200
    assert body["client_order_id"] == "o-2"
    assert body["ts"] == "2025-01-01T00:00:01.000Z"
    assert body["amount_paid"] == "12.51252503"  # Decimals as exact strings
    assert body["lots"][0]["price"] == "50000.10"
    assert body["tx_hash"] is None
    # a lower-case address is refused, as on FIX: one rule for both
    lower = keys.alice_address.lower()
    status, error = await _get(http, f"/invoices/{keys.chain_id}/{lower}/o-2")
    assert (status, error["error"]) == (422, "bad_address")


async def test_absent_invoice_is_404_json(served, keys) -> None:
    _, http = served
    status, body = await _get(http, f"/invoices/{keys.chain_id}/{keys.bob_address}/o-1")
    assert status == 404
    assert body["error"] == "invoice_not_found"
    assert "o-1" in body["detail"]


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/invoices/31337/0x1234/o-1", "bad_address"),
        ("/invoices/31337/0xAf295d3c842bc1145E818d7FEf2c929726625620/o-1", "bad_address"),
        ("/invoices/chain/0xaf295d3c842bc1145e818d7fef2c929726625620/o-1", "bad_request"),
    ],
)
async def test_bad_path_is_422_json(served, path, error) -> None:
    _, http = served
    status, body = await _get(http, path)
    assert (status, body["error"]) == (422, error)


async def test_time_range_half_open_iso_or_ms(served, keys) -> None:
    _, http = served
    status, body = await _get(
        http, "/invoices", start="2025-01-01T00:00:00.000Z", end=str(T0 // MS + 2000)
    )
    assert status == 200
    assert [item["client_order_id"] for item in body] == ["o-1", "o-2"]
    status, body = await _get(
        http,
        "/invoices",
        start=str(T0 // MS + 1),
        end="2025-01-01T00:00:10Z",
        address=keys.alice_address,
    )
    assert [item["client_order_id"] for item in body] == ["o-2", "o-4"]
    status, body = await _get(
        http,
        "/invoices",
        start="2025-01-01T00:00:00Z",
        end="2025-01-02T00:00:00Z",
        chain_id="8453",
    )
    assert [item["client_order_id"] for item in body] == ["o-4"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"start": "2025-01-01T00:00:01Z", "end": "2025-01-01T00:00:01Z"}, "bad_range"),
        ({"start": "2025-01-02T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "bad_range"),
        ({"start": "yesterday", "end": "2025-01-01T00:00:00Z"}, "bad_range"),
        ({"start": "2025-02-30T00:00:00Z", "end": "2025-03-01T00:00:00Z"}, "bad_range"),
        ({"start": "2025-01-01T00:00:00+02:00", "end": "2025-03-01T00:00:00Z"}, "bad_range"),
        ({"start": "-5", "end": "10"}, "bad_range"),
        ({"start": "0"}, "bad_request"),
        ({"start": "0", "end": "10", "chain_id": "x"}, "bad_request"),
        ({"start": "0", "end": "10", "address": "0xnope"}, "bad_address"),
    ],
)
async def test_bad_range_is_422_json(served, params, error) -> None:
    _, http = served
    status, body = await _get(http, "/invoices", **params)
    assert (status, body["error"]) == (422, error), body
    assert body["detail"]


async def test_too_many_results_is_refused_not_truncated(served) -> None:
    _, http = served
    status, body = await _get(http, "/invoices", start="0", end=str(T0 // MS + 10_000))
    assert (status, body["error"]) == (422, "too_many_results")


async def test_openapi_documents_routes_and_models(served) -> None:
    _, http = served
    status, spec = await _get(http, "/openapi.json")
    assert status == 200
    paths = spec["paths"]
    one_path = "/invoices/{chain_id}/{address}/{client_order_id}"
    assert {one_path, "/invoices", "/health"} <= set(paths)
    one = paths["/invoices/{chain_id}/{address}/{client_order_id}"]["get"]["responses"]
    assert one["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/MintInvoiceModel")
    assert one["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorModel")
    many = paths["/invoices"]["get"]
    assert many["responses"]["200"]["content"]["application/json"]["schema"]["items"][
        "$ref"
    ].endswith("/MintInvoiceModel")
    assert {p["name"] for p in many["parameters"]} == {"start", "end", "chain_id", "address"}
    schemas = spec["components"]["schemas"]
    assert {"MintInvoiceModel", "InvoiceLotModel", "ErrorModel", "HealthModel"} <= set(schemas)
    model = schemas["MintInvoiceModel"]
    assert model["properties"]["amount_paid"]["type"] == "string"
    assert set(model["required"]) >= {"invoice_id", "chain_id", "address", "lots", "ts"}


async def test_reader_returning_garbage_is_500_without_detail(served, keys) -> None:
    gateway, http = served
    gateway.invoices.invoices.append(
        {**invoice(keys.chain_id, keys.alice_address, "o-9", T0), "amount_paid": float("nan")}
    )
    status, body = await _get(http, f"/invoices/{keys.chain_id}/{keys.alice_address}/o-9")
    assert (status, body) == (500, {"error": "internal", "detail": "internal error"})


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_api_docs_pages_load_every_asset_from_the_gateway_itself(served, page) -> None:
    # offline, a page that loads its script from a CDN stays blank: every asset is local
    import re

    _, http = served
    async with http.get(page) as response:
        assert response.status == 200
        html = await response.text()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assets += re.findall(r"""(?:url|spec-url):\s*['"]([^'"]+)['"]""", html)
    assert assets, html
    assert not [a for a in assets if "://" in a or a.startswith("//")], assets
    for asset in assets:
        async with http.get(asset) as response:
            assert response.status == 200, asset
            assert len(await response.read()) > 100, asset
