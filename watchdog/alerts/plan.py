"""Decide, after a cycle, which incidents to trigger and which to resolve.

Level-based, not edge-based: it compares the store's open findings with the incident book, so a
cycle whose alerting step was lost (crash, restart) is caught up by the next one.

* Trigger: a finding reported by this cycle (its rule ran on complete data), about a resource
  whose family is known now, seen in at least K consecutive complete observations, with a route,
  and not triggered already.
* Resolve: a triggered incident whose finding is no longer open. The store closes a finding only
  when its rule ran on complete data without it, so an unknown family never resolves anything.
* Controls: a silenced finding (``details.silence``) never triggers, and its open incident is
  resolved with a note; a finding in a maintenance window (``details.maintenance``) does not
  trigger. Both stay open findings, so the first cycle after the control ends triggers once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from watchdog.alerts import events, routing
from watchdog.alerts.outbox import Incident
from watchdog.controls.marks import held
from watchdog.model.findings import Finding
from watchdog.model.results import CycleResult
from watchdog.model.snapshot import RESOURCE_FAMILY
from watchdog.rules.registry import Rule
from watchdog.settings import Settings
from watchdog.telemetry.redact import Redactor


@dataclass(frozen=True)
class Planned:
    action: str  # trigger | resolve
    incident: Incident
    event: events.Event
    note: str = ""  # why, when a control resolves an incident whose finding is still open


def plan(result: CycleResult, triggered: Mapping[str, Incident], settings: Settings,
         rules: Mapping[str, Rule], redact: Redactor) -> list[Planned]:
    """Resolves first (they free keys), then triggers in the findings' order."""
    open_rows = result.open_findings
    out = [Planned("resolve", incident, events.resolve_event(incident.dedup_key))
           for finding_id, incident in sorted(triggered.items()) if finding_id not in open_rows]
    for finding in result.findings:
        hold = held(finding)
        if hold and finding.id in triggered and "silence" in finding.details:
            incident = triggered[finding.id]
            out.append(Planned("resolve", incident, events.resolve_event(incident.dedup_key),
                               note=hold))
            continue
        if hold or finding.id in triggered or not _known(result, finding):
            continue
        row = open_rows.get(finding.id)
        rule = rules.get(finding.rule)
        needed = routing.confirmations(settings, rule.kind if rule else "deletion")
        if row is None or row.observations < needed:
            continue
        route = routing.route_for(settings, finding.rule, finding.severity)
        if route is None:
            continue
        out.append(_trigger(finding, route, result, rule, settings, row.observations, redact))
    return out


def _known(result: CycleResult, finding: Finding) -> bool:
    family = RESOURCE_FAMILY.get(finding.resource_type)
    return family is None or result.snapshot.complete(family)


def _trigger(finding: Finding, route: str, result: CycleResult, rule: Rule | None,
             settings: Settings, observations: int, redact: Redactor) -> Planned:
    event = events.trigger_event(finding, result.account_sid, rule,
                                 runbook_base=settings.pagerduty.runbook_base_url,
                                 now=result.polled_at, observations=observations,
                                 redact=redact, account_name=settings.account_name)
    incident = Incident(event["dedup_key"], finding.id, route, "triggered")
    return Planned("trigger", incident, event)
