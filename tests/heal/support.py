"""A test rig for healing: a simulated world, a Watcher with an AutoHealer, a clock the test moves.

The world's clock follows the rig's, so Monitor Events carry the same instants as the polls.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from tests.conftest import NOW, sim_settings
from watchdog.daemon.app import build_watcher
from watchdog.healing import records
from watchdog.healing.auto import AutoHealer
from watchdog.healing.executor import CrashHook
from watchdog.healing.model import HealView, Mode, PlanItem
from watchdog.healing.session import HealSession
from watchdog.model.findings import Finding
from watchdog.model.results import CycleResult
from watchdog.settings import Settings
from watchdog.simulator import SimulatorServer, World
from watchdog.store.store import StateStore
from watchdog.telemetry.metrics import Metrics

MESSAGE = "numbers.message-webhook-overwritten"
VOICE = "numbers.voice-webhook-overwritten"
CHAT = "flex.flow-chat-service-mismatch"
POOL = "numbers.proxy-registration-missing"
ALL_HEALABLE = (MESSAGE, VOICE, CHAT, POOL)
NUMBER_POST = ("POST", "api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json")
FLEX_FLOW_POST = ("POST", "flex-api", "/v1/FlexFlows/{Sid}")
POOL_POST = ("POST", "proxy", "/v1/Services/{ServiceSid}/PhoneNumbers")


def armed(*rules: str, **healing: Any) -> dict[str, Any]:
    """Settings overrides: the global switch on and ``rules`` (default: all four) on autoheal."""
    return {"healing": {"enabled": True, **healing},
            "rules": {r: {"autoheal": True} for r in (rules or ALL_HEALABLE)}}


class Rig:
    def __init__(self, server: SimulatorServer, tmp_path: Path, crash_hook: CrashHook | None = None,
                 **overrides: Any) -> None:
        self.server, self.world = server, server.world
        self.path = tmp_path / "state.db"
        self.overrides = overrides
        self.now = NOW
        self.world.clock = lambda: self.now
        self.changes: list[tuple[str, dict[str, Any], list[dict[str, str]]]] = []
        self.metrics = Metrics(CollectorRegistry())
        self.start(crash_hook)

    @property
    def settings(self) -> Settings:
        return self.watcher.settings

    def start(self, crash_hook: CrashHook | None = None) -> None:
        """(Re)start: a new Watcher and AutoHealer on the same state file, as a new process."""
        settings = sim_settings(self.server, self.path, **self.overrides)
        self.store = StateStore(settings.state_path)
        self.watcher = build_watcher(settings, self.store)
        self.healer = AutoHealer(self.watcher, metrics=self.metrics,
                                 on_change=lambda *a: self.changes.append(a),
                                 crash_hook=crash_hook)
        self.watcher.listeners.append(self.healer)

    def at(self, minutes: float) -> datetime:
        self.now = NOW + timedelta(minutes=minutes)
        return self.now

    def poll(self, minutes: float, families: tuple[str, ...] | None = None) -> CycleResult:
        now = self.at(minutes)
        return self.watcher.poll(now) if families is None else self.watcher.poll(now, families)

    def writes(self, template: tuple[str, str, str] | None = None) -> int:
        """POST requests the simulator served (one template, or any write)."""
        counts = self.server.requests.by_template()
        if template is not None:
            return counts[template]
        return sum(n for (method, _, _), n in counts.items() if method != "GET")

    def heals(self, outcome: str | None = None) -> list[records.HealRecord]:
        rows = records.history(self.store, limit=1000)
        return [r for r in rows if outcome is None or r.outcome == outcome]

    def counted(self, rule: str, outcome: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "flex_watchdog_heals_total", {"account": "default", "rule": rule, "outcome": outcome})
        return value or 0.0

    def session(self) -> HealSession:
        return HealSession(self.settings, self.store, self.watcher.access.client,
                           self.watcher.account_sid, self.metrics)

    def run(self, result: CycleResult, mode: Mode,
            findings: list[Finding] | None = None) -> list[PlanItem]:
        """One heal pass of ``mode`` over a cycle's snapshot (what the heal command does)."""
        view = HealView(result.snapshot, result.polled_at, self.settings,
                        self.store.baseline(self.watcher.account_sid))
        return self.session().run(view, result.findings if findings is None else findings, mode)


def open_rules(rig: Rig) -> set[tuple[str, str]]:
    return {(f.rule, f.resource_sid) for f in rig.store.open_findings().values()}


def break_sms(world: World, sid: str, url: str = "https://example.com/sms") -> None:
    world.set_number(sid, sms_url=url)
