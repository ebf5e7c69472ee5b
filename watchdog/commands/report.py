"""Render a cycle's result for people (a table) or machines (stable JSON)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from watchdog.controls.marks import describe_silence
from watchdog.model.findings import Finding
from watchdog.model.results import CycleResult
from watchdog.model.topology import Topology
from watchdog.signals.evidence import evidence_text


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(result: CycleResult) -> dict[str, Any]:
    return {
        "account_sid": result.account_sid,
        "polled_at": rfc3339(result.polled_at),
        "findings": [f.to_json() for f in result.findings],
        "unknown": [{"family": s.family, "error": s.error} for s in result.unknown],
        "api_requests": result.api_requests,
        "baseline_adopted": result.adopted,
    }


def render_json(result: CycleResult) -> str:
    return json.dumps(to_json(result), indent=2, sort_keys=False, default=str)


def render_table(result: CycleResult, topology: Topology | None = None) -> str:
    lines = [f"flex-watchdog check: account {result.account_sid} at {rfc3339(result.polled_at)}"]
    if result.adopted:
        lines.append(f"Baseline adopted (first complete check) for: {', '.join(result.adopted)}")
    status = []
    for family in result.refreshed:
        state = result.snapshot.families[family]
        status.append(f"{family} ok" if state.complete else f"{family} UNKNOWN")
    lines.append("Families: " + ", ".join(status))
    if topology is not None and result.snapshot.complete("numbers"):
        stacks = Counter(topology.stacks.values())
        lines.append(f"Numbers: {stacks['legacy']} legacy Flex, {stacks['conversations']} Flex "
                     f"Conversations, {stacks['both']} in both stacks, {stacks['voice']} voice-only "
                     f"Flex, {stacks['none']} not Flex")
    for state in result.unknown:
        lines.append(f"  unknown {state.family}: {state.error} (no finding is drawn from it)")
    lines.append("")
    if not result.findings:
        lines.append("No findings.")
    for finding in result.findings:
        lines.extend(_finding_lines(finding))
    lines.append("")
    lines.append(_totals(result))
    return "\n".join(lines)


def _finding_lines(finding: Finding) -> list[str]:
    extras = []
    if "stack" in finding.details:
        extras.append(f"stack: {finding.details['stack']}")
    if finding.healable:
        extras.append("healable")
    extras.append(f"runbook: flex-watchdog explain {finding.rule}")
    lines = [f"{finding.severity.upper():<9}{finding.rule}  {finding.resource_sid}",
             f"         {finding.summary}"]
    evidence = evidence_text(finding.details)
    if evidence:
        lines.append(f"         evidence: {evidence}")
    lines += [f"         {text}" for text in control_lines(finding)]
    return [*lines, f"         {' | '.join(extras)}"]


def control_lines(finding: Finding) -> list[str]:
    """What holds the finding back from paging or healing (it is shown all the same)."""
    out = []
    silence = finding.details.get("silence")
    if isinstance(silence, dict):
        by = f", by {silence['by']}" if silence.get("by") else ""
        out.append(f"{describe_silence(silence)}{by} (does not page, not healed)")
    window = finding.details.get("maintenance")
    if isinstance(window, dict):
        heal = "heals run" if window.get("heal") else "not healed"
        out.append(f"maintenance: {window['name']}, until {window['until']} (does not page, "
                   f"{heal})")
    return out


def _totals(result: CycleResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    parts = ", ".join(f"{counts[s]} {s}" for s in ("critical", "warning", "info") if counts[s])
    found = f"{len(result.findings)} findings" + (f" ({parts})" if parts else "")
    return (f"{found}; {len(result.unknown)} unknown families; "
            f"{result.api_requests} Twilio requests")


def exit_code(result: CycleResult) -> int:
    """0 clean, 1 findings, 3 some family unknown and nothing else found."""
    if result.findings:
        return 1
    return 3 if result.unknown else 0
