"""The dashboard on real data: the real daemon against a simulated account with findings, heals
and pages, scraped by the real Prometheus; every panel's query must return data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import sim_settings
from tests.daemon.support import started, wait_until
from tests.deploy import prom as ph
from tests.deploy.test_dashboard import DASHBOARD, all_targets, substitute
from watchdog.daemon.app import build_daemon
from watchdog.simulator import Fault, SimulatorServer, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty

ACCOUNT = "prod-eu"
FAST = {"numbers_seconds": 1, "flex_flows_seconds": 1, "services_seconds": 1,
        "taskrouter_seconds": 1, "studio_seconds": 1, "jitter_seconds": 0,
        "events_seconds": 0.5, "alerts_seconds": 0.5}


@pytest.mark.slow
def test_every_panel_has_data_from_a_running_daemon(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ph.require_binary("prometheus")
    world = healthy_legacy()
    with SimulatorServer(world) as sim, FakePagerDuty(cert_dir=tmp_path) as pd:
        monkeypatch.setenv("SSL_CERT_FILE", str(pd.ca_file))
        settings = sim_settings(
            sim, tmp_path / "state.db", schedule=FAST, http={"host": "127.0.0.1", "port": 0},
            healing={"enabled": True, "grace_seconds": 0},
            pagerduty={"routing_key": "R" * 32, "base_url": pd.base_url,
                       "send_interval_seconds": 0.5})
        daemon = build_daemon(settings)
        with started(daemon), ph.run_prometheus(
                tmp_path / "prom", {"flex-watchdog": [f"127.0.0.1:{daemon.http.port}"]},
                target_labels={"account": ACCOUNT}) as prom:
            prom.wait_for_scrapes("flex-watchdog", samples=2, timeout=30)
            # the guide's breakages: an overwritten message webhook (healed), a deleted channel,
            # the web chat's Studio flow deleted (customers on web chat cut off, not healable)
            world.set_number(world.flex_numbers[0], sms_url="https://example.com/sms")
            world.delete(world.task_channels["video"])
            world.delete(world.flows["Webchat Flow"])
            sim.faults.add(Fault("503", product="conversations", times=3))
            assert wait_until(lambda: bool(pd.events("trigger")), timeout=30), "nothing paged"
            assert wait_until(lambda: _sample(daemon, "flex_watchdog_heals_total",
                                              outcome="applied") > 0, timeout=30), "no heal"
            prom.wait_for_scrapes("flex-watchdog", samples=6, timeout=30)
            empty = _empty_panels(prom)
            reach = _reach_row(prom, len(world.flex_numbers))
    assert empty == [], f"panels without data on a working install: {empty}"
    assert reach == {"ok": {"voice": 3.0, "web": 0.0}, "cut off": 1.0,
                     "history": {"web": 1.0}}


def _panel_expr(title: str) -> str:
    panel = next(p for p in DASHBOARD["panels"] if p.get("title") == title)
    return substitute(panel["targets"][0]["expr"], ACCOUNT)


def _reach_row(prom: ph.Prometheus, numbers: int) -> dict[str, Any]:
    """The top row on the running daemon: entry points reaching Flex per channel, the cut-off
    stat and its history (the web chat's route broken since its flow was deleted)."""
    cut_off = _panel_expr("Entry points cut off")
    assert wait_until(lambda: float(prom.query(cut_off)[0]["value"][1]) >= 1, timeout=30)
    ok = {s["metric"]["channel"]: float(s["value"][1])
          for s in prom.query(_panel_expr("Entry points that reach Flex, by channel"))}
    assert ok["voice"] == numbers and set(ok) == {"voice", "sms", "whatsapp", "chat", "web"}
    history = prom.query(f"max_over_time(({_panel_expr('Entry points cut off over time')})[1m:1s])")
    return {"ok": {c: ok[c] for c in ("voice", "web")},
            "cut off": float(prom.query(cut_off)[0]["value"][1]),
            "history": {s["metric"]["channel"]: float(s["value"][1]) for s in history
                        if float(s["value"][1]) and s["metric"]["channel"] == "web"}}


def _sample(daemon: Any, name: str, **labels: str) -> float:
    total = 0.0
    for metric in daemon.metrics.registry.collect():
        for s in metric.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def _empty_panels(prom: ph.Prometheus) -> list[str]:
    empty = []
    for panel, target in all_targets(DASHBOARD):
        for account in (".*", ACCOUNT):
            expr = substitute(target["expr"], account)
            if not prom.query(expr):
                short = re.sub(r"\s+", " ", expr)[:80]
                empty.append(f"{panel['title']} [{short}]")
    return empty


@pytest.mark.slow
def test_the_fleet_row_shows_each_account_by_status(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """One daemon over two simulated accounts, scraped without any account label of the
    scrape's: the account variable lists both, and the fleet row shows the broken one red."""
    from watchdog.accounts import fleet
    from watchdog.daemon.app import build_fleet
    from watchdog.settings import Settings

    ph.require_binary("prometheus")
    broken, healthy = healthy_legacy(31), healthy_legacy(32)
    with SimulatorServer(broken) as sim:
        sim.add_world(healthy)
        (tmp_path / "state").mkdir()
        accounts = []
        for name, world in (("client-a", broken), ("client-b", healthy)):
            monkeypatch.setenv(f"TOKEN_{name[-1].upper()}", world.auth_token)
            accounts.append({"name": name, "account_sid": world.account_sid,
                             "credentials": {"auth_token_env": f"TOKEN_{name[-1].upper()}"}})
        settings = Settings(twilio_base_url=sim.url, state_dir=tmp_path / "state",
                            accounts=accounts, schedule=FAST,
                            http={"host": "127.0.0.1", "port": 0},
                            twilio={"max_attempts": 1, "requests_per_second": 10_000})
        fleet_ = build_fleet(settings, fleet(settings)).start()
        try:
            with ph.run_prometheus(tmp_path / "prom",
                                   {"flex-watchdog": [f"127.0.0.1:{fleet_.http.port}"]}) as prom:
                prom.wait_for_scrapes("flex-watchdog", samples=2, timeout=30)
                broken.delete(broken.flows["Webchat Flow"])  # web chat cut off: critical
                status_expr = _panel_expr_for("Accounts by status", ".*")

                def statuses() -> dict[str, float]:
                    return {s["metric"]["account"]: float(s["value"][1])
                            for s in prom.query(status_expr)}

                assert wait_until(lambda: statuses() == {"client-a": 2.0, "client-b": 0.0},
                                  timeout=30), statuses()
                assert prom.label_values("account", "flex_watchdog_build_info") == [
                    "client-a", "client-b"]
                count = prom.query(_panel_expr_for("Accounts watched", ".*"))
                assert float(count[0]["value"][1]) == 2
                only_b = prom.query(_panel_expr_for("Accounts by status", "client-b"))
                assert [s["metric"]["account"] for s in only_b] == ["client-b"]
        finally:
            fleet_.stop()


def _panel_expr_for(title: str, account: str) -> str:
    panel = next(p for p in DASHBOARD["panels"] if p.get("title") == title)
    return substitute(panel["targets"][0]["expr"], account)
