"""Shared fixtures: a clean environment, the loopback simulator, settings pointing at it.

Fast lane: ``pytest -m "not slow"`` leaves out the tests marked ``slow`` (a subprocess, a
daemon running with real timers, or more than a few seconds); the whole suite runs in CI.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from watchdog.cycle import Watcher
from watchdog.daemon.app import build_watcher
from watchdog.settings import Settings
from watchdog.simulator import SimulatorServer, World, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Figures a test recorded with ``record_property("report", line)`` (the image's size and
    build time), shown at the end of the run on one worker or several."""
    lines = [str(value) for reports in terminalreporter.stats.values() for report in reports
             for name, value in getattr(report, "user_properties", ()) if name == "report"]
    if lines:
        terminalreporter.section("reported by tests")
        for line in dict.fromkeys(lines):
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray TWILIO_* or FLEX_WATCHDOG_* variable from the machine reaches a test."""
    for key in list(os.environ):
        if key.startswith(("TWILIO_", "FLEX_WATCHDOG_")):
            monkeypatch.delenv(key)


@pytest.fixture
def world() -> World:
    return healthy_legacy()


@pytest.fixture
def sim(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as server:
        yield server


@pytest.fixture
def fake_pd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakePagerDuty]:
    """A PagerDuty Events API v2 on loopback TLS, trusted through ``SSL_CERT_FILE``."""
    with FakePagerDuty(cert_dir=tmp_path) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_file))
        yield fake


def sim_settings(server: SimulatorServer, state_path: Path, **overrides: Any) -> Settings:
    """Settings for the simulator: its credentials and base URL, fast retries, short timeouts."""
    world = server.world
    twilio = {"timeout_seconds": 2, "max_attempts": 2, "backoff_base_seconds": 0,
              "backoff_max_seconds": 0, "requests_per_second": 10_000}
    twilio.update(overrides.pop("twilio", {}))
    return Settings(account_sid=world.account_sid, auth_token=world.auth_token,
                    twilio_base_url=server.url, state_path=state_path, twilio=twilio,
                    **overrides)


@pytest.fixture
def make_settings(sim: SimulatorServer, tmp_path: Path) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        return sim_settings(sim, tmp_path / "state.db", **overrides)
    return build


@pytest.fixture
def make_watcher(make_settings: Callable[..., Settings]) -> Callable[..., Watcher]:
    """A Watcher against the simulator; each call opens the same state file anew (a restart)."""
    def build(**overrides: Any) -> Watcher:
        settings = make_settings(**overrides)
        return build_watcher(settings)
    return build
