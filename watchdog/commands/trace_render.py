"""What ``trace`` prints: the JSON of docs/schemas/trace.json, or a table for a person."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from watchdog.commands.report import plural
from watchdog.commands.terminal import Terminal
from watchdog.model.snapshot import Snapshot
from watchdog.model.times import iso
from watchdog.routes import CHANNELS, EntryPoint, Hop, summarise
from watchdog.rules.registry import all_rules

# The shape of ``trace --format json`` (docs/schemas/trace.json). Raised when a field changes
# meaning or goes away; adding a field keeps it.
SCHEMA_VERSION = 1
ORDER = {"broken": 0, "unknown": 1, "ok": 2}
STYLE = {"broken": ("bold", "red"), "unknown": ("bold", "yellow"), "ok": ()}
INDENT = 10


def ordered(points: list[EntryPoint]) -> list[EntryPoint]:
    """Broken first, then unknown, then ok; each in the model's order."""
    return sorted(points, key=lambda p: ORDER[p.state])


def to_json(account_sid: str, traced_at: datetime, points: list[EntryPoint]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "account_sid": account_sid,
            "traced_at": iso(traced_at), "entry_points": [p.to_json() for p in ordered(points)],
            "summary": summarise(points)}


def render_json(account_sid: str, traced_at: datetime, points: list[EntryPoint]) -> str:
    return json.dumps(to_json(account_sid, traced_at, points), indent=2)


def render_table(snapshot: Snapshot, traced_at: datetime, points: list[EntryPoint], *,
                 detailed: bool, term: Terminal, unread: list[str]) -> str:
    lines = [f"flex-watchdog trace: account {snapshot.account_sid} at {iso(traced_at)}"]
    lines += [f"  unknown {text}: hops that read it are unknown" for text in unread]
    lines.append(headline(points))
    out = [w for line in lines for w in term.wrap(line, 2)]
    if not detailed:
        out.append("")
    for point in ordered(points):
        if detailed:
            out.append("")
        out += _route(point, term) if detailed else _line(point, term)
    return "\n".join(out)


def headline(points: list[EntryPoint]) -> str:
    summary = summarise(points)
    channels = ", ".join(f"{c} {n['ok']}/{sum(n.values())}" for c in CHANNELS
                         if sum((n := summary["by_channel"][c]).values()))
    return (f"{summary['ok']} of {plural(summary['total'], 'entry point')} reach Flex"
            + (f" ({channels})" if channels else "")
            + f"; {summary['broken']} broken, {summary['unknown']} unknown")


def _line(point: EntryPoint, term: Terminal) -> list[str]:
    word = point.state.upper()
    text = f"{word:<{INDENT}}{point.id}  ({point.stack})"
    hop = next((h for h in point.hops if h.state == point.state != "ok"), None)
    lines = [text] + ([f"{'':<{INDENT}}{_hop_text(hop)}"] if hop else [])
    wrapped = [w for line in lines for w in term.wrap(line, INDENT)]
    wrapped[0] = term.paint(word, *STYLE[point.state]) + wrapped[0][len(word):]
    return wrapped


def _hop_text(hop: Hop) -> str:
    rule = f" [{hop.rule}]" if hop.rule else ""
    return f"at {hop.kind}: {hop.label}{rule}"


def _route(point: EntryPoint, term: Terminal) -> list[str]:
    head = f"{point.id} ({point.stack}, {point.resource_sid}): {point.state}"
    out = term.wrap(head, 2)
    for number, hop in enumerate(point.hops, start=1):
        word = hop.state.upper()
        line = f"  {number:>2}. {word:<8}{hop.kind:<22}{hop.label}" + (
            f"  {hop.sid}" if hop.sid else "")
        wrapped = term.wrap(line, 14)
        wrapped[0] = wrapped[0].replace(word, term.paint(word, *STYLE[hop.state]), 1)
        out += wrapped
        if hop.state == "broken":
            out += [w for text in _explain(hop) for w in term.wrap(f"{'':<14}{text}", 14)]
    return out


def _explain(hop: Hop) -> list[str]:
    if hop.rule is None:
        return ["no finding explains it (its rule may be turned off): the structure is broken"]
    return [f"rule: {hop.rule} (finding {hop.finding})", f"fix: {fix(hop.rule)}",
            f"runbook: flex-watchdog explain {hop.rule}"]


def fix(rule_id: str) -> str:
    """The first paragraph of the rule's "Fix by hand" section, on one line."""
    rule = all_rules().get(rule_id)
    runbook = rule.runbook if rule is not None else ""
    found = re.search(r"\*\*Fix by hand[^*]*\*\*\s*(.+?)(\n\s*\n|\n\s*```|\n\s*\d\.|$)", runbook,
                      re.DOTALL)
    text = " ".join(found.group(1).split()) if found else ""
    text = re.sub(r"^\([^)]*\)\s*", "", text).lstrip(":. ")  # "(the recovery guide, …):"
    return text or f"see flex-watchdog explain {rule_id}"
