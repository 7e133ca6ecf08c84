"""Desk values -> wire models: what the desk hands the gateway (dataclasses, mappings, models
with Decimals and integer-ns timestamps) becomes a validated wire body.

On the wire an integer timestamp means milliseconds, while the desk counts nanoseconds; the
conversion here turns a desk ``ts`` (int ns) into ISO-8601 text before validation, so the two
units can never be confused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from tradewind.gateway.fixjson.messages import MintInvoiceModel
from tradewind.gateway.fixjson.wire_types import iso_from_ns

__all__ = ["InvalidDeskValue", "desk_fields", "invoice_model"]


class InvalidDeskValue(ValueError):
    """A value from the desk that does not fit the wire model it is meant for."""


def desk_fields(value: Any) -> dict[str, Any]:
    """The fields of a desk value (dataclass, pydantic model or mapping) as a plain dict, with
    an integer-ns ``ts`` turned into ISO-8601 text."""
    if isinstance(value, BaseModel):
        fields = value.model_dump()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.asdict(value)
    elif isinstance(value, Mapping):
        fields = dict(value)
    else:
        raise InvalidDeskValue(f"expected a dataclass, a model or a mapping, got {type(value)}")
    ts = fields.get("ts")
    if isinstance(ts, int) and not isinstance(ts, bool):
        fields["ts"] = iso_from_ns(ts)
    return fields


def invoice_model(value: Any) -> MintInvoiceModel:
    """A desk invoice as the REST model; raises ``InvalidDeskValue``."""
    if isinstance(value, MintInvoiceModel):
        return value
    try:
        return MintInvoiceModel.model_validate(desk_fields(value))
    except ValidationError as exc:
        raise InvalidDeskValue(f"not a mint invoice: {exc}") from None
