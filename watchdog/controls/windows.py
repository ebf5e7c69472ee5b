"""Maintenance windows: from the config file (one-off or recurring) or started on the command
line (``flex-watchdog maintenance start --for 2h``, kept in the state store until it ends).

A recurring window is a cron expression (APScheduler's ``CronTrigger``) for its start and a
duration: it is open from each start for that long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.model.times import iso, parse_duration
from watchdog.settings import MaintenanceWindow, Settings
from watchdog.store.store import StateStore

COMMAND = "maintenance"  # the name of a window started on the command line


@dataclass(frozen=True)
class Window:
    """An open window, as of one instant."""

    name: str
    ends_at: datetime
    rules: frozenset[str]  # empty: every rule
    heal: bool
    reason: str = ""
    id: int | None = None  # a window started on the command line

    def covers(self, rule: str) -> bool:
        return not self.rules or rule in self.rules

    def mark(self) -> dict[str, Any]:
        """What ``details.maintenance`` of a finding in the window says."""
        out: dict[str, Any] = {"name": self.name, "until": iso(self.ends_at),
                               "heal": self.heal}
        if self.reason:
            out["reason"] = self.reason
        return out

    def describe(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"maintenance window {self.name}{why} until {iso(self.ends_at)}"


def configured(window: MaintenanceWindow, now: datetime) -> Window | None:
    """The config window open at ``now``, with the end of its current occurrence."""
    rules = frozenset(window.rules)
    if window.start is not None and window.end is not None:
        if window.start <= now < window.end:
            return Window(window.name, window.end, rules, window.heal)
        return None
    from apscheduler.triggers.cron import CronTrigger  # only where a recurring window is set

    length = parse_duration(window.duration or "", f"maintenance {window.name}: duration")
    trigger = CronTrigger.from_crontab(window.cron or "", timezone=window.timezone)
    began = trigger.get_next_fire_time(None, now - length)
    if began is None or began > now:
        return None
    return Window(window.name, began + length, rules, window.heal)


def start(store: StateStore, *, reason: str, by: str, now: datetime,
          ends_at: datetime) -> Window:
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO maintenance (reason, created_by, starts_at, ends_at) VALUES (?, ?, ?, ?)",
            (reason, by, now.isoformat(), ends_at.isoformat()))
    return Window(COMMAND, ends_at, frozenset(), False, reason, int(cursor.lastrowid or 0))


def started(store: StateStore, now: datetime) -> list[Window]:
    """Windows started on the command line and open at ``now``."""
    rows = store.execute("SELECT id, reason, created_by, starts_at, ends_at FROM maintenance "
                         "WHERE ends_at > ? ORDER BY id", (now.isoformat(),))
    return [Window(COMMAND, datetime.fromisoformat(r[4]), frozenset(), False,
                   f"{r[1]} (by {r[2]})", int(r[0]))
            for r in rows if datetime.fromisoformat(r[3]) <= now]


def end(store: StateStore, now: datetime) -> list[Window]:
    """End every window started on the command line that is open now."""
    open_ = started(store, now)
    with store.transaction() as conn:
        conn.executemany("UPDATE maintenance SET ends_at = ? WHERE id = ?",
                         [(now.isoformat(), w.id) for w in open_])
    return open_


def open_windows(settings: Settings, store: StateStore, now: datetime) -> list[Window]:
    """Every window open at ``now``: the config file's, then the command line's."""
    found = [w for w in (configured(m, now) for m in settings.maintenance) if w is not None]
    return found + started(store, now)
