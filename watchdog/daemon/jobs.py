"""What the scheduled jobs do, each run contained: an exception is logged, counted in
``flex_watchdog_job_errors_total`` and sent to Sentry with the family and account as tags, and
the daemon keeps running. The clock is read once per run and passed down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from watchdog.cycle import Watcher
from watchdog.daemon.scheduler import REFRESH, JobGroup, Refresher
from watchdog.errors import CredentialsRejected
from watchdog.fetchers.single import family_of
from watchdog.model.results import Trigger
from watchdog.signals.events import Feed
from watchdog.telemetry.logs import ACCOUNT
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.sentry import JOBS_LOGGER, capture_job_error

log = logging.getLogger(JOBS_LOGGER)
Clock = Callable[[], datetime]


class Jobs:
    """The job bodies, plus what liveness and shutdown need to know about them."""

    def __init__(self, watcher: Watcher, metrics: Metrics, refresher: Refresher,
                 clock: Clock, account: str | None = None) -> None:
        self.watcher, self.metrics, self.refresher, self.clock = watcher, metrics, refresher, clock
        self.account = account  # named on every log line of its jobs
        self.stopping = threading.Event()
        self.last_poll_end: datetime | None = None
        self._running = 0
        self._idle = threading.Condition()
        # Told which families a poll tried when it produced no cycle (rejected credentials).
        self.on_attempt: Callable[[tuple[str, ...]], None] = lambda families: None

    # -- job bodies ------------------------------------------------------------------------------
    def poll(self, job: str, families: tuple[str, ...], sources: tuple[str, ...] = ()) -> None:
        """One cycle over ``families`` (a group's, or every family for the initial poll);
        ``sources``: the change signals that asked for it (none: the schedule did)."""
        with self._contained(job, families, poll=True) as go:
            if go:
                self.watcher.poll(self.clock(), families, Trigger(job, sources))

    def poll_group(self, group: JobGroup) -> Callable[[], None]:
        return lambda: self.poll(group.name, group.families)

    def refresh(self) -> None:
        """Read the resources and poll the families signals asked for, until none is pending."""
        while not self.stopping.is_set():
            families, sids, sources = self.refresher.take()
            if not families and not sids:
                return
            # a family polled now reads its resources anyway
            sids = tuple(s for s in sids if family_of(self.watcher.latest, s) not in families)
            if sids:
                self.read_alone(sids, sources)
            if families:
                log.info("refreshing %s now (signal: %s)", ", ".join(families),
                         ", ".join(sources))
                self.poll(REFRESH, families, sources)

    def read_alone(self, sids: tuple[str, ...], sources: tuple[str, ...]) -> None:
        """Each resource read alone; a 404 (or a resource only its family reads) asks for the
        family's complete poll, which the loop of ``refresh`` runs next."""
        with self._contained(REFRESH, ()) as go:
            if not go:
                return
            done = self.watcher.refresh(self.clock(), sids, Trigger(REFRESH, sources))
            log.info("read %s alone (signal: %s): %d request(s)%s", ", ".join(sids),
                     ", ".join(sources), done.requests,
                     f"; {len(done.failed)} failed, the last snapshot stands"
                     if done.failed else "")
            for source in sources:
                self.refresher.request(done.families, source)

    def feed(self, feed: Feed) -> Callable[[], None]:
        def run() -> None:
            with self._contained(feed.source, ()) as go:
                if not go:
                    return
                result = feed.poll(self.clock())
                self.metrics.events_received.labels(feed.source).inc(result.new)
                if result.families or result.resources:
                    log.info("%s: %d new, refresh %s", feed.source, result.new,
                             ", ".join(sorted(result.families | result.resources)))
                self.refresher.request_resources(result.resources, feed.source)
                self.refresher.request(result.families, feed.source)
        return run

    def task(self, name: str, func: Callable[[datetime], object]) -> Callable[[], None]:
        """Any other periodic work (e.g. the PagerDuty outbox), contained like the polls."""
        def run() -> None:
            with self._contained(name, ()) as go:
                if go:
                    func(self.clock())
        return run

    # -- containment, liveness, shutdown ---------------------------------------------------------
    @contextmanager
    def _contained(self, job: str, families: tuple[str, ...],
                   poll: bool = False) -> Iterator[bool]:
        """Yields False (run nothing) once shutdown has begun."""
        with self._idle:
            if self.stopping.is_set():
                go = False
            else:
                go, self._running = True, self._running + 1
        if not go:
            yield False
            return
        named = ACCOUNT.set(self.account)
        try:
            yield True
        except CredentialsRejected as exc:
            log.error("job %s: %s; will retry on schedule", job, exc)
            self.metrics.job_errors.labels(job).inc()
            for family in families:
                self.metrics.family_up.labels(family).set(0)
                self.metrics.poll_errors.labels(family, exc.reason).inc()
            self.on_attempt(families)  # attempted: readiness must not hide these metrics
        except Exception as exc:  # contained: one bad run must never kill the daemon
            log.exception("job %s failed (families: %s)", job, ", ".join(families) or "-")
            self.metrics.job_errors.labels(job).inc()
            capture_job_error(exc, job, families, self.watcher.account_sid)
        finally:
            ACCOUNT.reset(named)
            if poll:
                self.last_poll_end = self.clock()
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def begin_shutdown(self) -> None:
        """No job starts any more; running ones finish (see ``wait_idle``)."""
        with self._idle:
            self.stopping.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job runs; False if one still does after ``timeout`` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout=timeout)
