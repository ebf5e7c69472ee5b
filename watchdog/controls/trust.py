"""Trusted automation: a change the Monitor Events feed attributes to a trusted actor
(``baseline.trusted_actors``) or source (``baseline.trusted_sources``) becomes the baseline for
that resource instead of drift.

Only the fields the trusted event changed are adopted, and only while the resource still holds
the values it set: an untrusted change to the same resource stays drift. A change with no Monitor
event is never adopted, nor one the watchdog made itself (a heal of that resource near that
time). Trust is about drift only: a resource another rule reports broken is not adopted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from watchdog.controls.trusted import trusted_by
from watchdog.model.snapshot import RESOURCE_FAMILY, Resource, Snapshot, thaw
from watchdog.model.times import iso
from watchdog.settings import Settings
from watchdog.signals.evidence import Change, EvidenceCache
from watchdog.store.store import StateStore

log = logging.getLogger(__name__)
OWN_WRITE_WINDOW = timedelta(minutes=5)  # a heal this close to an event made it


@dataclass(frozen=True)
class Adoption:
    resource_type: str
    resource_sid: str
    fields: tuple[str, ...]  # empty: the resource's deletion was adopted
    note: str


def _norm(value: Any) -> Any:
    return None if value == "" else value


def own_write(store: StateStore, change: Change) -> dict[str, Any] | None:
    """The heal of this resource written near the event's time, when the change was the
    watchdog's own (``{"rule", "heal_at"}``, from the heal journal), else None."""
    rows = store.execute("SELECT at, rule FROM heals WHERE resource_sid = ? AND (outcome = "
                         "'applied' OR phase = 'writing') ORDER BY id DESC", (change.resource_sid,))
    for at, rule in rows:
        written = datetime.fromisoformat(at)
        if abs(written - change.time) <= OWN_WRITE_WINDOW:
            return {"rule": rule, "heal_at": iso(written)}
    return None


def _own_write(store: StateStore, change: Change) -> bool:
    return own_write(store, change) is not None


def adopt(store: StateStore, settings: Settings, baseline: Snapshot | None, snapshot: Snapshot,
          changes: EvidenceCache, now: datetime, broken: set[str]) -> list[Adoption]:
    """Adopt what trusted actors changed into the baseline; return what was adopted.

    ``broken``: resources another rule than drift reports now. Their state is not adopted (a
    trusted actor who breaks an invariant gets the rule's finding, and the fix is not drift).
    """
    trust = settings.baseline
    if baseline is None or not (trust.trusted_actors or trust.trusted_sources):
        return []
    out = []
    for sid in changes.resources_changed():
        if sid in broken:
            continue
        for old in (r for r in baseline.resources() if r.sid == sid):
            if not snapshot.complete(RESOURCE_FAMILY.get(old.type, "")):
                continue  # unknown now: nothing is judged, nothing adopted
            done = _adopt_one(store, settings, old, snapshot.get(old.type, sid),
                              changes.changes(sid), now)
            if done is not None:
                out.append(done)
    return out


def _adopt_one(store: StateStore, settings: Settings, old: Resource, current: Resource | None,
               history: list[Change], now: datetime) -> Adoption | None:
    essence = dict(thaw(old.essence))
    fields: list[str] = []
    why, actor = "", None
    for change in history:
        who = trusted_by(settings, change.actor_sid, change.actor_type, change.source,
                         change.source_ip_address)
        if who is None or _own_write(store, change):
            continue
        if current is None and change.event_type.endswith(".deleted"):
            note = f"adopted: deleted by {who} at {change.to_json()['time']}"
            store.adopt_resource(None, old.type, old.sid, note, change.to_json(), now)
            log.warning("baseline %s %s %s", old.type, old.sid, note)
            return Adoption(old.type, old.sid, (), note)
        for name, diff in change.changes.items():
            updated = _norm(diff.get("updated"))
            if current is None or name not in essence or _norm(current.get(name)) != updated:
                continue  # changed again since, or not a watched field
            if essence[name] != updated:
                essence[name] = updated
                fields.append(name)
                why, actor = who, change.to_json()
    if not fields:
        return None
    note = f"adopted: changed by {why} ({', '.join(sorted(set(fields)))})"
    store.adopt_resource(Resource.make(old.type, old.sid, essence), old.type, old.sid, note,
                         actor, now)
    log.warning("baseline %s %s %s", old.type, old.sid, note)
    return Adoption(old.type, old.sid, tuple(sorted(set(fields))), note)
