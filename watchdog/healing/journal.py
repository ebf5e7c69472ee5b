"""Every heal outcome, four ways: a state-store row, one JSON log line with before and after,
``flex_watchdog_heals_total{rule,outcome}``, and (applied only) a change event."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from watchdog.healing import records
from watchdog.healing.model import Mode, Outcome, PlanItem
from watchdog.store.store import StateStore
from watchdog.telemetry.metrics import Metrics

log = logging.getLogger("watchdog.healing")

#: ``change_event(summary, details, links)``: the alerting side's PagerDuty change event.
ChangeCallback = Callable[[str, dict[str, Any], list[dict[str, str]]], None]
_LEVELS = {"applied": logging.WARNING, "failed": logging.ERROR, "refused": logging.WARNING,
           "dry_run": logging.INFO, "noop": logging.INFO}


class Journal:
    def __init__(self, store: StateStore, metrics: Metrics | None = None,
                 on_change: ChangeCallback | None = None, runbook_base: str = "") -> None:
        self.store, self.metrics, self.on_change = store, metrics, on_change
        self.runbook_base = runbook_base

    def record(self, item: PlanItem, outcome: Outcome, mode: Mode, now: datetime,
               dedupe_since: datetime | None = None) -> bool:
        """Record a decision that wrote nothing. ``dedupe_since`` (the daemon, which re-decides
        every cycle): skip it when the last record of this (rule, resource), made since then
        (the finding's first sighting), already says the same."""
        if dedupe_since is not None:
            previous = records.last(self.store, item.rule, item.resource_sid)
            if previous and previous.at >= dedupe_since and (
                    previous.outcome, previous.reason) == (outcome, item.reason):
                item.outcome = outcome
                return False
        change = item.change
        records.insert(self.store, now, item.rule, item.resource_type, item.resource_sid,
                       label=item.label, finding_id=item.finding_id, mode=mode, outcome=outcome,
                       reason=item.reason, request=change.to_json() if change else None,
                       before=change.before if change else None, after=item.after)
        self._announce(item, outcome, mode, now)
        return True

    def begin_write(self, item: PlanItem, mode: Mode, now: datetime) -> int:
        """The ``writing`` row, committed before the request leaves."""
        change = item.change
        assert change is not None
        return records.insert(self.store, now, item.rule, item.resource_type, item.resource_sid,
                              label=item.label, finding_id=item.finding_id, mode=mode,
                              outcome="failed", reason="write started, not verified",
                              request=change.to_json(), before=change.before, after=None,
                              phase="writing")

    def finish_write(self, heal_id: int, item: PlanItem, outcome: Outcome, mode: Mode,
                     now: datetime) -> None:
        records.finish(self.store, heal_id, outcome, item.reason, item.after)
        self._announce(item, outcome, mode, now)

    def _announce(self, item: PlanItem, outcome: Outcome, mode: Mode, now: datetime) -> None:
        item.outcome = outcome
        entry = {"event": "heal", "at": now.isoformat(), "mode": mode, **item.to_json(),
                 "before": item.change.before if item.change else None}
        log.log(_LEVELS[outcome], "heal %s", json.dumps(entry, sort_keys=True, default=str),
                extra={"fields": {"heal": entry}})
        if self.metrics is not None:
            self.metrics.heals.labels(item.rule, outcome).inc()
        if outcome == "applied" and self.on_change is not None:
            self._change_event(item)

    def _change_event(self, item: PlanItem) -> None:
        assert self.on_change is not None and item.change is not None
        diff = item.change.diff()
        fields = ", ".join(f"{d['field']}={d['after']}" for d in diff)
        summary = f"flex-watchdog healed {item.rule} on {item.label}: {fields}"
        details = {"rule": item.rule, "resource_type": item.resource_type,
                   "resource_sid": item.resource_sid, "finding_id": item.finding_id,
                   "request": item.change.request.to_json(), "diff": diff, "after": item.after}
        links = []
        if self.runbook_base:
            anchor = item.rule.replace(".", "-")
            links.append({"href": f"{self.runbook_base}#{anchor}", "text": f"Runbook {item.rule}"})
        try:
            self.on_change(summary, details, links)
        except Exception:  # contained: a failed notification must not undo a verified heal
            log.exception("change event for %s %s failed", item.rule, item.resource_sid)
