"""Render a cycle's result for people (a table) or machines (stable JSON).

Both show ``findings`` when given (``check``'s filters), else every finding of the result, in
``display_order``: by severity, then by the resource's name or number, not by SID.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from watchdog.commands.terminal import Terminal
from watchdog.controls.marks import describe_silence
from watchdog.model.findings import Finding, Severity
from watchdog.model.migration import END_OF_LIFE, legacy_entry_points
from watchdog.model.results import CycleResult, OpenFinding
from watchdog.model.snapshot import RESOURCE_FAMILY, Snapshot
from watchdog.model.times import iso
from watchdog.model.topology import Stack, Topology
from watchdog.routes import CHANNELS, STATES
from watchdog.routes.impact import impact_line
from watchdog.rules.registry import all_rules
from watchdog.signals.evidence import evidence_text


def label(finding: Finding, snapshot: Snapshot) -> str:
    """The resource's phone number or name as a person knows it, else its SID."""
    resource = snapshot.get(finding.resource_type, finding.resource_sid)
    if resource is not None:
        return resource.name
    for key in ("phone_number", "flow", "friendly_name", "name"):
        value = finding.details.get(key)
        if isinstance(value, str) and value:
            return value
    return finding.resource_sid


def display_order(findings: list[Finding], snapshot: Snapshot) -> list[Finding]:
    return sorted(findings, key=lambda f: (Severity(f.severity).rank,
                                           label(f, snapshot).casefold(), f.rule, f.resource_sid))


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count} {noun if count == 1 else many or noun + 's'}"


# The shape of ``check --format json``, published as docs/schemas/check.json. Raised when a
# field changes meaning or goes away; adding a field keeps it.
SCHEMA_VERSION = 1


def stale(result: CycleResult) -> list[OpenFinding]:
    """Findings still open that this cycle did not re-check (their family or a family their
    rule reads is unknown now): unknown is not recovery, and not silence either."""
    current = {f.id for f in result.findings}
    return sorted((item for fid, item in result.open_findings.items() if fid not in current),
                  key=lambda item: (item.severity.rank, item.first_seen, item.id))


def stale_family(item: OpenFinding, result: CycleResult) -> str:
    """The unknown family that kept the finding from being re-checked."""
    unknown = {s.family for s in result.unknown}
    own = RESOURCE_FAMILY.get(item.resource_type)
    if own in unknown:
        return own
    rule = all_rules().get(item.rule)
    reads = sorted(set(rule.families) & unknown) if rule else []
    return reads[0] if reads else own or "unknown"


def age(item: OpenFinding, result: CycleResult) -> str:
    """``3 days``, ``4 h``, ``12 min``, ``40 s``: how long the finding has been open."""
    seconds = max(0, int((result.polled_at - item.first_seen).total_seconds()))
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def stale_json(item: OpenFinding, result: CycleResult) -> dict[str, Any]:
    return {"id": item.id, "rule": item.rule, "severity": item.severity.value,
            "resource_type": item.resource_type, "resource_sid": item.resource_sid,
            "summary": item.summary, "family": stale_family(item, result),
            "first_seen": iso(item.first_seen), "age": age(item, result),
            "age_seconds": int((result.polled_at - item.first_seen).total_seconds())}


def stale_lines(items: list[OpenFinding], result: CycleResult) -> list[str]:
    out = []
    for item in items:
        out += [f"{item.severity.upper():<9}{item.rule}  {item.resource_sid}",
                f"         {item.summary}",
                f"         still open, not re-checked: {stale_family(item, result)} unknown "
                f"(open for {age(item, result)}, since {iso(item.first_seen)})"]
    return out


def to_json(result: CycleResult, findings: list[Finding] | None = None,
            stale_items: list[OpenFinding] | None = None) -> dict[str, Any]:
    shown = display_order(result.findings if findings is None else findings, result.snapshot)
    items = stale(result) if stale_items is None else stale_items
    return {
        "schema_version": SCHEMA_VERSION,
        "account_sid": result.account_sid,
        "polled_at": iso(result.polled_at),
        "findings": [f.to_json() for f in shown],
        "unknown": [{"family": s.family, "error": s.error} for s in result.unknown],
        "stale": [stale_json(item, result) for item in items],
        "api_requests": result.api_requests,
        "baseline_adopted": result.adopted,
        **({"entry_points": entry_points_json(result.reach)} if result.reach else {}),
    }


def entry_points_json(reach: Mapping[str, Any]) -> dict[str, Any]:
    """The account's entry points by state, and by channel and state (as ``trace``'s summary)."""
    return {"total": reach["total"], **{state: reach[state] for state in STATES},
            "by_channel": {c: dict(reach["by_channel"][c]) for c in CHANNELS}}


def render_json(result: CycleResult, findings: list[Finding] | None = None,
                stale_items: list[OpenFinding] | None = None) -> str:
    return json.dumps(to_json(result, findings, stale_items), indent=2, sort_keys=False,
                      default=str)


def render_table(result: CycleResult, topology: Topology | None = None, *,
                 findings: list[Finding] | None = None, term: Terminal | None = None,
                 quiet: bool = False, controls: list[str] | None = None,
                 stale_items: list[OpenFinding] | None = None) -> str:
    """The table; ``quiet`` leaves only the findings, ``term`` wraps and colours; ``controls``
    are the silences, ignores and windows in force (shown in the header); ``stale_items``
    the open findings this cycle could not re-check (default: all of them)."""
    term = term or Terminal(None, False)
    shown = display_order(result.findings if findings is None else findings, result.snapshot)
    items = stale(result) if stale_items is None else stale_items
    old = [out for line in stale_lines(items, result) for out in term.wrap(line, INDENT)]
    if quiet:
        return "\n".join([*(line for f in shown for line in _finding_lines(f, term, result.reach)),
                          *old])
    lines = _header(result, topology)
    if controls:
        lines[-1:-1] = [f"In force: {text}" for text in controls]
    if not shown:
        lines.append("No findings." if not result.findings else
                     f"No findings shown ({plural(len(result.findings), 'finding')} filtered out).")
    wrapped = [out for line in lines for out in term.wrap(line, 2)]
    for finding in shown:
        wrapped.extend(_finding_lines(finding, term, result.reach))
    wrapped.extend(old)
    wrapped.append("")
    wrapped += term.wrap(_totals(result, shown, items) + end_of_life_note(result, topology), 2)
    return "\n".join(wrapped)


