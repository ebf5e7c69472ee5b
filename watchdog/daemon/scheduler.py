"""The schedule: one APScheduler job per family group, the change feeds, and on-demand refreshes.

Jobs never overlap themselves (``max_instances=1``) and late runs collapse into one
(``coalesce=True``); a run later than half its interval is skipped, logged and counted in
``flex_watchdog_job_misfires_total``. A signal (Monitor event, Debugger alert, webhook) asks the
:class:`Refresher` for one resource or one family; the ``refresh`` job then reads each resource
alone and polls only the families asked for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from watchdog.model.snapshot import FAMILIES, Family
from watchdog.model.times import utcnow
from watchdog.settings import FAMILY_JOB, POLL_JOBS, Settings
from watchdog.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

INITIAL, REFRESH, EVENTS, ALERTS = "initial", "refresh", "events", "alerts"
SERVICES = tuple(f for f in FAMILIES if FAMILY_JOB[f] == "services")


@dataclass(frozen=True)
class JobGroup:
    """Families polled together by one job."""

    name: str
    families: tuple[str, ...]
    interval: float


def job_groups(settings: Settings) -> list[JobGroup]:
    """The poll jobs. Numbers and Flex Flows share a job while their intervals are equal: the
    legacy topology (which Flex Flow serves which number) is then read from one instant."""
    s = settings.schedule
    groups = [JobGroup(job, tuple(f for f in FAMILIES if FAMILY_JOB[f] == job), s.job_interval(job))
              for job in POLL_JOBS]
    if s.numbers_seconds == s.flex_flows_seconds:
        groups[:2] = [JobGroup("numbers", (Family.NUMBERS, Family.FLEX_FLOWS), s.numbers_seconds)]
    return groups


class Refresher:
    """Families asked for by signals, waiting for the ``refresh`` job.

    ``wake`` runs the job now unless it is already running, in which case its loop picks the
    new families up before it returns: a signal is never lost, and never polls twice at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, set[str]] = {}  # family -> sources that asked for it
        self._resources: dict[str, set[str]] = {}  # SID to read alone -> sources
        self._running = False
        self.wake: Callable[[], None] = lambda: None

    def request(self, families: Iterable[str], source: str) -> None:
        self._ask(self._pending, families, source)

    def request_resources(self, sids: Iterable[str], source: str) -> None:
        """Resources to read alone (a change signal named each one)."""
        self._ask(self._resources, sids, source)

    def _ask(self, into: dict[str, set[str]], keys: Iterable[str], source: str) -> None:
        wanted = set(keys)
        if not wanted:
            return
        with self._lock:
            for key in wanted:
                into.setdefault(key, set()).add(source)
            wake = not self._running
        if wake:
            self.wake()

    def take(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(families, SIDs, sources) to refresh now (marks the job running), or empty when
        done."""
        with self._lock:
            pending, self._pending = self._pending, {}
            resources, self._resources = self._resources, {}
            self._running = bool(pending or resources)
        sources = {s for found in (*pending.values(), *resources.values()) for s in found}
        return tuple(sorted(pending)), tuple(sorted(resources)), tuple(sorted(sources))

    @property
    def pending(self) -> set[str]:
        with self._lock:
            return set(self._pending)

    @property
    def pending_resources(self) -> set[str]:
        with self._lock:
            return set(self._resources)


@dataclass
class JobSpec:
    """What the scheduler needs to know about one job."""

    id: str
    func: Callable[[], None]
    interval: float | None  # None: run once, at ``first_run``
    first_run: datetime | None = None  # None: after one interval
    jitter: bool = False  # family polls spread out; the change feeds keep their pace


def build_scheduler(specs: Iterable[JobSpec], jitter: float, metrics: Metrics,
                    now: datetime | None = None) -> BackgroundScheduler:
    specs = list(specs)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # misfires are logged below
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(specs) + 4)},
        timezone=UTC)
    for spec in specs:
        add_job(scheduler, spec, jitter, metrics, now or utcnow())
    scheduler.add_listener(_misfire_listener(metrics), EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def add_job(scheduler: BackgroundScheduler, spec: JobSpec, jitter: float, metrics: Metrics,
            start: datetime) -> None:
    """Add one job: once at ``first_run``, or every ``interval`` seconds (plus jitter)."""
    if spec.interval is None:
        scheduler.add_job(spec.func, DateTrigger(spec.first_run or start, timezone=UTC),
                          id=spec.id, name=spec.id, misfire_grace_time=None, max_instances=1,
                          coalesce=True)
        return
    spread = min(jitter, spec.interval / 2) if spec.jitter else 0
    trigger = IntervalTrigger(seconds=spec.interval, jitter=spread or None, timezone=UTC,
                              start_date=start)
    first = spec.first_run or start + timedelta(seconds=spec.interval)
    scheduler.add_job(spec.func, trigger, id=spec.id, name=spec.id, next_run_time=first,
                      misfire_grace_time=max(1, int(spec.interval / 2)), max_instances=1,
                      coalesce=True)
    metrics.misfires.labels(spec.id)
    metrics.job_errors.labels(spec.id)


def _misfire_listener(metrics: Metrics) -> Callable[[JobEvent], None]:
    def on_event(event: JobEvent) -> None:
        if event.job_id == REFRESH and event.code == EVENT_JOB_MAX_INSTANCES:
            return  # the running refresh loop takes the new families itself
        what = "missed" if event.code == EVENT_JOB_MISSED else "skipped: still running"
        log.warning("job %s: scheduled run %s", event.job_id, what)
        metrics.misfires.labels(event.job_id).inc()
    return on_event


def run_now(scheduler: BackgroundScheduler, job_id: str) -> None:
    """Move a job's next run to now (it then continues on its interval)."""
    try:
        scheduler.modify_job(job_id, next_run_time=utcnow())
    except JobLookupError:
        log.debug("job %s is gone (shutting down?)", job_id)
