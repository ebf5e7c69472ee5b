"""Evaluate every enabled rule whose families are complete; skip (and count) the others."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from watchdog.findings import Finding, sort_key
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Rule, all_rules

log = logging.getLogger(__name__)


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    evaluated: set[str] = field(default_factory=set)
    skipped: dict[str, str] = field(default_factory=dict)  # rule -> unknown | disabled | error

    def skip_counts(self) -> Counter[str]:
        return Counter(self.skipped.values())


def evaluate(ctx: RuleContext, only: set[str] | None = None) -> Evaluation:
    """Run the rules in registry order, drift rules last. ``only`` limits to those rule IDs."""
    result = Evaluation()
    rules = sorted(all_rules().values(), key=lambda r: (r.id.startswith("baseline."), r.id))
    for rule in rules:
        if only is not None and rule.id not in only:
            continue
        reason = _skip_reason(rule, ctx)
        if reason:
            result.skipped[rule.id] = reason
            continue
        try:
            hits = list(rule.func(ctx))
        except Exception:  # contained per rule: a bug in one rule must not hide the others
            log.exception("rule %s failed; its open findings are kept as they were", rule.id)
            result.skipped[rule.id] = "error"
            continue
        result.evaluated.add(rule.id)
        for hit in hits:
            finding = _finding(rule, hit, ctx)
            result.findings.append(finding)
            ctx.explained.add((hit.resource_type, hit.resource_sid))
            for affected in hit.details.get("affected", []):
                ctx.explained.add((affected["type"], affected["sid"]))
    result.findings.sort(key=sort_key)
    return result


def _skip_reason(rule: Rule, ctx: RuleContext) -> str | None:
    if not ctx.settings.rule(rule.id).enabled:
        return "disabled"
    if not ctx.snapshot.complete(*rule.families):
        return "unknown"
    return None


def _finding(rule: Rule, hit, ctx: RuleContext) -> Finding:
    severity = ctx.settings.rule(rule.id).severity or rule.severity
    details = dict(hit.details)
    if hit.resource_type == "phone_number" and "stack" not in details:
        details["stack"] = ctx.topology.stacks.get(hit.resource_sid, "none")  # every number finding
    return Finding(rule=rule.id, severity=severity, resource_type=hit.resource_type,
                   resource_sid=hit.resource_sid, summary=hit.summary, details=details,
                   runbook=rule.runbook, healable=rule.healable)
