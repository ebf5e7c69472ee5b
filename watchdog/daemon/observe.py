"""The daemon's own cycle listener: metrics, detection latency, readiness, Sentry Crons."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from watchdog.cycle import Watcher
from watchdog.errors import PERMISSION_MISSING
from watchdog.healing.records import breakers, by_people, last_id
from watchdog.model.results import CycleResult
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import iso
from watchdog.model.topology import Topology
from watchdog.settings import Settings
from watchdog.signals.evidence import change_time
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.sentry import check_in

log = logging.getLogger(__name__)
# What a number's stack is read from (structure and the Voice IVR's flow).
STACK_FAMILIES = ("configuration", "numbers", "flex_flows", "proxy", "conversations", "studio")

# What the credentials need for each family (a Standard API key or the auth token has it all).
PERMISSIONS = {
    "configuration": "Flex (flex-api /v1/Configuration): restricted API keys cannot read Flex",
    "flex_flows": "Flex (flex-api /v1/FlexFlows): restricted API keys cannot read Flex",
    "chat": "Programmable Chat (chat /v2/Services): restricted API keys cannot read Chat",
    "proxy": "Proxy (proxy /v1/Services): restricted API keys cannot read Proxy",
    "conversations": "Conversations (conversations /v1): restricted API keys cannot read it",
    "taskrouter": "TaskRouter (taskrouter /v1/Workspaces) read",
    "studio": "Studio (studio /v2/Flows) read",
    "numbers": "Phone Numbers (api /2010-04-01 IncomingPhoneNumbers) read",
    "conversations_services": "Conversations (conversations /v1/Services): restricted API keys "
                              "cannot read it",
    "messaging": "Messaging (messaging /v1/Services) read",
    "whatsapp": "Messaging senders (messaging /v2/Channels/Senders) read",
}


class CycleObserver:
    """Attach with ``watcher.listeners.append(observer)``; it never raises into the cycle."""

    def __init__(self, settings: Settings, watcher: Watcher, metrics: Metrics,
                 started_at: datetime, smallest_interval: float) -> None:
        self.settings, self.watcher, self.metrics = settings, watcher, metrics
        self.started_at, self.smallest_interval = started_at, smallest_interval
        self.ready = threading.Event()  # a complete snapshot of every family
        self.attempted: set[str] = set()  # families polled at least once, complete or not
        self._named: set[str] = set()  # families already named as unreadable with these credentials
        self._controls_seen: dict[str, datetime] = {}
        self.on_cycle: list[Callable[[CycleResult], None]] = []  # e.g. the demo's printer
        # heal records of people's commands (heal --apply, restore --apply) counted so far: the
        # daemon's own heals count as they happen, these when the daemon next sees them
        self._heals_from = last_id(watcher.store)
        self._heals_counted: set[int] = set()

    def __call__(self, result: CycleResult) -> None:
        self.metrics.observe_snapshot(result.snapshot, result.refreshed)
        if result.snapshot.complete(*STACK_FAMILIES):
            topology = Topology(result.snapshot, self.settings.flex)
            self.metrics.observe_stacks(topology.stacks.values())
        self.metrics.observe_reach(result.reach)
        self._findings(result)
        for reason, count in result.evaluation.skip_counts().items():
            self.metrics.rules_skipped.labels(reason).inc(count)
        self._latency(result)
        self.metrics.cycle_last_success.labels().set(result.polled_at.timestamp())
        self.attempt(result.refreshed)
        self._unreadable(result)
        if result.snapshot.complete(*FAMILIES) and not self.ready.is_set():
            log.info("first complete snapshot loaded: ready")
            self.ready.set()
        check_in(self.settings, self.smallest_interval)
        for listener in self.on_cycle:
            listener(result)

    def attempt(self, families: tuple[str, ...] | list[str]) -> None:
        """Families polled (complete or not): readiness waits for every one, not for success;
        a family that cannot be read is for metrics and alerts (FlexWatchdogFamilyUnknown)."""
        before = self.all_attempted
        self.attempted |= set(families)
        if self.all_attempted and not before:
            unknown = sorted(f for f in FAMILIES if f not in self._complete())
            log.info("every family attempted: ready%s",
                     f" (unknown now: {', '.join(unknown)})" if unknown else "")

    @property
    def all_attempted(self) -> bool:
        return self.attempted >= set(FAMILIES)

    def _complete(self) -> set[str]:
        latest = self.watcher.latest
        return {f for f in FAMILIES if latest is not None and latest.complete(f)}

    def _unreadable(self, result: CycleResult) -> None:
        """Name once per process a family these credentials may not read, with what it needs."""
        for family in result.refreshed:
            state = result.snapshot.families[family]
            error = state.error or ""
            denied = "HTTP 403" in error or f"code {PERMISSION_MISSING}" in error
            if state.complete or not denied or family in self._named:
                continue
            self._named.add(family)
            log.error("twilio: these credentials cannot read %s (%s); they need %s. Until then "
                      "%s stays unknown: no finding, no heal, no page", family, error,
                      PERMISSIONS.get(family, "read access"), family)

    def _findings(self, result: CycleResult) -> None:
        counts: Counter[tuple[str, str]] = Counter(
            (f.rule, f.severity) for f in result.open_findings.values())
        oldest: dict[tuple[str, str], float] = {}
        for f in result.open_findings.values():
            seen = f.first_seen.timestamp()
            oldest[(f.rule, f.severity)] = min(seen, oldest.get((f.rule, f.severity), seen))
        self.metrics.observe_open_findings(dict(counts), self.watcher.rules.values(),
                                           self.settings, oldest)
        self._breakers()
        self._controls(result)
        self._heals_by_people()

    def _heals_by_people(self) -> None:
        """``flex_watchdog_heals_total`` counts the steps that ``restore --apply`` and
        ``heal --apply`` wrote from the command line, as heals are counted: once each, when its
        record is done (a step still being written is counted once it is finished)."""
        pending = []
        for heal_id, rule, outcome, phase in by_people(self.watcher.store, self._heals_from):
            if phase != "done":
                pending.append(heal_id)
            elif heal_id not in self._heals_counted:
                self.metrics.heals.labels(rule, outcome).inc()
                self._heals_counted.add(heal_id)
        newest = max(self._heals_counted, default=self._heals_from)
        self._heals_from = min(pending) - 1 if pending else max(newest, self._heals_from)
        self._heals_counted = {i for i in self._heals_counted if i > self._heals_from}

    def _breakers(self) -> None:
        tripped = Counter(b.rule for b in breakers(self.watcher.store, tripped_only=True))
        self.metrics.observe_breakers(tripped, self.watcher.rules.values())

    def _controls(self, result: CycleResult) -> None:
        """Silenced open findings, silences in force and open windows, as of this cycle; a
        control that starts or ends is logged once."""
        state = self.watcher.controls.at(result.polled_at)
        silenced = Counter(f.rule for f in result.open_findings.values()
                           if state.silence(f.rule, f.resource_sid) is not None)
        self.metrics.observe_controls(silenced, self.watcher.rules.values(),
                                      len(state.silences) + len(state.ignores))
        self.metrics.maintenance_active.labels().set(int(bool(state.windows)))
        now = {f"silence {s.id} of {s.rule} {s.resource_sid or '*'} ({s.reason}) until "
               f"{iso(s.ends_at)}: does not page, not healed": s.ends_at for s in state.silences}
        now |= {f"{w.describe()}: no page starts" + ("" if w.heal else ", nothing heals"):
                w.ends_at for w in state.windows}
        for text in sorted(now.keys() - self._controls_seen.keys()):
            log.warning("control in force: %s (findings still open and show)", text)
        for text in sorted(self._controls_seen.keys() - now.keys()):
            log.warning("control ended: %s; matching findings page and heal again", text)
        self._controls_seen = now

    def _latency(self, result: CycleResult) -> None:
        """Change event to finding, for changes made while the daemon was watching."""
        for finding in result.opened:
            changed = change_time(finding)
            if changed is None or changed < self.started_at.replace(microsecond=0):
                continue
            latency = (result.polled_at - changed).total_seconds()
            if latency >= 0:
                self.metrics.detection_latency.labels().observe(latency)
