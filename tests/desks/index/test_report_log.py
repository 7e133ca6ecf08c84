"""ReportLog: per-account report numbers, and a replay from a sequence number that sends each
missed report exactly once, in order, or refuses clearly (a number in the future, reports no
longer kept)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.core.enums import OrderSide
from tradewind.desks.index.report_log import (
    NumberedReport,
    ReportLog,
    ReportsNotKept,
    SeqNumInFuture,
)
from tradewind.desks.index.reports import IndexOrderFillReport, IndexOrderStatus

ALICE = (8453, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")
BOB = (42161, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")


def report(account: tuple[int, str], n: int) -> IndexOrderFillReport:
    return IndexOrderFillReport(
        chain_id=account[0], address=account[1], client_order_id=f"o-{n}", symbol="TW10",
        side=OrderSide.BUY, filled_quantity=Decimal(n), collateral_spent=Decimal(0),
        collateral_remaining=Decimal(0), fill_rate=Decimal(0),
        status=IndexOrderStatus.PARTIALLY_FILLED, ts=n,
    )  # fmt: skip


def test_numbers_count_per_account_and_the_body_carries_them() -> None:
    log = ReportLog(keep=10)
    numbered = log.record([report(ALICE, 1), report(BOB, 2), report(ALICE, 3)])
    assert [r.report_seq_num for r in numbered] == [1, 1, 2]
    assert log.last(*ALICE) == 2 and log.last(*BOB) == 1 and log.last(8453, "0x0") == 0
    body = numbered[2].body()
    assert body["report_seq_num"] == 2 and body["client_order_id"] == "o-3" and body["ts"] == 3


def test_a_gap_is_filled_exactly_once_in_order() -> None:
    log = ReportLog(keep=10)
    log.record([report(ALICE, n) for n in range(1, 6)])
    assert [r.report_seq_num for r in log.after(*ALICE, 2)] == [3, 4, 5]
    replayed = [r.output.client_order_id for r in log.after(*ALICE, 0)]
    assert replayed == [f"o-{n}" for n in range(1, 6)]
    assert log.after(*ALICE, 5) == []
    assert log.after(*BOB, 0) == []


def test_a_number_in_the_future_is_refused() -> None:
    log = ReportLog(keep=10)
    log.record([report(ALICE, 1)])
    with pytest.raises(SeqNumInFuture, match=r"report 2 was never sent: .* report_seq_num is 1"):
        log.after(*ALICE, 2)
    with pytest.raises(SeqNumInFuture, match="last report_seq_num is 0"):
        log.after(*BOB, 1)


def test_a_number_older_than_what_is_kept_is_refused() -> None:
    log = ReportLog(keep=3)
    log.record([report(ALICE, n) for n in range(1, 8)])  # 5, 6, 7 kept
    with pytest.raises(ReportsNotKept, match="oldest kept is 5; replay from last_report_seq_num 4"):
        log.after(*ALICE, 3)
    assert [r.report_seq_num for r in log.after(*ALICE, 4)] == [5, 6, 7]


def test_keep_zero_only_numbers_and_negative_keep_is_refused() -> None:
    log = ReportLog(keep=0)
    assert [r.report_seq_num for r in log.record([report(ALICE, 1), report(ALICE, 2)])] == [1, 2]
    with pytest.raises(ReportsNotKept):
        log.after(*ALICE, 0)
    with pytest.raises(ValueError, match="keep must be 0 or more"):
        ReportLog(keep=-1)


@given(
    owners=st.lists(st.sampled_from([ALICE, BOB]), max_size=40),
    keep=st.integers(1, 12),
    seen=st.integers(0, 45),
)
def test_replay_after_any_number_is_the_missed_suffix_or_a_clear_refusal(
    owners: list[tuple[int, str]], keep: int, seen: int
) -> None:
    log = ReportLog(keep=keep)
    sent: list[NumberedReport] = []
    for n, owner in enumerate(owners):
        sent += log.record([report(owner, n)])
    mine = [r for r in sent if (r.output.chain_id, r.output.address) == ALICE]
    assert [r.report_seq_num for r in mine] == list(range(1, len(mine) + 1))
    if seen > len(mine):
        with pytest.raises(SeqNumInFuture):
            log.after(*ALICE, seen)
    elif len(mine) - seen > keep:
        with pytest.raises(ReportsNotKept):
            log.after(*ALICE, seen)
    else:
        assert log.after(*ALICE, seen) == mine[seen:]
