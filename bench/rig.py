"""A watched account, in-process: loopback Twilio plus the daemon's own wiring around a Watcher.

``Rig`` builds the daemon ``flex-watchdog run`` builds around the watcher (``build_daemon``:
metrics through the ``CycleObserver``, job containment, the PagerDuty sink, the auto-healer) but
never starts its scheduler: it runs the job bodies itself on a fake clock, so a fault can be put
between two cycles and everything can be looked at after each one: the metrics registry, the
state store, the requests the simulator served (writes are heals) and the events the fake
PagerDuty received.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watchdog.cycle import CycleResult
from watchdog.daemon.app import build_daemon, build_watcher
from watchdog.daemon.scheduler import ALERTS, EVENTS
from watchdog.healing.healers import all_healers
from watchdog.model.snapshot import FAMILIES
from watchdog.settings import Settings
from watchdog.signals.events import AlertFeed, Feed, MonitorFeed
from watchdog.simulator import SimulatorServer
from watchdog.simulator.pagerduty_fake import FakePagerDuty, Received
from watchdog.store.store import StateStore

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
READS = frozenset({"GET", "HEAD"})


def routing_key(name: str) -> str:
    """A 32-character routing key of its own for each rig, so one fake PagerDuty serves many."""
    return hashlib.md5(name.encode()).hexdigest()  # noqa: S324 (a label, not security)


def rig_settings(server: SimulatorServer, state_path: Path, fake: FakePagerDuty | None,
                 key: str, timeout: float = 0.3, **overrides: Any) -> Settings:
    """Fast retries (two attempts, zero backoff), healing armed for every healable rule with
    zero grace, every finding paged (``send_info``) once seen."""
    world = server.world
    twilio = {"timeout_seconds": timeout, "max_attempts": 2, "backoff_base_seconds": 0,
              "backoff_max_seconds": 0, "requests_per_second": 100_000}
    rules = {rule: {"autoheal": True} for rule in all_healers()}
    # one incident per finding: the matrix counts pages per family, not storms of one rule
    pagerduty: dict[str, Any] = {"send_info": True, "group_threshold": 1000}
    if fake is not None:
        pagerduty |= {"routing_key": key, "base_url": fake.base_url}
    values: dict[str, Any] = dict(
        account_sid=world.account_sid, auth_token=world.auth_token, twilio_base_url=server.url,
        state_path=state_path, twilio=twilio, rules=rules, pagerduty=pagerduty,
        healing={"enabled": True, "grace_seconds": 0})
    values.update(overrides)
    return Settings(**values)


class Rig:
    """One account under watch; ``cycle()`` is one scheduled poll plus one outbox round."""

    def __init__(self, name: str, server: SimulatorServer, state_path: Path,
                 fake: FakePagerDuty | None = None, **overrides: Any) -> None:
        self.name, self.server, self.fake = name, server, fake
        self.key = routing_key(name)
        self.settings = rig_settings(server, state_path, fake, self.key, **overrides)
        self.now = T0
        self.watcher = build_watcher(self.settings, StateStore(state_path))
        # Exactly what `flex-watchdog run` attaches (observer, paging, healing), never started:
        # the rig runs the job bodies itself, on its own clock.
        self.daemon = build_daemon(self.settings, self.watcher)
        self.daemon.jobs.clock = lambda: self.now
        self.metrics = self.daemon.metrics
        self.sink = self.daemon.sink
        self.watcher.listeners.append(self._capture)
        self.last: CycleResult | None = None
        # The change feeds as the daemon schedules them; run before each cycle when asked.
        client, store, daemon = self.watcher.access.client, self.watcher.store, self.daemon
        self.feeds: dict[str, Feed] = {
            EVENTS: MonitorFeed(client, store, daemon.evidence, daemon.lookup),
            ALERTS: AlertFeed(client, store, daemon.evidence, daemon.lookup,
                              self.settings.events.alert_error_codes)}
        self.feeds_too = False

    def _capture(self, result: CycleResult) -> None:
        self.last = result

    def cycle(self, families: Iterable[str] = FAMILIES) -> CycleResult | None:
        """One contained poll a minute after the last, then deliver what it queued. None when
        the poll produced no result (rejected credentials: the job logged and counted it)."""
        self.now += timedelta(minutes=1)
        self.last = None
        if self.feeds_too:
            self.run_feeds()
        self.daemon.jobs.poll("bench", tuple(families))
        if self.sink is not None:
            self.sink.send_pending(self.now)
        return self.last

    def run_feeds(self) -> None:
        """One run of each change feed's job body (contained like the daemon's)."""
        for feed in self.feeds.values():
            self.daemon.jobs.feed(feed)()
            self.daemon.jobs.refresher.take()  # the rig polls on its own clock, not on signals

    # -- what to look at -------------------------------------------------------------------------
    def feeds_down(self) -> int:
        """How many change feeds could not be read on their last run."""
        return sum(feed.down for feed in self.feeds.values())

    def job_errors(self, job: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "flex_watchdog_job_errors_total", {"account": self.metrics.account, "job": job})
        return value or 0.0

    def family_up(self, family: str) -> float | None:
        return self.metrics.registry.get_sample_value(
            "flex_watchdog_family_up", {"account": self.metrics.account, "family": family})

    def writes(self) -> int:
        """Requests that could change the account (a heal), served so far."""
        return sum(1 for r in self.server.requests.entries() if r.method not in READS)

    def heals_attempted(self) -> int:
        """Heals that got as far as the executor (applied, failed, or found already correct on
        the re-read before writing): each one was planned from data the rig believed."""
        rows = self.watcher.store.execute(
            "SELECT count(*) FROM heals WHERE outcome IN ('applied', 'failed', 'noop')")
        return int(rows[0][0])

    def pd_events(self) -> list[Received]:
        """Events the fake PagerDuty accepted for this rig's routing key."""
        if self.fake is None:
            return []
        return [r for r in self.fake.events() if r.routing_key == self.key]

    def open_ids(self) -> set[str]:
        return set(self.watcher.store.open_findings())

    def triggered(self) -> set[str]:
        rows = self.watcher.store.execute(
            "SELECT dedup_key FROM incidents WHERE status = 'triggered'")
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
        self.watcher.store.close()
