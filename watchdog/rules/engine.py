"""Evaluate every enabled rule whose families are complete; skip (and count) the others."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from watchdog.model.findings import Finding, sort_key
from watchdog.model.results import Evaluation
from watchdog.model.topology import Stack
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, Rule, all_rules

log = logging.getLogger(__name__)


def evaluate(ctx: RuleContext, only: set[str] | None = None,
             rules: Mapping[str, Rule] | None = None) -> Evaluation:
    """Run the rules in registry order, drift rules last. ``only`` limits to those rule IDs;
    ``rules`` is the registry to run (the real one, ``all_rules()``, unless given).

    When ``only`` holds drift rules, the other rules still run, silently, so that what they
    explain is explained: a partial cycle (the daemon's Studio job) must not report as drift a
    deletion that a rule of another family already reports (one cause, one page).
    """
    result = Evaluation()
    registry = all_rules() if rules is None else rules
    ordered = sorted(registry.values(), key=lambda r: (r.id.startswith("baseline."), r.id))
    explain = only is not None and any(r.startswith("baseline.") for r in only)
    for rule in ordered:
        if only is not None and rule.id not in only:
            if explain and not rule.id.startswith("baseline.") and not _skip_reason(rule, ctx):
                _explain(rule, ctx)
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
            result.findings.append(_finding(rule, hit, ctx))
            _mark_explained(ctx, hit)
    result.findings.sort(key=sort_key)
    return result


def _mark_explained(ctx: RuleContext, hit: Hit) -> None:
    ctx.explained.add((hit.resource_type, hit.resource_sid))
    for affected in hit.details.get("affected", []):
        ctx.explained.add((affected["type"], affected["sid"]))


def _explain(rule: Rule, ctx: RuleContext) -> None:
    """Run a rule for what it explains only: no finding, no observation, no skip recorded."""
    try:
        for hit in rule.func(ctx):
            _mark_explained(ctx, hit)
    except Exception:  # its own cycle logs it; here it explains nothing
        log.debug("rule %s failed while explaining", rule.id, exc_info=True)


def _skip_reason(rule: Rule, ctx: RuleContext) -> str | None:
    if not ctx.settings.rule(rule.id).enabled:
        return "disabled"
    if not ctx.snapshot.complete(*rule.families):
        return "unknown"
    return None


def _finding(rule: Rule, hit: Hit, ctx: RuleContext) -> Finding:
    severity = ctx.settings.rule(rule.id).severity or hit.severity or rule.severity
    details = dict(hit.details)
    if hit.resource_type == "phone_number" and "stack" not in details:
        details["stack"] = ctx.topology.stacks.get(hit.resource_sid, Stack.NONE)  # every number finding
    return Finding(rule=rule.id, severity=severity, resource_type=hit.resource_type,
                   resource_sid=hit.resource_sid, summary=hit.summary, details=details,
                   runbook=rule.runbook, healable=rule.healable)
