"""docs/fix-json holds exactly what the models generate, and describes real messages."""

from __future__ import annotations

import json
from pathlib import Path

from tradewind.gateway.fixjson import write_json_schemas
from tradewind.gateway.fixjson.schemas import json_schemas

DOCS = Path(__file__).resolve().parents[3] / "docs" / "fix-json"
REGENERATE = (
    '.venv/bin/python -c "from tradewind.gateway.fixjson.schemas import write_json_schemas; '
    "write_json_schemas('docs/fix-json')\""
)


def test_committed_schemas_are_up_to_date(tmp_path: Path) -> None:
    written = write_json_schemas(tmp_path)
    generated = {path.name: path.read_text(encoding="utf-8") for path in written}
    committed = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.json")}
    assert set(committed) == set(generated), f"regenerate with: {REGENERATE}"
    stale = sorted(name for name in generated if generated[name] != committed[name])
    assert not stale, f"{stale} are stale; regenerate with: {REGENERATE}"


def test_one_schema_per_message_with_its_msg_type_pinned() -> None:
    schemas = json_schemas()
    assert set(schemas) == {
        "client.NewIndexOrder.json",
        "client.CancelIndexOrder.json",
        "client.NewQuoteRequest.json",
        "client.CancelQuoteRequest.json",
        "client.AccountStatusRequest.json",
        "client.ReplayRequest.json",
        "server.ACK.json",
        "server.NAK.json",
        "server.NewIndexOrder.json",
        "server.CancelIndexOrder.json",
        "server.IndexOrderFill.json",
        "server.IndexQuoteResponse.json",
        "server.MintInvoice.json",
        "server.AccountStatus.json",
        "server.ReplayResponse.json",
        "rest.MintInvoice.json",
    }
    order = schemas["client.NewIndexOrder.json"]
    header = order["properties"]["standard_header"]["allOf"][1]
    assert header == {"properties": {"msg_type": {"const": "NewIndexOrder"}}}
    assert "standard_trailer" in order["required"]  # money moves only signed
    assert "standard_trailer" not in schemas["client.NewQuoteRequest.json"]["required"]
    assert order["additionalProperties"] is False
    assert order["properties"]["amount"]["type"] == "string"
    assert order["properties"]["side"]["enum"] == ["1", "2", "buy", "sell"]
    fill = schemas["server.IndexOrderFill.json"]
    assert fill["properties"]["collateral_spent"]["type"] == "string"
    json.dumps(schemas)  # plain JSON all the way down
