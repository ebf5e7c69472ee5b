"""After a plan is fully in effect, the baseline follows it: the re-created resources and the
re-pointed routes become the accepted state, so `check` returns to zero findings.

Only when every baseline finding left is about a resource the plan wrote, re-created or mapped,
and no other finding is open (a duplicate flow the plan reported excepted): anything else left
over keeps the old baseline, so restore never accepts drift it did not make.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from watchdog.model.findings import Finding
from watchdog.model.snapshot import Snapshot
from watchdog.restore.apply import Outcome
from watchdog.restore.plan import Plan

REPORTED = frozenset({"studio.flow-duplicate"})


def explained_sids(plan: Plan, outcomes: Iterable[Outcome]) -> set[str]:
    sids = {s.resource_sid for s in plan.steps} | {plan.account_sid}
    sids |= {str(o.after["sid"]) for o in outcomes if o.after.get("sid")}
    for mapping in plan.mappings:
        sids |= {mapping["from"], mapping["to"]}
    return sids


def blockers(plan: Plan, outcomes: list[Outcome], findings: Iterable[Finding]) -> list[Finding]:
    """The findings that keep the baseline as it is (empty: the baseline may follow)."""
    if any(o.outcome == "failed" for o in outcomes) or len(outcomes) != len(plan.steps):
        return list(findings)
    sids = explained_sids(plan, outcomes)
    return [f for f in findings if f.rule not in REPORTED
            and not (f.rule.startswith("baseline.") and f.resource_sid in sids)]


def adoptable(plan: Plan, snapshot: Snapshot) -> Snapshot:
    """The snapshot without what the plan's notes say to remove by hand (duplicates System
    Checkup left): removing them later is then no drift."""
    removed = {n.resource_sid for n in plan.notes if n.command}
    families = {name: replace(state, resources=tuple(
        r for r in state.resources if r.sid not in removed))
        for name, state in snapshot.families.items()}
    return Snapshot(snapshot.account_sid, snapshot.taken_at, families)
