"""RiskSupervisor: the node component that turns measure readings and mid jumps into actions.

    clock timer (interval_ms; fast_interval_ms while "raise_monitoring" is fired)
        └─▶ node.measure_readings() ─▶ ActionPlans.evaluate ─▶ changes ─▶ record + alert
                                              └─ posture ─▶ apply through the node:
            quote controls   → the cache (cache.quote_controls(strategy_id)), read by strategies
            halt_quoting     → the target's strategies HALTED (the node cancels their orders)
            unwind           → the target's strategies REDUCING + Hedger reducing orders
            repay_borrowed   → every LiquidityRepayer (actors that have the method, added ones)
            backup_data      → every DataSourceSwitch: use_backup, later use_primary
    book updates ─▶ VolatilityBreaker.on_mid ─▶ Trip ─▶ REDUCING/HALTED on its scope for the
                                                        cooldown (a clock alert resets it)

Targets are scopes: "global" (every strategy), "strategy:<id>", "venue:<name>" (the strategies
subscribed to a book there), "asset:<code>" (those subscribed to a book of that base asset).
Trading states set here are released here: when no plan or breaker asks for a scope's state any
more it goes back to what it was, unless someone else (an operator, a breach) changed it since.

Every fire, release, trip and reset is an ``ActionRecord`` for the recorder (the audit log) and
an ``Alert`` for the dispatcher; so are operators' halts and resumes through the control API
(``operator_action``) and the REDUCING / HALTED a strategy's limit breaches put it in.
Recording and alerting run as tasks; ``flush`` waits for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from tradewind.common.logging import get_logger
from tradewind.core.clock import TimeEvent
from tradewind.core.events import BookSyncLost, BookUpdated
from tradewind.core.identifiers import InstrumentId, parse_symbol
from tradewind.node.hedger import Hedger
from tradewind.risk.actions import (
    NORMAL,
    ActionKind,
    ActionPlans,
    DataSourceSwitch,
    LiquidityRepayer,
    PlanChange,
    PlanConfig,
    QuoteControls,
    default_plans,
)
from tradewind.risk.alerts import ActionRecord, ActionRecorder, Alert, AlertDispatcher, Severity
from tradewind.risk.breakers import Reset, Trip, VolatilityBreaker
from tradewind.risk.engine import Scope, TradingState

if TYPE_CHECKING:
    from tradewind.node.node import TradingNode

__all__ = ["RiskSupervisor"]

log = get_logger("node.risk_supervisor")

_RANK = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}
_TIMER = "risk:supervisor"


class RiskSupervisor:
    """Action plans and circuit breakers of one node (config: ``[risk]``'s supervisor, plans,
    breakers)."""

    name = "risk-supervisor"

    def __init__(self, node: TradingNode) -> None:
        self._node = node
        limits = node.config.risk
        self.settings = limits.supervisor
        plans: dict[str, PlanConfig] = {}
        if self.settings.default_plans:
            plans.update((plan.name, plan) for plan in default_plans())
        plans.update((plan.name, plan) for plan in limits.plans)  # a same-named plan replaces
        self.plans = ActionPlans(list(plans.values()))
        self.breaker_configs = limits.breakers
        self.breakers: dict[str, VolatilityBreaker] = {}
        self.enabled = limits.supervised
        self.hedger = Hedger(
            node.cache,
            node.clock,
            node.send,
            node._risk_view.positions,
            self.settings.hedge_clip,
        )
        self.recorder: ActionRecorder | None = None
        self.alerts: AlertDispatcher | None = None
        self._repayers: list[LiquidityRepayer] = []
        self._switches: list[DataSourceSwitch] = []
        self._owned: dict[tuple[Scope, str], tuple[TradingState, TradingState]] = {}
        self._backups: set[str] = set()
        self._fast = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self.evaluations = 0
        # a strategy's limit breaches move its state too: recorded and alerted like any action
        node.risk.on_change(self._on_state_change)

    # -- wiring --------------------------------------------------------------------------------

    def add_repayer(self, repayer: LiquidityRepayer) -> None:
        self._repayers.append(repayer)

    def add_data_switch(self, switch: DataSourceSwitch) -> None:
        self._switches.append(switch)

    @property
    def interval_ms(self) -> int:
        """The evaluation interval now (the fast one while a plan raised monitoring)."""
        return self.settings.fast_interval_ms if self._fast else self.settings.interval_ms

    # -- lifecycle (Component) -----------------------------------------------------------------

    async def restore(self) -> None:
        return None

    async def start(self) -> None:
        if not self.enabled:
            return
        self._running = True
        if self.breaker_configs:
            for name in self._node.cache.venues:
                self._node.venue(name).books.on_book(self._on_book)
            # the first books synced before the supervisor started: they are the first samples
            for iid in sorted({i for books in self._books().values() for i in books}, key=str):
                top = self._node.cache.top(iid)
                if top is not None:
                    self._on_book(top)
        self._schedule()

    async def stop(self) -> None:
        self._running = False
        self._node.clock.cancel_timer(_TIMER)
        for instrument in self.breakers:
            self._node.clock.cancel_timer(f"risk:breaker:{instrument}")
        await self.flush()

    async def flush(self) -> None:
        """Wait until every record and alert sent so far is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _schedule(self) -> None:
        self._node.clock.cancel_timer(_TIMER)
        self._node.clock.set_timer(_TIMER, self.interval_ms * 1_000_000, self._tick)

    def _tick(self, event: TimeEvent) -> None:
        if self._running:
            self.evaluate()

    def status(self) -> dict[str, object]:
        """What acts now: fired plans (plan, scope, since_ns, value), tripped breakers
        (instrument, until_ns), venues on backup data, the evaluation interval."""
        return {
            "plans": [
                {
                    "plan": active.plan.name,
                    "scope": active.scope,
                    "since_ns": active.since_ns,
                    "value": active.value,
                }
                for active in self.plans.active()
            ],
            "breakers": [
                {"instrument": name, "until_ns": breaker.tripped_until}
                for name, breaker in sorted(self.breakers.items())
                if breaker.tripped_until is not None
            ],
            "backup_data": sorted(self._backups),
            "interval_ms": self.interval_ms,
        }

    # -- evaluation ----------------------------------------------------------------------------

    def evaluate(self) -> list[PlanChange]:
        """Read the measures, fire and release plans, reset expired breakers, apply."""
        self.evaluations += 1
        now = self._node.clock.now_ns()
        changes = self.plans.evaluate(self._node.measure_readings(), now)
        for change in changes:
            self._announce_change(change)
        for change in changes:  # highest priority first; repaying comes before any unwind
            if change.fired and any(a.kind is ActionKind.REPAY_BORROWED for a in change.actions):
                self._repay(change)
        for breaker in self.breakers.values():
            reset = breaker.expired(now)
            if reset is not None:
                self._announce_reset(reset)
        self.apply()
        return changes

    def apply(self) -> None:
        """Bring the node in line with what the fired plans and tripped breakers ask for."""
        posture = self.plans.posture()
        # quote controls, per strategy
        wanted: dict[str, QuoteControls] = {}
        for target, controls in posture.controls.items():
            for strategy_id in self._strategies(target):
                wanted[strategy_id] = wanted.get(strategy_id, NORMAL).combine(controls)
        feed = self._node._feed
        for strategy_id in self._strategy_ids():
            feed.quote_controls(strategy_id, wanted.get(strategy_id, NORMAL))
        # trading states
        claims: dict[tuple[Scope, str], tuple[TradingState, str]] = {}
        for target in posture.unwinds:
            for strategy_id in self._strategies(target):
                _claim(claims, (Scope.STRATEGY, strategy_id), TradingState.REDUCING, target)
        for target in posture.halts:
            for strategy_id in self._strategies(target):
                _claim(claims, (Scope.STRATEGY, strategy_id), TradingState.HALTED, target)
        for instrument, breaker in self.breakers.items():
            if breaker.tripped:
                state = TradingState(breaker.config.state)
                for key in self._breaker_scopes(instrument, breaker.config.scope):
                    _claim(claims, key, state, f"breaker {instrument}")
        self._settle(claims)
        # unwinds: reducing orders
        assets: set[str] = set()
        for target in posture.unwinds:
            assets |= self._assets(target)
        if assets:
            self.hedger.unwind(assets)
        # backup data sources
        for target in sorted(posture.backups - self._backups):
            for switch in self._data_switches():
                _guard(switch.use_backup, target, f"plan asks for backup data on {target}")
        for target in sorted(self._backups - posture.backups):
            for switch in self._data_switches():
                _guard(switch.use_primary, target)
        self._backups = set(posture.backups)
        # monitoring frequency
        if posture.fast_monitoring != self._fast:
            self._fast = posture.fast_monitoring
            log.warning("risk_monitoring_interval", interval_ms=self.interval_ms)
            if self._running:
                self._schedule()

    def _settle(self, claims: dict[tuple[Scope, str], tuple[TradingState, str]]) -> None:
        risk = self._node.risk
        for (scope, key), (want, why) in claims.items():
            now = risk.state(scope, key)
            owned = self._owned.get((scope, key))
            if _RANK[want] > _RANK[now]:
                prior = owned[0] if owned is not None and owned[1] is now else now
                risk.set_state(scope, key, want, f"risk action: {why}")
                self._owned[(scope, key)] = (prior, want)
            elif owned is not None and owned[1] is now and want is not now:
                risk.set_state(scope, key, want, f"risk action: {why}")
                self._owned[(scope, key)] = (owned[0], want)
        for place in [place for place in self._owned if place not in claims]:
            prior, ours = self._owned.pop(place)
            if risk.state(*place) is ours:  # else someone else changed it since: leave it
                risk.set_state(place[0], place[1], prior, "risk action released")

    # -- breakers ------------------------------------------------------------------------------

    def _on_book(self, event: BookUpdated | BookSyncLost) -> None:
        if not self._running or not isinstance(event, BookUpdated):
            return
        if event.best_bid is None or event.best_ask is None:
            return
        instrument = str(InstrumentId(event.symbol, event.venue))
        breaker = self.breakers.get(instrument)
        if breaker is None:
            config = next(
                (c for c in self.breaker_configs if c.instrument in ("*", instrument)), None
            )
            if config is None:
                return
            breaker = self.breakers[instrument] = VolatilityBreaker(instrument, config)
        mid = float((event.best_bid + event.best_ask) / 2)
        trip = breaker.on_mid(self._node.clock.now_ns(), mid)
        if trip is not None:
            self._announce_trip(trip, breaker)
            name = f"risk:breaker:{instrument}"
            self._node.clock.cancel_timer(name)
            self._node.clock.set_time_alert(name, trip.until_ns, self._cooled)
            self.apply()

    def _cooled(self, event: TimeEvent) -> None:
        now = self._node.clock.now_ns()
        for breaker in self.breakers.values():
            reset = breaker.expired(now)
            if reset is not None:
                self._announce_reset(reset)
        self.apply()

    def _breaker_scopes(self, instrument: str, scope: str) -> list[tuple[Scope, str]]:
        iid = InstrumentId.parse(instrument)
        if scope == "global":
            return [(Scope.GLOBAL, "")]
        if scope == "venue":
            return [(Scope.VENUE, iid.venue)]
        return [
            (Scope.STRATEGY, actor_id) for actor_id, books in self._books().items() if iid in books
        ]

    # -- targets -------------------------------------------------------------------------------

    def _books(self) -> dict[str, set[InstrumentId]]:
        return {
            actor_id: set(actor.subscriptions.books)
            for actor_id, actor in self._node._actors.items()
        }

    def _strategy_ids(self) -> list[str]:
        return list(self._node._actors)

    def _strategies(self, target: str) -> list[str]:
        kind, _, name = target.partition(":")
        if kind == "global":
            return self._strategy_ids()
        if kind == "strategy":
            return [name] if name in self._node._actors else []
        books = self._books()
        if kind == "venue":
            return [a for a, iids in books.items() if any(i.venue == name for i in iids)]
        if kind == "asset":
            return [
                a
                for a, iids in books.items()
                if any(parse_symbol(i.symbol)[0] == name for i in iids)
            ]
        return []  # a tenant's or another scope the node does not trade

    def _assets(self, target: str) -> set[str]:
        kind, _, name = target.partition(":")
        if kind == "asset":
            return {name}
        if kind == "global":
            return {parse_symbol(p.symbol)[0] for p in self._node._risk_view.positions()}
        books = self._books()
        ids = self._strategies(target)
        return {parse_symbol(i.symbol)[0] for a in ids for i in books.get(a, ())}

    # -- repay, data switches ------------------------------------------------------------------

    def _all_repayers(self) -> list[LiquidityRepayer]:
        found = list(self._repayers)
        found += [a for a in self._node._actors.values() if isinstance(a, LiquidityRepayer)]
        return found

    def _data_switches(self) -> list[DataSourceSwitch]:
        found = list(self._switches)
        found += [a for a in self._node._actors.values() if isinstance(a, DataSourceSwitch)]
        return found

    def _repay(self, change: PlanChange) -> None:
        targets = {a.target for a in change.actions if a.kind is ActionKind.REPAY_BORROWED}
        for target in sorted(targets):
            for repayer in self._all_repayers():
                _guard(repayer.repay_borrowed, target, change.summary)

    # -- records and alerts --------------------------------------------------------------------

    def operator_action(self, name: str, scope: str, reason: str, fired: bool = True) -> None:
        """Record and alert an operator's halt, resume or kill (the control API calls this)."""
        record = ActionRecord(
            "operator", name, scope, fired, reason, (name,), self._node.clock.now_ns()
        )
        severity = Severity.CRITICAL if fired else Severity.INFO
        self._announce(record, severity)

    def _on_state_change(
        self, scope: Scope, key: str, before: TradingState, after: TradingState, reason: str
    ) -> None:
        if not reason.startswith("breach"):
            return  # plans, breakers and operators announce their own
        where = "global" if scope is Scope.GLOBAL else f"{scope}:{key}"
        record = ActionRecord(
            "limit", str(after), where, True, reason, (str(after),), self._node.clock.now_ns()
        )
        severity = Severity.CRITICAL if after is TradingState.HALTED else Severity.WARNING
        self._announce(record, severity, before=str(before))

    def _announce_change(self, change: PlanChange) -> None:
        record = ActionRecord(
            "plan",
            change.plan,
            change.scope,
            change.fired,
            change.summary,
            tuple(str(a.kind) for a in change.actions),
            change.ts_ns,
        )
        if not change.fired:
            severity = Severity.INFO
        elif change.band == "critical" or any(
            a.kind is ActionKind.HALT_QUOTING for a in change.actions
        ):
            severity = Severity.CRITICAL
        else:
            severity = Severity.WARNING
        log.warning("risk_plan", plan=change.plan, scope=change.scope, fired=change.fired)
        self._announce(record, severity, measure=change.measure, value=change.value)

    def _announce_trip(self, trip: Trip, breaker: VolatilityBreaker) -> None:
        config = breaker.config
        record = ActionRecord(
            "breaker",
            "volatility",
            f"instrument:{trip.instrument}",
            True,
            f"{trip.reason}; {config.scope} {config.state} for {config.cooldown_ms} ms",
            (config.state,),
            trip.ts_ns,
        )
        log.warning("risk_breaker_tripped", instrument=trip.instrument, reason=trip.reason)
        self._announce(record, Severity.CRITICAL)

    def _announce_reset(self, reset: Reset) -> None:
        record = ActionRecord(
            "breaker",
            "volatility",
            f"instrument:{reset.instrument}",
            False,
            f"{reset.instrument} cooldown over",
            ("reset",),
            reset.ts_ns,
        )
        log.warning("risk_breaker_reset", instrument=reset.instrument)
        self._announce(record, Severity.INFO)

    def _announce(self, record: ActionRecord, severity: Severity, **details: object) -> None:
        verb = "fired" if record.fired else "released"
        alert = Alert(
            key=f"{record.kind}:{record.name}:{record.scope}:{verb}",
            severity=severity,
            title=f"risk {record.kind} {record.name} {verb} on {record.scope}",
            text=record.reason,
            ts_ns=record.ts_ns,
            details={"actions": list(record.actions), **details},
        )
        recorder, alerts = self.recorder, self.alerts
        if recorder is None and alerts is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("risk_action_not_sent", reason="no event loop", title=alert.title)
            return
        task = loop.create_task(_deliver(recorder, alerts, record, alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _deliver(
    recorder: ActionRecorder | None,
    alerts: AlertDispatcher | None,
    record: ActionRecord,
    alert: Alert,
) -> None:
    if recorder is not None:
        try:
            await recorder.record(record)
        except Exception as exc:
            log.error("risk_action_record_failed", error=repr(exc), title=alert.title)
    if alerts is not None:
        await alerts.send(alert)


def _claim(
    claims: dict[tuple[Scope, str], tuple[TradingState, str]],
    key: tuple[Scope, str],
    state: TradingState,
    why: str,
) -> None:
    held = claims.get(key)
    if held is None or _RANK[state] > _RANK[held[0]]:
        claims[key] = (state, why)


def _guard(call: Callable[..., None], *args: str) -> None:
    # one failing repayer or switch must not stop the others
    try:
        call(*args)
    except Exception:
        log.exception("risk_action_call_failed", call=getattr(call, "__qualname__", "?"))
