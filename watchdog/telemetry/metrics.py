"""Prometheus metrics, every one built on an injected ``CollectorRegistry``.

Names are a contract (dashboards and alert rules use them). Every known label set is created at
start-up so a series exists at 0 before anything happens; no label carries a phone number or any
other unbounded value.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, ProcessCollector

from watchdog import __version__
from watchdog.errors import FetchReason
from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY, Snapshot
from watchdog.routes import CHANNELS, STATES
from watchdog.rules.registry import Rule
from watchdog.settings import Settings

HEAL_OUTCOMES = ("applied", "dry_run", "refused", "failed", "noop")
ALERT_ACTIONS = ("trigger", "resolve", "change", "error")
POLL_ERROR_REASONS = tuple(FetchReason)  # bounded, so every series can exist from start-up

NUMBER_STACKS = ("legacy", "conversations", "both", "voice")

_LATENCY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)

# A `_created` series per counter and histogram is a wall-clock sample nobody graphs, doubling
# the series count; rate() and increase() do not need it.
prometheus_client.disable_created_metrics()


M = TypeVar("M", Counter, Gauge, Histogram)
DEFAULT_ACCOUNT = "default"


class Bound(Generic[M]):
    """One metric as one account sees it: its ``account`` label is filled in first."""

    def __init__(self, metric: M, account: str) -> None:
        self.metric: M = metric
        self.account = account

    def labels(self, *values: str) -> M:
        child: M = self.metric.labels(self.account, *values)
        return child

    def remove(self, *values: str) -> None:
        self.metric.remove(self.account, *values)

    def collect(self) -> Any:
        return self.metric.collect()


class Families:
    """Every flex-watchdog metric family, once per registry; each has ``account`` first."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = self.registry = registry
        ProcessCollector(registry=r)  # process_cpu_seconds_total, process_resident_memory_bytes...
        self.findings = Gauge("flex_watchdog_findings", "Open findings.", ["account", "rule", "severity"],
                              registry=r)
        self.rule_enabled = Gauge("flex_watchdog_rule_enabled", "1 when the rule is evaluated.",
                                  ["account", "rule"], registry=r)
        self.rule_autoheal = Gauge("flex_watchdog_rule_autoheal_enabled",
                                   "1 when the daemon heals this rule's findings on its own.",
                                   ["account", "rule"], registry=r)
        self.family_up = Gauge("flex_watchdog_family_up",
                               "1 when the family's last fetch was complete, 0 when it failed.",
                               ["account", "family"], registry=r)
        self.family_interval = Gauge("flex_watchdog_family_interval_seconds",
                                     "Configured poll interval of the family.", ["account", "family"],
                                     registry=r)
        self.poll_duration = Histogram("flex_watchdog_poll_duration_seconds",
                                       "Time to fetch one family.", ["account", "family"], registry=r)
        self.poll_last_success = Gauge("flex_watchdog_poll_last_success_timestamp_seconds",
                                       "When the family was last fetched completely.",
                                       ["account", "family"], registry=r)
        self.poll_errors = Counter("flex_watchdog_poll_errors_total",
                                   "Failed family fetches, by reason.", ["account", "family", "reason"],
                                   registry=r)
        self.rules_skipped = Counter("flex_watchdog_rules_skipped_total",
                                     "Rule evaluations skipped, by reason.", ["account", "reason"],
                                     registry=r)
        self.resources = Gauge("flex_watchdog_resources", "Resources in the last snapshot.",
                               ["account", "type"], registry=r)
        self.numbers = Gauge("flex_watchdog_numbers",
                             "Flex phone numbers by stack (legacy, conversations, both, voice).",
                             ["account", "stack"], registry=r)
        self.entry_points = Gauge(
            "flex_watchdog_entry_points",
            "Entry points into Flex (numbers by voice and SMS, WhatsApp and chat addresses, web "
            "Flex Flows) by channel and whether their route reaches a task queue: ok, broken, "
            "unknown (a family on the route could not be read).", ["account", "channel", "state"],
            registry=r)
        self.twilio_requests = Counter("flex_watchdog_twilio_requests",
                                       "Requests to Twilio by product, method and status code.",
                                       ["account", "product", "method", "code"], registry=r)
        self.twilio_duration = Histogram("flex_watchdog_twilio_request_duration_seconds",
                                         "Duration of one Twilio request.", ["account", "product"],
                                         registry=r)
        self.events_received = Counter("flex_watchdog_events_received",
                                       "Change signals received, by source.", ["account", "source"],
                                       registry=r)
        self.webhook_rejected = Counter("flex_watchdog_webhook_rejected",
                                        "Webhook requests refused for a missing or bad "
                                        "signature, by reason.", ["account", "reason"], registry=r)
        self.detection_latency = Histogram("flex_watchdog_detection_latency_seconds",
                                           "From a change's event time to its finding.",
                                           ["account"], buckets=_LATENCY_BUCKETS, registry=r)
        self.cycle_last_success = Gauge("flex_watchdog_cycle_last_success_timestamp_seconds",
                                        "When the last cycle finished.", ["account"], registry=r)
        self.misfires = Counter("flex_watchdog_job_misfires", "Scheduled runs missed.", ["account", "job"],
                                registry=r)
        self.job_errors = Counter("flex_watchdog_job_errors",
                                  "Scheduled job runs that raised (logged and sent to Sentry).",
                                  ["account", "job"], registry=r)
        self.heals = Counter("flex_watchdog_heals", "Heals by rule and outcome.",
                             ["account", "rule", "outcome"], registry=r)
        self.alerts = Counter("flex_watchdog_alerts", "Alert deliveries by sink and action.",
                              ["account", "sink", "action"], registry=r)
        self.outbox_depth = Gauge("flex_watchdog_alert_outbox_depth",
                                  "Alert events queued and not delivered yet, by sink.", ["account", "sink"],
                                  registry=r)
        self.silenced_findings = Gauge("flex_watchdog_silenced_findings",
                                       "Open findings a silence or config ignore holds back.",
                                       ["account", "rule"], registry=r)
        self.silences = Gauge("flex_watchdog_silences",
                              "Silences and config ignores in force.", ["account"], registry=r)
        self.maintenance_active = Gauge("flex_watchdog_maintenance_active",
                                        "1 while a maintenance window is open.", ["account"], registry=r)
        self.breakers_open = Gauge(
            "flex_watchdog_heal_breakers_open",
            "Heal circuit breakers open: healing of that resource stopped until `heal reset`.",
            ["account", "rule"], registry=r)
        self.first_seen = Gauge(
            "flex_watchdog_findings_first_seen_timestamp_seconds",
            "When the oldest open finding of the rule was first seen (no series while none).",
            ["account", "rule", "severity"], registry=r)
        self.build = Info("flex_watchdog_build", "Build information.", ["account"], registry=r)
        self.shard_accounts = Gauge(
            "flex_watchdog_shard_accounts",
            "1 for each account this replica watches (sum: the shard's accounts).",
            ["account", "shard"], registry=r)
        self.fleet_changes = Counter(
            "flex_watchdog_fleet_account_changes",
            "Subaccounts that appeared in or disappeared from the fleet at a discovery.",
            ["account", "change"], registry=r)


