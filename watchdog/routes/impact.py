"""Who a finding cuts off: the entry points broken because of it, and how that reads.

``details.impact`` = ``{"entry_points": N, "by_channel": {channel: n}, "sample": [ids]}``. The
account's ``reach`` is the summary of every route plus ``known``: every family complete and no
entry point unknown, the only state in which "cuts off nobody" can be believed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from watchdog.model.findings import Finding
from watchdog.model.snapshot import FAMILIES, Snapshot
from watchdog.routes import explain
from watchdog.routes.model import CHANNELS, EntryPoint
from watchdog.routes.summary import broken_by, summarise

SAMPLE = 5
# Rules that break a hop: a finding of one of them may sit behind another broken hop (its
# route stops there), so cutting off nobody now is not proof while anything is broken.
HOP_RULES = frozenset().union(
    explain.VOICE_NUMBER, explain.LEGACY_NUMBER, explain.CONVERSATIONS_NUMBER, explain.SENDER,
    explain.PROXY, explain.FLEX_FLOW, explain.ADDRESS, explain.SERVICE, explain.STUDIO_FLOW,
    explain.TRIGGER, explain.WORKFLOW, explain.TASK_CHANNEL, explain.TASK_QUEUE)
# What customers reach Flex by, per channel: (the service, the noun of its entry points).
WORDING = {"voice": ("calls to", "number", "numbers"), "sms": ("SMS to", "number", "numbers"),
           "whatsapp": ("WhatsApp to", "address", "addresses"),
           "chat": ("web chat on", "address", "addresses"),
           "web": ("legacy web chat on", "Flex Flow", "Flex Flows")}


def impact(points: Iterable[EntryPoint]) -> dict[str, Any]:
    """The impact of a finding that breaks ``points`` (none: the zero impact)."""
    listed = list(points)
    by_channel = dict.fromkeys(CHANNELS, 0)
    for point in listed:
        by_channel[point.channel] += 1
    return {"entry_points": len(listed), "by_channel": by_channel,
            "sample": [point.id for point in listed[:SAMPLE]]}


def combined(found: Iterable[Any], account: Mapping[str, Any]) -> dict[str, Any] | None:
    """The impact of several findings together (one grouped page): per channel their sum, never
    more than the channel's broken entry points (two findings can cut off the same one); the
    samples in order, once each. None when none of them has an impact."""
    impacts = [item for item in found if isinstance(item, Mapping)]
    if not impacts:
        return None
    by_channel = dict.fromkeys(CHANNELS, 0)
    sample: list[str] = []
    for item in impacts:
        for channel in CHANNELS:
            by_channel[channel] += int((item.get("by_channel") or {}).get(channel) or 0)
        sample += [s for s in item.get("sample") or [] if s not in sample]
    broken = account.get("by_channel") or {}
    for channel in CHANNELS:
        if channel in broken:
            by_channel[channel] = min(by_channel[channel], int(broken[channel].get("broken", 0)))
    return {"entry_points": sum(by_channel.values()), "by_channel": by_channel,
            "sample": sample[:SAMPLE]}


def with_impact(findings: Iterable[Finding], points: Iterable[EntryPoint]) -> list[Finding]:
    """Each finding with ``details.impact``: the entry points it breaks (every one gets it)."""
    broken = broken_by(points)
    return [replace(f, details={**f.details, "impact": impact(broken.get(f.id, ()))})
            for f in findings]


def reach(snapshot: Snapshot, points: Iterable[EntryPoint]) -> dict[str, Any]:
    """``summarise`` of every entry point, plus ``known``."""
    out = summarise(points)
    out["known"] = snapshot.complete(*FAMILIES) and out["unknown"] == 0
    return out


def cuts_off_nobody(finding: Finding, account: Mapping[str, Any]) -> bool:
    """True only when the routes prove no entry point is broken because of the finding: its
    impact is 0, every route is known, and (for a rule that breaks hops) nothing else is broken
    that could hide it. A finding without an impact, or on an account not fully read, is not
    "no impact"."""
    found = finding.details.get("impact")
    if not isinstance(found, Mapping) or found.get("entry_points") != 0:
        return False
    if not account.get("known"):
        return False
    return finding.rule not in HOP_RULES or not account.get("broken")


def impact_line(found: Any, account: Mapping[str, Any]) -> str:
    """``SMS to 3 of 500 numbers cannot reach Flex`` (channels joined with "and"), or "" when
    the finding cuts off nobody or its impact is not known."""
    if not isinstance(found, Mapping) or not found.get("entry_points"):
        return ""
    counts = found.get("by_channel") or {}
    totals = account.get("by_channel") or {}
    parts = []
    for channel in CHANNELS:
        count = int(counts.get(channel) or 0)
        if not count:
            continue
        service, one, many = WORDING[channel]
        total = sum(int(n) for n in (totals.get(channel) or {}).values()) or count
        parts.append(f"{service} {count} of {total} {one if total == 1 else many}")
    if not parts:
        return ""
    text = " and ".join(parts) + " cannot reach Flex"
    return text[0].upper() + text[1:]
