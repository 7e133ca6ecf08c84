"""Action plans: rules from a measure's reading to actions, with hysteresis (pure, no I/O).

    readings ─▶ ActionPlans.evaluate(readings, now_ns) ─▶ [PlanChange fire | release]
                             │
                             └─ posture() ─▶ Posture: quote controls per target, halts,
                                             unwinds, repay, backup data, fast monitoring

A plan watches one measure (``measure``, an fnmatch pattern on the reading's name) on the
scopes matching ``scope`` (fnmatch on "global", "asset:BTC", "strategy:quoter", ...). It fires
when the reading crosses its trigger: a band (``band = "warning"``: WARNING or worse;
``"critical"``) or a level (``above`` / ``below``, on |value| with ``absolute``). It releases
only when the value is back past a separate level — OK band for band plans, ``release`` for
level plans — for ``release_after`` evaluations in a row and at least ``release_after_ms``. A
reading without a value (UNKNOWN) neither fires nor counts towards a release.

Each (plan, scope) fires and releases on its own. While fired, its actions act on the target
(the reading's scope, or the plan's ``target``). When several plans act on the same target the
strongest control wins (largest spread factor, smallest size factor, any halt); ``priority``
orders the actions (higher first: "repay borrowed liquidity" before "unwind").

The default plans (``default_plans()``) follow the PMM monitoring framework of our brief
(docs/risk.md lists them). Factors are Decimal: they scale prices and sizes sent to venues.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradewind.risk.readings import Band, MeasureReading

__all__ = [
    "NORMAL",
    "Action",
    "ActionKind",
    "ActionPlans",
    "ActionSpec",
    "ActivePlan",
    "DataSourceSwitch",
    "LiquidityRepayer",
    "PlanChange",
    "PlanConfig",
    "Posture",
    "QuoteControls",
    "default_plans",
]

_ONE = Decimal(1)


class ActionKind(StrEnum):
    """What a fired plan does."""

    WIDEN_SPREADS = "widen_spreads"  # quote spreads × factor (≥ 1)
    SHRINK_SIZE = "shrink_size"  # max quote size × factor (0 < factor ≤ 1)
    HALT_QUOTING = "halt_quoting"  # the target's strategies HALTED (their orders cancelled)
    UNWIND = "unwind"  # the target's strategies REDUCING and not quoting; hedges reduce
    REPAY_BORROWED = "repay_borrowed"  # ask the borrowers to repay borrowed liquidity first
    BACKUP_DATA = "backup_data"  # switch to the backup data source
    RAISE_MONITORING = "raise_monitoring"  # evaluate plans at the fast interval


# when priorities tie, actions run in this order: repay before unwind, halts before either
_KIND_ORDER = {kind: i for i, kind in enumerate(ActionKind)}
_KIND_ORDER[ActionKind.REPAY_BORROWED] = -3
_KIND_ORDER[ActionKind.HALT_QUOTING] = -2
_KIND_ORDER[ActionKind.UNWIND] = -1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActionSpec(_Model):
    """One action of a plan; ``factor`` only for widen_spreads (≥ 1) and shrink_size (0..1]."""

    kind: ActionKind
    factor: Decimal | None = None

    @model_validator(mode="after")
    def _factor_fits(self) -> Self:
        if self.kind is ActionKind.WIDEN_SPREADS:
            if self.factor is None:
                object.__setattr__(self, "factor", Decimal(2))
            elif not self.factor.is_finite() or self.factor < 1:
                raise ValueError(f"widen_spreads factor must be ≥ 1, got {self.factor}")
        elif self.kind is ActionKind.SHRINK_SIZE:
            if self.factor is None:
                object.__setattr__(self, "factor", Decimal("0.5"))
            elif not self.factor.is_finite() or not 0 < self.factor <= 1:
                raise ValueError(f"shrink_size factor must be in (0, 1], got {self.factor}")
        elif self.factor is not None:
            raise ValueError(f"{self.kind} takes no factor")
        return self


class PlanConfig(_Model):
    """One ``[[risk.plans]]`` entry: trigger on a measure, release level, actions.

    Levels are in the reading's unit (a ratio: 0.05 = 5 %); times in ms."""

    name: str = Field(min_length=1, pattern=r"^[a-z0-9_.-]+$")
    measure: str = Field(min_length=1)
    scope: str = "*"
    band: Literal["warning", "critical"] | None = None
    above: float | None = None
    below: float | None = None
    absolute: bool = False
    release: float | None = None
    release_after: int = Field(default=3, ge=1)
    release_after_ms: int = Field(default=0, ge=0)
    priority: int = 0
    target: str | None = None
    actions: tuple[ActionSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_trigger(self) -> Self:
        triggers = [t for t in (self.band, self.above, self.below) if t is not None]
        if len(triggers) != 1:
            raise ValueError(f"plan {self.name}: give exactly one of band, above, below")
        if self.band is not None:
            if self.release is not None:
                raise ValueError(f"plan {self.name}: a band plan releases on OK, not a level")
            return self
        if self.release is None:
            raise ValueError(f"plan {self.name}: a level plan needs a release level")
        if self.above is not None and not self.release < self.above:
            raise ValueError(
                f"plan {self.name}: release {self.release} must be under above {self.above}"
            )
        if self.below is not None and not self.release > self.below:
            raise ValueError(
                f"plan {self.name}: release {self.release} must be over below {self.below}"
            )
        return self

    def matches(self, reading: MeasureReading) -> bool:
        return _match(self.measure, reading.name) and _match(self.scope, reading.scope)

    def triggered(self, reading: MeasureReading) -> bool | None:
        """True past the trigger, False not; None without a value."""
        value = reading.value
        if value is None or value != value:  # NaN
            return None
        if self.band is not None:
            band = reading.band
            if band is Band.UNKNOWN:
                return None
            if self.band == "critical":
                return band is Band.CRITICAL
            return band in (Band.WARNING, Band.CRITICAL)
        v = abs(value) if self.absolute else value
        if self.above is not None:
            return v > self.above
        assert self.below is not None
        return v < self.below

    def released(self, reading: MeasureReading) -> bool | None:
        """True back past the release level; None without a value."""
        value = reading.value
        if value is None or value != value:
            return None
        if self.band is not None:
            band = reading.band
            return None if band is Band.UNKNOWN else band is Band.OK
        v = abs(value) if self.absolute else value
        assert self.release is not None
        return v <= self.release if self.above is not None else v >= self.release


@dataclass(frozen=True, slots=True)
class Action:
    """An action of a fired plan on a target scope ("global", "strategy:x", "asset:BTC", ...)."""

    kind: ActionKind
    target: str
    plan: str
    priority: int
    factor: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PlanChange:
    """A plan fired (``fired``) or released on one scope, with the reading that decided it."""

    plan: str
    scope: str
    fired: bool
    measure: str
    value: float | None
    band: str
    priority: int
    actions: tuple[Action, ...]
    ts_ns: int

    @property
    def summary(self) -> str:
        verb = "fired" if self.fired else "released"
        kinds = ", ".join(str(a.kind) for a in self.actions)
        return f"plan {self.plan} {verb} on {self.scope}: {self.measure}={self.value} ({kinds})"


@dataclass(frozen=True, slots=True)
class QuoteControls:
    """What a quoting strategy reads before quoting: spread × ``spread_factor``, size ×
    ``size_factor``, and whether to quote at all."""

    spread_factor: Decimal = _ONE
    size_factor: Decimal = _ONE
    quoting: bool = True

    def combine(self, other: QuoteControls) -> QuoteControls:
        """The stricter of both, control by control."""
        return QuoteControls(
            max(self.spread_factor, other.spread_factor),
            min(self.size_factor, other.size_factor),
            self.quoting and other.quoting,
        )


NORMAL = QuoteControls()


@dataclass(frozen=True, slots=True)
class Posture:
    """What every fired plan asks for now, by target scope."""

    controls: dict[str, QuoteControls] = field(default_factory=dict)
    halts: frozenset[str] = frozenset()
    unwinds: frozenset[str] = frozenset()
    repays: frozenset[str] = frozenset()
    backups: frozenset[str] = frozenset()
    fast_monitoring: bool = False
    actions: tuple[Action, ...] = ()  # every active action, highest priority first


@dataclass(slots=True)
class ActivePlan:
    """A plan fired on one scope: since when, and the release progress."""

    plan: PlanConfig
    scope: str
    since_ns: int
    value: float | None
    calm_count: int = 0  # evaluations in a row past the release level
    calm_since_ns: int | None = None
    _actions: tuple[Action, ...] = ()

    @property
    def target(self) -> str:
        return self.plan.target or self.scope

    def actions(self) -> tuple[Action, ...]:
        if not self._actions:
            self._actions = tuple(
                Action(spec.kind, self.target, self.plan.name, self.plan.priority, spec.factor)
                for spec in self.plan.actions
            )
        return self._actions


class ActionPlans:
    """The plans of one node and which of them are fired on which scope."""

    def __init__(self, plans: Sequence[PlanConfig]) -> None:
        names = [plan.name for plan in plans]
        if len(names) != len(set(names)):
            raise ValueError(f"plan names repeat: {sorted(names)}")
        self.plans = tuple(plans)
        self._active: dict[tuple[str, str], ActivePlan] = {}
        self._posture: Posture | None = None  # until the next fire or release

    def evaluate(self, readings: Iterable[MeasureReading], now_ns: int) -> list[PlanChange]:
        """Fire and release plans on these readings; the changes, highest priority first."""
        changes: list[PlanChange] = []
        readings = list(readings)
        by_name: dict[str, list[MeasureReading]] = {}
        for reading in readings:
            by_name.setdefault(reading.name, []).append(reading)
        for plan in self.plans:
            # most plans name one measure: look it up instead of matching every reading
            exact = not _WILD.search(plan.measure)
            candidates = by_name.get(plan.measure, []) if exact else readings
            for reading in candidates:
                if not plan.matches(reading):
                    continue
                key = (plan.name, reading.scope)
                active = self._active.get(key)
                if active is None:
                    if plan.triggered(reading):
                        active = ActivePlan(plan, reading.scope, now_ns, reading.value)
                        self._active[key] = active
                        changes.append(_change(active, reading, True, now_ns))
                    continue
                active.value = reading.value
                if plan.triggered(reading):
                    active.calm_count, active.calm_since_ns = 0, None
                    continue
                calm = plan.released(reading)
                if calm is None:
                    continue  # no value: the release waits
                if not calm:
                    active.calm_count, active.calm_since_ns = 0, None
                    continue
                active.calm_count += 1
                if active.calm_since_ns is None:
                    active.calm_since_ns = now_ns
                calm_ms = (now_ns - active.calm_since_ns) // 1_000_000
                if active.calm_count >= plan.release_after and calm_ms >= plan.release_after_ms:
                    del self._active[key]
                    changes.append(_change(active, reading, False, now_ns))
        changes.sort(key=lambda change: -change.priority)
        if changes:
            self._posture = None
        return changes

    def active(self) -> list[ActivePlan]:
        """The fired plans, highest priority first."""
        return sorted(self._active.values(), key=lambda a: (-a.plan.priority, a.plan.name))

    def posture(self) -> Posture:
        """What the fired plans ask for together (kept until a plan fires or releases)."""
        if self._posture is None:
            self._posture = self._combine()
        return self._posture

    def _combine(self) -> Posture:
        controls: dict[str, QuoteControls] = {}
        halts: set[str] = set()
        unwinds: set[str] = set()
        repays: set[str] = set()
        backups: set[str] = set()
        fast = False
        every: list[Action] = []
        for active in self.active():
            for action in active.actions():
                every.append(action)
                target, kind = action.target, action.kind
                if kind is ActionKind.WIDEN_SPREADS:
                    assert action.factor is not None
                    wanted = QuoteControls(spread_factor=action.factor)
                    controls[target] = controls.get(target, NORMAL).combine(wanted)
                elif kind is ActionKind.SHRINK_SIZE:
                    assert action.factor is not None
                    wanted = QuoteControls(size_factor=action.factor)
                    controls[target] = controls.get(target, NORMAL).combine(wanted)
                elif kind is ActionKind.HALT_QUOTING:
                    controls[target] = controls.get(target, NORMAL).combine(
                        QuoteControls(quoting=False)
                    )
                    halts.add(target)
                elif kind is ActionKind.UNWIND:
                    # the target's strategies quote nothing new while their risk is unwound
                    controls[target] = controls.get(target, NORMAL).combine(
                        QuoteControls(quoting=False)
                    )
                    unwinds.add(target)
                elif kind is ActionKind.REPAY_BORROWED:
                    repays.add(target)
                elif kind is ActionKind.BACKUP_DATA:
                    backups.add(target)
                else:
                    fast = True
        every.sort(key=lambda a: (-a.priority, _KIND_ORDER[a.kind]))
        return Posture(
            controls,
            frozenset(halts),
            frozenset(unwinds),
            frozenset(repays),
            frozenset(backups),
            fast,
            tuple(every),
        )


_WILD = re.compile(r"[*?\[]")


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str] | None:
    # None: the pattern has no wildcard and matches only itself
    return re.compile(fnmatch.translate(pattern)) if _WILD.search(pattern) else None