class Metrics:
    """All flex-watchdog metrics as one account sees them. ``Metrics()`` is a process (or a
    test) of one account on its own registry; ``for_account`` gives another account's view of
    the same registry."""

    def __init__(self, registry: CollectorRegistry | None = None,
                 account: str = DEFAULT_ACCOUNT, families: Families | None = None) -> None:
        self.families = families or Families(registry or CollectorRegistry())
        self.registry, self.account = self.families.registry, account
        f = self.families
        f.build.labels(account).info({"version": __version__})
        self.findings = Bound(f.findings, account)
        self.rule_enabled = Bound(f.rule_enabled, account)
        self.rule_autoheal = Bound(f.rule_autoheal, account)
        self.family_up = Bound(f.family_up, account)
        self.family_interval = Bound(f.family_interval, account)
        self.poll_duration = Bound(f.poll_duration, account)
        self.poll_last_success = Bound(f.poll_last_success, account)
        self.poll_errors = Bound(f.poll_errors, account)
        self.rules_skipped = Bound(f.rules_skipped, account)
        self.resources = Bound(f.resources, account)
        self.numbers = Bound(f.numbers, account)
        self.entry_points = Bound(f.entry_points, account)
        self.twilio_requests = Bound(f.twilio_requests, account)
        self.twilio_duration = Bound(f.twilio_duration, account)
        self.events_received = Bound(f.events_received, account)
        self.webhook_rejected = Bound(f.webhook_rejected, account)
        self.detection_latency = Bound(f.detection_latency, account)
        self.cycle_last_success = Bound(f.cycle_last_success, account)
        self.misfires = Bound(f.misfires, account)
        self.job_errors = Bound(f.job_errors, account)
        self.heals = Bound(f.heals, account)
        self.alerts = Bound(f.alerts, account)
        self.outbox_depth = Bound(f.outbox_depth, account)
        self.silenced_findings = Bound(f.silenced_findings, account)
        self.silences = Bound(f.silences, account)
        self.maintenance_active = Bound(f.maintenance_active, account)
        self.breakers_open = Bound(f.breakers_open, account)
        self.first_seen = Bound(f.first_seen, account)

    def for_account(self, account: str) -> Metrics:
        return Metrics(account=account, families=self.families)

    def initialise(self, settings: Settings, rules: Iterable[Rule]) -> None:
        """Create every known series at start-up with its current value."""
        for rule in rules:
            rs = settings.rule(rule.id)
            severity = rs.severity or rule.severity
            self.findings.labels(rule.id, severity).set(0)
            self.silenced_findings.labels(rule.id).set(0)
            self.rule_enabled.labels(rule.id).set(int(rs.enabled))
            armed = settings.healing.enabled and rs.enabled and rs.autoheal and rule.healable
            self.rule_autoheal.labels(rule.id).set(int(armed))
            for outcome in HEAL_OUTCOMES:
                if rule.healable:
                    self.heals.labels(rule.id, outcome)
            if rule.healable:
                self.breakers_open.labels(rule.id).set(0)
        for family in FAMILIES:
            self.family_up.labels(family)
            for reason in POLL_ERROR_REASONS:
                self.poll_errors.labels(family, reason)
            self.poll_duration.labels(family)
            self.family_interval.labels(family).set(family_interval(settings, family))
        for type_ in RESOURCE_FAMILY:
            self.resources.labels(type_)
        for stack in NUMBER_STACKS:
            self.numbers.labels(stack)
        for channel in CHANNELS:
            for state in STATES:
                self.entry_points.labels(channel, state).set(0)
        for action in ALERT_ACTIONS:
            self.alerts.labels("pagerduty", action)
        self.outbox_depth.labels("pagerduty").set(0)
        for source in ("monitor", "debugger", "webhook"):
            self.events_received.labels(source)
        for refusal in ("unsigned", "bad_signature"):
            self.webhook_rejected.labels(refusal)

    def observe_request(self, product: str, method: str, code: str, seconds: float) -> None:
        """A ``RequestStats`` listener."""
        self.twilio_requests.labels(product, method, code).inc()
        self.twilio_duration.labels(product).observe(seconds)

    def observe_stacks(self, stacks: Iterable[str]) -> None:
        """The numbers of a complete topology (legacy, Conversations, both, voice-only)."""
        counts = Tally(stacks)
        for stack in NUMBER_STACKS:
            self.numbers.labels(stack).set(counts.get(stack, 0))

    def observe_reach(self, reach: Mapping[str, Any]) -> None:
        """Entry points per channel and state, from a cycle's routes (``CycleResult.reach``);
        nothing changes when the routes could not be computed."""
        by_channel = reach.get("by_channel")
        if not isinstance(by_channel, Mapping):
            return
        for channel in CHANNELS:
            counts = by_channel.get(channel) or {}
            for state in STATES:
                self.entry_points.labels(channel, state).set(counts.get(state, 0))

    def observe_snapshot(self, snapshot: Snapshot, refreshed: Iterable[str]) -> None:
        for family in refreshed:
            state = snapshot.families[family]
            self.family_up.labels(family).set(int(state.complete))
            self.poll_duration.labels(family).observe(state.duration_seconds)
            if state.complete and state.fetched_at:
                self.poll_last_success.labels(family).set(state.fetched_at.timestamp())
            else:
                self.poll_errors.labels(family, state.reason or FetchReason.OTHER).inc()
        counts = Tally(r.type for r in snapshot.resources())
        for type_, family in RESOURCE_FAMILY.items():
            if snapshot.complete(family):
                self.resources.labels(type_).set(counts.get(type_, 0))

    def observe_controls(self, silenced: Tally[str], rules: Iterable[Rule], silences: int
                         ) -> None:
        """Open findings held back by a silence, per rule, and the silences in force."""
        for rule in rules:
            self.silenced_findings.labels(rule.id).set(silenced.get(rule.id, 0))
        self.silences.labels().set(silences)

    def observe_open_findings(self, open_counts: dict[tuple[str, str], int],
                              rules: Iterable[Rule], settings: Settings,
                              oldest: dict[tuple[str, str], float] | None = None) -> None:
        """Open findings per rule; ``oldest`` the first-seen time (epoch s) of the oldest."""
        for rule in rules:
            severity = settings.rule(rule.id).severity or rule.severity
            self.findings.labels(rule.id, severity).set(open_counts.get((rule.id, severity), 0))
            if oldest is None:
                continue
            if (rule.id, severity) in oldest:
                self.first_seen.labels(rule.id, severity).set(oldest[(rule.id, severity)])
            else:
                try:
                    self.first_seen.remove(rule.id, severity)
                except KeyError:
                    pass

    def observe_breakers(self, open_by_rule: Tally[str], rules: Iterable[Rule]) -> None:
        for rule in rules:
            if rule.healable:
                self.breakers_open.labels(rule.id).set(open_by_rule.get(rule.id, 0))


def family_interval(settings: Settings, family: str) -> float:
    return settings.schedule.interval(family)