def end_of_life_note(result: CycleResult, topology: Topology | None) -> str:
    """Not a finding (nothing broke): how much still runs on the ended legacy stack."""
    if topology is None or not result.snapshot.complete("flex_flows", "numbers", "proxy"):
        return ""
    count = len(legacy_entry_points(topology))
    if not count:
        return ""
    return (f"; {plural(count, 'entry point')} still on Programmable Chat for Flex, which "
            f"reached end of life on {END_OF_LIFE}: see flex-watchdog migration")


def _header(result: CycleResult, topology: Topology | None) -> list[str]:
    lines = [f"flex-watchdog check: account {result.account_sid} at {iso(result.polled_at)}"]
    if result.adopted:
        lines.append(f"Baseline adopted (first complete check) for: {', '.join(result.adopted)}")
    status = []
    for family in result.refreshed:
        state = result.snapshot.families[family]
        status.append(f"{family} ok" if state.complete else f"{family} UNKNOWN")
    lines.append("Families: " + ", ".join(status))
    if topology is not None and result.snapshot.complete("numbers"):
        stacks = Counter(topology.stacks.values())
        lines.append(f"Numbers: {stacks[Stack.LEGACY]} legacy Flex, {stacks[Stack.CONVERSATIONS]} Flex "
                     f"Conversations, {stacks[Stack.BOTH]} in both stacks, {stacks[Stack.VOICE]} voice-only "
                     f"Flex, {stacks[Stack.NONE]} not Flex")
    reach = reach_line(result.reach)
    if reach:
        lines.append(reach)
    for state in result.unknown:
        lines.append(f"  unknown {state.family}: {state.error} (no finding is drawn from it)")
    lines.append("")
    return lines


CHANNEL_NAMES = {"voice": "voice", "sms": "SMS", "whatsapp": "WhatsApp", "chat": "chat",
                 "web": "web chat (Flex Flow)"}


def reach_line(reach: Mapping[str, Any]) -> str:
    """``Reaching Flex: voice 500 of 500, SMS 497 of 500; 3 cut off`` (channels with no entry
    point left out); "" when the routes could not be computed."""
    if not reach:
        return ""
    if not reach["total"]:
        return "Reaching Flex: no entry points (no Flex number, address or web Flex Flow)"
    parts = []
    for channel in CHANNELS:
        counts = reach["by_channel"][channel]
        total = sum(counts.values())
        if total:
            parts.append(f"{CHANNEL_NAMES[channel]} {counts['ok']} of {total}")
    tail = [f"{reach['broken']} cut off"] if reach["broken"] else []
    if reach["unknown"]:
        tail.append(f"{reach['unknown']} not known (a family on the route could not be read)")
    return "Reaching Flex: " + ", ".join(parts) + ("; " + ", ".join(tail) if tail else "")


INDENT = 9  # under the rule ID, after the severity column


def _finding_lines(finding: Finding, term: Terminal,
                   reach: Mapping[str, Any] | None = None) -> list[str]:
    plain = _finding_text(finding, reach or {})
    out = [w for line in plain for w in term.wrap(line, INDENT)]
    word = finding.severity.upper()
    out[0] = term.severity(finding.severity, word) + out[0][len(word):]
    return out


def _finding_text(finding: Finding, reach: Mapping[str, Any]) -> list[str]:
    extras = []
    if "stack" in finding.details:
        extras.append(f"stack: {finding.details['stack']}")
    if finding.healable:
        extras.append("healable")
    extras.append(f"runbook: flex-watchdog explain {finding.rule}")
    lines = [f"{finding.severity.upper():<9}{finding.rule}  {finding.resource_sid}"]
    impact = impact_line(finding.details.get("impact"), reach)
    if impact:  # who is cut off comes before what broke
        lines.append(f"         {impact}")
    lines.append(f"         {finding.summary}")
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
    if isinstance(finding.details.get("trusted"), str):
        out.append(f"trusted: {finding.details['trusted']}")
    return out


def _totals(result: CycleResult, shown: list[Finding], items: list[OpenFinding]) -> str:
    counts = Counter(f.severity for f in shown)
    parts = ", ".join(f"{counts[s]} {s}" for s in Severity if counts[s])
    found = plural(len(shown), "finding") + (f" ({parts})" if parts else "")
    hidden = len(result.findings) - len(shown)
    if hidden:
        found += f", {hidden} filtered out"
    if items:
        found += f", {len(items)} still open, not re-checked"
    return (f"{found}; {plural(len(result.unknown), 'unknown family', 'unknown families')}; "
            f"{plural(result.api_requests, 'Twilio request')}")


def exit_code(result: CycleResult, findings: list[Finding] | None = None,
              fail_on: str = "info") -> int:
    """0 clean, 1 findings of ``fail_on`` or worse, 3 some family unknown and nothing else
    found. ``findings`` (what is shown) default to all of the result's."""
    shown = result.findings if findings is None else findings
    limit = Severity(fail_on).rank
    if any(Severity(f.severity).rank <= limit for f in shown):
        return 1
    return 3 if result.unknown else 0
