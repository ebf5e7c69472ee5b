"""What ``events setup`` changes in Event Streams: one webhook sink to the daemon and one
subscription to the types that matter here, found again by their description so that a second
run changes nothing. Every read and write goes through the twilio SDK's ``client.events.v1``.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast
from urllib.parse import urlsplit

from twilio.rest import Client
from twilio.rest.events.v1.sink import SinkInstance

from watchdog.signals.streams import WANTED_TYPES
from watchdog.signals.webhook import PATH

DESCRIPTION = "flex-watchdog"  # of our sink and our subscription; how a later run finds them
SCHEMA_VERSION = 1
WEBHOOK = "webhook"  # the SDK types its SinkType constants as a class, not as the str they are


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the daemon's sink destination, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"expected https://HOST{PATH}, got {url!r}"
    if parts.scheme == "http" and not _loopback(parts.hostname):
        return f"must be https (http only on loopback), got {url!r}"
    if parts.username or parts.password:
        return "must not carry credentials (the daemon checks Twilio's signature instead)"
    if not parts.path.endswith(PATH) or parts.query or parts.fragment:
        return f"must end with {PATH} and have no query, got {url!r}"
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Step:
    """One write: what it says, and the call that makes it."""

    text: str
    run: Callable[[], Any]


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    sink_sid: str | None = None  # our sink, once it exists (None: to be created)
    types: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)

    def add(self, text: str, run: Callable[[], Any]) -> None:
        self.steps.append(Step(text, run))


def available_types(client: Client) -> set[str]:
    """The event types the account may subscribe to now (``status`` available)."""
    return {t.type for t in client.events.v1.event_types.stream(page_size=1000)
            if t.type and (t.status or "available") == "available"}


def _ours(description: str | None) -> bool:
    return description == DESCRIPTION


@dataclass(frozen=True)
class Sink:
    sid: str
    description: str | None
    destination: str | None


@dataclass(frozen=True)
class Subscription:
    sid: str
    sink_sid: str | None


def webhook_sinks(client: Client) -> list[Sink]:
    return [Sink(s.sid, s.description, _destination(s.sink_configuration))
            for s in client.events.v1.sinks.stream(page_size=1000)
            if s.sid and str(s.sink_type) == WEBHOOK]


def subscriptions_of(client: Client) -> list[Subscription]:
    return [Subscription(s.sid, s.sink_sid)
            for s in client.events.v1.subscriptions.stream(page_size=1000) if s.sid]


def plan_setup(client: Client, url: str) -> Plan:
    """Read the account's sinks, subscriptions and types; decide what to write."""
    events = client.events.v1
    offered = available_types(client)
    plan = Plan(types=[t for t in WANTED_TYPES if t in offered],
                unavailable=[t for t in WANTED_TYPES if t not in offered])
    sinks = [s for s in webhook_sinks(client) if _ours(s.description) or s.destination == url]
    keep = next((s for s in sinks if s.destination == url), None)
    subscriptions = subscriptions_of(client)
    for sink in sinks:
        if sink is keep:
            continue
        for sub in subscriptions:
            if sub.sink_sid == sink.sid:
                plan.add(f"delete subscription {sub.sid} of the old sink {sink.sid}",
                         events.subscriptions(sub.sid).delete)
        plan.add(f"delete sink {sink.sid} (sent to {sink.destination})",
                 events.sinks(sink.sid).delete)
    if keep is None:
        plan.add(f"create webhook sink to {url}", lambda: _create_sink(client, url, plan))
        if plan.types:
            plan.add(f"create subscription to {len(plan.types)} event type(s)",
                     lambda: _create_subscription(client, plan))
        return plan
    plan.sink_sid = keep.sid
    if not _ours(keep.description):
        plan.add(f"rename sink {keep.sid} to {DESCRIPTION!r}",
                 partial(events.sinks(keep.sid).update, description=DESCRIPTION))
    mine = [s for s in subscriptions if s.sink_sid == keep.sid]
    if not mine and plan.types:
        plan.add(f"create subscription to {len(plan.types)} event type(s)",
                 lambda: _create_subscription(client, plan))
        return plan
    for extra in mine[1:]:
        plan.add(f"delete subscription {extra.sid} (one is enough)",
                 events.subscriptions(extra.sid).delete)
    if mine:
        _plan_types(client, plan, mine[0].sid)
    return plan


def _plan_types(client: Client, plan: Plan, subscription_sid: str) -> None:
    subscription = client.events.v1.subscriptions(subscription_sid)
    have = {e.type for e in subscription.subscribed_events.stream(page_size=1000) if e.type}
    for kind in plan.types:
        if kind not in have:
            plan.add(f"subscribe {subscription_sid} to {kind}",
                     partial(subscription.subscribed_events.create, type=kind,
                             schema_version=SCHEMA_VERSION))
    for kind in sorted(have - set(plan.types)):
        plan.add(f"unsubscribe {subscription_sid} from {kind}",
                 subscription.subscribed_events(kind).delete)


def plan_remove(client: Client) -> Plan:
    """Our subscription(s), then our sink(s); nothing else."""
    events = client.events.v1
    plan = Plan()
    sinks = [s for s in webhook_sinks(client) if _ours(s.description)]
    ours = {s.sid for s in sinks}
    for sub in subscriptions_of(client):
        if sub.sink_sid in ours:
            plan.add(f"delete subscription {sub.sid}", events.subscriptions(sub.sid).delete)
    for sink in sinks:
        plan.add(f"delete sink {sink.sid} (sent to {sink.destination})",
                 events.sinks(sink.sid).delete)
    return plan


def _create_sink(client: Client, url: str, plan: Plan) -> None:
    sink = client.events.v1.sinks.create(
        description=DESCRIPTION, sink_type=cast("SinkInstance.SinkType", WEBHOOK),
        sink_configuration={"destination": url, "method": "POST", "batch_events": True})
    plan.sink_sid = sink.sid


def _create_subscription(client: Client, plan: Plan) -> None:
    assert plan.sink_sid is not None
    client.events.v1.subscriptions.create(
        description=DESCRIPTION, sink_sid=plan.sink_sid,
        types=[{"type": kind, "schema_version": SCHEMA_VERSION} for kind in plan.types])


def _destination(configuration: Any) -> str | None:
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            return None
    if isinstance(configuration, dict):
        value = configuration.get("destination")
        return value if isinstance(value, str) else None
    return None
