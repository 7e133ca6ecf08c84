"""Key hierarchy: BIP-44 known answers (anvil's public mnemonic), tier separation, keystores,
bad input refused without quoting secrets."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS, ANVIL_DEV_MNEMONIC
from tradewind.custody.errors import KeyHierarchyError
from tradewind.custody.keys import (
    Secret,
    create_hierarchy,
    derivation_path,
    derive_account,
    unlock_keystore,
)
from tradewind.custody.policy import Tier

MNEMONIC = Secret(ANVIL_DEV_MNEMONIC)


def test_hot_tier_paths_match_the_standard_ethereum_derivation() -> None:
    # anvil derives its dev accounts at m/44'/60'/0'/0/i: our hot tier is account 0'.
    for i in range(3):
        assert derive_account(MNEMONIC, Tier.HOT, i).address == ANVIL_DEV_ACCOUNTS[i].address
    assert derivation_path(Tier.COLD, 7) == "m/44'/60'/2'/0/7"
    addresses = {derive_account(MNEMONIC, tier, 0).address for tier in Tier}
    assert len(addresses) == 3  # hardened tier accounts: distinct keys per tier
    # A BIP-39 passphrase gives another hierarchy.
    assert (
        derive_account(MNEMONIC, Tier.HOT, 0, Secret("extra")).address
        != ANVIL_DEV_ACCOUNTS[0].address
    )


def test_hierarchy_files_and_keystores(tmp_path: Path) -> None:
    entries = create_hierarchy(
        tmp_path / "k",
        Secret("pw-1"),
        {Tier.HOT: 1, Tier.COLD: 2},
        mnemonic=MNEMONIC,
        kdf_iterations=16,
    )
    assert [(e.tier, e.index) for e in entries] == [(Tier.HOT, 0), (Tier.COLD, 0), (Tier.COLD, 1)]
    assert not (tmp_path / "k" / "mnemonic.txt").exists()  # a given mnemonic is not written
    account, signer = unlock_keystore(tmp_path / "k" / "cold-1.json", Secret("pw-1"))
    assert account.address == signer.address == entries[2].address
    with pytest.raises(KeyHierarchyError, match="wrong password"):
        unlock_keystore(tmp_path / "k" / "cold-1.json", Secret("pw-2"))
    with pytest.raises(KeyHierarchyError, match="refusing to overwrite"):
        create_hierarchy(tmp_path / "k", Secret("pw-1"), {Tier.HOT: 1}, kdf_iterations=16)
    with pytest.raises(KeyHierarchyError, match="does not exist"):
        unlock_keystore(tmp_path / "k" / "warm-0.json", Secret("pw-1"))


def test_bad_input_never_quotes_the_secret() -> None:
    bad = Secret("legal winner thank year wave sausage worth useful legal winner thank zebra")
    with pytest.raises(KeyHierarchyError) as caught:
        derive_account(bad, Tier.HOT, 0)
    assert "sausage" not in str(caught.value)
    with pytest.raises(KeyHierarchyError, match="outside"):
        derivation_path(Tier.HOT, 2**31)
    assert "junk" not in repr(MNEMONIC) and "junk" not in str(MNEMONIC)
    with pytest.raises(TypeError):
        pickle.dumps(MNEMONIC)
