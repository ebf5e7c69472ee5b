"""``restore --apply``: exactly the steps of a plan, after checking that every resource they
touch still has the fingerprint the plan recorded. Each step: journalled, re-read, written,
read back and verified; the first failure stops the rest."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twilio.rest import Client

from watchdog.healing.executor import short_error
from watchdog.healing.model import Request
from watchdog.model.snapshot import Snapshot
from watchdog.restore import journal, wire
from watchdog.restore.plan import Plan, Step
from watchdog.store.store import StateStore

#: Called between a write and its read-back; tests raise from it to simulate kill -9.
CrashHook = Callable[[Step], None]


@dataclass
class Outcome:
    index: int
    step: Step
    outcome: str  # applied, noop (already in effect), failed, skipped (done by an earlier run)
    reason: str
    after: dict[str, Any] = field(default_factory=dict)


def changed_since_plan(plan: Plan, snapshot: Snapshot, already: set[int]) -> list[str]:
    """What no longer matches the plan's fingerprints (steps already in effect excepted)."""
    out = []
    for index, step in enumerate(plan.steps):
        if index in already:
            continue
        live = snapshot.get(step.resource_type, step.resource_sid)
        if step.fingerprint is None and live is not None:
            out.append(f"{step.label} exists again")
        elif step.fingerprint is not None and live is None:
            out.append(f"{step.label} was deleted")
        elif live is not None and step.fingerprint and live.fingerprint != step.fingerprint:
            out.append(f"{step.label} changed")
    return out


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):  # JSON text (a workflow's configuration)
        try:
            return bool(json.loads(a) == json.loads(b))
        except ValueError:
            return False
    return False


def satisfied(wanted: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(_same(values.get(k), v) for k, v in wanted.items())


class Applier:
    def __init__(self, client: Client, store: StateStore, on_change: journal.ChangeCallback | None
                 = None, crash_hook: CrashHook | None = None) -> None:
        self.client, self.store, self.on_change = client, store, on_change
        self.crash_hook = crash_hook

    def settle(self, now: datetime) -> list[str]:
        """Writes a killed apply left unverified: read, never written again."""
        said = []
        for row in journal.pending(self.store):
            assert row.request is not None
            step = Step.from_json(row.request["step"])
            sent = Request(row.request["sent"]["method"], row.request["sent"]["url"],
                           dict(row.request["sent"]["form"]))
            try:
                values = self._find(step, sent, dict(row.request.get("wanted") or {}))
            except Exception as exc:
                said.append(f"cannot settle {step.label} yet: {short_error(exc)}")
                continue
            ok = values is not None
            reason = ("interrupted between write and verify; verified after restart" if ok
                      else "interrupted between write and verify; not in effect after restart")
            journal.finish(self.store, row.id, step, "applied" if ok else "failed", reason,
                           values)
            said.append(f"{step.label}: {reason}")
        return said

    def _find(self, step: Step, sent: Request, wanted: dict[str, Any]) -> dict[str, Any] | None:
        """The resource if the step is in effect: an update read back, a create found by the
        fields that identify it."""
        if step.action == "update":
            values = wire.read(self.client, step, sent.url)
            return values if satisfied(wanted, values) else None
        return wire.find_created(self.client, step, wanted)

    def run(self, plan: Plan, now: datetime) -> list[Outcome]:
        done = journal.done(self.store, plan.plan_id)
        created = {s.resource_sid: str(done[i].get("sid")) for i, s in enumerate(plan.steps)
                   if i in done and s.action == "create" and done[i].get("sid")}
        out: list[Outcome] = []
        for index, step in enumerate(plan.steps):
            if index in done:
                out.append(Outcome(index, step, "skipped", "in effect since an earlier run",
                                   done[index]))
                continue
            result = self._one(plan.plan_id, index, step, created, now)
            out.append(result)
            if result.outcome == "failed":
                break
            if step.action == "create" and result.after.get("sid"):
                created[step.resource_sid] = str(result.after["sid"])
        return out

    def _one(self, plan_id: str, index: int, step: Step, created: dict[str, str],
             now: datetime) -> Outcome:
        try:
            sent = wire.substitute(step.request, created)
        except wire.Unresolved as exc:
            return Outcome(index, step, "failed", f"not written: {exc}")
        wanted = wire.resolve_values(step.after, created)
        match = wire.resolve_values(step.match, created)
        try:
            live = self._find(step, sent, match if step.action == "create" else wanted)
            if live is None and step.action == "update":
                moved = self._moved(step, sent)
                if moved:
                    journal.record(self.store, plan_id, index, step, sent, "refused", moved,
                                   None, now)
                    return Outcome(index, step, "failed", moved)
        except Exception as exc:  # nothing written
            return Outcome(index, step, "failed", f"could not re-read: {short_error(exc)}")
        if live is not None and satisfied(wanted, live):
            reason = "already in effect when re-read: nothing written"
            journal.record(self.store, plan_id, index, step, sent, "noop", reason, live, now)
            return Outcome(index, step, "noop", reason, live)
        heal_id = journal.begin(self.store, plan_id, index, step, sent,
                                match if step.action == "create" else wanted, now)
        error, answer = None, {}
        try:
            answer = wire.send(self.client, sent)
        except Exception as exc:  # still read back: the write may have taken effect
            error = short_error(exc)
        if self.crash_hook is not None:
            self.crash_hook(step)
        return self._verify(heal_id, plan_id, index, step, sent, wanted, match, answer, error)

    def _moved(self, step: Step, sent: Request) -> str | None:
        values = wire.read(self.client, step, sent.url)
        moved = sorted(k for k, v in step.before.items() if not _same(values.get(k), v))
        return (f"{step.label} changed since the plan ({', '.join(moved)}): not written"
                if moved else None)

    def _verify(self, heal_id: int, plan_id: str, index: int, step: Step, sent: Request,
                wanted: dict[str, Any], match: dict[str, Any], answer: dict[str, Any],
                error: str | None) -> Outcome:
        try:
            if step.action == "create" and answer.get("sid"):
                url = f"{step.read_url}/{answer['sid']}"
                values: dict[str, Any] | None = wire.read(self.client, step, url)
            else:
                values = self._find(step, sent, match if step.action == "create" else wanted)
        except Exception as exc:
            reason = f"{error or 'written'}; could not read back: {short_error(exc)}"
            journal.finish(self.store, heal_id, step, "failed", reason, None)
            return Outcome(index, step, "failed", reason)
        if values is not None and satisfied(wanted, values):
            reason = "verified" + (f" (the write answered {error})" if error else "")
            journal.finish(self.store, heal_id, step, "applied", reason, values)
            journal.announce(self.on_change, plan_id, step, sent, values)
            return Outcome(index, step, "applied", reason, values)
        differs = sorted(k for k, v in wanted.items() if not values or not _same(values.get(k), v))
        reason = (f"write failed: {error}" if error
                  else f"read back after writing, {', '.join(differs)} differ")
        journal.finish(self.store, heal_id, step, "failed", reason, values)
        return Outcome(index, step, "failed", reason, values or {})
