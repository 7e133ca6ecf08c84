"""Plain transactions through the offline files: a signature file whose raw transaction differs
from the prepared one, another sender's signature, or a used nonce are refused; nothing is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.chain.eip712 import DigestSigner
from tradewind.custody.errors import CustodyError, NonceReusedError, TamperedFileError
from tradewind.custody.offline import (
    load_prepared,
    prepare_tx,
    sign_prepared,
    submit,
    write_document,
)
from tradewind.custody.transactions import sign_transaction

from .conftest import SafeChain, owner_keys

RECIPIENT = "0x000000000000000000000000000000000000bEEF"


def test_plain_tx_refusals_and_success(safe_chain: SafeChain, tmp_path: Path) -> None:
    w3 = safe_chain.w3
    sender, stranger = owner_keys(2, "plain")
    w3.eth.send_transaction(
        {"from": safe_chain.executor.address, "to": sender.address, "value": 10**18}
    )
    signer = DigestSigner(bytes(sender.key))
    write_document(tmp_path / "p.json", prepare_tx(w3, sender.address, RECIPIENT, 1000, b"", 0))
    prepared = load_prepared(tmp_path / "p.json")

    with pytest.raises(CustodyError, match="the file is for sender"):
        sign_prepared(prepared, DigestSigner(bytes(stranger.key)))
    good = sign_prepared(prepared, signer)
    # Same key, same nonce, another amount: the signature file no longer matches the file.
    fields = {k: int(v) for k, v in prepared["tx"].items() if k not in {"to", "data"}}
    other = sign_transaction({**fields, "to": RECIPIENT, "value": 10**17, "data": b""}, signer)
    forged = {**good, "raw_transaction": "0x" + other.raw.hex()}
    block = w3.eth.block_number
    with pytest.raises(TamperedFileError, match="differs from the prepared one in value"):
        submit(w3, prepared, [forged])
    with pytest.raises(TamperedFileError, match="another prepared file"):
        submit(w3, prepared, [{**good, "prepared_content_hash": "0x" + "00" * 32}])
    assert w3.eth.block_number == block

    submit(w3, prepared, [good])
    assert w3.eth.get_balance(RECIPIENT) == 1000
    with pytest.raises(NonceReusedError, match="already used"):
        submit(w3, prepared, [good])