def _match(pattern: str, text: str) -> bool:
    if pattern == "*":
        return True
    compiled = _pattern(pattern)
    return text == pattern if compiled is None else compiled.match(text) is not None


def _change(active: ActivePlan, reading: MeasureReading, fired: bool, now_ns: int) -> PlanChange:
    return PlanChange(
        plan=active.plan.name,
        scope=active.scope,
        fired=fired,
        measure=reading.name,
        value=reading.value,
        band=str(reading.band),
        priority=active.plan.priority,
        actions=active.actions(),
        ts_ns=now_ns,
    )


def _spec(kind: ActionKind, factor: str | None = None) -> ActionSpec:
    return ActionSpec(kind=kind, factor=None if factor is None else Decimal(factor))


_WIDEN = _spec(ActionKind.WIDEN_SPREADS, "2")
_SHRINK = _spec(ActionKind.SHRINK_SIZE, "0.5")
_HALT = _spec(ActionKind.HALT_QUOTING)
_UNWIND = _spec(ActionKind.UNWIND)
_REPAY = _spec(ActionKind.REPAY_BORROWED)
_BACKUP = _spec(ActionKind.BACKUP_DATA)
_FAST = _spec(ActionKind.RAISE_MONITORING)

# measures of the framework's risk table (3.1) and uptime KPIs (1.1): plan name → the reading
# names the live measures publish (tradewind.node.live_measures), an fnmatch pattern
RISK_MEASURES = {
    "var_99_1d": "var_99_1d_*",  # one reading per method: historical, parametric, monte_carlo
    "liquidation_buffer": "liquidation_buffer",
    "flash_loan_exposure": "flash_loan_exposure",
    "gas_risk_ratio": "gas_risk_ratio",
}
LATENCY_MEASURES = {
    "quote_response_time": "quote_response_ms",
    "node_health": "node_health",
    "network_latency": "network_latency_ms",
    "execution_latency": "execution_latency_ms",
    "settlement_success": "settlement_success",
}


