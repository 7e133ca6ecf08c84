"""The bytes boundary: every core message round-trips; malformed bytes are refused clearly."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from typing import Any

import orjson
import pytest

from tradewind.bus import CodecError, MessageCodec, core_codec, core_message_types
from tradewind.core import Event, Message, OrderAccepted, OrderFilled


def test_samples_cover_every_registered_type(samples: list[Message]) -> None:
    sampled = {type(message) for message in samples}
    assert sampled == set(core_message_types())
    assert set(core_codec().types.values()) == sampled


def test_round_trip_is_exact(sample_message: Message) -> None:
    message = sample_message
    codec = core_codec()
    decoded = codec.decode(codec.encode(message))
    assert decoded == message
    assert type(decoded) is type(message)
    # Decimal equality ignores representation; the wire must keep it too (1E-5 stays 1E-5)
    for field in dataclasses.fields(message):
        original = getattr(message, field.name)
        if isinstance(original, D):
            assert str(getattr(decoded, field.name)) == str(original)


def test_wire_shape_is_plain_json_with_decimal_strings(samples: list[Message]) -> None:
    codec = core_codec()
    event = OrderAccepted(
        client_order_id="c", venue="v", symbol="A/B", venue_order_id="1", ts_event=1, ts_init=2
    )
    envelope = orjson.loads(codec.encode(event))
    assert envelope == {
        "type": "OrderAccepted",
        "v": 1,
        "data": {
            "ts_init": 2,
            "ts_event": 1,
            "client_order_id": "c",
            "venue": "v",
            "symbol": "A/B",
            "venue_order_id": "1",
        },
    }
    filled = next(m for m in samples if isinstance(m, OrderFilled))
    data = orjson.loads(codec.encode(filled))["data"]
    assert data["last_px"] == "30000.10" and data["side"] == "sell"


def _envelope(data: dict[str, Any], kind: str = "OrderAccepted", version: int = 1) -> bytes:
    return orjson.dumps({"type": kind, "v": version, "data": data})


GOOD = {
    "ts_init": 2,
    "ts_event": 1,
    "client_order_id": "c",
    "venue": "v",
    "symbol": "A/B",
    "venue_order_id": "1",
}


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"not json", "not JSON"),
        (orjson.dumps([1, 2]), "exactly"),
        (_envelope(GOOD, kind="OrderTeleported"), "unknown message type 'OrderTeleported'"),
        (_envelope(GOOD, version=2), "wire version"),
        (_envelope({**GOOD, "extra": 1}), "unknown fields ['extra']"),
        (_envelope({k: v for k, v in GOOD.items() if k != "venue"}), "missing fields ['venue']"),
        (_envelope({**GOOD, "ts_init": "2"}), "OrderAccepted.ts_init: expected an integer"),
        (_envelope({**GOOD, "ts_init": True}), "OrderAccepted.ts_init: expected an integer"),
        (_envelope({**GOOD, "ts_init": -1}), "ts_init"),
        (_envelope({**GOOD, "venue": ""}), "venue"),
    ],
)
def test_malformed_bytes_are_refused_with_the_place_named(payload: bytes, needle: str) -> None:
    with pytest.raises(CodecError) as caught:
        core_codec().decode(payload)
    assert needle in str(caught.value)


def test_decimals_must_be_finite_strings(samples: list[Message]) -> None:
    filled = next(m for m in samples if isinstance(m, OrderFilled))
    codec = core_codec()
    data = orjson.loads(codec.encode(filled))["data"]
    for bad, needle in ((1.5, "decimal string"), ("abc", "not a decimal"), ("NaN", "finite")):
        with pytest.raises(CodecError, match=needle):
            codec.decode(_envelope({**data, "last_px": bad}, kind="OrderFilled"))
    with pytest.raises(CodecError, match="is not a OrderSide"):
        codec.decode(_envelope({**data, "side": "sideways"}, kind="OrderFilled"))


def test_registry_refuses_name_clashes_and_unknown_types() -> None:
    codec = MessageCodec()

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class Custom(Event):
        note: str

    codec.register(Custom, name="custom.v1")
    message = Custom(note="hi", ts_event=0, ts_init=0)
    assert codec.decode(codec.encode(message)) == message
    with pytest.raises(ValueError, match="already names"):
        codec.register(OrderAccepted, name="custom.v1")
    with pytest.raises(CodecError, match="not registered"):
        codec.encode(OrderAccepted(**{**GOOD}))  # type: ignore[arg-type]
