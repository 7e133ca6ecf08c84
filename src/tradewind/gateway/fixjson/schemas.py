"""JSON Schemas of the wire format, one file per message, generated from the models.

``write_json_schemas(folder)`` writes ``client.<MsgType>.json``, ``server.<MsgType>.json`` and
``rest.MintInvoice.json``; ``docs/fix-json/`` holds the committed copy and a test regenerates it
to check it is current:

    .venv/bin/python -c "from tradewind.gateway.fixjson.schemas import write_json_schemas; \\
        write_json_schemas('docs/fix-json')"
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tradewind.gateway.fixjson.messages import CLIENT_MESSAGES, SERVER_MESSAGES, MintInvoiceModel

__all__ = ["json_schemas", "write_json_schemas"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _schema(model: type[BaseModel], title: str, mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation" if mode == "client" else "serialization")
    return {"$schema": _DRAFT, **schema, "title": title}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of every message (client messages as the gateway accepts
    them, server messages and the REST invoice as it emits them)."""
    schemas: dict[str, dict[str, Any]] = {}
    groups: tuple[tuple[str, Mapping[str, type[BaseModel]]], ...] = (
        ("client", CLIENT_MESSAGES),
        ("server", SERVER_MESSAGES),
        ("rest", {"MintInvoice": MintInvoiceModel}),
    )
    for direction, models in groups:
        for msg_type, model in sorted(models.items()):
            schemas[f"{direction}.{msg_type}.json"] = _schema(
                model, f"{direction} {msg_type}", direction
            )
    return schemas


def write_json_schemas(folder: str | Path) -> list[Path]:
    """Write every schema into ``folder`` (created if missing; other files left alone);
    returns the paths written. Output is stable: sorted keys, 2-space indent, final newline."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        path = target / name
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
