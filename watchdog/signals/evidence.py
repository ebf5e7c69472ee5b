"""Evidence on findings: who changed a resource (Monitor Events) and what customers suffer
(Debugger alerts, counted over the last hour).

``events.py`` feeds an :class:`EvidenceCache`; the Watcher calls :meth:`EvidenceCache.enrich`
after the rules ran and before findings are recorded, so the rules stay pure. The evidence lands
in ``details["evidence"]``, and from there in ``check`` output, JSON, logs and pages.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from watchdog.model.findings import Finding
from watchdog.model.times import iso

ALERT_WINDOW = timedelta(hours=1)
CHANGE_RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class Change:
    """One Monitor event about a resource: who, from where, when, and which fields changed."""

    event_sid: str
    event_type: str
    resource_sid: str
    time: datetime
    actor_type: str | None = None
    actor_sid: str | None = None
    source: str | None = None
    source_ip_address: str | None = None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"event_sid": self.event_sid, "event_type": self.event_type,
                "time": iso(self.time), "actor_type": self.actor_type,
                "actor_sid": self.actor_sid, "source": self.source,
                "source_ip_address": self.source_ip_address, "changes": self.changes}


@dataclass(frozen=True)
class Alert:
    """One Debugger alert with an error code that means broken Flex plumbing."""

    sid: str
    error_code: int
    time: datetime
    resource_sid: str | None = None
    service_sid: str | None = None


# The watchdog's own write that made a change, from the heal journal ({"rule", "heal_at"}), or
# None: the composition root hands one in, so that evidence never names a heal as someone else's.
OwnWrite = Callable[[Change], dict[str, Any] | None]


class EvidenceCache:
    """The latest change per resource and the recent alerts; thread-safe."""

    def __init__(self, own: OwnWrite | None = None) -> None:
        self.own = own
        self._lock = threading.Lock()
        self._changes: dict[str, Change] = {}
        self._history: dict[str, dict[str, Change]] = {}  # resource -> event SID -> change
        self._alerts: dict[str, Alert] = {}

    def add_change(self, change: Change) -> None:
        with self._lock:
            known = self._changes.get(change.resource_sid)
            if known is None or known.time <= change.time:
                self._changes[change.resource_sid] = change
            self._history.setdefault(change.resource_sid, {})[change.event_sid] = change

    def add_alert(self, alert: Alert) -> None:
        with self._lock:
            self._alerts[alert.sid] = alert

    def latest_change(self, resource_sid: str) -> Change | None:
        with self._lock:
            return self._changes.get(resource_sid)

    def changes(self, resource_sid: str) -> list[Change]:
        """Every change of the last day to this resource, oldest first (trust reads them)."""
        with self._lock:
            found = list(self._history.get(resource_sid, {}).values())
        return sorted(found, key=lambda c: (c.time, c.event_sid))

    def resources_changed(self) -> list[str]:
        with self._lock:
            return list(self._history)

    def alert_count(self, sids: Iterable[str], now: datetime) -> int:
        wanted = set(sids)
        since = now - ALERT_WINDOW
        with self._lock:
            return sum(1 for a in self._alerts.values() if since <= a.time <= now
                       and ({a.resource_sid, a.service_sid} & wanted))

    def prune(self, now: datetime) -> None:
        """Forget alerts older than the window and changes older than a day."""
        with self._lock:
            self._alerts = {k: a for k, a in self._alerts.items() if a.time >= now - ALERT_WINDOW}
            self._changes = {k: c for k, c in self._changes.items()
                             if c.time >= now - CHANGE_RETENTION}
            self._history = {k: kept for k, v in self._history.items()
                             if (kept := {e: c for e, c in v.items()
                                          if c.time >= now - CHANGE_RETENTION})}

    def evidence(self, finding: Finding, now: datetime) -> dict[str, Any]:
        """What is known about the finding's resource (empty when nothing is)."""
        out: dict[str, Any] = {}
        change = self._cause(finding, now)
        if change is not None:
            out["last_change"] = change.to_json()
            mine = self.own(change) if self.own is not None else None
            if mine:
                out["last_change"]["by_watchdog"] = mine
        count = self.alert_count(_related_sids(finding), now)
        if count:
            out["debugger_alerts_last_hour"] = count
        return out

    def _cause(self, finding: Finding, now: datetime) -> Change | None:
        """The newest change before ``now`` to a field the finding's rule reads, on its resource
        or one it lists as affected (any field of its own resource for rules that name none): a
        voice change is no evidence for an SMS finding."""
        fields = RULE_FIELDS.get(finding.rule)
        if fields is None:
            change = self.latest_change(finding.resource_sid)
            return change if change is not None and change.time <= now else None
        found = [c for sid in _related_sids(finding) for c in self.changes(sid)
                 if c.time <= now and fields & set(c.changes)]
        return max(found, key=lambda c: c.time, default=None)

    def enrich(self, findings: list[Finding], now: datetime) -> list[Finding]:
        """A :data:`watchdog.cycle.FindingEnricher`: ``details["evidence"]`` where any exists."""
        self.prune(now)
        out = []
        for finding in findings:
            found = self.evidence(finding, now)
            if found:
                finding = dataclasses.replace(finding, details={**finding.details,
                                                                "evidence": found})
            out.append(finding)
        return out


