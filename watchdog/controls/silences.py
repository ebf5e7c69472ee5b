"""Silences in the state store (migration 4): a rule, optionally one resource, until a time.

Every silence ends: ``add`` refuses one without an expiry or longer than
``silences.max_duration_seconds``. ``expire`` ends one now and keeps it in the list's history;
``remove`` deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from watchdog.errors import ConfigError
from watchdog.model.times import human, iso
from watchdog.settings import Settings
from watchdog.store.store import StateStore

_COLS = "id, rule, resource_sid, reason, created_by, created_at, ends_at"


@dataclass(frozen=True)
class Silence:
    id: int
    rule: str
    resource_sid: str | None  # None: every resource of the rule
    reason: str
    created_by: str
    created_at: datetime
    ends_at: datetime

    def active(self, now: datetime) -> bool:
        return self.created_at <= now < self.ends_at

    def matches(self, rule: str, resource_sid: str) -> bool:
        return self.rule == rule and self.resource_sid in (None, resource_sid)

    def mark(self) -> dict[str, Any]:
        """What ``details.silence`` of a silenced finding says."""
        return {"id": self.id, "source": "silence", "reason": self.reason,
                "until": iso(self.ends_at), "by": self.created_by}


def _row(row: Any) -> Silence:
    return Silence(int(row[0]), str(row[1]), row[2], str(row[3]), str(row[4]),
                   datetime.fromisoformat(row[5]), datetime.fromisoformat(row[6]))


def add(store: StateStore, settings: Settings, *, rule: str, resource_sid: str | None,
        reason: str, by: str, now: datetime, ends_at: datetime) -> Silence:
    """Store a new silence; a missing reason, a past end or one over the limit is refused."""
    if not reason.strip():
        raise ConfigError("silence: --reason: required (say why, for whoever reads it next)")
    if ends_at <= now:
        raise ConfigError(f"silence: --until: {iso(ends_at)} is not in the future")
    longest = timedelta(seconds=settings.silences.max_duration_seconds)
    if ends_at - now > longest:
        raise ConfigError(f"silence: longer than silences.max_duration_seconds ({human(longest)});"
                          " silence for less, or use a config ignore for a permanent case")
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO silences (rule, resource_sid, reason, created_by, created_at, ends_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (rule, resource_sid, reason.strip(), by, now.isoformat(), ends_at.isoformat()))
        sid = int(cursor.lastrowid or 0)
    return Silence(sid, rule, resource_sid, reason.strip(), by, now, ends_at)


def listed(store: StateStore) -> list[Silence]:
    """Every stored silence, newest first."""
    return [_row(r) for r in store.execute(f"SELECT {_COLS} FROM silences ORDER BY id DESC")]


def active(store: StateStore, now: datetime) -> list[Silence]:
    rows = store.execute(f"SELECT {_COLS} FROM silences WHERE ends_at > ? ORDER BY id",
                         (now.isoformat(),))
    return [s for s in map(_row, rows) if s.active(now)]


def get(store: StateStore, silence_id: int) -> Silence | None:
    rows = store.execute(f"SELECT {_COLS} FROM silences WHERE id = ?", (silence_id,))
    return _row(rows[0]) if rows else None


def remove(store: StateStore, silence_id: int) -> Silence | None:
    found = get(store, silence_id)
    if found is not None:
        with store.transaction() as conn:
            conn.execute("DELETE FROM silences WHERE id = ?", (silence_id,))
    return found


def expire(store: StateStore, silence_id: int, now: datetime) -> Silence | None:
    """End a silence now (it stays listed, as expired)."""
    found = get(store, silence_id)
    if found is None:
        return None
    if found.ends_at > now:
        with store.transaction() as conn:
            conn.execute("UPDATE silences SET ends_at = ? WHERE id = ?",
                         (now.isoformat(), silence_id))
    return get(store, silence_id)
