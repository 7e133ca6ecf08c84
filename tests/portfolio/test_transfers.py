"""Transfer matching: pairs by amount, time and hash; ambiguity and misses listed, never guessed."""

from __future__ import annotations

from decimal import Decimal

from tradewind.portfolio.costbasis import compute_cost_basis
from tradewind.portfolio.ledger import EntryKind, Movement, Transaction
from tradewind.portfolio.transfers import (
    AmbiguousTransfer,
    TransferMatchConfig,
    apply_transfers,
    match_transfers,
)

EX, WALLET, COLD = "binance:main", "evm:1:0xabc", "evm:1:0xdef"
HOUR = 3_600_000
T0 = 1_704_067_200_000  # 2024-01-01


def withdraw(
    ts: int,
    amount: str,
    *,
    account: str = EX,
    fee: str | None = None,
    tx_hash: str | None = None,
    asset: str = "BTC",
) -> Transaction:
    fees = (Movement(account, asset, -Decimal(fee)),) if fee else ()
    return Transaction(
        EntryKind.WITHDRAWAL,
        ts,
        (Movement(account, asset, -Decimal(amount)),),
        fees=fees,
        tx_hash=tx_hash,
        external_id=f"w{ts}",
    )


def deposit(
    ts: int, amount: str, *, account: str = WALLET, tx_hash: str | None = None, asset: str = "BTC"
) -> Transaction:
    return Transaction(
        EntryKind.DEPOSIT,
        ts,
        (Movement(account, asset, Decimal(amount)),),
        tx_hash=tx_hash,
        external_id=f"d{ts}",
    )


