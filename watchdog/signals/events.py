"""Change signals: Monitor Events (who changed what) and Debugger alerts (what customers suffer).

Both feeds are polled with a cursor persisted in the state store. Each new item is turned into
what to refresh at once and into evidence for findings: a Monitor event names one resource,
which is read alone where it can be (``watchdog.fetchers.single``); anything else refreshes the
families it concerns. Polling stays the ground truth:
a signal only makes the next poll of one family happen sooner (which changes Monitor Events
reports: https://www.twilio.com/docs/usage/monitor-events).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from twilio.rest import Client

from watchdog.errors import CredentialsRejected
from watchdog.fetchers.common import classify_error
from watchdog.model.snapshot import Snapshot
from watchdog.settings import EventsSettings
from watchdog.signals.evidence import ALERT_WINDOW, Alert, Change, EvidenceCache

log = logging.getLogger(__name__)

MONITOR_CURSOR = "monitor_events"
ALERTS_CURSOR = "debugger_alerts"
MAX_ITEMS = 1000  # per poll; polling stays the ground truth if a burst is larger

# Monitor event type prefix -> family (the only Flex-relevant type Twilio documents).
EVENT_TYPE_FAMILIES = {"phone-number": "numbers"}

# Debugger error code -> family whose breakage it signals (https://www.twilio.com/docs/api/errors).
ALERT_FAMILIES = {
    11200: "numbers", 11205: "numbers", 11217: "numbers",
    45009: "configuration", 45205: "flex_flows", 45210: "flex_flows", 45212: "flex_flows",
    80620: "proxy", 80605: "proxy", 80205: "proxy", 80902: "proxy", 80913: "proxy",
    45763: "conversations", 50367: "conversations",
}

Lookup = Callable[[str], set[str]]


def families_of_sid(snapshot: Snapshot | None, sid: str | None) -> set[str]:
    """The families holding a resource with this SID in the latest snapshot (watched ones)."""
    if snapshot is None or not sid:
        return set()
    return {state.family for state in snapshot.families.values()
            if any(r.sid == sid for r in state.resources)}


def families_for_event(event_type: str | None, resource_sid: str | None,
                       lookup: Lookup) -> set[str]:
    """A known type names its family; any other event counts when its resource is watched."""
    prefix = (event_type or "").split(".", 1)[0]
    if prefix in EVENT_TYPE_FAMILIES:
        return {EVENT_TYPE_FAMILIES[prefix]}
    return lookup(resource_sid) if resource_sid else set()


def families_for_alert(error_code: int | None, resource_sid: str | None,
                       service_sid: str | None, lookup: Lookup) -> set[str]:
    if error_code in ALERT_FAMILIES:
        return {ALERT_FAMILIES[error_code]}
    return {f for sid in (resource_sid, service_sid) if sid for f in lookup(sid)}


@dataclass
class Cursor:
    """Everything at or before ``since`` has been seen, except SIDs at ``since`` not in ``seen``
    (the API's date filter is inclusive and has one-second resolution)."""

    since: datetime
    seen: set[str] = field(default_factory=set)

    def dump(self) -> str:
        return json.dumps({"since": self.since.isoformat(), "seen": sorted(self.seen)})

    @classmethod
    def load(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(datetime.fromisoformat(data["since"]), set(data.get("seen", [])))

    def is_new(self, sid: str, when: datetime) -> bool:
        return when > self.since or (when == self.since and sid not in self.seen)

    def advance(self, items: Iterable[tuple[str, datetime]]) -> None:
        for sid, when in items:
            if when > self.since:
                self.since, self.seen = when, {sid}
            elif when == self.since:
                self.seen.add(sid)


class CursorStore(Protocol):
    """Where a feed keeps its cursor between polls and restarts (the state store)."""

    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...


class MemoryCursors:
    """Cursors for one command's run only (a one-off read of recent evidence)."""

    def __init__(self) -> None:
        self.cursors: dict[str, str] = {}

    def get_cursor(self, name: str) -> str | None:
        return self.cursors.get(name)

    def set_cursor(self, name: str, value: str) -> None:
        self.cursors[name] = value


@dataclass
class FeedResult:
    new: int = 0
    families: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)  # SIDs to read alone (not their family)


class Feed:
    """One cursor-driven Monitor list (events or alerts). Subclasses say how to read an item."""

    cursor_name = ""
    source = ""

    def __init__(self, client: Client, store: CursorStore, evidence: EvidenceCache, lookup: Lookup) -> None:
        self.client, self.store, self.evidence, self.lookup = client, store, evidence, lookup
        self._warmed = False
        self._down = False
        # Whether a resource named by an item can be read alone (else its family is polled).
        self.readable: Callable[[str], bool] = lambda sid: False

    @property
    def down(self) -> bool:
        """The last poll could not read the feed."""
        return self._down

    def poll(self, now: datetime) -> FeedResult:
        """Read what is new since the cursor; on the first poll also the last hour (evidence)."""
        cursor = Cursor.load(self.store.get_cursor(self.cursor_name))
        start = cursor.since if cursor else now - ALERT_WINDOW
        if not self._warmed:
            start = min(start, now - ALERT_WINDOW)
        try:
            items = list(self.list(start))
        except Exception as exc:  # best effort: any failure (HTTP, network, body) is one line
            # Once per outage, not every poll: polling stays the ground truth meanwhile.
            level = logging.DEBUG if self._down else logging.WARNING
            log.log(level, "%s", unavailable(self.source, exc))
            self._down = True
            return FeedResult()
        if self._down:
            log.warning("%s feed available again", self.source)
        self._down = False
        self._warmed = True
        result = FeedResult()
        stamped = sorted(((self.sid_of(i), self.time_of(i), i) for i in items),
                         key=lambda t: t[1])
        for sid, when, item in stamped:
            self.remember(item)
            if cursor is None or cursor.is_new(sid, when):
                result.new += 1
                sid_named = self.resource_of(item)
                if sid_named and self.readable(sid_named):
                    result.resources.add(sid_named)
                else:
                    result.families |= self.families(item)
        if cursor is None:
            cursor = Cursor(now - ALERT_WINDOW)
        cursor.advance((sid, when) for sid, when, _ in stamped)
        self.store.set_cursor(self.cursor_name, cursor.dump())
        return result

    def list(self, start: datetime) -> Iterable[Any]:
        raise NotImplementedError

    def sid_of(self, item: Any) -> str:
        return str(item.sid)

    def time_of(self, item: Any) -> datetime:
        raise NotImplementedError

    def resource_of(self, item: Any) -> str | None:
        """The one resource an item says changed, when it names one."""
        return None

    def remember(self, item: Any) -> None:
        raise NotImplementedError

    def families(self, item: Any) -> set[str]:
        raise NotImplementedError


class MonitorFeed(Feed):
    """``https://monitor.twilio.com/v1/Events``: the account's change log."""

    cursor_name, source = MONITOR_CURSOR, "monitor"

    def list(self, start: datetime) -> Iterable[Any]:
        return self.client.monitor.v1.events.list(start_date=start, page_size=100,
                                                  limit=MAX_ITEMS)

    def time_of(self, item: Any) -> datetime:
        return _aware(item.event_date)

    def resource_of(self, item: Any) -> str | None:
        return str(item.resource_sid) if item.resource_sid else None

    def remember(self, item: Any) -> None:
        if not item.resource_sid:
            return
        props = (item.event_data or {}).get("resource_properties") or {}
        self.evidence.add_change(Change(
            event_sid=item.sid, event_type=item.event_type or "", resource_sid=item.resource_sid,
            time=self.time_of(item), actor_type=item.actor_type, actor_sid=item.actor_sid,
            source=item.source, source_ip_address=item.source_ip_address,
            changes={k: v for k, v in props.items() if isinstance(v, dict)}))

    def families(self, item: Any) -> set[str]:
        return families_for_event(item.event_type, item.resource_sid, self.lookup)


class AlertFeed(Feed):
    """``https://monitor.twilio.com/v1/Alerts``, only the configured error codes."""

    cursor_name, source = ALERTS_CURSOR, "debugger"

    def __init__(self, client: Client, store: CursorStore, evidence: EvidenceCache, lookup: Lookup,
                 codes: Iterable[int]) -> None:
        super().__init__(client, store, evidence, lookup)
        self.codes = frozenset(codes)

    def list(self, start: datetime) -> Iterable[Any]:
        listed = self.client.monitor.v1.alerts.list(start_date=start, page_size=100,
                                                    limit=MAX_ITEMS)
        return [a for a in listed if _code(a.error_code) in self.codes]

    def time_of(self, item: Any) -> datetime:
        return _aware(item.date_generated or item.date_created)

    def remember(self, item: Any) -> None:
        self.evidence.add_alert(Alert(item.sid, _code(item.error_code) or 0, self.time_of(item),
                                      item.resource_sid, item.service_sid))

    def families(self, item: Any) -> set[str]:
        return families_for_alert(_code(item.error_code), item.resource_sid, item.service_sid,
                                  self.lookup)


def failure(exc: BaseException) -> str:
    """What failed in a few words, never the response body: ``timeout: ReadTimeout``."""
    error = classify_error(exc, "")
    detail = f"HTTP {error.status}" if error.status else str(error).splitlines()[0][:80]
    return f"{error.reason}: {detail}"


def unavailable(source: str, exc: BaseException) -> str:
    """One line for a feed that could not be read."""
    return (f"{source} feed unavailable ({failure(exc)}); findings carry no {source} "
            f"evidence until it is back")


def _code(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_recent_evidence(client: Client, events: EventsSettings, now: datetime) -> EvidenceCache:
    """The last hour of events and alerts, for one-shot commands (``check``); no cursor moves."""
    cache = EvidenceCache()
    start = now - ALERT_WINDOW - timedelta(seconds=1)
    feeds: list[Feed] = []
    if events.monitor_enabled:
        feeds.append(MonitorFeed(client, MemoryCursors(), cache, lambda sid: set()))
    if events.alerts_enabled:
        feeds.append(AlertFeed(client, MemoryCursors(), cache, lambda sid: set(), events.alert_error_codes))
    failed: list[str] = []
    for feed in feeds:
        try:
            items = list(feed.list(start))
        except Exception as exc:  # best effort: evidence never decides the exit code
            if isinstance(classify_error(exc, ""), CredentialsRejected):
                # the poll that follows reports rejected credentials itself, in one line
                log.debug("%s feed: credentials rejected", feed.source)
                break
            failed.append(f"{feed.source} ({failure(exc)})")
            continue
        try:
            for item in items:
                feed.remember(item)
        except Exception as exc:  # an item the SDK parsed but evidence cannot use
            failed.append(f"{feed.source} ({failure(exc)})")
    if failed:
        log.warning("evidence feeds unavailable: %s; findings are shown without that evidence",
                    ", ".join(failed))
    return cache

