"""Fixtures and a rig for the alerting tests: the Twilio simulator, the fake PagerDuty, a sink.

No tests here; ``test_alerts_*`` modules import from it. Routing keys are distinctive 32-character
strings so a leak is easy to search for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from watchdog.alerts import DeliveryReport, PagerDutySink
from watchdog.cycle import Watcher
from watchdog.daemon.app import build_watcher
from watchdog.model.results import CycleResult
from watchdog.settings import Settings
from watchdog.simulator import SimulatorServer, World
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.telemetry.metrics import Metrics

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DEFAULT_KEY = "pdDEFAULTkey" + "0" * 20
CRITICAL_KEY = "pdCRITICALkey" + "1" * 19
WARNING_KEY = "pdWARNINGkey" + "2" * 20
RULE_KEY = "pdRULEkey" + "3" * 23
ALL_KEYS = (DEFAULT_KEY, CRITICAL_KEY, WARNING_KEY, RULE_KEY)


@pytest.fixture
def fake_pd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakePagerDuty]:
    """The fake PagerDuty, trusted through SSL_CERT_FILE as a real deployment would be."""
    with FakePagerDuty(cert_dir=tmp_path) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_file))
        yield fake


@pytest.fixture
def no_client_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pagerduty client must never sleep: the outbox schedules retries."""
    import pagerduty.api_client

    def refuse(seconds: float) -> None:
        raise AssertionError(f"pagerduty client slept {seconds} s")

    monkeypatch.setattr(pagerduty.api_client.time, "sleep", refuse)


def pd_settings(fake: FakePagerDuty, **overrides: Any) -> dict[str, Any]:
    pd = {"routing_key": DEFAULT_KEY, "base_url": fake.base_url}
    pd.update(overrides)
    return pd


class Rig:
    """One account under watch: simulator world, watcher, sink; ``restart()`` reopens the state."""

    def __init__(self, world: World, sim: SimulatorServer, fake: FakePagerDuty,
                 build: Callable[[], tuple[Settings, Watcher]]) -> None:
        self.world, self.sim, self.fake, self._build = world, sim, fake, build
        self.now = T0
        self.metrics = Metrics()
        self.settings, self.watcher = build()
        self.sink = self._sink()
        self.results: list[CycleResult] = []

    def _sink(self) -> PagerDutySink:
        sink = PagerDutySink(self.settings, self.watcher.store, self.metrics)
        self.watcher.listeners.append(sink.on_cycle)
        return sink

    def poll(self, times: int = 1) -> CycleResult:
        for _ in range(times):
            self.now += timedelta(minutes=1)
            self.results.append(self.watcher.poll(self.now))
        return self.results[-1]

    def send(self, after: float = 0) -> DeliveryReport:
        self.now += timedelta(seconds=after)
        return self.sink.send_pending(self.now)

    def restart(self) -> None:
        self.sink.close()
        self.watcher.store.close()
        self.settings, self.watcher = self._build()
        self.sink = self._sink()

    def alerts(self, action: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "flex_watchdog_alerts_total", {"account": "default", "sink": "pagerduty", "action": action})
        return value or 0.0


@pytest.fixture
def make_rig(world: World, sim: SimulatorServer, fake_pd: FakePagerDuty, tmp_path: Path,
             make_settings: Callable[..., Settings]) -> Callable[..., Rig]:
    """``make_rig(**pagerduty_overrides, rules=...)``: a rig after a first, baseline poll."""
    def build(rules: dict[str, Any] | None = None, **pd: Any) -> Rig:
        def open_all() -> tuple[Settings, Watcher]:
            settings = make_settings(pagerduty=pd_settings(fake_pd, **pd), rules=rules or {})
            return settings, build_watcher(settings)
        rig = Rig(world, sim, fake_pd, open_all)
        rig.poll()
        return rig
    return build
