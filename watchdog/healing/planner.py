"""Findings -> plan items, each decided by the guards in a fixed order (no network, no writes).

Order: rule disabled, circuit breaker open, families not fresh, a control (silence, maintenance
window) or the healer's own refusal, already correct, fight, grace period, blast radius, switches
(dry run), budget. The first guard
that holds an item back decides its state and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.healing import guard
from watchdog.healing.healers import Healer, all_healers
from watchdog.healing.model import Change, HealView, Mode, PlanItem, Refusal, State
from watchdog.healing.records import Breaker
from watchdog.model.findings import Finding
from watchdog.model.snapshot import RESOURCE_FAMILY
from watchdog.model.times import iso


@dataclass
class PlanInput:
    view: HealView
    findings: Iterable[Finding]
    first_seen: dict[str, datetime]  # finding id -> when it was first seen
    breaker: Callable[[str, str], Breaker]  # (rule, resource_sid) -> its breaker
    mode: Mode
    # (rule, finding's resource_sid) -> why a control holds its heal back (None: it does not)
    hold: Callable[[str, str], str | None] = lambda rule, sid: None
    healers: Mapping[str, Healer] | None = None  # the registry: all_healers() unless given
    # A person narrowed the pass (``heal --apply --rule R PN...``): only these items are kept,
    # after the blast radius was judged on every finding, and before the budget.
    only: Callable[[PlanItem], bool] | None = None
    skip_grace: bool = False  # ``--now``: what was named does not wait for the grace period
    # (rule, resource_sid) -> the values the watchdog's last heal of it wrote (None: unknown)
    written: Callable[[str, str], dict[str, Any] | None] = lambda rule, sid: None


def plan(inp: PlanInput) -> list[PlanItem]:
    healers = all_healers() if inp.healers is None else inp.healers
    items: list[PlanItem] = []
    broken: dict[str, set[str]] = {}
    for finding in sorted(inp.findings, key=lambda f: (f.rule, f.resource_sid)):
        healer = healers.get(finding.rule)
        if healer is None or not finding.healable:
            continue
        broken.setdefault(finding.rule, set()).update(healer.targets(finding))
        hold = inp.hold(finding.rule, finding.resource_sid)
        for planned in healer.plan(finding, inp.view):
            item = _item(finding, planned)
            if hold and item.state != "refused":
                item.decide("refused", hold)
            items.append(item)
    radius = {rule: guard.blast_radius(sids, healers[rule].population(inp.view),
                                       inp.view.settings.healing.max_broken_fraction)
              for rule, sids in broken.items()}
    for item in items:
        _decide(item, healers[item.rule], inp, radius[item.rule])
    if inp.only is not None:
        items = [item for item in items if inp.only(item)]
    _budget(items, inp)
    return items


def _item(finding: Finding, planned: Change | Refusal) -> PlanItem:
    item = PlanItem(finding.rule, finding.id, planned.resource_type, planned.resource_sid,
                    planned.label)
    if isinstance(planned, Refusal):
        item.decide("refused", planned.reason)
    else:
        item.change = planned
    return item


def _decide(item: PlanItem, healer: Healer, inp: PlanInput, radius: str | None) -> None:
    view, settings = inp.view, inp.view.settings
    refused = item.state == "refused"
    off = guard.disarmed(settings, item.rule, inp.mode)
    breaker = inp.breaker(item.rule, item.resource_sid)
    # a disarmed daemon only records dry runs: it fetches nothing extra for them
    stale = None if inp.mode == "auto" and off else guard.stale(view, healer.families)
    for reason in (guard.disabled(settings, item.rule), guard.breaker_open(breaker), stale):
        if reason:
            item.decide("refused", reason)
            return
    if refused or item.change is None:
        return
    if item.change.satisfied_by(item.change.before):
        item.decide("noop", "already correct in this snapshot")
        return
    fight = _fight(item, breaker, view, inp.written(item.rule, item.resource_sid))
    if fight:
        item.fight = True
        item.decide("refused", fight)
        return
    steps: tuple[tuple[State, str | None], ...] = (
        ("waiting", _waiting(item, inp)), ("refused", radius), ("dry_run", off))
    for state, reason in steps:
        if reason:
            item.decide(state, reason)
            return


def _fight(item: PlanItem, breaker: Breaker, view: HealView,
           written: dict[str, Any] | None) -> str | None:
    """A healed field moved away from the value the heal wrote. A resource that still holds
    what the watchdog wrote was not fought over: what it should be changed (a re-created Flex
    Proxy Service), and healing it again is no fight."""
    window = view.settings.healing.fight_window_seconds
    family = RESOURCE_FAMILY.get(item.resource_type, "")
    if not guard.fight_suspected(breaker, view, family, window):
        return None
    assert item.change is not None
    if written is not None and guard.still_written(item.change.before, written):
        return None
    healed = iso(breaker.last_applied_at) if breaker.last_applied_at else "?"
    return (f"undone again after the heal at {healed} (within {window:.0f} s): someone or "
            "something is fighting it")


def _waiting(item: PlanItem, inp: PlanInput) -> str | None:
    if inp.skip_grace:
        return None
    grace = inp.view.settings.healing.grace_seconds
    left = guard.grace_left(inp.first_seen.get(item.finding_id), inp.view.now, grace)
    return f"grace period: {left:.0f} s left (healing.grace_seconds={grace:.0f})" if left else None


def _budget(items: list[PlanItem], inp: PlanInput) -> None:
    limit = inp.view.settings.healing.max_per_cycle
    counted = ("ready", "dry_run") if inp.mode == "plan" else ("ready",)
    used = 0
    for item in items:
        if item.state not in counted:
            continue
        if used >= limit:
            item.decide("refused", f"over the budget of {limit} heals per cycle "
                        "(healing.max_per_cycle): left for the next cycle")
            continue
        used += 1
