"""IndexDeskState.accounts(): every account that ever held collateral, once each, in order."""

from __future__ import annotations

from typing import Any


def test_accounts_lists_each_depositor_once_in_order(desk: Any, alice: str, bob: str) -> None:
    assert desk.state.accounts() == ()
    desk.deposit(bob, "10")
    desk.deposit(alice, "5")
    desk.deposit(bob, "1", asset="USDC")
    assert desk.state.accounts() == tuple(sorted([(1, alice), (1, bob)]))
