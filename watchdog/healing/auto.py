"""The daemon's auto-healer: a ``Watcher`` cycle listener (``daemon/app.py`` attaches it).

    watcher.listeners.append(AutoHealer(watcher, metrics=metrics, on_change=change_event))

Each cycle it first settles writes a killed process left unverified, then, for rules the
switches arm (``healing.enabled`` and ``rules.<id>.autoheal``) with a finding that is due
(past its grace period, or on a resource healed within the fight window), it makes sure every
family their healers read was fetched in *this* cycle: families the cycle did not refresh are
fetched now (a failed one stays unknown and refuses), and the armed rules are evaluated again on
that data. Disarmed rules' findings are recorded as dry runs from the cycle's own snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from watchdog.controls.marks import Controls
from watchdog.healing import guard, records
from watchdog.healing.executor import CrashHook
from watchdog.healing.healers import Healer
from watchdog.healing.journal import ChangeCallback
from watchdog.healing.model import HealView, PlanItem
from watchdog.healing.session import HealSession, first_seen
from watchdog.model.findings import Finding
from watchdog.model.results import CycleResult, Evaluation
from watchdog.model.snapshot import Snapshot
from watchdog.rules.context import RuleContext, RuleMemo
from watchdog.rules.engine import evaluate
from watchdog.rules.registry import Rule
from watchdog.settings import Settings
from watchdog.store.store import StateStore
from watchdog.telemetry.metrics import Metrics
from watchdog.twilio_api import TwilioAccess


class Watched(Protocol):
    """What the healer needs of the ``Watcher``: its account, state, and its one way to read
    families now (``Watcher.fetch``)."""

    settings: Settings
    store: StateStore
    access: TwilioAccess
    account_sid: str
    rules: dict[str, Rule]
    rule_memo: RuleMemo

    def fetch(self, families: Iterable[str], now: datetime) -> Snapshot: ...


class AutoHealer:
    def __init__(self, watcher: Watched, metrics: Metrics | None = None,
                 on_change: ChangeCallback | None = None,
                 crash_hook: CrashHook | None = None,
                 healers: Mapping[str, Healer] | None = None) -> None:
        """``healers``: the healer registry (the real one, ``all_healers()``, unless given)."""
        self.watcher = watcher
        self.settings, self.store = watcher.settings, watcher.store
        self.session = HealSession(watcher.settings, watcher.store, watcher.access.client,
                                   watcher.account_sid, metrics, on_change, crash_hook, healers)
        self.healers = self.session.healers
        self.last: list[PlanItem] = []

    def __repr__(self) -> str:
        return "AutoHealer()"

    def __call__(self, result: CycleResult) -> None:
        now = result.polled_at
        self.session.reconcile(now)
        open_ = [item.finding() for item in result.open_findings.values()
                 if item.rule in self.healers]
        rules = {f.rule for f in open_}
        if not rules:
            self.last = []
            return
        armed = {r for r in rules if guard.disarmed(self.settings, r, "auto") is None
                 and guard.disabled(self.settings, r) is None}
        snapshot, evaluation = result.snapshot, result.evaluation
        controls = Controls(self.settings, self.store).at(now)
        free = [f for f in open_ if controls.heal_hold(f.rule, f.resource_sid) is None]
        # a silenced finding (or one in a window) is planned and refused, never worth a fetch
        if armed and self._due(free, armed, now, result):
            snapshot, evaluation = self._fresh(result, armed)
        findings = [f for f in result.findings if f.rule in rules - armed]
        findings += [f for f in evaluation.findings if f.rule in armed]
        # a rule skipped for an unknown family keeps its open findings: they are planned (and
        # refused, recorded) rather than silently dropped
        unknown = {r for r, why in evaluation.skipped.items() if why == "unknown"}
        findings += [f for f in open_ if f.rule in armed & unknown]
        view = HealView(snapshot, now, self.settings, self.store.baseline(result.account_sid))
        self.last = self.session.run(view, findings, "auto", result.open_findings)

    def _due(self, open_: list[Finding], armed: set[str], now: datetime,
             result: CycleResult) -> bool:
        """Worth fresh data: a finding past its grace period, or one on a resource healed
        within the fight window; resources whose breaker is open never are."""
        healing = self.settings.healing
        breakers = {(b.rule, b.resource_sid): b for b in records.breakers(self.store)}
        seen = first_seen(result.open_findings)
        for finding in open_:
            if finding.rule not in armed:
                continue
            for sid in self.healers[finding.rule].targets(finding):
                b = breakers.get((finding.rule, sid))
                if b is not None and b.tripped:
                    continue
                if b is not None and b.last_applied_at is not None and (
                        now - b.last_applied_at).total_seconds() <= healing.fight_window_seconds:
                    return True
                if not guard.grace_left(seen.get(finding.id), now, healing.grace_seconds):
                    return True
        return False

    def _fresh(self, result: CycleResult, armed: set[str]) -> tuple[Snapshot, Evaluation]:
        """A snapshot whose armed healers' families were all fetched in this cycle, and the
        armed rules evaluated on it."""
        needed = sorted({f for rule in armed for f in self.healers[rule].families})
        missing = [f for f in needed if f not in result.refreshed]
        if not missing:
            return result.snapshot, result.evaluation
        snapshot = self.watcher.fetch(missing, result.polled_at)
        rule_ctx = RuleContext(snapshot, result.polled_at, self.settings,
                               self.store.baseline(result.account_sid), extra=dict(result.evidence),
                               memo=self.watcher.rule_memo)
        return snapshot, evaluate(rule_ctx, only=armed, rules=self.watcher.rules)

