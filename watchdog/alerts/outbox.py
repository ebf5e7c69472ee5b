"""The persistent outbox and the incident book, both in the state store.

The outbox holds every event not delivered yet, in the order it was decided; the incident book
remembers which dedup keys were triggered (and through which route), so that a restart neither
pages twice nor forgets to resolve. Rows hold a route *name*, never a routing key.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.store.store import StateStore


@dataclass(frozen=True)
class OutboxItem:
    id: int
    dedup_key: str | None
    action: str  # trigger | resolve | change
    route: str
    event: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime

    @property
    def order_key(self) -> str:
        """Items with the same key are delivered strictly in order; change events stand alone."""
        return self.dedup_key or f"change:{self.id}"


@dataclass(frozen=True)
class Incident:
    dedup_key: str
    finding_id: str
    route: str
    status: str  # triggered | resolved


class Outbox:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    def enqueue(self, conn: sqlite3.Connection, action: str, route: str, event: dict[str, Any],
                now: datetime) -> None:
        """Add one event (inside the caller's transaction, with the decision that made it)."""
        conn.execute(
            "INSERT INTO outbox (dedup_key, action, route, payload, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (event.get("dedup_key"), action, route, json.dumps(event), now.isoformat(),
             now.isoformat()))

    def pending(self, limit: int | None = None) -> list[OutboxItem]:
        """Undelivered items, oldest decision first."""
        sql = ("SELECT id, dedup_key, action, route, payload, created_at, attempts, "
               "next_attempt_at FROM outbox ORDER BY id")
        rows = self.store.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
        return [OutboxItem(r[0], r[1], r[2], r[3], json.loads(r[4]),
                           datetime.fromisoformat(r[5]), r[6], datetime.fromisoformat(r[7]))
                for r in rows]

    def count(self) -> int:
        return int(self.store.execute("SELECT count(*) FROM outbox")[0][0])

    def remove(self, item_id: int) -> None:
        """Delivered, or dropped for good (PagerDuty rejected it as invalid)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def retry_later(self, item_id: int, at: datetime, error: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
                         "last_error = ? WHERE id = ?", (at.isoformat(), error[:500], item_id))

    def paused_until(self) -> datetime | None:
        """The retry time of the latest failed attempt: the outbox waits for it (restarts too)."""
        rows = self.store.execute("SELECT max(next_attempt_at) FROM outbox WHERE attempts > 0")
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None


class IncidentBook:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    def triggered(self) -> dict[str, Incident]:
        """Open incidents (as far as flex-watchdog decided), by finding id."""
        rows = self.store.execute("SELECT dedup_key, finding_id, route, status FROM incidents "
                                  "WHERE status = 'triggered'")
        return {r[1]: Incident(r[0], r[1], r[2], r[3]) for r in rows}

    def mark_triggered(self, conn: sqlite3.Connection, incident: Incident, now: datetime) -> None:
        conn.execute(
            "INSERT INTO incidents (dedup_key, finding_id, route, status, triggered_at) "
            "VALUES (?, ?, ?, 'triggered', ?) ON CONFLICT(dedup_key) DO UPDATE SET "
            "finding_id=excluded.finding_id, route=excluded.route, status='triggered', "
            "triggered_at=excluded.triggered_at, resolved_at=NULL",
            (incident.dedup_key, incident.finding_id, incident.route, now.isoformat()))

    def mark_resolved(self, conn: sqlite3.Connection, key: str, now: datetime) -> None:
        conn.execute("UPDATE incidents SET status = 'resolved', resolved_at = ? "
                     "WHERE dedup_key = ?", (now.isoformat(), key))
