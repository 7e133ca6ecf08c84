"""The offline round trip through the real command line: keys-init, prepare, sign (in a network
namespace with no interfaces), submit; tampering, wrong chain, reused nonce and non-owner
signatures are refused with a specific error and nothing is sent; nothing secret is printed."""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.eip712 import DigestSigner
from tradewind.chain.keys import create_keystore
from tradewind.chain.nodes import BASE, AnvilNode
from tradewind.chain.safe_contracts import create_safe
from tradewind.custody.keys import Secret, derive_account
from tradewind.custody.offline import SIGNATURE_FORMAT, load_prepared, write_document
from tradewind.custody.policy import Tier

from .cli_support import Cli, require_unshare
from .conftest import SafeChain

RECIPIENT = "0x000000000000000000000000000000000000bEEF"
PASSWORD = "correct horse battery staple 7"


def test_offline_round_trip_and_refusals(
    safe_chain: SafeChain, tmp_path: Path, anvil_path: Path
) -> None:
    require_unshare()
    cli = Cli(tmp_path)
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    keys = tmp_path / "keys"
    cli.run(
        "custody",
        "keys-init",
        str(keys),
        "--password-file",
        "pw",
        "--hot",
        "1",
        "--warm",
        "0",
        "--cold",
        "3",
        "--kdf-iterations",
        "16",
        full=True,
    )
    manifest = json.loads((keys / "keys.json").read_text())
    cold = [e["address"] for e in manifest if e["tier"] == "cold"]
    assert [e["path"] for e in manifest if e["tier"] == "cold"] == [
        f"m/44'/60'/2'/0/{i}" for i in range(3)
    ]
    mnemonic = (keys / "mnemonic.txt").read_text().strip()
    assert (keys / "mnemonic.txt").stat().st_mode & 0o077 == 0
    assert derive_account(Secret(mnemonic), Tier.COLD, 1).address == cold[1]

    w3 = safe_chain.w3
    safe = create_safe(w3, safe_chain.stack, safe_chain.executor, cold, 2)
    w3.eth.send_transaction({"from": safe_chain.executor.address, "to": safe, "value": 10**18})
    create_keystore(
        tmp_path / "executor.json",
        PASSWORD,
        private_key=ANVIL_DEV_ACCOUNTS[0].private_key,
        kdf_iterations=16,
    )
    rpc = safe_chain.node.rpc_url

    out = cli.run(
        "custody",
        "prepare",
        "--safe",
        safe,
        "--to",
        RECIPIENT,
        "--value-wei",
        str(10**17),
        "--rpc",
        rpc,
        "--out",
        "p.json",
    )
    assert json.loads(out.stdout)["action"] == "native transfer"
    prepared = load_prepared(tmp_path / "p.json")
    assert prepared["owners"] == cold and prepared["threshold"] == 2

    # A cold key refuses to sign where the network is up...
    refused = cli.run(
        "custody",
        "sign",
        "p.json",
        "--keystore",
        str(keys / "cold-0.json"),
        "--password-file",
        "pw",
        "--out",
        "s0.json",
        expect=2,
    )
    assert "without network" in refused.stderr and "Traceback" not in refused.stderr
    # ...and signs in a network namespace with no interfaces.
    for i in (0, 2):
        signed = cli.run(
            "custody",
            "sign",
            "p.json",
            "--keystore",
            str(keys / f"cold-{i}.json"),
            "--password-file",
            "pw",
            "--out",
            f"s{i}.json",
            offline=True,
        )
        # The offline signer is shown what it signs.
        assert f"chain 42161 safe_tx from {safe} nonce 0" in signed.stdout
        assert '"action": "native transfer"' in signed.stdout and RECIPIENT in signed.stdout

    # A tampered prepared file is refused by sign and by submit; nothing is sent.
    document = json.loads((tmp_path / "p.json").read_text())
    document["safe_tx"]["to"] = "0x000000000000000000000000000000000000dEaD"
    (tmp_path / "tampered.json").write_text(json.dumps(document))
    done = cli.run(
        "custody",
        "sign",
        "tampered.json",
        "--keystore",
        str(keys / "cold-1.json"),
        "--password-file",
        "pw",
        "--out",
        "t.json",
        offline=True,
        expect=2,
    )
    assert "modified after it was written" in done.stderr
    assert not (tmp_path / "t.json").exists()
    block = w3.eth.block_number
    done = cli.run(
        "custody",
        "submit",
        "tampered.json",
        "s0.json",
        "s2.json",
        "--rpc",
        rpc,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
        expect=2,
    )
    assert "modified after it was written" in done.stderr

    # A signature from a non-owner (the hot key) is refused before sending.
    hot = derive_account(Secret(mnemonic), Tier.HOT, 0)
    forged = {
        "format": SIGNATURE_FORMAT,
        "prepared_content_hash": prepared["content_hash"],
        "signer": hot.address,
        "signature": DigestSigner(bytes(hot.key))
        .sign(bytes.fromhex(prepared["safe_tx_hash"][2:]))
        .to_hex(),
    }
    write_document(tmp_path / "forged.json", forged)
    done = cli.run(
        "custody",
        "submit",
        "p.json",
        "s0.json",
        "forged.json",
        "--rpc",
        rpc,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
        expect=2,
    )
    assert "is not an owner" in done.stderr

    # The wrong chain: the same files against another chain's node.
    other = AnvilNode(BASE.name, BASE.chain_id, anvil_path=anvil_path).start_blocking()
    try:
        done = cli.run(
            "custody",
            "submit",
            "p.json",
            "s0.json",
            "s2.json",
            "--rpc",
            other.rpc_url,
            "--executor-keystore",
            "executor.json",
            "--password-file",
            "pw",
            expect=2,
        )
        assert "chain id 42161, the node is chain id 8453" in done.stderr
    finally:
        other.stop_blocking()
    assert w3.eth.block_number == block

    before = w3.eth.get_balance(RECIPIENT)
    cli.run(
        "custody",
        "submit",
        "p.json",
        "s0.json",
        "s2.json",
        "--rpc",
        rpc,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
    )
    assert w3.eth.get_balance(RECIPIENT) - before == 10**17
    block = w3.eth.block_number

    # The same files again: the Safe nonce is used.
    done = cli.run(
        "custody",
        "submit",
        "p.json",
        "s0.json",
        "s2.json",
        "--rpc",
        rpc,
        "--executor-keystore",
        "executor.json",
        "--password-file",
        "pw",
        expect=2,
    )
    assert "Safe nonce 0 is already used" in done.stderr
    assert w3.eth.block_number == block

    # Nothing secret in anything printed or written (but the secrets' own files).
    secrets = [PASSWORD, mnemonic, ANVIL_DEV_ACCOUNTS[0].private_key[2:].lower()]
    secrets += [
        bytes(derive_account(Secret(mnemonic), t, i).key).hex()
        for t, n in ((Tier.HOT, 1), (Tier.COLD, 3))
        for i in range(n)
    ]
    secrets += mnemonic.split()[:1] and [" ".join(mnemonic.split()[:4])]
    written = [
        p.read_text(errors="replace")
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name not in {"mnemonic.txt", "pw"}
    ]
    for text in cli.printed + written:
        for secret in secrets:
            assert secret.lower() not in text.lower()
    assert Account.from_key(ANVIL_DEV_ACCOUNTS[0].private_key).address  # keys used above exist
