"""ReportLog: numbers each account's fill reports and invoices, and keeps its latest ones for a
replay from a sequence number.

    record(outputs)          -> [NumberedReport]   report_seq_num 1, 2, 3, ... per account
    after(account, seen)     -> the kept reports numbered above ``seen``, oldest first

An account's ``report_seq_num`` counts the outputs the desk state issued to it, in the order it
issued them. The state is a fold of the journal, so folding the journal again (a restart, a
replay from a time) numbers every report the same: the number names one report for good.

Only the newest ``keep`` reports of each account stay in memory (a deque per account, O(1) per
report); a replay that needs an older one is refused (``ReportsNotKept``) rather than sent with
a hole. A client that lost more than that reads its invoices over REST or replays from a time.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from tradewind.desks.index.reports import Output

__all__ = [
    "DEFAULT_REPORTS_KEPT",
    "NumberedReport",
    "ReportLog",
    "ReportsNotKept",
    "SeqNumInFuture",
]

DEFAULT_REPORTS_KEPT = 500
"""Reports kept per account: under the gateway's outbound queue (1,024), so one replay fits."""

AccountId = tuple[int, str]


class SeqNumInFuture(ValueError):
    """The client says it read a report the account has not been sent yet."""


class ReportsNotKept(ValueError):
    """A report after the client's last one is no longer kept."""


@dataclass(frozen=True, slots=True)
class NumberedReport:
    """One output (``IndexOrderFillReport`` or ``MintInvoice``) with its account's number."""

    report_seq_num: int
    output: Output

    def body(self) -> dict[str, Any]:
        """The output's fields plus ``report_seq_num``, as the gateway publishes them."""
        return {**dataclasses.asdict(self.output), "report_seq_num": self.report_seq_num}


class ReportLog:
    """Per account (chain id, address): the last report number and the newest ``keep`` reports."""

    def __init__(self, keep: int = DEFAULT_REPORTS_KEPT) -> None:
        if keep < 0:
            raise ValueError(f"keep must be 0 or more, got {keep}")
        self._keep = keep
        self._last: dict[AccountId, int] = {}
        self._kept: dict[AccountId, deque[NumberedReport]] = {}

    def record(self, outputs: Iterable[Output]) -> list[NumberedReport]:
        """Number ``outputs`` (in the order the state issued them) and keep them."""
        numbered = []
        for output in outputs:
            account = (output.chain_id, output.address)
            number = self._last.get(account, 0) + 1
            self._last[account] = number
            report = NumberedReport(number, output)
            numbered.append(report)
            if self._keep:
                kept = self._kept.get(account)
                if kept is None:
                    kept = self._kept[account] = deque(maxlen=self._keep)
                kept.append(report)
        return numbered

    def last(self, chain_id: int, address: str) -> int:
        """The account's newest report number (0 before its first report)."""
        return self._last.get((chain_id, address), 0)

    def after(self, chain_id: int, address: str, seen: int) -> list[NumberedReport]:
        """The account's reports numbered above ``seen``, oldest first. Raises
        ``SeqNumInFuture`` when ``seen`` is above the last number, ``ReportsNotKept`` when
        report ``seen + 1`` is no longer kept."""
        account = (chain_id, address)
        last = self._last.get(account, 0)
        if seen > last:
            raise SeqNumInFuture(
                f"report {seen} was never sent: this account's last report_seq_num is {last}"
            )
        if seen == last:
            return []
        kept = self._kept.get(account, deque())
        oldest = kept[0].report_seq_num if kept else last + 1
        if seen + 1 < oldest:
            raise ReportsNotKept(
                f"reports after {seen} are not all kept: the oldest kept is {oldest}; "
                f"replay from last_report_seq_num {oldest - 1} or more, or from a time"
            )
        return list(islice(kept, seen + 1 - oldest, None))
