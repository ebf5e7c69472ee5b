"""The heal history and the per-resource circuit breakers, in the state store (migration 3).

A write is recorded in phase ``writing`` (committed) *before* the request leaves, and moved to
``done`` once verified: a kill -9 in between leaves a ``writing`` row that the next pass
reconciles by reading the resource, never by writing again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from watchdog.store.store import StateStore

FIGHT_RULE = "heal.fight-detected"
_HEAL_COLS = ("id", "at", "rule", "resource_type", "resource_sid", "label", "finding_id", "mode",
              "outcome", "reason", "request", "before", "after", "phase")
_BREAKER_COLS = ("rule", "resource_sid", "resource_type", "label", "failures",
                 "last_applied_at", "tripped_at", "tripped_reason", "actor")


@dataclass
class HealRecord:
    id: int
    at: datetime
    rule: str
    resource_type: str
    resource_sid: str
    label: str
    finding_id: str
    mode: str
    outcome: str
    reason: str | None
    request: dict[str, Any] | None  # the planned Change (request, desired, before, scope)
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    phase: str

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


@dataclass
class Breaker:
    rule: str
    resource_sid: str
    resource_type: str = ""
    label: str = ""
    failures: int = 0
    last_applied_at: datetime | None = None
    tripped_at: datetime | None = None
    tripped_reason: str | None = None
    actor: dict[str, Any] | None = None

    @property
    def tripped(self) -> bool:
        return self.tripped_at is not None


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _load(text: Any) -> Any:
    return None if text is None else json.loads(text)


def _time(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def _heal(row: Any) -> HealRecord:
    item = dict(zip(_HEAL_COLS, row, strict=True))
    for key in ("request", "before", "after"):
        item[key] = _load(item[key])
    item["at"] = datetime.fromisoformat(item["at"])
    item["label"] = item["label"] or item["resource_sid"]
    item["finding_id"] = item["finding_id"] or ""
    return HealRecord(**item)


def insert(store: StateStore, at: datetime, rule: str, resource_type: str, resource_sid: str, *,
           label: str, finding_id: str, mode: str, outcome: str, reason: str | None,
           request: dict[str, Any] | None, before: dict[str, Any] | None,
           after: dict[str, Any] | None, phase: str = "done") -> int:
    with store.transaction() as conn:
        cursor = conn.execute(
            f"INSERT INTO heals ({', '.join(_HEAL_COLS[1:])}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at.isoformat(), rule, resource_type, resource_sid, label, finding_id, mode, outcome,
             reason, _dump(request), _dump(before), _dump(after), phase))
        return int(cursor.lastrowid or 0)


def finish(store: StateStore, heal_id: int, outcome: str, reason: str | None,
           after: dict[str, Any] | None) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE heals SET outcome = ?, reason = ?, after = ?, phase = 'done' "
                     "WHERE id = ?", (outcome, reason, _dump(after), heal_id))


def last_id(store: StateStore) -> int:
    rows = store.execute("SELECT COALESCE(MAX(id), 0) FROM heals")
    return int(rows[0][0])


def by_people(store: StateStore, after_id: int) -> list[tuple[int, str, str, str]]:
    """(id, rule, outcome, phase) of the records after ``after_id`` that a person's command
    made (``heal --apply``, ``restore --apply``: mode ``apply``), oldest first."""
    rows = store.execute("SELECT id, rule, outcome, phase FROM heals WHERE id > ? AND "
                         "mode = 'apply' ORDER BY id", (after_id,))
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def _select(store: StateStore, where: str = "", params: tuple[Any, ...] = (),
            order: str = "id DESC", limit: int | None = None) -> list[HealRecord]:
    sql = f"SELECT {', '.join(_HEAL_COLS)} FROM heals {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_heal(row) for row in store.execute(sql, params)]


def pending(store: StateStore) -> list[HealRecord]:
    """Writes that started and were never verified (the process died in between)."""
    return _select(store, "WHERE phase = 'writing'", order="id")


def history(store: StateStore, resource: str | None = None, limit: int = 50) -> list[HealRecord]:
    """Newest first; ``resource`` filters by SID or label (e.g. the phone number)."""
    if resource:
        return _select(store, "WHERE resource_sid = ? OR label LIKE ?",
                       (resource, f"{resource}%"), limit=limit)
    return _select(store, limit=limit)


def last(store: StateStore, rule: str, resource_sid: str) -> HealRecord | None:
    found = _select(store, "WHERE rule = ? AND resource_sid = ?", (rule, resource_sid), limit=1)
    return found[0] if found else None


def written(store: StateStore, rule: str, resource_sid: str) -> dict[str, Any] | None:
    """The field values the last applied heal of this resource wrote (None: never healed)."""
    found = _select(store, "WHERE rule = ? AND resource_sid = ? AND outcome = 'applied'",
                    (rule, resource_sid), limit=1)
    request = found[0].request if found else None
    desired = request.get("desired") if isinstance(request, dict) else None
    return desired if isinstance(desired, dict) else None


# -- circuit breakers ------------------------------------------------------------------------------

def _breaker(row: Any) -> Breaker:
    item = dict(zip(_BREAKER_COLS, row, strict=True))
    for key in ("last_applied_at", "tripped_at"):
        item[key] = _time(item[key])
    item["actor"] = _load(item["actor"])
    item["label"] = item["label"] or ""
    return Breaker(**item)


def breakers(store: StateStore, tripped_only: bool = False) -> list[Breaker]:
    where = "WHERE tripped_at IS NOT NULL" if tripped_only else ""
    rows = store.execute(f"SELECT {', '.join(_BREAKER_COLS)} FROM heal_breakers {where} "
                         "ORDER BY resource_sid, rule")
    return [_breaker(row) for row in rows]


def breaker(store: StateStore, rule: str, resource_sid: str) -> Breaker:
    rows = store.execute(f"SELECT {', '.join(_BREAKER_COLS)} FROM heal_breakers "
                         "WHERE rule = ? AND resource_sid = ?", (rule, resource_sid))
    return _breaker(rows[0]) if rows else Breaker(rule, resource_sid)


def save_breaker(store: StateStore, b: Breaker) -> None:
    with store.transaction() as conn:
        conn.execute(
            f"INSERT OR REPLACE INTO heal_breakers ({', '.join(_BREAKER_COLS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (b.rule, b.resource_sid, b.resource_type, b.label, b.failures,
             b.last_applied_at.isoformat() if b.last_applied_at else None,
             b.tripped_at.isoformat() if b.tripped_at else None, b.tripped_reason,
             _dump(b.actor)))


def reset(store: StateStore, resource: str) -> list[Breaker]:
    """Forget every breaker (failures, last heal, trip) of a resource, by SID or label."""
    found = [b for b in breakers(store)
             if resource in (b.resource_sid, b.label) or b.label.startswith(f"{resource} ")]
    with store.transaction() as conn:
        conn.executemany("DELETE FROM heal_breakers WHERE rule = ? AND resource_sid = ?",
                         [(b.rule, b.resource_sid) for b in found])
    return found


def fight_evidence(store: StateStore) -> list[dict[str, Any]]:
    """The tripped breakers, as ``heal.fight-detected`` reads them from ``ctx.extra``."""
    return [{"rule": b.rule, "resource_type": b.resource_type or "unknown",
             "resource_sid": b.resource_sid, "label": b.label or b.resource_sid,
             "failures": b.failures, "tripped_at": b.tripped_at.isoformat() if b.tripped_at
             else None, "reason": b.tripped_reason, "actor": b.actor}
            for b in breakers(store, tripped_only=True)]