def default_plans() -> tuple[PlanConfig, ...]:
    """The action plans of the brief's PMM monitoring framework (docs/risk.md has the table)."""
    plans = [
        # 1.2 critical (uptime < 98 %): backup infrastructure, suspend quoting, unwind
        PlanConfig(
            name="uptime_critical",
            measure="uptime",
            band="critical",
            priority=100,
            actions=(_REPAY, _HALT, _UNWIND, _BACKUP, _FAST),
        ),
        # 1.2 warning (98 % ≤ uptime < 99.5 %): wider spreads, smaller sizes, watch closer,
        # switch to alternative data sources
        PlanConfig(
            name="uptime_warning",
            measure="uptime",
            band="warning",
            priority=50,
            actions=(_WIDEN, _SHRINK, _FAST, _BACKUP),
        ),
        # 2.2 high risk (|delta| > 5 % of inventory): repay borrowed first, hedge, widen
        PlanConfig(
            name="delta_high",
            measure="net_delta",
            scope="asset:*",
            above=0.05,
            absolute=True,
            release=0.04,
            priority=90,
            actions=(_REPAY, _UNWIND, _WIDEN),
        ),
        # 2.2 moderate (2 % < |delta| ≤ 5 %): preemptive repayment, adjust quoting
        PlanConfig(
            name="delta_moderate",
            measure="net_delta",
            scope="asset:*",
            above=0.02,
            absolute=True,
            release=0.015,
            priority=40,
            actions=(_REPAY, _spec(ActionKind.WIDEN_SPREADS, "1.5")),
        ),
        # position limits: a drawdown past 10 % stops quoting
        PlanConfig(
            name="drawdown_critical",
            measure="max_drawdown",
            band="critical",
            priority=80,
            actions=(_HALT, _FAST),
        ),
        PlanConfig(
            name="concentration_critical",
            measure="concentration",
            band="critical",
            priority=60,
            actions=(_UNWIND, _SHRINK),
        ),
        # 3.2 liquidation is the primary thing to avoid: repay first, then reduce
        PlanConfig(
            name="liquidation_buffer_critical",
            measure="liquidation_buffer",
            band="critical",
            priority=95,
            actions=(_REPAY, _UNWIND, _FAST),
        ),
    ]
    for measure, reading_name in RISK_MEASURES.items():
        # 3.2 early warning: monitor more often; active risk reduction when critical
        plans.append(
            PlanConfig(
                name=f"{measure}_warning",
                measure=reading_name,
                band="warning",
                priority=30,
                actions=(_FAST,),
            )
        )
        if measure != "liquidation_buffer":
            plans.append(
                PlanConfig(
                    name=f"{measure}_critical",
                    measure=reading_name,
                    band="critical",
                    priority=70,
                    actions=(_REPAY, _SHRINK, _spec(ActionKind.WIDEN_SPREADS, "1.5")),
                )
            )
    for measure, reading_name in LATENCY_MEASURES.items():
        # 1.2 recovery: reroute to the backup source, watch closer, quote wider meanwhile
        plans.append(
            PlanConfig(
                name=f"{measure}_critical",
                measure=reading_name,
                band="critical",
                priority=45,
                actions=(_BACKUP, _FAST, _spec(ActionKind.WIDEN_SPREADS, "1.5")),
            )
        )
    return tuple(plans)


@runtime_checkable
class LiquidityRepayer(Protocol):
    """Something holding borrowed liquidity (a flash loan, a lending position): asked to repay
    it first when a "repay_borrowed" action fires on ``target``. The supervisor calls every
    actor on the node that has this method, and every repayer added to it."""

    def repay_borrowed(self, target: str, reason: str) -> None: ...


@runtime_checkable
class DataSourceSwitch(Protocol):
    """A data feed with a backup: ``use_backup`` while a "backup_data" action is fired on
    ``target``, ``use_primary`` once no plan asks for the backup any more."""

    def use_backup(self, target: str, reason: str) -> None: ...

    def use_primary(self, target: str) -> None: ...
