"""Helpers for the daemon tests: a daemon on the simulator (not started unless asked), its
jobs run by hand, HTTP requests to its port, metric samples."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from watchdog.cycle import Watcher
from watchdog.daemon import app
from watchdog.daemon.service import Daemon
from watchdog.model.times import utcnow

# Long intervals: nothing runs on its own during a test unless the test says so.
QUIET_SCHEDULE = {"numbers_seconds": 3600, "flex_flows_seconds": 3600, "services_seconds": 3600,
                  "taskrouter_seconds": 3600, "studio_seconds": 3600, "jitter_seconds": 0,
                  "events_seconds": 3600, "alerts_seconds": 3600}
LOCAL_HTTP = {"host": "127.0.0.1", "port": 0}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def build_daemon(watcher: Watcher, clock: Callable[[], datetime] | None = None) -> Daemon:
    """The daemon ``flex-watchdog run`` builds around ``watcher`` (not started)."""
    if clock is None:
        return app.build_daemon(watcher.settings, watcher)
    return app.build_daemon(watcher.settings, watcher, clock=clock)


def run_job(daemon: Daemon, job_id: str) -> None:
    """Run one scheduled job's body on this thread (the scheduler need not be started)."""
    job = daemon.scheduler.get_job(job_id)
    assert job is not None, f"no job {job_id}"
    job.func()


@contextmanager
def started(daemon: Daemon, ready: bool = True) -> Iterator[Daemon]:
    daemon.start()
    try:
        if ready:
            assert daemon.observer.ready.wait(15), "no complete snapshot"
        yield daemon
    finally:
        daemon.stop()


def http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
         method: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sample(daemon: Daemon, name: str, **labels: str) -> float | None:
    return daemon.metrics.registry.get_sample_value(name, {"account": "default", **labels})


def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> bool:
    """For waiting on another process or thread (never to pace a schedule)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        if predicate():
            return True
        pause.wait(0.02)
    return predicate()


@contextmanager
def requests_made(daemon: Daemon) -> Iterator[set[str]]:
    """The Twilio products the daemon asked about inside the block (its own client-side
    counts, recorded before each call returns, so no race with the server's log)."""
    seen: set[str] = set()
    before = Counter(daemon.watcher.access.stats.counts)
    yield seen
    after = Counter(daemon.watcher.access.stats.counts)
    seen |= {product for (product, _, _), n in (after - before).items() if n}
