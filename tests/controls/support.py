"""A daemon on the simulator with paging (the fake PagerDuty) and auto-heal, jobs run by hand
on a clock the test moves. The world's clock follows it, so Monitor Events carry its instants."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, sim_settings
from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, Clock, run_job
from watchdog.alerts.pagerduty import PagerDutySink
from watchdog.daemon.app import build_daemon, build_watcher
from watchdog.simulator import SimulatorServer
from watchdog.simulator.pagerduty_fake import FakePagerDuty

KEY = "pdCONTROLSkey" + "0" * 19
MESSAGE = "numbers.message-webhook-overwritten"


@pytest.fixture
def fake_pd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakePagerDuty]:
    with FakePagerDuty(cert_dir=tmp_path) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_file))
        yield fake


class Rig:
    """``poll(job)`` runs a poll job at the rig's clock, ``send()`` the PagerDuty outbox."""

    def __init__(self, sim: SimulatorServer, fake: FakePagerDuty, state: Path,
                 **overrides: Any) -> None:
        self.sim, self.world, self.fake = sim, sim.world, fake
        self.clock = Clock(NOW)
        self.world.clock = self.clock
        healing = {"enabled": True, "grace_seconds": 0, **overrides.pop("healing", {})}
        self.settings = sim_settings(
            sim, state, schedule=QUIET_SCHEDULE, http=LOCAL_HTTP, healing=healing,
            pagerduty={"routing_key": KEY, "base_url": fake.base_url}, **overrides)
        self.watcher = build_watcher(self.settings)
        self.daemon = build_daemon(self.settings, self.watcher, clock=self.clock)
        self.metrics = self.daemon.metrics
        assert self.daemon.sink is not None
        self.sink: PagerDutySink = self.daemon.sink
        run_job(self.daemon, "initial")

    @property
    def now(self) -> datetime:
        return self.clock.now

    def poll(self, minutes: float = 1, job: str = "numbers") -> None:
        self.clock.advance(minutes * 60)
        run_job(self.daemon, job)
        self.sink.send_pending(self.clock.now + timedelta(seconds=1))

    def triggers(self, rule: str = MESSAGE) -> list[Any]:
        return [t for t in self.fake.events("trigger")
                if t.body and t.body["payload"]["class"] == rule]

    def sample(self, name: str, **labels: str) -> float | None:
        return self.metrics.registry.get_sample_value(name, {"account": "default", **labels})

    def open_ids(self) -> set[str]:
        return set(self.watcher.store.open_findings())


@pytest.fixture
def make_rig(sim: SimulatorServer, fake_pd: FakePagerDuty,
             tmp_path: Path) -> Callable[..., Rig]:
    def build(**overrides: Any) -> Rig:
        return Rig(sim, fake_pd, tmp_path / "state.db", **overrides)
    return build
