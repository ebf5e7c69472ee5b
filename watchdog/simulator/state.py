"""The account's in-memory state: resource stores, one lock, a clock and the SID factory.

Every read and write of the stores happens under ``lock`` (an ``RLock``), both from the HTTP
handlers and from the world's builder and break methods, so tests may break a world while the
product polls it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from watchdog.simulator import records
from watchdog.simulator.monitor import CONSOLE_IP, SCRIPT_IP, changed_properties, event_record
from watchdog.simulator.records import Record
from watchdog.simulator.sids import BASE_TIME, SidFactory, iso, rfc2822
from watchdog.simulator.streams import EventStreams


@dataclass
class Stores:
    """Every resource the simulator serves, keyed by SID, in creation order."""

    numbers: dict[str, Record] = field(default_factory=dict)
    flex_flows: dict[str, Record] = field(default_factory=dict)
    chat_services: dict[str, Record] = field(default_factory=dict)
    proxy_services: dict[str, Record] = field(default_factory=dict)
    proxy_pools: dict[str, dict[str, Record]] = field(default_factory=dict)
    workspaces: dict[str, Record] = field(default_factory=dict)
    workflows: dict[str, dict[str, Record]] = field(default_factory=dict)
    task_channels: dict[str, dict[str, Record]] = field(default_factory=dict)
    task_queues: dict[str, dict[str, Record]] = field(default_factory=dict)
    flows: dict[str, Record] = field(default_factory=dict)
    revisions: dict[str, list[Record]] = field(default_factory=dict)
    addresses: dict[str, Record] = field(default_factory=dict)
    conversations_services: dict[str, Record] = field(default_factory=dict)
    configuration: Record | None = None
    conversations_configuration: Record | None = None
    conversations_webhooks: Record | None = None
    service_configurations: dict[str, Record] = field(default_factory=dict)
    service_webhooks: dict[str, Record] = field(default_factory=dict)
    roles: dict[str, dict[str, Record]] = field(default_factory=dict)
    messaging_services: dict[str, Record] = field(default_factory=dict)
    messaging_numbers: dict[str, dict[str, Record]] = field(default_factory=dict)
    senders: dict[str, Record] = field(default_factory=dict)
    conversations: dict[str, dict[str, Record]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Record]] = field(default_factory=dict)
    events: list[Record] = field(default_factory=list)
    alerts: list[Record] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    """Who made a change, as Monitor Events report it."""

    actor_type: str
    actor_sid: str | None
    source: str
    source_ip_address: str | None


class WorldState:
    """Stores plus the primitives that keep them consistent and record Monitor Events."""

    def __init__(self, seed: int = 0, clock: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self.ids = SidFactory(seed)
        self.seed = seed
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        #: While set (by the builders), resources are stamped with this instant.
        self.build_time: datetime | None = None
        self.account_sid = self.ids.sid("AC")
        self.auth_token = self.ids.hex32()
        self.api_key_sid = self.ids.sid("SK")
        self.api_key_secret = self.ids.secret()
        self.user_sid = self.ids.sid("US")
        self.store = Stores()
        # SIDs of its own, so that using Event Streams shifts no other resource's SID
        self.streams = EventStreams(self.account_sid, self.auth_token,
                                    SidFactory(seed + 7919).sid)
        self.streams.catalogue(iso(BASE_TIME))

    # -- time and identity -------------------------------------------------------------------
    def now(self) -> datetime:
        """The world's current instant (the build time while building)."""
        return self.build_time or self.clock()

    def stamp(self) -> str:
        """``now()`` in ISO 8601, for v1/v2 resources."""
        return iso(self.now())

    def stamp_2010(self) -> str:
        """``now()`` in RFC 2822, for 2010 API resources."""
        return rfc2822(self.now())

    def console(self) -> Actor:
        """A person in the Twilio Console (the usual author of accidental breakage)."""
        return Actor("user", self.user_sid, "web", CONSOLE_IP)

    def api(self, ip: str | None = SCRIPT_IP) -> Actor:
        """An API request authenticated for this account."""
        return Actor("account", self.account_sid, "api", ip)

    # -- phone numbers -------------------------------------------------------------------------
    def add_number(self, phone_number: str, **fields: Any) -> str:
        """Buy a number (no Monitor Event: the builders use it); returns its ``PN`` SID."""
        with self.lock:
            sid = self.ids.sid("PN")
            self.store.numbers[sid] = records.incoming_number(
                self.account_sid, sid, phone_number, self.stamp_2010(), **fields)
            return sid

    def update_number(self, sid: str, changes: dict[str, Any], actor: Actor) -> Record:
        """Apply ``changes`` and log ``phone-number.updated`` with the changed properties."""
        with self.lock:
            number = self.store.numbers[sid]
            before = dict(number)
            number.update(changes)
            number["date_updated"] = self.stamp_2010()
            changed = changed_properties(before, number)
            if changed:
                self.record_event("phone-number.updated", "phone-number", sid,
                                  self._number_url(sid), actor,
                                  {"resource_properties": changed})
            return number

    def delete_number(self, sid: str, actor: Actor) -> None:
        """Release a number: it leaves every Proxy pool; ``phone-number.deleted`` is logged."""
        with self.lock:
            number = self.store.numbers.pop(sid)
            for pool in self.store.proxy_pools.values():
                pool.pop(sid, None)
            data = {"resource_properties": {
                "phone_number": {"previous": number["phone_number"], "updated": None}}}
            self.record_event("phone-number.deleted", "phone-number", sid,
                              self._number_url(sid), actor, data)

    def _number_url(self, sid: str) -> str:
        return "https://api.twilio.com" + records.number_uri(self.account_sid, sid)

    def number_by_e164(self, phone_number: str) -> str | None:
        """The ``PN`` SID of the number ``+1...``, or None."""
        with self.lock:
            return next((sid for sid, rec in self.store.numbers.items()
                         if rec["phone_number"] == phone_number), None)

    def deliver(self) -> None:
        """Post the Event Streams deliveries queued so far; call it without holding ``lock``."""
        with self.lock:
            queued = self.streams.take()
        if queued:
            self.streams.post(queued)

    # -- monitor ---------------------------------------------------------------------------------
    def record_event(self, event_type: str, resource_type: str, resource_sid: str,
                     resource_url: str | None, actor: Actor,
                     event_data: dict[str, Any] | None) -> Record:
        """Append a Monitor Event (listed newest first)."""
        with self.lock:
            event = event_record(
                self.account_sid, self.ids.sid("AE"), self.stamp(), event_type=event_type,
                resource_type=resource_type, resource_sid=resource_sid,
                resource_url=resource_url, actor_type=actor.actor_type,
                actor_sid=actor.actor_sid, source=actor.source,
                source_ip_address=actor.source_ip_address, event_data=event_data)
            self.store.events.append(event)
            return event

    def events(self, event_type: str | None = None) -> list[Record]:
        """A copy of the Monitor Events recorded so far, oldest first (optionally one type)."""
        with self.lock:
            return [dict(event) for event in self.store.events
                    if event_type is None or event["event_type"] == event_type]
