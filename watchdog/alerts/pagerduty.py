"""The PagerDuty sink: decides after each cycle (into the outbox), delivers from its own job.

``on_cycle`` is a ``Watcher`` listener: it only writes to the state store, never to the network.
``send_pending(now)`` is the outbox sender the daemon schedules; ``change_event`` is for heals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pagerduty
import sentry_sdk

from watchdog.alerts import events, routing
from watchdog.alerts.client import Outcome, check_base_url, deliver, make_client
from watchdog.alerts.outbox import IncidentBook, Outbox, OutboxItem
from watchdog.alerts.plan import Planned, plan
from watchdog.errors import Backoff, Verdict
from watchdog.model.results import CycleResult
from watchdog.model.times import iso, utcnow
from watchdog.rules.registry import Rule, all_rules
from watchdog.settings import PagerDutySettings, Settings
from watchdog.store.store import StateStore
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.redact import Redactor

log = logging.getLogger(__name__)
SINK = "pagerduty"
#: Makes the Events API client of one routing key (tests hand in one that counts or fails).
ClientFactory = Callable[[str, PagerDutySettings], pagerduty.EventsApiV2Client]


@dataclass
class DeliveryReport:
    """What one ``send_pending`` call did (for logs, tests and ``flex-watchdog demo``)."""

    sent: list[OutboxItem] = field(default_factory=list)
    dropped: list[OutboxItem] = field(default_factory=list)
    failed: OutboxItem | None = None
    outcome: Outcome | None = None
    paused_until: datetime | None = None
    busy: bool = False


class PagerDutySink:
    """Pages once per real problem; resolves with the same key and routing key; loses nothing."""

    name = SINK

    def __init__(self, settings: Settings, store: StateStore, metrics: Metrics | None = None,
                 rules: Mapping[str, Rule] | None = None,
                 client_factory: ClientFactory = make_client) -> None:
        self.settings, self.store, self.metrics = settings, store, metrics
        self.rules = dict(rules) if rules is not None else all_rules()
        self.outbox, self.incidents = Outbox(store), IncidentBook(store)
        self._factory = client_factory
        self._clients: dict[str, pagerduty.EventsApiV2Client] = {}
        self._redact = Redactor.for_settings(settings)
        self._backoff = Backoff(settings.pagerduty.backoff_base_seconds,
                                settings.pagerduty.backoff_max_seconds)
        self._send_lock = threading.Lock()
        self._failures = 0  # consecutive failed attempts: an outage while > 0
        self._paused_until = self.outbox.paused_until()

    # -- deciding (poll thread) ---------------------------------------------------------------

    def on_cycle(self, result: CycleResult) -> None:
        """The ``Watcher`` listener: only writes to the state store, never to the network."""
        self.record(result)

    def record(self, result: CycleResult) -> list[Planned]:
        """Queue this cycle's triggers and resolves, atomically with the incident book."""
        with self.store.transaction() as conn:
            planned = plan(result, self.incidents.triggered(), self.settings, self.rules,
                           self._redact)
            for item in planned:
                self.outbox.enqueue(conn, item.action, item.incident.route, item.event,
                                    result.polled_at)
                if item.action == "trigger":
                    self.incidents.mark_triggered(conn, item.incident, result.polled_at)
                else:
                    self.incidents.mark_resolved(conn, item.incident.dedup_key, result.polled_at)
                if item.note:  # the incident's timeline says why it resolved while still broken
                    note = events.change_event(
                        f"flex-watchdog resolved {item.incident.finding_id}, still open: "
                        f"{item.note}", self._source(),
                        {"finding_id": item.incident.finding_id,
                         "dedup_key": item.incident.dedup_key, "note": item.note},
                        (), result.polled_at, self._redact)
                    self.outbox.enqueue(conn, "change", routing.DEFAULT, note, result.polled_at)
        self._observe_depth()
        for item in planned:
            log.info("pagerduty: %s %s queued (route %s)%s", item.action,
                     item.incident.dedup_key, item.incident.route,
                     f"; {item.note}" if item.note else "")
        return planned

    def change_event(self, summary: str, details: Mapping[str, Any],
                     links: Iterable[Mapping[str, str]] = (), *,
                     now: datetime | None = None, source: str | None = None) -> None:
        """Queue a change event (e.g. "heal applied"); it never notifies anyone."""
        moment = now or utcnow()
        event = events.change_event(summary, source or self._source(), details, links, moment,
                                    self._redact)
        with self.store.transaction() as conn:
            self.outbox.enqueue(conn, "change", routing.DEFAULT, event, moment)
        self._observe_depth()

    # -- delivering (the outbox job) ----------------------------------------------------------

    def send_pending(self, now: datetime, limit: int = 100) -> DeliveryReport:
        """Deliver what is due, oldest first and in order per dedup key; never sleeps.

        A 429, 5xx or network failure stops the round and pauses the outbox with bounded
        exponential backoff; the event stays queued. A rejected event (400) is dropped.
        """
        if not self._send_lock.acquire(blocking=False):
            return DeliveryReport(busy=True)
        try:
            return self._send_round(now, limit)
        finally:
            self._send_lock.release()
            self._observe_depth()

    def _source(self) -> str:
        sid = self.settings.account_sid
        return events.source_of(sid, self.settings.account_name) if sid else events.CLIENT

    def _observe_depth(self) -> None:
        if self.metrics is not None:
            self.metrics.outbox_depth.labels(SINK).set(self.outbox.count())

    def _send_round(self, now: datetime, limit: int) -> DeliveryReport:
        report = DeliveryReport()
        if self._paused_until and now < self._paused_until:
            report.paused_until = self._paused_until
            return report
        blocked: set[str] = set()
        for item in self.outbox.pending(limit):
            if item.order_key in blocked or item.next_attempt_at > now:
                blocked.add(item.order_key)
                continue
            outcome = self._attempt(item)
            if outcome.verdict is Verdict.RETRY:
                self._retry(item, outcome, now, report)
                return report
            self.outbox.remove(item.id)
            if outcome.verdict is Verdict.DONE:
                self._count(item.action)
                report.sent.append(item)
            else:
                self._dropped(item, outcome, report)
        self._recovered(report)
        return report

    def _attempt(self, item: OutboxItem) -> Outcome:
        key = routing.routing_key(self.settings, item.route)
        if key is None:
            return Outcome(Verdict.DROP, "no_route", f"route {item.route!r} has no routing key now")
        client = self._clients.get(item.route)
        if client is None:
            client = self._clients[item.route] = self._factory(key, self.settings.pagerduty)
        return deliver(client, item.action, item.event, self._redact)

    def _retry(self, item: OutboxItem, outcome: Outcome, now: datetime,
               report: DeliveryReport) -> None:
        pd = self.settings.pagerduty
        self._failures += 1
        # An event that failed before (a restart forgot the outage) keeps its own backoff.
        failures = max(item.attempts + 1, self._failures)
        at = now + timedelta(seconds=self._backoff.delay(failures, outcome.retry_after))
        detail = outcome.detail  # redacted by deliver()
        self.outbox.retry_later(item.id, at, detail)
        self._paused_until = at
        self._count("error")
        queued = self.outbox.count()
        log.warning("pagerduty: %s %s failed (%s), attempt %d; %d event(s) queued, next try at %s",
                    item.action, item.order_key, detail, item.attempts + 1, queued, iso(at))
        if self._failures == 1:
            _report(f"PagerDuty delivery failing ({outcome.reason}); {queued} event(s) queued, "
                    "none lost", outcome.reason)
        if item.attempts + 1 == pd.max_attempts:
            _report(f"PagerDuty {item.action} undelivered after {pd.max_attempts} attempts "
                    f"({outcome.reason}); it stays queued", outcome.reason)
        report.failed, report.outcome, report.paused_until = item, outcome, at

    def _dropped(self, item: OutboxItem, outcome: Outcome, report: DeliveryReport) -> None:
        self._count("error")
        report.dropped.append(item)
        log.error("pagerduty: %s %s dropped: rejected (%s); it will not be retried",
                  item.action, item.order_key, outcome.detail)

    def _recovered(self, report: DeliveryReport) -> None:
        if self._failures and (report.sent or report.dropped):
            log.warning("pagerduty: delivery recovered after %d failed attempt(s)", self._failures)
            self._failures = 0
        self._paused_until = None

    def _count(self, action: str) -> None:
        if self.metrics is not None:
            self.metrics.alerts.labels(SINK, action).inc()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def _report(message: str, reason: str) -> None:
    """A Sentry event with a fixed-form message: no exception, no locals, no secrets."""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("sink", SINK)
        scope.set_tag("reason", reason)
        sentry_sdk.capture_message(message, level="error")


def build_sink(settings: Settings, store: StateStore, metrics: Metrics | None = None,
               rules: Mapping[str, Rule] | None = None) -> PagerDutySink | None:
    """The sink, or None when paging is off (``pagerduty.routing_key`` unset); ``rules`` is
    the rule registry its pages describe (the real one unless given).

    Raises ConfigError for a base URL the client would refuse.
    """
    key = settings.pagerduty.routing_key
    if key is None or not key.get_secret_value():
        return None
    check_base_url(settings.pagerduty)
    return PagerDutySink(settings, store, metrics, rules)
