"""Decide, after a cycle, which incidents to trigger and which to resolve.

Level-based, not edge-based: it compares the store's open findings with the incident book, so a
cycle whose alerting step was lost (crash, restart) is caught up by the next one.

* Trigger: a finding reported by this cycle (its rule ran on complete data), about a resource
  whose family is known now, seen in at least K consecutive complete observations, with a route,
  and not triggered already.
* Resolve: a triggered incident whose finding is no longer open. The store closes a finding only
  when its rule ran on complete data without it, so an unknown family never resolves anything.
* Storms: when more than ``pagerduty.group_threshold`` findings of one rule would trigger in one
  cycle, they trigger one incident for the rule (``<rule>:*``) listing the resources in
  ``custom_details``. While it is open, every other finding of the rule belongs to it; it
  resolves when the last of them clears.
* Controls: a silenced finding (``details.silence``) never triggers, and its open incident is
  resolved with a note; a finding in a maintenance window (``details.maintenance``) does not
  trigger. Both stay open findings, so the first cycle after the control ends triggers once.
* Impact: a trigger's summary begins with the entry points the finding cuts off ("SMS to 3 of
  500 numbers cannot reach Flex: ...") and its custom details carry ``impact``. A finding the
  routes prove cuts off nobody (``routes.impact.cuts_off_nobody``: every route known, nothing
  hidden behind another break) pages at most as a warning; unknown routes never lower a page.
* Rules turned off (``rules.<id>.enabled: false``): their open incidents, grouped ones too, are
  resolved with a note. The rule no longer runs, so nothing else would ever resolve them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from watchdog.alerts import events, routing
from watchdog.alerts.outbox import Incident
from watchdog.controls.marks import held
from watchdog.model.findings import Finding, Severity
from watchdog.model.results import CycleResult, OpenFinding
from watchdog.model.snapshot import RESOURCE_FAMILY
from watchdog.routes.impact import combined, cuts_off_nobody, impact_line
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
    members = _members(open_rows, triggered)
    out = [Planned("resolve", incident, events.resolve_event(incident.dedup_key))
           for finding_id, incident in sorted(triggered.items())
           if finding_id not in open_rows and not members.get(_group_rule(finding_id) or "")]
    out += _turned_off(open_rows, triggered, settings, {p.incident.finding_id for p in out})
    ready: list[tuple[Finding, str, Rule | None, int]] = []
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
        finding = paged(finding, result.reach)
        rule = rules.get(finding.rule)
        needed = routing.confirmations(settings, rule.kind if rule else "deletion")
        if row is None or row.observations < needed:
            continue
        route = routing.route_for(settings, finding.rule, finding.severity)
        if route is None:
            continue
        ready.append((finding, route, rule, row.observations))
    by_rule = Counter(finding.rule for finding, *_ in ready)
    grouped: dict[str, list[tuple[Finding, str, Rule | None, int]]] = {}
    for item in ready:
        finding, route, rule, observations = item
        if group_id(finding.rule) in triggered:
            continue  # the rule's open incident already stands for it
        if by_rule[finding.rule] > settings.pagerduty.group_threshold:
            grouped.setdefault(finding.rule, []).append(item)
            continue
        out.append(_trigger(finding, route, result, rule, settings, observations, redact))
    for rule_id, items in grouped.items():
        out.append(_group_trigger(rule_id, items, result, settings, redact))
    return out


def _turned_off(open_rows: Mapping[str, OpenFinding], triggered: Mapping[str, Incident],
                settings: Settings, resolved: set[str]) -> list[Planned]:
    out = []
    for finding_id, incident in sorted(triggered.items()):
        row = open_rows.get(finding_id)
        rule_id = _group_rule(finding_id) or (row.rule if row else None)
        if finding_id in resolved or rule_id is None or settings.rule(rule_id).enabled:
            continue
        note = f"rule {rule_id} turned off (rules.{rule_id}.enabled: false)"
        out.append(Planned("resolve", incident, events.resolve_event(incident.dedup_key),
                           note=note))
    return out


def group_id(rule_id: str) -> str:
    """The incident-book id of a rule's grouped incident (no finding id ends in ``:*``)."""
    return f"{rule_id}:*"


def _group_rule(finding_id: str) -> str | None:
    return finding_id[:-2] if finding_id.endswith(":*") else None


def _members(open_rows: Mapping[str, OpenFinding],
             triggered: Mapping[str, Incident]) -> dict[str, list[str]]:
    """rule -> its open findings without an incident of their own (a group's members)."""
    out: dict[str, list[str]] = {}
    for finding_id, row in open_rows.items():
        if finding_id not in triggered:
            out.setdefault(row.rule, []).append(finding_id)
    return out


def _group_trigger(rule_id: str, items: list[tuple[Finding, str, Rule | None, int]],
                   result: CycleResult, settings: Settings, redact: Redactor) -> Planned:
    """One incident for many findings of one rule: the worst finding's event, widened (one that
    cuts off nobody and pages as a warning never lowers a group whose others page critical)."""
    first, route, rule, observations = min(items, key=lambda i: Severity(i[0].severity).rank)
    event = events.trigger_event(first, result.account_sid, rule,
                                 runbook_base=settings.pagerduty.runbook_base_url,
                                 now=result.polled_at, observations=observations,
                                 redact=redact, account_name=settings.account_name)
    title = rule.title if rule else rule_id
    prefix = f"[{settings.account_name}] " if settings.account_name else ""
    impact = combined((f.details.get("impact") for f, *_ in items), result.reach)
    lead = impact_line(impact, result.reach)
    payload = event["payload"]
    payload["summary"] = events.one_line(f"{prefix}{lead + ': ' if lead else ''}"
                                         f"{len(items)} resources: {title}")
    payload["component"] = f"{first.resource_type}/*"
    payload["custom_details"] = events.bounded(events.scrub({
        "rule": rule_id, "count": len(items), "runbook": event["client_url"],
        **({"impact": impact} if impact is not None else {}),
        "resources": [{"type": f.resource_type, "sid": f.resource_sid,
                       "summary": f.summary} for f, *_ in items]}, redact))
    event["dedup_key"] = events.dedup_key(result.account_sid, rule_id, "*")
    return Planned("trigger", Incident(event["dedup_key"], group_id(rule_id), route, "triggered"),
                   event)


def paged(finding: Finding, reach: Mapping[str, Any]) -> Finding:
    """The finding as it pages: a critical one that cuts off no entry point pages as a warning
    (with a note saying so); everything else as it is."""
    if finding.severity != Severity.CRITICAL or not cuts_off_nobody(finding, reach):
        return finding
    note = "critical, paged as warning: it cuts off no entry point into Flex"
    return replace(finding, severity=Severity.WARNING,
                   details={**finding.details, "paged_as": note})


def _known(result: CycleResult, finding: Finding) -> bool:
    family = RESOURCE_FAMILY.get(finding.resource_type)
    return family is None or result.snapshot.complete(family)


def _trigger(finding: Finding, route: str, result: CycleResult, rule: Rule | None,
             settings: Settings, observations: int, redact: Redactor) -> Planned:
    event = events.trigger_event(finding, result.account_sid, rule,
                                 runbook_base=settings.pagerduty.runbook_base_url,
                                 now=result.polled_at, observations=observations,
                                 redact=redact, account_name=settings.account_name,
                                 lead=impact_line(finding.details.get("impact"), result.reach))
    incident = Incident(event["dedup_key"], finding.id, route, "triggered")
    return Planned("trigger", incident, event)
