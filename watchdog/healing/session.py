"""One heal pass over a view: plan, trip breakers on fights, write what is ready, record all.

Shared by the daemon (``auto``), ``heal --apply`` (``apply``) and ``heal --plan`` (``plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from twilio.rest import Client

from watchdog.controls.marks import Controls
from watchdog.healing import fight, guard, records
from watchdog.healing.executor import CrashHook, Executor
from watchdog.healing.healers import Healer, all_healers
from watchdog.healing.journal import ChangeCallback, Journal
from watchdog.healing.model import HealView, Mode, PlanItem
from watchdog.healing.planner import PlanInput, plan
from watchdog.model.findings import Finding
from watchdog.model.results import OpenFinding
from watchdog.model.times import iso
from watchdog.settings import Settings
from watchdog.store.store import StateStore
from watchdog.telemetry.metrics import Metrics


def first_seen(open_findings: Mapping[str, OpenFinding]) -> dict[str, datetime]:
    """Open finding id -> when it was first seen (the grace period's start)."""
    return {fid: item.first_seen for fid, item in open_findings.items()}


class HealSession:
    """Everything a pass needs; build one per process (or per command)."""

    def __init__(self, settings: Settings, store: StateStore, client: Client, account_sid: str,
                 metrics: Metrics | None = None, on_change: ChangeCallback | None = None,
                 crash_hook: CrashHook | None = None,
                 healers: Mapping[str, Healer] | None = None) -> None:
        self.settings, self.store, self.client = settings, store, client
        self.healers = dict(all_healers() if healers is None else healers)
        self.journal = Journal(store, metrics, on_change, settings.pagerduty.runbook_base_url)
        self.executor = Executor(client, account_sid, store, self.journal, settings.healing,
                                 crash_hook, self.healers)
        self._seen: dict[str, datetime] = {}

    def reconcile(self, now: datetime) -> list[PlanItem]:
        return self.executor.reconcile(now)

    def plan(self, view: HealView, findings: Iterable[Finding], mode: Mode,
             open_findings: Mapping[str, OpenFinding] | None = None, *,
             only: Callable[[PlanItem], bool] | None = None,
             skip_grace: bool = False) -> list[PlanItem]:
        """``open_findings``: the cycle's own, when it has them (else read from the store);
        ``only`` and ``skip_grace``: a person's narrowing (``heal --apply --rule R SID --now``)."""
        breaker = lambda rule, sid: records.breaker(self.store, rule, sid)  # noqa: E731
        self._seen = first_seen(self.store.open_findings() if open_findings is None
                                else open_findings)
        controls = Controls(self.settings, self.store).at(view.now)
        written = lambda rule, sid: records.written(self.store, rule, sid)  # noqa: E731
        return plan(PlanInput(view, findings, self._seen, breaker, mode, controls.heal_hold,
                              self.healers, only, skip_grace, written))

    def settle(self, items: Iterable[PlanItem], mode: Mode, now: datetime) -> None:
        """Write what is ready and record every decision (after a person confirmed)."""
        for item in items:
            self._settle(item, mode, now)

    def run(self, view: HealView, findings: Iterable[Finding], mode: Mode,
            open_findings: Mapping[str, OpenFinding] | None = None) -> list[PlanItem]:
        items = self.plan(view, findings, mode, open_findings)
        for item in items:
            self._settle(item, mode, view.now)
        return items

    def _settle(self, item: PlanItem, mode: Mode, now: datetime) -> None:
        if item.state == "waiting":
            return  # not a heal yet: nothing to record
        if item.fight and self._may_write(item.rule, mode):
            self._trip(item, now)
        if item.state == "ready":
            self.executor.apply(item, mode, now)
            return
        # the daemon decides again every cycle: one record per finding and decision
        since = self._seen.get(item.finding_id, now) if mode == "auto" else None
        self.journal.record(item, item.state, mode, now, dedupe_since=since)

    def _may_write(self, rule: str, mode: Mode) -> bool:
        return guard.disarmed(self.settings, rule, mode) is None

    def _trip(self, item: PlanItem, now: datetime) -> None:
        assert item.change is not None
        healed = records.breaker(self.store, item.rule, item.resource_sid).last_applied_at
        actor = fight.attribute(self.client, item.change, healed,
                                records.written(self.store, item.rule, item.resource_sid))
        who = fight.describe(actor, item.resource_type)
        item.reason = f"{item.reason}; changed by {who}; healing of it stopped"
        self.executor.trip(item, now, f"fight: undone after the heal at "
                           f"{iso(healed) if healed else '?'}; changed by {who}", actor)
