"""A soak of 10,000 order operations at the highest rate the venue's limits allow draws zero
429/418: the shared RateLimiter, set from the venue's declared limits, keeps every window under.

The sim is started with raised limits (ORDERS 1500 / 10 s, REQUEST_WEIGHT 20000 / min) so the
run takes well under a minute, and the ORDERS window is what binds: 5,000 placements at the
90 % headroom budget of 1,350 per 10 s need at least four windows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.venues.sim.process import SimProcess

from ..conftest import SimAdmin
from .runner_support import VenueTruth, read_until, runner_args, start_runner

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIMITS = {
    "TRADEWIND_SIM__ORDERS_PER_10S": "1500",
    "TRADEWIND_SIM__REQUEST_WEIGHT_PER_MINUTE": "20000",
}
INTENTS = 5_000  # each one a placement and a cancel: 10,000 order operations


def test_ten_thousand_order_operations_without_a_429(tmp_path: Path) -> None:
    with SimProcess(database=None, admin=True, market=False, env=LIMITS) as sim:
        account = SimAdmin(sim).create_account({"USDT": "1000000", "BTC": "10"})
        anchor = "95000"  # an empty book (no market activity): resting orders only
        db_url = f"sqlite:///{tmp_path / 'kernel.sqlite'}"
        args = runner_args(
            sim, account.api_key, account.api_secret, db_url,
            "--anchor", str(anchor), "--intents", str(INTENTS), "--pattern", "rest",
            "--concurrency", "12", "--progress-every", "1000",
        )  # fmt: skip
        runner = start_runner(args, tmp_path)
        summary = read_until(runner, "summary")
        assert runner.wait(timeout=60) == 0
        venue_orders = VenueTruth(sim, account.api_key, account.api_secret).open_orders()

    assert summary["operations"] >= 10_000
    assert summary["rate_limit_refusals"] == 0  # no 429, no 418
    assert summary["refused_reports"] == 0
    # the limiter ran on the venue's declared limits, not on a guess
    assert "ORDERS/10s" in summary["limits"] and "REQUEST_WEIGHT/1m" in summary["limits"]
    statuses = {status for status, _, _ in summary["orders"].values()}
    assert statuses == {"canceled"}
    assert len(summary["orders"]) == INTENTS
    assert venue_orders == []
