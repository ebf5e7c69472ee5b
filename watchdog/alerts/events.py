"""The PagerDuty event bodies (without the routing key, which is added at send time).

PagerDuty Events API v2 limits: ``dedup_key`` at most 255 characters, ``payload.summary`` at most
1,024, the whole event at most 512 KB. A finding's details are scrubbed of secrets first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from watchdog.model.findings import Finding
from watchdog.model.snapshot import RESOURCE_FAMILY
from watchdog.model.times import iso
from watchdog.rules.registry import Rule
from watchdog.telemetry.redact import Redactor

MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
MAX_DETAILS_CHARS = 65_536
CLIENT = "flex-watchdog"
Event = dict[str, Any]


def dedup_key(account_sid: str, rule_id: str, resource_sid: str) -> str:
    """``flex-watchdog:<account>:<rule>:<resource>``, stable across restarts and versions.

    Longer than PagerDuty's 255 characters only for odd resource IDs: then a hash keeps it unique.
    """
    key = f"{CLIENT}:{account_sid}:{rule_id}:{resource_sid}"
    if len(key) <= MAX_DEDUP_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[:MAX_DEDUP_KEY - 33]}:{digest}"


def one_line(text: str, limit: int = MAX_SUMMARY) -> str:
    """Whitespace runs (newlines included) become one space; cut under ``limit`` with "…"."""
    flat = " ".join(text.split())
    return flat if len(flat) < limit else flat[:limit - 2] + "…"


def scrub(value: Any, redact: Redactor) -> Any:
    """A JSON-able copy with secret-looking keys, URL passwords and known secret values masked."""
    return redact(_plain(value))


def _plain(value: Any) -> Any:
    """JSON types only (other objects as their text), so the redactor sees every string."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


def bounded(details: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(details, default=str)
    if len(text) <= MAX_DETAILS_CHARS:
        return details
    return {"truncated": True, "details": text[:MAX_DETAILS_CHARS] + "…"}


def runbook_url(base_url: str, rule: Rule | None, rule_id: str) -> str:
    anchor = rule.anchor if rule else rule_id.replace(".", "-")
    return f"{base_url}#{anchor}"


def source_of(account_sid: str, account_name: str | None) -> str:
    """PagerDuty's ``source``: the account's short name first when one is configured."""
    return f"{account_name} ({account_sid})" if account_name else account_sid


def trigger_event(finding: Finding, account_sid: str, rule: Rule | None, *, runbook_base: str,
                  now: datetime, observations: int, redact: Redactor | None = None,
                  account_name: str | None = None, lead: str = "") -> Event:
    """The trigger for one finding: severity after overrides, runbook link, scrubbed details.
    With ``account_name`` (prod-us) the summary starts ``[prod-us]``: the on-call sees which
    account before opening the incident; ``lead`` (who is cut off) comes next, then the
    finding's own summary."""
    redact = redact or Redactor()
    prefix = f"[{account_name}] " if account_name else ""
    prefix += f"{lead}: " if lead else ""
    runbook = runbook_url(runbook_base, rule, finding.rule)
    details = {**finding.details, "rule": finding.rule, "resource_type": finding.resource_type,
               "resource_sid": finding.resource_sid, "finding_id": finding.id,
               "observations": observations, "runbook": runbook}
    title = rule.title if rule else finding.rule
    return {
        "event_action": "trigger",
        "dedup_key": dedup_key(account_sid, finding.rule, finding.resource_sid),
        "client": CLIENT,
        "client_url": runbook,
        "payload": {
            "summary": one_line(prefix + scrub(finding.summary, redact)),
            "source": source_of(account_sid, account_name),
            "severity": finding.severity,
            "timestamp": iso(now),
            "component": f"{finding.resource_type}/{finding.resource_sid}",
            "group": RESOURCE_FAMILY.get(finding.resource_type, finding.resource_type),
            "class": finding.rule,
            "custom_details": bounded(scrub(details, redact)),
        },
        "links": [{"href": runbook, "text": one_line(f"Runbook: {title}", 200)}],
    }


def resolve_event(key: str) -> Event:
    return {"event_action": "resolve", "dedup_key": key}


def change_event(summary: str, source: str, details: Mapping[str, Any],
                 links: Iterable[Mapping[str, str]], now: datetime,
                 redact: Redactor | None = None) -> Event:
    """A change event (``/v2/change/enqueue``): shown next to incidents, never notifies."""
    redact = redact or Redactor()
    return {
        "payload": {"summary": one_line(scrub(summary, redact)), "source": source,
                    "timestamp": iso(now),
                    "custom_details": bounded(scrub(dict(details), redact))},
        "links": [{"href": str(link["href"]), "text": one_line(str(link.get("text", "")), 200)}
                  for link in links],
    }