def test_a_withdrawal_and_its_deposit_become_one_transfer() -> None:
    # 1 BTC withdrawn plus 0.0005 fee (total 1.0005 out); 1 BTC arrives 20 min later.
    ledger = [withdraw(T0, "1", fee="0.0005"), deposit(T0 + HOUR // 3, "1")]
    result = match_transfers(ledger)
    [match] = result.matched
    assert (match.withdrawal_index, match.deposit_index, match.by_hash) == (0, 1, False)
    assert match.transfer.kind is EntryKind.TRANSFER
    assert match.transfer.movements == (
        Movement(EX, "BTC", Decimal(-1)),
        Movement(WALLET, "BTC", Decimal(1)),
    )
    assert match.transfer.fees == (Movement(EX, "BTC", Decimal("-0.0005")),)
    assert result.unmatched_withdrawals == result.unmatched_deposits == ()
    # Balances are the same before and after merging: -1.0005 on the exchange, +1 in the wallet.
    merged = apply_transfers(ledger, result)
    assert len(merged) == 1


def test_fee_deducted_on_the_way_is_within_tolerance_but_not_beyond() -> None:
    # Default tolerance 1 %: 0.995 of 1 arrives -> match; 0.98 of 1 -> no match.
    assert len(match_transfers([withdraw(T0, "1"), deposit(T0 + 1000, "0.995")]).matched) == 1
    missed = match_transfers([withdraw(T0, "1"), deposit(T0 + 1000, "0.98")])
    assert missed.matched == ()
    assert (missed.unmatched_withdrawals, missed.unmatched_deposits) == ((0,), (1,))
    # More arriving than sent is never a match.
    assert match_transfers([withdraw(T0, "1"), deposit(T0 + 1000, "1.0001")]).matched == ()
    # A per-asset absolute allowance widens it (e.g. a fixed network fee).
    wide = TransferMatchConfig(absolute_tolerance={"BTC": Decimal("0.02")})
    assert len(match_transfers([withdraw(T0, "1"), deposit(T0 + 1000, "0.98")], wide).matched) == 1


def test_time_window_and_clock_skew() -> None:
    assert match_transfers([withdraw(T0, "1"), deposit(T0 + 25 * HOUR, "1")]).matched == ()
    assert len(match_transfers([withdraw(T0, "1"), deposit(T0 + 23 * HOUR, "1")]).matched) == 1
    # A deposit stamped 5 min before the withdrawal (venue clocks differ) still matches;
    # 20 min before does not.
    assert len(match_transfers([deposit(T0 - 5 * 60_000, "1"), withdraw(T0, "1")]).matched) == 1
    assert match_transfers([deposit(T0 - 20 * 60_000, "1"), withdraw(T0, "1")]).matched == ()


def test_same_account_or_other_asset_never_matches() -> None:
    assert match_transfers([withdraw(T0, "1"), deposit(T0 + 1, "1", account=EX)]).matched == ()
    assert match_transfers([withdraw(T0, "1"), deposit(T0 + 1, "1", asset="ETH")]).matched == ()


def test_two_candidate_deposits_are_ambiguous_not_guessed() -> None:
    ledger = [withdraw(T0, "1"), deposit(T0 + 1000, "1"), deposit(T0 + 2000, "1", account=COLD)]
    result = match_transfers(ledger)
    assert result.matched == ()
    assert result.ambiguous == (AmbiguousTransfer((0,), (1, 2)),)
    assert result.unmatched_withdrawals == result.unmatched_deposits == ()


def test_two_withdrawals_for_one_deposit_are_ambiguous() -> None:
    ledger = [withdraw(T0, "1"), withdraw(T0 + 1000, "1", account=COLD), deposit(T0 + 2000, "1")]
    result = match_transfers(ledger)
    assert result.matched == () and result.ambiguous == (AmbiguousTransfer((0, 1), (2,)),)


def test_a_tx_hash_settles_what_amounts_and_times_cannot() -> None:
    # Both deposits fit; only one carries the withdrawal's hash (case differs).
    ledger = [
        withdraw(T0, "1", tx_hash="0xAB"),
        deposit(T0 + 1000, "1", tx_hash="0xab"),
        deposit(T0 + 2000, "1", account=COLD),
    ]
    result = match_transfers(ledger)
    assert [(m.withdrawal_index, m.deposit_index, m.by_hash) for m in result.matched] == [
        (0, 1, True)
    ]
    assert result.unmatched_deposits == (2,) and result.ambiguous == ()
    # Equal hashes match even outside the time window; different hashes never match.
    late = match_transfers(
        [withdraw(T0, "1", tx_hash="0x1"), deposit(T0 + 72 * HOUR, "1", tx_hash="0x1")]
    )
    assert len(late.matched) == 1
    other = match_transfers([withdraw(T0, "1", tx_hash="0x1"), deposit(T0 + 1, "1", tx_hash="0x2")])
    assert other.matched == ()


def test_matched_transfers_carry_lots_through_cost_basis() -> None:
    # Buy 1 BTC for 30,000 USD; withdraw 1 (+0.0005 fee) to the wallet; 1 arrives; sell it
    # there for 40,000: the lot moved (basis 30,000 + fee basis 15 = 30,015), gain 9,985.
    buy = Transaction(
        EntryKind.TRADE,
        T0,
        (Movement(EX, "BTC", Decimal("1.0005")), Movement(EX, "USD", Decimal("-30015"))),
    )
    sell = Transaction(
        EntryKind.TRADE,
        T0 + 10 * HOUR,
        (Movement(WALLET, "BTC", Decimal(-1)), Movement(WALLET, "USD", Decimal(40000))),
    )
    ledger = [buy, withdraw(T0 + HOUR, "1", fee="0.0005"), deposit(T0 + 2 * HOUR, "1"), sell]
    merged = apply_transfers(ledger, match_transfers(ledger))
    [leg] = compute_cost_basis(merged).legs
    assert (leg.account, leg.cost_basis, leg.gain) == (WALLET, Decimal(30015), Decimal(9985))
    # Unmerged, the sale has no lot in the wallet and is flagged instead.
    assert compute_cost_basis(ledger).unmatched[0].quantity == Decimal(1)
