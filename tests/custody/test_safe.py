"""Safe 1.4.1 from the npm artifacts: 2-of-3 with offline signatures, refusals, safe-eth-py hash."""

from __future__ import annotations

import pytest
from eth_account import Account
from safe_eth.eth import EthereumClient
from safe_eth.safe.safe_tx import SafeTx as SafeEthTx

from tradewind.chain.eip712 import DigestSigner
from tradewind.chain.safe_contracts import create_safe
from tradewind.custody.errors import (
    DuplicateOwnerSignatureError,
    NotAnOwnerError,
    NotEnoughSignaturesError,
    SafeRevertError,
)
from tradewind.custody.safe import (
    CALL,
    SafeClient,
    SafeTx,
    pack_signatures,
    safe_tx_hash,
    verify_signatures,
)

from .conftest import SafeChain, owner_keys

RECIPIENT = "0x000000000000000000000000000000000000bEEF"


def _funded_safe(chain: SafeChain, threshold: int = 2) -> tuple[SafeClient, list]:
    owners = owner_keys(3)
    address = create_safe(
        chain.w3, chain.stack, chain.executor, [o.address for o in owners], threshold
    )
    chain.w3.eth.send_transaction({"from": chain.executor.address, "to": address, "value": 10**18})
    return SafeClient(chain.w3, address), owners


def test_two_of_three_executes_with_two_offline_signatures(safe_chain: SafeChain) -> None:
    safe, owners = _funded_safe(safe_chain)
    assert safe.threshold() == 2 and set(safe.owners()) == {o.address for o in owners}
    tx = SafeTx(to=RECIPIENT, value=10**17, data=b"", operation=CALL, nonce=safe.nonce())
    digest = safe_tx_hash(tx, safe.chain_id, safe.address)
    assert digest == safe.tx_hash(tx)
    # safe-eth-py, an independent client, computes the same hash offline.
    theirs = SafeEthTx(
        EthereumClient(safe_chain.node.rpc_url),
        safe.address,
        RECIPIENT,
        10**17,
        b"",
        0,
        0,
        0,
        0,
        None,
        None,
        safe_nonce=tx.nonce,
        safe_version="1.4.1",
        chain_id=safe.chain_id,
    )
    assert theirs.safe_tx_hash == digest

    signatures = [DigestSigner(owners[i].key).sign(digest) for i in (2, 0)]
    packed = pack_signatures(verify_signatures(digest, signatures, safe.owners(), 2))
    before = safe_chain.w3.eth.get_balance(RECIPIENT)
    safe.execute(tx, packed, safe_chain.executor)
    assert safe_chain.w3.eth.get_balance(RECIPIENT) - before == 10**17
    assert safe.nonce() == 1


def test_one_signature_and_a_non_owner_are_refused(safe_chain: SafeChain) -> None:
    safe, owners = _funded_safe(safe_chain)
    tx = SafeTx(to=RECIPIENT, value=1, data=b"", operation=CALL, nonce=0)
    digest = safe_tx_hash(tx, safe.chain_id, safe.address)
    one = DigestSigner(owners[0].key).sign(digest)
    stranger = DigestSigner(Account.create().key).sign(digest)

    # Off-chain checks name the problem...
    with pytest.raises(NotEnoughSignaturesError):
        verify_signatures(digest, [one], safe.owners(), 2)
    with pytest.raises(NotAnOwnerError):
        verify_signatures(digest, [one, stranger], safe.owners(), 2)
    with pytest.raises(DuplicateOwnerSignatureError):
        verify_signatures(digest, [one, one], safe.owners(), 2)
    # ...and the Safe itself refuses the same packings: nothing is mined.
    block = safe_chain.w3.eth.block_number
    with pytest.raises(SafeRevertError, match="GS020"):
        safe.execute(tx, one.to_bytes(), safe_chain.executor)
    packed = pack_signatures({owners[0].address: one, Account.create().address: stranger})
    with pytest.raises(SafeRevertError, match="GS026"):
        safe.execute(tx, packed, safe_chain.executor)
    assert safe_chain.w3.eth.block_number == block
    assert safe.nonce() == 0


def test_safe_eth_py_signs_the_same_bytes_and_executes_our_safe_tx(safe_chain: SafeChain) -> None:
    # safe-eth-py as an independent client end to end: it signs (its own signer) and executes
    # the SafeTx we built; our packed signatures are byte-identical to its (RFC 6979 nonces).
    safe, owners = _funded_safe(safe_chain)
    tx = SafeTx(to=RECIPIENT, value=12345, data=b"", operation=CALL, nonce=safe.nonce())
    digest = safe_tx_hash(tx, safe.chain_id, safe.address)
    theirs = SafeEthTx(
        EthereumClient(safe_chain.node.rpc_url),
        safe.address,
        RECIPIENT,
        12345,
        b"",
        0,
        0,
        0,
        0,
        None,
        None,
        safe_nonce=tx.nonce,
        safe_version="1.4.1",
        chain_id=safe.chain_id,
    )
    for owner in owners[:2]:
        theirs.sign("0x" + bytes(owner.key).hex())
    ours = pack_signatures(
        verify_signatures(
            digest, [DigestSigner(bytes(o.key)).sign(digest) for o in owners[:2]], safe.owners(), 2
        )
    )
    assert bytes(theirs.signatures) == ours
    before = safe_chain.w3.eth.get_balance(RECIPIENT)
    theirs.execute("0x" + bytes(safe_chain.executor.key).hex())
    assert safe_chain.w3.eth.get_balance(RECIPIENT) - before == 12345
    assert safe.nonce() == 1
