"""Properties of governance under random hot move sequences: a UTC day's hot executions never
exceed the limit, every decision reaches the audit sink, and the journal replays to the state."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.custody.errors import PolicyRefusedError
from tradewind.custody.governance import CapitalMove, Governance
from tradewind.custody.policy import Tier, parse_policy

from .conftest import owner_keys

DEST = "0x00000000000000000000000000000000000E0C11"
DAY_MS = 86_400_000
POLICY = parse_policy(
    {
        "approvers": {"addresses": [owner_keys(1, "p")[0].address]},
        "assets": {"USDC": {"decimals": 6, "hot_daily_limit": "1000", "approval_above": "1000"}},
        "destinations": {DEST: {"assets": ["USDC"]}},
    }
)


class ListSink:
    """An in-memory AuditSink: the entries in order."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def append(self, entry: bytes) -> int:
        self.entries.append(entry)
        return len(self.entries) - 1


moves = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(700), places=6),
        st.integers(min_value=0, max_value=3 * DAY_MS),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(moves)
def test_daily_limit_holds_and_the_journal_replays(sequence: list[tuple[Decimal, int]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        journal = Path(directory) / "journal.jsonl"
        sink = ListSink()
        gov = Governance(POLICY, journal, sink)
        for i, (amount, at) in enumerate(sorted(sequence, key=lambda item: item[1])):
            move = CapitalMove(f"m{i}", "payout", Tier.HOT, "USDC", amount, DEST, at)
            try:
                gov.request(move, at)
                gov.execute(move.move_id, at, lambda _m: "0x01")
            except PolicyRefusedError:
                pass
        by_day: dict[int, Decimal] = {}
        for state in gov.moves.values():
            if state.executed_ms is not None:
                day = state.executed_ms // DAY_MS
                by_day[day] = by_day.get(day, Decimal(0)) + state.move.amount
        assert all(total <= Decimal(1000) for total in by_day.values())
        written = journal.read_bytes().splitlines() if journal.exists() else []
        assert written == sink.entries
        again = Governance(POLICY, journal, ListSink())
        assert {k: (v.executed_ms, v.approvers) for k, v in again.moves.items()} == {
            k: (v.executed_ms, v.approvers) for k, v in gov.moves.items()
        }
