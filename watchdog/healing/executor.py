"""One guarded write: re-read, compare with the snapshot, write, read back, verify, record.

Also keeps the per-resource circuit breakers (failures, last verified heal, trips) and
reconciles writes a killed process left unverified, by reading only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from watchdog.healing import guard, records
from watchdog.healing.healers import Healer, all_healers
from watchdog.healing.journal import Journal
from watchdog.healing.model import Change, Mode, PlanItem
from watchdog.settings import HealingSettings
from watchdog.store.store import StateStore

log = logging.getLogger(__name__)
#: Called between a write and its verification; tests raise from it to simulate kill -9.
CrashHook = Callable[[PlanItem], None]


def short_error(exc: BaseException) -> str:
    if isinstance(exc, TwilioRestException):
        return f"HTTP {exc.status} (code {exc.code}): {str(exc.msg)[:160]}"
    return f"{type(exc).__name__}: {str(exc)[:160]}"


class Executor:
    def __init__(self, client: Client, account_sid: str, store: StateStore, journal: Journal,
                 healing: HealingSettings, crash_hook: CrashHook | None = None,
                 healers: Mapping[str, Healer] | None = None) -> None:
        self.client, self.account_sid, self.store = client, account_sid, store
        self.journal, self.healing, self.crash_hook = journal, healing, crash_hook
        self.healers = dict(all_healers() if healers is None else healers)

    def apply(self, item: PlanItem, mode: Mode, now: datetime) -> None:
        change, healer = item.change, self.healers.get(item.rule)
        assert change is not None and healer is not None
        try:
            live = healer.read(self.client, self.account_sid, change)
        except Exception as exc:  # no write happened: a refusal, not a failed heal
            item.reason = f"could not re-read before writing: {short_error(exc)}"
            self.journal.record(item, "refused", mode, now)
            return
        if change.satisfied_by(live):
            item.after, item.reason = live, "already correct when re-read: nothing written"
            self.journal.record(item, "noop", mode, now)
            return
        moved = guard.changed_since_snapshot(change, live)
        if moved:
            item.reason = moved
            self.journal.record(item, "refused", mode, now)
            return
        heal_id = self.journal.begin_write(item, mode, now)
        error = None
        try:
            healer.write(self.client, self.account_sid, change)
        except Exception as exc:  # still read back: the write may have taken effect
            error = short_error(exc)
        if self.crash_hook is not None:
            self.crash_hook(item)
        self._verify(heal_id, item, change, mode, now, error)

    def _verify(self, heal_id: int, item: PlanItem, change: Change, mode: Mode, now: datetime,
                error: str | None) -> None:
        healer = self.healers.get(item.rule)
        assert healer is not None
        try:
            item.after = healer.read(self.client, self.account_sid, change)
        except Exception as exc:
            item.reason = f"{error or 'written'}; could not read back: {short_error(exc)}"
            self._failed(heal_id, item, mode, now)
            return
        if change.satisfied_by(item.after):
            item.reason = "verified" + (f" (the write answered {error})" if error else "")
            self.journal.finish_write(heal_id, item, "applied", mode, now)
            self.note_applied(item, now)
            return
        differs = sorted(k for k, v in change.desired.items() if item.after.get(k) != v)
        item.reason = (f"write failed: {error}" if error
                       else f"read back after writing, {', '.join(differs)} differ")
        self._failed(heal_id, item, mode, now)

    def _failed(self, heal_id: int, item: PlanItem, mode: Mode, now: datetime) -> None:
        self.journal.finish_write(heal_id, item, "failed", mode, now)
        self.note_failed(item, now)

    # -- recovery -----------------------------------------------------------------------------

    def reconcile(self, now: datetime) -> list[PlanItem]:
        """Settle every write left in phase ``writing`` by reading the resource (never writing)."""
        settled = []
        for row in records.pending(self.store):
            healer = self.healers.get(row.rule)
            if healer is None or not row.request:
                continue
            change = Change.from_json(row.request)
            item = PlanItem(row.rule, row.finding_id, row.resource_type, row.resource_sid,
                            row.label, change)
            try:
                item.after = healer.read(self.client, self.account_sid, change)
            except Exception as exc:  # try again next pass
                log.warning("cannot reconcile heal %s yet: %s", row.id, short_error(exc))
                continue
            mode: Mode = "apply" if row.mode == "apply" else "auto"
            if change.satisfied_by(item.after):
                item.reason = "interrupted between write and verify; verified after restart"
                self.journal.finish_write(row.id, item, "applied", mode, now)
                self.note_applied(item, row.at)
            else:
                item.reason = "interrupted between write and verify; not in effect after restart"
                self._failed(row.id, item, mode, now)
            settled.append(item)
        return settled

    # -- circuit breakers ---------------------------------------------------------------------

    def _breaker(self, item: PlanItem) -> records.Breaker:
        b = records.breaker(self.store, item.rule, item.resource_sid)
        b.resource_type, b.label = item.resource_type, item.label
        return b

    def note_applied(self, item: PlanItem, at: datetime) -> None:
        b = self._breaker(item)
        b.failures, b.last_applied_at = 0, at  # a verified heal re-arms the failure count
        records.save_breaker(self.store, b)

    def note_failed(self, item: PlanItem, now: datetime) -> None:
        b = self._breaker(item)
        b.failures += 1
        if b.failures >= self.healing.max_failures and not b.tripped:
            b.tripped_at, b.tripped_reason = now, f"{b.failures} failed heals in a row"
        records.save_breaker(self.store, b)

    def trip(self, item: PlanItem, now: datetime, reason: str,
             actor: dict[str, Any] | None) -> None:
        b = self._breaker(item)
        b.tripped_at, b.tripped_reason, b.actor = now, reason, actor
        records.save_breaker(self.store, b)
