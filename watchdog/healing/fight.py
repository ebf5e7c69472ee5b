"""Who undid a heal: the Monitor Event that changed a healed field away from the healed value.

Monitor Events cover IncomingPhoneNumber changes (``phone-number.updated``); for Flex Flows and
Proxy pools Twilio records none, so the actor stays unknown there.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from twilio.rest import Client

from watchdog.healing.model import Change
from watchdog.model.urls import blank

log = logging.getLogger(__name__)
ACTOR_FIELDS = ("actor_sid", "actor_type", "source", "source_ip_address", "event_type",
                "description")


def _norm(value: Any) -> Any:
    return None if blank(value) else value


def _properties(event: Any) -> dict[str, Any]:
    data = getattr(event, "event_data", None) or {}
    props = data.get("resource_properties") if isinstance(data, dict) else None
    return props if isinstance(props, dict) else {}


def _undid(event: Any, desired: dict[str, Any]) -> bool:
    """The event moved a healed field away from the healed value."""
    return any(isinstance(p, dict) and k in desired and _norm(p.get("previous")) == desired[k]
               and _norm(p.get("updated")) != desired[k] for k, p in _properties(event).items())


def _ours(event: Any, desired: dict[str, Any]) -> bool:
    props = _properties(event)
    return bool(props) and all(isinstance(p, dict) and _norm(p.get("updated")) == desired.get(k)
                               for k, p in props.items() if k in desired)


def actor_of(event: Any) -> dict[str, Any]:
    out = {k: getattr(event, k, None) for k in ACTOR_FIELDS}
    when = getattr(event, "event_date", None)
    out["event_date"] = when.isoformat() if isinstance(when, datetime) else when
    out["event_sid"] = getattr(event, "sid", None)
    return out


def attribute(client: Client, change: Change, since: datetime | None,
              written: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The actor of the newest change that undid ``change`` since ``since``, or None. The
    watchdog's own write (the event that set what its last heal ``written``) never counts."""
    kwargs: dict[str, Any] = {"resource_sid": change.resource_sid, "limit": 50}
    if since is not None:
        kwargs["start_date"] = since
    try:
        events = list(client.monitor.v1.events.list(**kwargs))
    except Exception as exc:  # attribution is best effort: the breaker trips regardless
        log.warning("Monitor Events for %s could not be read: %s", change.resource_sid, exc)
        return None
    theirs = [e for e in events if not (written and _ours(e, written))]
    for event in theirs:  # newest first
        if _undid(event, written or change.desired):
            return actor_of(event)
    for event in theirs:
        if not _ours(event, change.desired):
            return actor_of(event)
    return None


def describe(actor: dict[str, Any] | None, resource_type: str) -> str:
    if not actor:
        if resource_type != "phone_number":
            return f"unknown (Monitor Events do not record {resource_type} changes)"
        return "unknown (no Monitor Event found)"
    who = f"{actor.get('actor_type') or 'actor'} {actor.get('actor_sid') or '?'}"
    via = f" via {actor['source']}" if actor.get("source") else ""
    ip = f" from {actor['source_ip_address']}" if actor.get("source_ip_address") else ""
    when = f" at {actor['event_date']}" if actor.get("event_date") else ""
    return f"{who}{via}{ip}{when}"
