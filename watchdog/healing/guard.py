"""The safety checks, as pure functions of settings, the view, the breaker and the clock.

Each returns the reason to hold back (a short, stable sentence: it goes into the history, the
log line and the plan) or None when the heal may go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from watchdog.healing.model import Change, HealView, Mode
from watchdog.healing.records import Breaker
from watchdog.model.times import iso
from watchdog.settings import Settings


def disabled(settings: Settings, rule: str) -> str | None:
    """``rules.<id>.enabled`` false: never healed, whatever the mode."""
    return None if settings.rule(rule).enabled else f"rules.{rule}.enabled is false"


def disarmed(settings: Settings, rule: str, mode: Mode) -> str | None:
    """Why this mode may not write for this rule (the heal becomes a dry run).

    The daemon (``auto``) needs both ``healing.enabled`` and ``rules.<id>.autoheal``;
    ``heal --apply`` is a person's explicit command and needs neither; ``heal --plan`` never writes.
    """
    if mode == "plan":
        return "heal --plan writes nothing"
    if mode == "apply":
        return None
    if not settings.healing.enabled:
        return "healing.enabled is false"
    if not settings.rule(rule).autoheal:
        return f"rules.{rule}.autoheal is false"
    return None


def stale(view: HealView, families: Iterable[str]) -> str | None:
    """Every family the healer reads must have been fetched completely in this cycle."""
    missing = [f for f in families if not view.fresh(f)]
    if not missing:
        return None
    return f"not fetched completely in this cycle: {', '.join(missing)}"


def grace_left(first_seen: datetime | None, now: datetime, grace_seconds: float) -> float:
    """Seconds until the finding is old enough to heal (0 when it is; a finding not yet
    recorded counts as brand new, and a grace of 0 means now)."""
    age = (now - first_seen).total_seconds() if first_seen is not None else 0.0
    return 0.0 if age >= grace_seconds else max(grace_seconds - age, 1e-9)


def breaker_open(breaker: Breaker) -> str | None:
    if not breaker.tripped:
        return None
    since = iso(breaker.tripped_at) if breaker.tripped_at else "?"
    return (f"circuit breaker open since {since} ({breaker.tripped_reason}); "
            f"run `flex-watchdog heal reset {breaker.resource_sid}`")


def fight_suspected(breaker: Breaker, view: HealView, family: str, window_seconds: float) -> bool:
    """Broken again within the window after a verified heal, seen in data fetched after it."""
    healed = breaker.last_applied_at
    state = view.snapshot.families.get(family)
    if healed is None or state is None or state.fetched_at is None:
        return False
    return state.fetched_at > healed and (view.now - healed).total_seconds() <= window_seconds


def still_written(current: dict[str, Any], written: dict[str, Any]) -> bool:
    """Every field the heal wrote still reads as written (those the snapshot has)."""
    shared = [k for k in written if k in current]
    return bool(shared) and all(current[k] == written[k] for k in shared)


def blast_radius(broken: set[str], population: set[str], max_fraction: float) -> str | None:
    """Refuse every heal of a rule when too much of what it watches is broken at once.

    A single broken resource is never a mass change (in a three-number account one number is
    33 %): the fraction applies from two broken resources up.
    """
    total = len(population | broken)
    if len(broken) < 2 or not total or len(broken) / total <= max_fraction:
        return None
    return (f"{len(broken)} of {total} resources of this rule look broken at once "
            f"(more than {max_fraction:.0%}): an incident or a bug, paging instead of healing")


def changed_since_snapshot(change: Change, live: dict[str, Any]) -> str | None:
    """The live resource differs from the snapshot the plan was made from: skip this cycle."""
    moved = sorted(k for k, v in change.before.items() if live.get(k) != v)
    if not moved:
        return None
    return f"changed since the snapshot ({', '.join(moved)}): skipped this cycle"