# Rule -> the resource fields it judges: only a Monitor event that changed one of them is evidence.
RULE_FIELDS: dict[str, frozenset[str]] = {
    "numbers.voice-webhook-overwritten": frozenset(
        {"voice_url", "voice_method", "voice_application_sid", "trunk_sid"}),
    "numbers.voice-flow-missing": frozenset({"voice_url", "voice_application_sid", "trunk_sid"}),
    "numbers.message-webhook-overwritten": frozenset(
        {"sms_url", "sms_method", "sms_application_sid"}),
    "numbers.message-webhook-set-on-conversations": frozenset({"sms_url", "sms_application_sid"}),
}
_ACCOUNT_PREFIX = re.compile(r"^https://[a-z.-]+\.twilio\.com/[^ ]*?/Accounts/AC[0-9a-fA-F]{32}/")
_SID = re.compile(r"\b[A-Z]{2}[0-9a-fA-F]{32}\b")


def _related_sids(finding: Finding) -> set[str]:
    """The finding's resource and the resources it says are affected (e.g. a service's numbers)."""
    sids = {finding.resource_sid}
    for affected in finding.details.get("affected", []) or []:
        if isinstance(affected, dict) and isinstance(affected.get("sid"), str):
            sids.add(affected["sid"])
    return sids


def change_time(finding: Finding) -> datetime | None:
    """The time of the Monitor event in a finding's evidence, if any."""
    change = (finding.details.get("evidence") or {}).get("last_change")
    if not change:
        return None
    return datetime.strptime(change["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def evidence_text(details: dict[str, Any]) -> str:
    """One line for people: ``changed by user US… via web from 203.0.113.10 at …; 3 alerts``."""
    evidence = details.get("evidence") or {}
    parts = []
    change = evidence.get("last_change")
    if change:
        who = " ".join(str(x) for x in (change.get("actor_type"), change.get("actor_sid")) if x)
        mine = change.get("by_watchdog")
        if isinstance(mine, dict):  # its own heal: the credentials' actor is the watchdog
            who = f"flex-watchdog itself (its heal of {mine.get('rule')} at {mine.get('heal_at')})"
        text = f"{change['event_type']} at {change['time']} by {who or 'unknown'}"
        if change.get("source"):
            text += f" via {change['source']}"
        if change.get("source_ip_address"):
            text += f" from {change['source_ip_address']}"
        fields = [f"{name}: {_short(v.get('previous'))} -> {_short(v.get('updated'))}"
                  for name, v in sorted((change.get("changes") or {}).items())
                  if isinstance(v, dict)]
        if fields:
            text += " (" + "; ".join(fields[:3]) + ")"
        parts.append(text)
    count = evidence.get("debugger_alerts_last_hour")
    if count:
        parts.append(f"{count} Debugger alert{'s' if count != 1 else ''} in the last hour")
    return "; ".join(parts)


def _short(value: Any, limit: int = 60) -> str:
    """A value people can compare: the account prefix of a Twilio URL dropped, SIDs cut to
    their first characters, and what is still too long cut in the middle, so the part that
    differs (``…/Proxy/KS6b5f…/Webhooks/Message``) stays visible."""
    if not isinstance(value, str):
        text = repr(value)
    else:
        text = _ACCOUNT_PREFIX.sub("…/", value)
        text = _SID.sub(lambda m: m[0][:6] + "…", text)
        text = f"'{text}'"
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-half:]
