"""The daemon ``flex-watchdog run`` builds, driven on a virtual clock by its own schedule.

Every scheduled job (family polls, Monitor Events, Debugger alerts, the PagerDuty outbox) runs
when its interval says, in time order, on this thread; a signal's ``refresh`` runs right after
the job that asked for it, as the scheduler's ``run_now`` would. The simulator's clock is the
same virtual clock, so Monitor events carry the time the change happened. Nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watchdog.cycle import CycleResult
from watchdog.daemon.app import build_daemon, build_watcher
from watchdog.daemon.scheduler import INITIAL, REFRESH
from watchdog.settings import Settings
from watchdog.simulator import SimulatorServer
from watchdog.simulator.pagerduty_fake import FakePagerDuty

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
ROUTING_KEY = "pdDAYkey" + "4" * 24
WRITES = frozenset({"POST", "PUT", "DELETE"})


def timeline_settings(server: SimulatorServer, state_path: Path, fake: FakePagerDuty,
                      **overrides: Any) -> Settings:
    """The shipped schedule (no jitter, so runs are exact), a routing key, healing armed."""
    world = server.world
    twilio = {"timeout_seconds": 2, "max_attempts": 2, "backoff_base_seconds": 0,
              "backoff_max_seconds": 0, "requests_per_second": 100_000}
    values: dict[str, Any] = dict(
        account_sid=world.account_sid, auth_token=world.auth_token, twilio_base_url=server.url,
        state_path=state_path, twilio=twilio, schedule={"jitter_seconds": 0},
        pagerduty={"routing_key": ROUTING_KEY, "base_url": fake.base_url},
        healing={"enabled": True})
    values.update(overrides)
    return Settings(**values)


class Timeline:
    """One account watched by the real daemon wiring; ``advance(seconds)`` lives through time."""

    def __init__(self, server: SimulatorServer, settings: Settings, start: datetime = T0) -> None:
        self.server, self.settings = server, settings
        self.now = start
        server.world.clock = lambda: self.now
        self.watcher = build_watcher(settings)
        self.daemon = build_daemon(settings, self.watcher, clock=lambda: self.now)
        self.sink = self.daemon.sink
        self.results: list[CycleResult] = []
        self.watcher.listeners.append(self.results.append)
        self.due: dict[str, datetime] = {}
        for job in self.daemon.scheduler.get_jobs():
            if job.id in (INITIAL, REFRESH):
                continue
            self.due[job.id] = start + timedelta(seconds=job.trigger.interval.total_seconds())
        self._run(INITIAL)

    def _run(self, job_id: str) -> None:
        job = self.daemon.scheduler.get_job(job_id)
        assert job is not None, f"no job {job_id}"
        job.func()
        if self.daemon.refresher.pending or self.daemon.refresher.pending_resources:
            self.daemon.jobs.refresh()

    def advance(self, seconds: float) -> None:
        """Run every job that falls due within the next ``seconds``, in order."""
        end = self.now + timedelta(seconds=seconds)
        while True:
            job_id, when = min(self.due.items(), key=lambda item: (item[1], item[0]))
            if when > end:
                break
            self.now = when
            interval = self.daemon.scheduler.get_job(job_id).trigger.interval
            self.due[job_id] = when + interval
            self._run(job_id)
        self.now = end

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
        self.watcher.store.close()

    # -- what to look at -------------------------------------------------------------------------
    def writes(self) -> list[str]:
        """Requests that changed the account (heals), served so far."""
        return [f"{r.method} {r.template}" for r in self.server.requests.entries()
                if r.method in WRITES]

    def opened(self, rules: Iterable[str] | None = None) -> list[str]:
        wanted = set(rules) if rules is not None else None
        return [f"{f.rule} {f.resource_sid}" for r in self.results for f in r.opened
                if wanted is None or f.rule in wanted]
