"""The long-running daemon: scheduler, change feeds, HTTP endpoints, graceful shutdown.

``Daemon.start()`` serves HTTP and starts the jobs (one full poll at once, then one job per
family group); ``Daemon.stop()`` stops the scheduler, lets a running poll finish or abandons it
after ``shutdown_timeout_seconds``, and stops the HTTP server. ``run_until_signal`` is what
``flex-watchdog run`` does: signals only set a flag, shutdown happens on the main thread.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from types import FrameType

import sentry_sdk

from watchdog import __version__
from watchdog.alerts.pagerduty import PagerDutySink
from watchdog.controls.trust import own_write
from watchdog.cycle import Watcher
from watchdog.daemon.http import HttpServer
from watchdog.daemon.jobs import Jobs
from watchdog.daemon.observe import CycleObserver
from watchdog.daemon.scheduler import (
    ALERTS,
    EVENTS,
    INITIAL,
    REFRESH,
    JobSpec,
    Refresher,
    add_job,
    build_scheduler,
    job_groups,
    run_now,
)
from watchdog.errors import ConfigError
from watchdog.fetchers.single import family_of, readable
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import utcnow
from watchdog.settings import Settings, masked_dump
from watchdog.signals.events import AlertFeed, MonitorFeed, families_of_sid
from watchdog.signals.evidence import EvidenceCache
from watchdog.signals.webhook import WebhookReceiver
from watchdog.store.lock import OwnerLock
from watchdog.telemetry.metrics import Metrics

log = logging.getLogger(__name__)




class Daemon:
    """One watched account: the watcher plus everything that keeps it polling."""

    def __init__(self, settings: Settings, watcher: Watcher, metrics: Metrics,
                 clock: Callable[[], datetime] = utcnow, serve: bool = True) -> None:
        """``serve``: this daemon has the HTTP port (a fleet's accounts share the fleet's)."""
        self.settings, self.watcher, self.metrics, self.clock = settings, watcher, metrics, clock
        self.sink: PagerDutySink | None = None  # set by build_daemon when paging is on
        self.started_at = clock()
        self.groups = job_groups(settings)
        self.largest_interval = max(g.interval for g in self.groups)
        self.evidence = EvidenceCache(own=partial(own_write, watcher.store))
        self.refresher = Refresher()
        self.jobs = Jobs(watcher, metrics, self.refresher, clock,
                         account=None if serve else metrics.account)  # a fleet names it
        self.observer = CycleObserver(settings, watcher, metrics, self.started_at,
                                      min(g.interval for g in self.groups))
        self.jobs.on_attempt = self.observer.attempt
        watcher.enrichers.append(self.evidence.enrich)
        watcher.changes = self.evidence
        watcher.listeners.insert(0, self.observer)
        watcher.access.stats.listeners.append(metrics.observe_request)
        self.scheduler = build_scheduler(self._specs(), settings.schedule.jitter_seconds,
                                         metrics, self.started_at)
        self.refresher.wake = lambda: run_now(self.scheduler, REFRESH)
        self.owner = OwnerLock(watcher.store.path)  # check and heal --plan look for it
        self.http = HttpServer(settings.http.host, settings.http.port, metrics.registry,
                               self.healthz, self.readyz, self._webhook()) if serve else None

    def add_periodic(self, name: str, func: Callable[[datetime], object],
                     interval: float) -> None:
        """Run ``func(now)`` every ``interval`` seconds, contained like the polls."""
        add_job(self.scheduler, JobSpec(name, self.jobs.task(name, func), interval),
                0, self.metrics, self.clock())

    def lookup(self, sid: str) -> set[str]:
        """The families of a watched resource (by SID) in the latest snapshot."""
        return families_of_sid(self.watcher.latest, sid)

    def readable(self, sid: str) -> bool:
        """Whether a change to this resource can be read alone (else its family is polled)."""
        return readable(self.watcher.latest, sid)

    def alone(self, sid: str) -> str | None:
        """The family a resource is read alone in, or None when only its family's poll can."""
        return family_of(self.watcher.latest, sid) if self.readable(sid) else None

    def _specs(self) -> list[JobSpec]:
        s, jobs = self.settings, self.jobs
        specs = [JobSpec(INITIAL, lambda: jobs.poll(INITIAL, FAMILIES), None,
                         self.started_at)]
        specs += [JobSpec(g.name, jobs.poll_group(g), g.interval, jitter=True)
                  for g in self.groups]
        specs.append(JobSpec(REFRESH, jobs.refresh, s.schedule.events_seconds))
        client, store = self.watcher.access.client, self.watcher.store
        if s.events.monitor_enabled:
            feed = MonitorFeed(client, store, self.evidence, self.lookup)
            feed.readable = self.readable
            specs.append(JobSpec(EVENTS, jobs.feed(feed), s.schedule.events_seconds,
                                 self.started_at))
        if s.events.alerts_enabled:
            alerts = AlertFeed(client, store, self.evidence, self.lookup,
                               s.events.alert_error_codes)
            specs.append(JobSpec(ALERTS, jobs.feed(alerts), s.schedule.alerts_seconds,
                                 self.started_at))
        return specs

    def _webhook(self) -> WebhookReceiver | None:
        if not self.settings.events.webhook_enabled:
            return None
        token = self.settings.auth_token
        if token is None:
            raise ConfigError("config: events.webhook_enabled: needs TWILIO_AUTH_TOKEN (Twilio "
                              "signs webhooks with the auth token, not an API key)")
        return WebhookReceiver(token.get_secret_value(), self.watcher.account_sid,
                               self.settings.events.max_body_bytes, self.lookup, self.signal,
                               lambda reason: self.metrics.webhook_rejected.labels(reason).inc(),
                               self.alone, self.refresher.request_resources)

    def signal(self, families: set[str], source: str) -> None:
        """A pushed change signal: count it and refresh those families now."""
        self.metrics.events_received.labels(source).inc()
        self.refresher.request(families, source)

    # -- probes ----------------------------------------------------------------------------------
    def healthz(self) -> tuple[bool, str]:
        """Live while the scheduler runs and a poll ended within N × the largest interval."""
        thread = getattr(self.scheduler, "_thread", None)  # BackgroundScheduler's loop thread
        if not self.scheduler.running or thread is None or not thread.is_alive():
            return False, "scheduler not running"
        last = self.jobs.last_poll_end or self.started_at
        age = (self.clock() - last).total_seconds()
        limit = self.settings.http.healthz_intervals * self.largest_interval
        if age > limit:
            return False, f"no poll finished for {age:.0f}s (limit {limit:.0f}s)"
        return True, f"ok: last poll ended {age:.0f}s ago"

    def readyz(self) -> tuple[bool, str]:
        windows = "".join(f"; {w.describe()}: no page starts"
                          + ("" if w.heal else ", nothing heals")
                          for w in self.watcher.controls.at(self.clock()).windows)
        if self.observer.ready.is_set():
            return True, "ok: first complete snapshot loaded" + windows
        if self.observer.all_attempted:
            unknown = sorted(f for f in FAMILIES if not (self.watcher.latest
                                                         and self.watcher.latest.complete(f)))
            return True, ("ok: every family attempted; unknown now: " + ", ".join(unknown)
                          + " (see flex_watchdog_family_up)" + windows)
        return False, "waiting for the first poll of every family" + windows

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Daemon:
        log.info("flex-watchdog %s starting for account %s (%s); effective configuration: %s",
                 __version__, self.metrics.account, self.watcher.account_sid,
                 json.dumps(masked_dump(self.settings), sort_keys=True))
        self.owner.acquire()  # before anything polls: one daemon per state file
        if self.http is not None:
            self.http.start()
        self.scheduler.start()
        return self

    def stop(self) -> bool:
        """Stop within ``shutdown_timeout_seconds``; False when a running poll was abandoned."""
        timeout = self.settings.shutdown_timeout_seconds
        log.info("shutting down (waiting up to %.0fs for a running poll)", timeout)
        self.jobs.begin_shutdown()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        finished = self.jobs.wait_idle(timeout)
        if not finished:
            log.warning("a poll is still running after %.0fs: abandoned, nothing of it is "
                        "recorded (the state file keeps the last complete cycle)", timeout)
        if self.http is not None:
            self.http.stop()
        if finished:
            self._flush_outbox()
            self.watcher.store.close()
            self.owner.release()  # an abandoned poll keeps it until the process exits
        sentry_sdk.flush(timeout=2)
        log.info("stopped")
        return finished

    def _flush_outbox(self) -> None:
        """One last delivery round, so what the last cycle decided is not left for the next
        start; a failure keeps it queued in the state file (nothing is lost either way)."""
        if self.sink is None:
            return
        try:
            report = self.sink.send_pending(self.clock())
        except Exception:  # contained: shutdown must finish
            log.exception("pagerduty: flushing the outbox at shutdown failed")
            return
        left = self.sink.outbox.count()
        log.info("pagerduty: %d event(s) delivered at shutdown, %d left queued",
                 len(report.sent), left)

    def run_until_signal(self) -> int:
        """Run until SIGTERM/SIGINT; a second signal exits at once."""
        return run_until_signal(self.start, self.stop)


def run_until_signal(start: Callable[[], object], stop: Callable[[], bool]) -> int:
    """Start, wait for SIGTERM/SIGINT, stop; a second signal exits at once. Signals only set a
    flag: shutdown happens on the main thread. A stop that abandoned a running poll exits at
    once, since that poll's thread would otherwise be joined at exit."""
    flag = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if flag.is_set():
            os._exit(128 + signum)
        log.info("received %s", signal.Signals(signum).name)
        flag.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        start()
        flag.wait()
        finished = stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    sentry_sdk.flush(timeout=2)
    if not finished:
        logging.shutdown()
        os._exit(0)
    return 0
