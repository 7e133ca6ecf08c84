"""SoftHSM2 through PKCS#11: a secp256k1 key generated in the token signs a transaction the
chain accepts (low s, v recovered), through the offline CLI too; the key cannot be read out."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pkcs11
import pytest
from eth_account import Account
from pkcs11 import Attribute

from tradewind.chain.eip712 import SECP256K1_N, recover_signer
from tradewind.custody.errors import HsmError
from tradewind.custody.hsm import SOFTHSM2_MODULE, HsmSigner
from tradewind.custody.keys import Secret
from tradewind.custody.offline import (
    load_prepared,
    prepare_tx,
    sign_prepared,
    submit,
    write_document,
)

from .cli_support import Cli, require_unshare
from .conftest import SafeChain

PIN = "hsm-user-pin-4821"
TOKEN = "tradewind"


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SoftHSM2 token in a private directory; $SOFTHSM2_CONF points at its config."""
    if not SOFTHSM2_MODULE.is_file() or shutil.which("softhsm2-util") is None:
        reason = "softhsm2 not installed: run `python scripts/ensure_services.py` (apt softhsm2)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--so-pin",
            "so-pin-9",
            "--pin",
            PIN,
        ],
        check=True,
        capture_output=True,
    )
    yield conf
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def test_hsm_key_signs_a_transaction_the_chain_accepts(
    softhsm: Path, safe_chain: SafeChain, tmp_path: Path
) -> None:
    signer = HsmSigner.generate(SOFTHSM2_MODULE, TOKEN, Secret(PIN), "hot-hsm-1")
    try:
        # Many signatures: every one low-s and recovering to the token's address.
        for i in range(20):
            digest = bytes([i]) * 32
            signature = signer.sign(digest)
            assert signature.s <= SECP256K1_N // 2
            assert recover_signer(digest, signature) == signer.address

        w3 = safe_chain.w3
        w3.eth.send_transaction(
            {"from": safe_chain.executor.address, "to": signer.address, "value": 10**18}
        )
        recipient = Account.create().address
        write_document(
            tmp_path / "p.json", prepare_tx(w3, signer.address, recipient, 12345, b"", 0)
        )
        prepared = load_prepared(tmp_path / "p.json")
        signed = sign_prepared(prepared, signer)
        tx_hash = submit(w3, prepared, [signed])
        assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
        assert w3.eth.get_balance(recipient) == 12345

        # The private key stays in the token.
        key = signer.private_key_object
        assert key[Attribute.SENSITIVE] is True and key[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[Attribute.VALUE]
    finally:
        signer.close()


def test_hsm_signs_offline_through_the_cli(
    softhsm: Path, safe_chain: SafeChain, tmp_path: Path
) -> None:
    require_unshare()
    cli = Cli(tmp_path)
    cli.env["SOFTHSM2_CONF"] = str(softhsm)
    (tmp_path / "pin").write_text(PIN + "\n")
    made = cli.run(
        "custody",
        "hsm-keygen",
        "--hsm-module",
        str(SOFTHSM2_MODULE),
        "--hsm-key",
        "cold-hsm-1",
        "--pin-file",
        "pin",
    )
    address = made.stdout.split()[-1]
    signer = HsmSigner.open(SOFTHSM2_MODULE, TOKEN, Secret(PIN), "cold-hsm-1")
    assert signer.address == address
    signer.close()
    again = cli.run(
        "custody",
        "hsm-keygen",
        "--hsm-module",
        str(SOFTHSM2_MODULE),
        "--hsm-key",
        "cold-hsm-1",
        "--pin-file",
        "pin",
        expect=2,
    )
    assert "already holds a key labelled 'cold-hsm-1'" in again.stderr
    w3 = safe_chain.w3
    w3.eth.send_transaction({"from": safe_chain.executor.address, "to": address, "value": 10**18})
    rpc = safe_chain.node.rpc_url
    recipient = "0x000000000000000000000000000000000000bEEF"
    cli.run(
        "custody",
        "prepare",
        "--sender",
        address,
        "--to",
        recipient,
        "--value-wei",
        "777",
        "--rpc",
        rpc,
        "--out",
        "p.json",
    )
    cli.run(
        "custody",
        "sign",
        "p.json",
        "--hsm-module",
        str(SOFTHSM2_MODULE),
        "--hsm-key",
        "cold-hsm-1",
        "--pin-file",
        "pin",
        "--out",
        "s.json",
        "--offline-only",
        offline=True,
    )
    wrong = cli.run(
        "custody",
        "sign",
        "p.json",
        "--hsm-module",
        str(SOFTHSM2_MODULE),
        "--hsm-key",
        "nope",
        "--pin-file",
        "pin",
        "--out",
        "x.json",
        expect=2,
    )
    assert "no single EC key labelled 'nope'" in wrong.stderr
    cli.run("custody", "submit", "p.json", "s.json", "--rpc", rpc)
    assert w3.eth.get_balance(recipient) == 777
    for text in cli.printed:
        assert PIN not in text


def test_wrong_pin_and_missing_module_are_refused(softhsm: Path) -> None:
    with pytest.raises(HsmError, match="wrong PIN"):
        HsmSigner.open(SOFTHSM2_MODULE, TOKEN, Secret("0000"), "hot-hsm-1")
    with pytest.raises(HsmError, match="does not exist"):
        HsmSigner.open(Path("/nonexistent/libpkcs11.so"), TOKEN, Secret(PIN), "k")
