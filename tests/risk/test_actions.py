"""Action plans (pure): each default plan fires when its trigger is crossed, holds while the value
sits between trigger and release, and releases only after ``release_after`` evaluations past the
release level; several plans combine (strongest control wins, priorities order the actions)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from tradewind.core.clock import SECOND_NS, TestClock
from tradewind.node.config import NodeConfigError, load_node_config
from tradewind.risk.actions import (
    ActionKind,
    ActionPlans,
    ActionSpec,
    PlanConfig,
    QuoteControls,
    default_plans,
)
from tradewind.risk.limits import RiskLimits
from tradewind.risk.readings import MeasureReading, Threshold

T0 = 1_700_000_000_000_000_000
THRESHOLD_MAX = Threshold("max", limit=1.0, warning=0.5)
THRESHOLD_MIN = Threshold("min", limit=0.98, warning=0.995)


def _reading(plan: PlanConfig, value: float | None, ts: int) -> MeasureReading:
    scope = "asset:BTC" if plan.scope == "asset:*" else "global"
    threshold = THRESHOLD_MIN if plan.measure in ("uptime", "node_health") else THRESHOLD_MAX
    return MeasureReading(plan.measure, scope, value, "ratio", threshold, ts)


def _levels(plan: PlanConfig) -> tuple[float, float, float]:
    """(trigger, between trigger and release, calm) values for the plan."""
    minimum = plan.measure in ("uptime", "node_health")
    if plan.band == "critical":
        return (0.9, 0.99, 1.0) if minimum else (2.0, 0.7, 0.1)
    if plan.band == "warning":
        # a warning plan holds until OK: a CRITICAL value fires it too
        return (0.99, 0.99, 1.0) if minimum else (0.7, 0.7, 0.1)
    assert plan.above is not None and plan.release is not None
    return (-(plan.above + 0.01), (plan.above + plan.release) / 2, plan.release / 2)


@pytest.mark.parametrize("plan", default_plans(), ids=lambda p: p.name)
def test_each_default_plan_fires_on_its_trigger_and_releases_with_hysteresis(
    plan: PlanConfig,
) -> None:
    clock = TestClock(T0)
    plans = ActionPlans([plan])
    trigger, between, calm = _levels(plan)

    assert plans.evaluate([_reading(plan, calm, clock.now_ns())], clock.now_ns()) == []
    [fired] = plans.evaluate([_reading(plan, trigger, clock.now_ns())], clock.now_ns())
    assert fired.fired and fired.plan == plan.name
    assert [a.kind for a in fired.actions] == [spec.kind for spec in plan.actions]
    posture = plans.posture()
    assert {a.kind for a in posture.actions} == {spec.kind for spec in plan.actions}

    # between trigger and release: still fired, however long
    for _ in range(plan.release_after + 2):
        clock.advance_by(SECOND_NS)
        assert plans.evaluate([_reading(plan, between, clock.now_ns())], clock.now_ns()) == []
    # no value: neither fires nor counts towards the release
    assert plans.evaluate([_reading(plan, None, clock.now_ns())], clock.now_ns()) == []
    # past the release level: released on the release_after-th evaluation in a row, not before
    for _ in range(plan.release_after - 1):
        clock.advance_by(SECOND_NS)
        assert plans.evaluate([_reading(plan, calm, clock.now_ns())], clock.now_ns()) == []
    clock.advance_by(SECOND_NS)
    [released] = plans.evaluate([_reading(plan, calm, clock.now_ns())], clock.now_ns())
    assert not released.fired and released.plan == plan.name
    assert plans.active() == [] and plans.posture().actions == ()


def test_a_release_needs_the_calm_in_a_row_and_for_the_minimum_time() -> None:
    plan = PlanConfig(
        name="delta",
        measure="net_delta",
        scope="asset:*",
        above=0.05,
        absolute=True,
        release=0.03,
        release_after=2,
        release_after_ms=10_000,
        actions=(ActionSpec(kind=ActionKind.UNWIND),),
    )
    plans = ActionPlans([plan])
    clock = TestClock(T0)

    def at(value: float) -> list[bool]:
        reading = MeasureReading("net_delta", "asset:ETH", value, "ratio", None, clock.now_ns())
        return [c.fired for c in plans.evaluate([reading], clock.now_ns())]

    assert at(0.05) == []  # at the trigger is not over it
    assert at(-0.06) == [True]  # absolute: a short delta fires too
    assert at(0.02) == []  # calm 1
    clock.advance_by(5 * SECOND_NS)
    assert at(0.04) == []  # back over the release level: the count starts again
    clock.advance_by(SECOND_NS)
    assert at(0.02) == []
    clock.advance_by(5 * SECOND_NS)
    assert at(0.02) == []  # two in a row, but only 5 s calm
    clock.advance_by(5 * SECOND_NS)
    assert at(0.01) == [False]


def test_several_plans_combine_strongest_control_and_priority_orders_actions() -> None:
    wide = PlanConfig(
        name="wide",
        measure="m",
        above=1,
        release=0.5,
        priority=1,
        actions=(
            ActionSpec(kind=ActionKind.WIDEN_SPREADS, factor=Decimal(3)),
            ActionSpec(kind=ActionKind.UNWIND),
        ),
    )
    urgent = PlanConfig(
        name="urgent",
        measure="m",
        above=1,
        release=0.5,
        priority=9,
        actions=(
            ActionSpec(kind=ActionKind.UNWIND),
            ActionSpec(kind=ActionKind.REPAY_BORROWED),
            ActionSpec(kind=ActionKind.WIDEN_SPREADS, factor=Decimal("1.5")),
            ActionSpec(kind=ActionKind.SHRINK_SIZE, factor=Decimal("0.25")),
        ),
    )
    plans = ActionPlans([wide, urgent])
    changes = plans.evaluate([MeasureReading("m", "strategy:q", 2.0, "ratio", None, T0)], T0)
    assert [c.plan for c in changes] == ["urgent", "wide"]  # highest priority first
    posture = plans.posture()
    # unwinding: no new quotes; the strongest factors of both plans
    assert posture.controls == {"strategy:q": QuoteControls(Decimal(3), Decimal("0.25"), False)}
    assert posture.unwinds == {"strategy:q"} and posture.repays == {"strategy:q"}
    # repaying borrowed liquidity comes before unwinding within the higher priority plan
    assert [(a.plan, a.kind) for a in posture.actions][:3] == [
        ("urgent", ActionKind.REPAY_BORROWED),
        ("urgent", ActionKind.UNWIND),
        ("urgent", ActionKind.WIDEN_SPREADS),
    ]


def test_plans_come_from_the_risk_table_and_bad_ones_are_refused() -> None:
    limits = RiskLimits.model_validate(
        {
            "plans": [
                {
                    "name": "btc_delta",
                    "measure": "net_delta",
                    "scope": "asset:BTC",
                    "above": 0.05,
                    "release": 0.03,
                    "actions": [{"kind": "widen_spreads", "factor": "2.5"}, {"kind": "unwind"}],
                }
            ]
        }
    )
    assert limits.supervised
    assert limits.plans[0].actions[0].factor == Decimal("2.5")
    assert not RiskLimits().supervised
    bad = [
        ({"above": 0.05, "release": 0.06}, "release 0.06 must be under above"),
        ({"above": 0.05}, "needs a release level"),
        ({"band": "critical", "above": 1.0, "release": 0.5}, "exactly one of"),
        ({"band": "critical", "release": 0.5}, "releases on OK"),
        ({"band": "warning", "oops": 1}, "oops"),
    ]
    for fields, message in bad:
        entry = {"name": "p", "measure": "m", "actions": [{"kind": "unwind"}], **fields}
        with pytest.raises(ValidationError, match=message):
            RiskLimits.model_validate({"plans": [entry]})
    with pytest.raises(ValidationError, match="factor must be ≥ 1"):
        ActionSpec(kind=ActionKind.WIDEN_SPREADS, factor=Decimal("0.5"))
    with pytest.raises(ValidationError, match="takes no factor"):
        ActionSpec(kind=ActionKind.UNWIND, factor=Decimal(2))
    with pytest.raises(ValueError, match="plan names repeat"):
        ActionPlans([default_plans()[0], default_plans()[0]])


def test_plans_breakers_alerts_and_control_load_from_the_node_toml(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(
        """
