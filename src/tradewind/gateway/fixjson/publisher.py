"""Pushing desk outputs (fill reports, invoices) to every open session of an account."""

from __future__ import annotations

from typing import Any

from eth_utils import is_hex_address, to_checksum_address
from pydantic import ValidationError

from tradewind.common.logging import get_logger
from tradewind.gateway.fixjson.connection import ConnectionRegistry
from tradewind.gateway.fixjson.messages import (
    SERVER_MESSAGES,
    Ack,
    Nak,
    ServerMessageBase,
    StandardHeader,
)
from tradewind.gateway.fixjson.protocols import AccountKey
from tradewind.gateway.fixjson.wire_bodies import InvalidDeskValue, desk_fields

__all__ = ["GatewayPublisher", "InvalidPublication"]

_log = get_logger("gateway.fixjson.publisher")

_PROBE_HEADER = StandardHeader(
    msg_type="probe", sender_comp_id="probe", target_comp_id="probe", seq_num=1, timestamp=0
)


class InvalidPublication(ValueError):
    """A publish call the gateway cannot turn into a message: unknown or reply-only msg_type,
    an address that is not one, or a body that does not fit the message."""


class GatewayPublisher:
    """Sends desk outputs to the sessions of the account they concern (``app.state.publisher``).
    Sessions see an account once they sent an admitted signed message for it."""

    def __init__(self, registry: ConnectionRegistry) -> None:
        self._registry = registry

    async def publish(self, chain_id: int, address: str, msg_type: str, body: Any) -> int:
        """Queue ``msg_type`` (e.g. "IndexOrderFill", "MintInvoice") with ``body`` (a desk
        dataclass, model or mapping: Decimals, ``ts`` in integer ns) to every open session of
        ``(chain_id, address)``; returns how many sessions it was queued to (0: nobody
        listening, not an error). Raises ``InvalidPublication`` whether or not anyone listens."""
        model = SERVER_MESSAGES.get(msg_type)
        if model is None or model in (Ack, Nak):
            raise InvalidPublication(f"cannot publish msg_type {msg_type!r}")
        if not isinstance(address, str) or not is_hex_address(address):
            raise InvalidPublication(f"not an address: {address!r}")
        account = AccountKey(chain_id, to_checksum_address(address))
        fields = self._fields(model, account, body)
        connections = self._registry.of_account(account)
        for connection in connections:
            connection.push(
                model, chain_id=account.chain_id, address=account.address, fields=fields
            )
        _log.debug("published", msg_type=msg_type, chain_id=chain_id, sessions=len(connections))
        return len(connections)

    def message(
        self, account: AccountKey, msg_type: str, body: Any
    ) -> tuple[type[ServerMessageBase], dict[str, Any]]:
        """The model and checked fields of a pushable message for ``account`` (as ``publish``
        builds them); raises ``InvalidPublication``."""
        model = SERVER_MESSAGES.get(msg_type)
        if model is None or model in (Ack, Nak):
            raise InvalidPublication(f"cannot publish msg_type {msg_type!r}")
        return model, self._fields(model, account, body)

    @staticmethod
    def _fields(model: type[ServerMessageBase], account: AccountKey, body: Any) -> dict[str, Any]:
        try:
            fields = desk_fields(body)
        except InvalidDeskValue as exc:
            raise InvalidPublication(str(exc)) from None
        for name, expected in (("chain_id", account.chain_id), ("address", account.address)):
            given = fields.pop(name, expected)
            if name == "address" and isinstance(given, str) and is_hex_address(given):
                given = to_checksum_address(given)
            if given != expected:
                raise InvalidPublication(f"body {name} {given!r} differs from {expected!r}")
        try:
            model.model_validate(
                {
                    "standard_header": _PROBE_HEADER.model_copy(
                        update={"msg_type": model.MSG_TYPE}
                    ),
                    "chain_id": account.chain_id,
                    "address": account.address,
                    **fields,
                }
            )
        except ValidationError as exc:
            raise InvalidPublication(f"{model.MSG_TYPE} body does not fit: {exc}") from None
        return fields
