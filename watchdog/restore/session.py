"""A restore against a watcher: plan, apply with the checks, let the baseline follow.

Used by ``flex-watchdog restore --apply`` and by the demo. The account is read with
``Watcher.fetch`` and the rules run here: no cycle is recorded and no cycle listener (the
daemon's healer) runs in the middle of a restore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from watchdog.model.findings import Finding
from watchdog.model.snapshot import FAMILIES, FamilyState, Snapshot
from watchdog.restore import follow, journal, planner
from watchdog.restore.apply import Applier, Outcome, changed_since_plan
from watchdog.restore.journal import ChangeCallback
from watchdog.restore.plan import Plan
from watchdog.rules.context import RuleContext
from watchdog.rules.engine import evaluate
from watchdog.settings import Settings
from watchdog.store.store import StateStore


class Watcher(Protocol):
    """What a restore needs of ``cycle.Watcher`` (restore sits below the cycle)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> StateStore: ...

    @property
    def access(self) -> Any: ...

    @property
    def account_sid(self) -> str: ...

    @property
    def evidence(self) -> Mapping[str, Callable[[], Any]]: ...

    def fetch(self, families: Iterable[str], now: datetime) -> Snapshot: ...


def unread(states: Iterable[FamilyState]) -> str | None:
    failed = [f"{s.family} ({s.error or s.reason or 'failed'})" for s in states if not s.complete]
    return f"Could not read from Twilio: {', '.join(failed)}" if failed else None


@dataclass
class Applied:
    refused: list[str]  # what changed since the plan (nothing was written)
    unknown: str | None  # the families that could not be read (nothing was written)
    outcomes: list[Outcome]
    followed: str | None = None  # what the baseline did afterwards

    @property
    def failed(self) -> bool:
        return any(o.outcome == "failed" for o in self.outcomes)


def plan_now(watcher: Watcher, now: datetime) -> Plan | str:
    """The plan against the stored baseline, or why there is none."""
    base = watcher.store.baseline(watcher.account_sid)
    if base is None:
        return "no baseline"
    snapshot = watcher.fetch(FAMILIES, now)
    failed = unread(snapshot.families.values())
    if failed:
        return failed
    found = findings(watcher, snapshot, base, now)
    return planner.build(base, snapshot, found, now, watcher.settings.flex)


def findings(watcher: Watcher, snapshot: Snapshot, base: Snapshot | None,
             now: datetime) -> list[Finding]:
    extra = {rule_id: feed() for rule_id, feed in watcher.evidence.items()}
    return evaluate(RuleContext(snapshot, now, watcher.settings, base, extra=extra)).findings


def apply_plan(watcher: Watcher, made: Plan, now: datetime,
               on_change: ChangeCallback | None = None) -> Applied:
    applier = Applier(watcher.access.client, watcher.store, on_change)
    applier.settle(now)
    snapshot = watcher.fetch(FAMILIES, now)
    failed = unread(snapshot.families.values())
    if failed:
        return Applied([], failed, [])
    changed = changed_since_plan(made, snapshot,
                                 set(journal.done(watcher.store, made.plan_id)))
    if changed:
        return Applied(changed, None, [])
    applied = Applied([], None, applier.run(made, now))
    if not applied.failed and made.steps:
        applied.followed = follow_baseline(watcher, made, applied.outcomes, now)
    return applied


def follow_baseline(watcher: Watcher, made: Plan, outcomes: list[Outcome],
                    now: datetime) -> str:
    """Read again; the baseline follows the plan when nothing else is left over."""
    snapshot = watcher.fetch(FAMILIES, now)
    if unread(snapshot.families.values()):
        return "Baseline kept: some family could not be read after the apply."
    left = follow.blockers(made, outcomes,
                           findings(watcher, snapshot, watcher.store.baseline(made.account_sid),
                                    now))
    if left:
        names = ", ".join(sorted({f"{f.rule} {f.resource_sid}" for f in left})[:5])
        return (f"Baseline kept: {len(left)} finding(s) the plan does not explain remain "
                f"({names}); review them with `flex-watchdog check` and `baseline diff`.")
    watcher.store.adopt_baseline(follow.adoptable(made, snapshot))
    return ("Baseline updated to the restored account (re-created resources under their new "
            "SIDs, routes re-pointed).")
