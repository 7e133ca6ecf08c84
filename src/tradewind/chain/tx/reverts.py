"""Revert data to a readable reason: ``Error(string)``, ``Panic(uint256)`` or a custom error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractLogicError

__all__ = ["decode_revert", "revert_reason_of"]

_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


def _type_string(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param.get("components", ()))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _shown(value: object, abi_type: str) -> str:
    if abi_type == "address" and isinstance(value, str):
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if isinstance(value, str) else str(value)


def decode_revert(
    data: bytes | str | None, error_abi: Sequence[Mapping[str, Any]] = ()
) -> str | None:
    """The reason in revert ``data``; a custom error is named from ``error_abi`` when listed,
    else shown by its selector. None when there is no data."""
    if data is None:
        return None
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
    if len(raw) < 4:
        return None
    selector, body = raw[:4], raw[4:]
    try:
        if selector == _ERROR_STRING:
            (message,) = abi_decode(["string"], body)
            return str(message)
        if selector == _PANIC:
            (code,) = abi_decode(["uint256"], body)
            return f"Panic(0x{code:02x})"
        for entry in error_abi:
            if entry.get("type") != "error":
                continue
            inputs = list(entry.get("inputs", ()))
            types = [_type_string(p) for p in inputs]
            signature = f"{entry['name']}({','.join(types)})"
            if function_signature_to_4byte_selector(signature) == selector:
                values = abi_decode(types, body)
                shown = ", ".join(
                    f"{p.get('name') or i}={_shown(v, t)}"
                    for i, (p, t, v) in enumerate(zip(inputs, types, values, strict=True))
                )
                return f"{entry['name']}({shown})"
    except (DecodingError, ValueError, OverflowError):
        return f"undecodable revert data 0x{raw.hex()}"
    return f"custom error 0x{selector.hex()}"


def revert_reason_of(
    error: ContractLogicError, error_abi: Sequence[Mapping[str, Any]] = ()
) -> str | None:
    """The reason carried by a web3 revert error (its data, else its message)."""
    data = error.data if isinstance(error.data, str | bytes) else None
    reason = decode_revert(data, error_abi)
    if reason is not None:
        return reason
    message = error.message or (str(error.args[0]) if error.args else "")
    return message.removeprefix("execution reverted: ").removeprefix("execution reverted") or None
