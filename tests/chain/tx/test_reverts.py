"""Revert data to reasons, and transaction requests refused at the edge."""

from __future__ import annotations

import pytest
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from tradewind.chain.contracts import load_artifact
from tradewind.chain.tx import InvalidTxRequestError, TxRequest, decode_revert

USER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_error_string_and_panic() -> None:
    data = function_signature_to_4byte_selector("Error(string)") + abi_encode(["string"], ["no"])
    assert decode_revert("0x" + data.hex()) == "no"
    panic = function_signature_to_4byte_selector("Panic(uint256)") + abi_encode(["uint256"], [17])
    assert decode_revert(panic) == "Panic(0x11)"
    assert decode_revert(None) is None
    assert decode_revert("0x") is None


def test_custom_error_named_from_the_abi_or_shown_by_selector() -> None:
    abi = load_artifact("MockUSDC").abi_list()
    selector = function_signature_to_4byte_selector("FaucetLimitExceeded(uint256,uint256)")
    data = selector + abi_encode(["uint256", "uint256"], [5, 4])
    assert decode_revert(data, abi) == "FaucetLimitExceeded(requested=5, limit=4)"
    assert decode_revert(data) == f"custom error 0x{selector.hex()}"
    assert decode_revert(selector + b"\x01", abi) == f"undecodable revert data 0x{selector.hex()}01"


@pytest.mark.parametrize(
    "fields",
    [
        {"to": "0x1234"},
        {"to": USER, "value": -1},
        {"to": USER, "value": True},
        {"to": USER, "gas_limit": 20_999},
        {"to": USER, "data": "0xabc"},
        {"to": USER, "data": "zz"},
        {"to": None},
    ],
)
def test_bad_requests_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidTxRequestError):
        TxRequest(**fields)  # type: ignore[arg-type]


def test_request_normalises_address_and_data() -> None:
    request = TxRequest(to=USER.lower(), data=b"\xab")
    assert request.to == USER
    assert request.data == "0xab"
    assert TxRequest(to=USER, data="0xABCD").data == "0xabcd"
