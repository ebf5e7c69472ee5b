"""Restore steps in the heal history (``heal history`` shows them): one row per step, written in
phase ``writing`` before the request leaves, so a killed apply is settled by reading only."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from watchdog.healing import records
from watchdog.healing.model import Request
from watchdog.restore.plan import Step
from watchdog.store.store import StateStore

log = logging.getLogger("watchdog.restore")
PREFIX = "restore."
#: ``change_event(summary, details, links)``: PagerDuty's change event for an applied step.
ChangeCallback = Callable[[str, dict[str, Any], list[dict[str, str]]], None]


def _payload(plan_id: str, index: int, step: Step, sent: Request,
             wanted: dict[str, Any] | None = None) -> dict[str, Any]:
    """``wanted``: what identifies the written resource, with the plan's ``$NEW`` resolved."""
    return {"plan_id": plan_id, "index": index, "step": step.to_json(), "sent": sent.to_json(),
            "wanted": wanted}


def begin(store: StateStore, plan_id: str, index: int, step: Step, sent: Request,
          wanted: dict[str, Any], now: datetime) -> int:
    return records.insert(store, now, step.rule, step.resource_type, step.resource_sid,
                          label=step.label, finding_id=step.reasons[0].finding_id, mode="apply",
                          outcome="failed", reason="write started, not verified",
                          request=_payload(plan_id, index, step, sent, wanted),
                          before=step.before, after=None, phase="writing")


def record(store: StateStore, plan_id: str, index: int, step: Step, sent: Request,
           outcome: str, reason: str, after: dict[str, Any] | None, now: datetime) -> None:
    records.insert(store, now, step.rule, step.resource_type, step.resource_sid,
                   label=step.label, finding_id=step.reasons[0].finding_id, mode="apply",
                   outcome=outcome, reason=reason, request=_payload(plan_id, index, step, sent),
                   before=step.before, after=after)
    _log(step, outcome, reason)


def finish(store: StateStore, heal_id: int, step: Step, outcome: str, reason: str,
           after: dict[str, Any] | None) -> None:
    records.finish(store, heal_id, outcome, reason, after)
    _log(step, outcome, reason)


def _log(step: Step, outcome: str, reason: str) -> None:
    entry = {"event": "restore", "rule": step.rule, "resource_sid": step.resource_sid,
             "outcome": outcome, "reason": reason, "diff": step.diff()}
    level = logging.ERROR if outcome == "failed" else logging.INFO
    log.log(level, "restore %s", json.dumps(entry, sort_keys=True, default=str))


def pending(store: StateStore) -> list[records.HealRecord]:
    return [r for r in records.pending(store) if r.rule.startswith(PREFIX) and r.request]


def done(store: StateStore, plan_id: str) -> dict[int, dict[str, Any]]:
    """Step index -> what it read back, for each step of this plan already in effect."""
    out: dict[int, dict[str, Any]] = {}
    for row in records.history(store, None, limit=1_000_000):
        request = row.request or {}
        if (row.rule.startswith(PREFIX) and row.phase == "done"
                and request.get("plan_id") == plan_id and row.outcome in ("applied", "noop")):
            out.setdefault(int(request["index"]), row.after or {})
    return out


def announce(on_change: ChangeCallback | None, plan_id: str, step: Step, sent: Request,
             after: dict[str, Any]) -> None:
    if on_change is None:
        return
    diff = step.diff()
    changed = ", ".join(f"{d['field']}" for d in diff) or step.action
    summary = f"flex-watchdog restore {step.action}d {step.label}: {changed}"
    details = {"plan_id": plan_id, "kind": step.kind, "resource_type": step.resource_type,
               "resource_sid": step.resource_sid, "reasons": [r.to_json() for r in step.reasons],
               "request": {"method": sent.method, "url": sent.url}, "diff": diff,
               "sid": after.get("sid")}
    try:
        on_change(summary, details, [])
    except Exception:  # contained: a failed notification must not undo a verified write
        log.exception("change event for restore step %s failed", step.resource_sid)