[risk.supervisor]
interval_ms = 2000
default_plans = false

[[risk.plans]]
name = "btc_delta"
measure = "net_delta"
scope = "asset:BTC"
above = 0.05
absolute = true
release = 0.03
actions = [{ kind = "repay_borrowed" }, { kind = "widen_spreads", factor = "2.5" }]

[[risk.breakers]]
instrument = "BTC/USDT@sim"
max_move = 0.02

[control]
listen = "127.0.0.1:9100"

[[alerts.webhooks]]
url = "http://127.0.0.1:9200/hook"
""",
        encoding="utf-8",
    )
    config = load_node_config(path, environ={"TRADEWIND_CONTROL_TOKEN": "from-env"})
    [plan] = config.risk.plans
    assert plan.actions[1].factor == Decimal("2.5") and plan.absolute
    assert config.risk.breakers[0].max_move == 0.02 and config.risk.supervised
    assert config.control is not None and config.control.port == 9100
    assert config.control.token == "from-env" and "from-env" not in repr(config.control)
    assert config.alerts.webhooks[0].retries == 2
    path.write_text('[[risk.plans]]\nname = "x"\nmeasure = "m"\nbelow = 1\n', encoding="utf-8")
    with pytest.raises(NodeConfigError, match=r"risk\.plans\.0\.actions: Field required"):
        load_node_config(path, environ={})
