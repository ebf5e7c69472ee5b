"""One daemon, three accounts: each its own findings, pages and heals; a fault stays in its account."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.support import Clock, http, run_job, wait_until
from watchdog.accounts import fleet, shard_index, shard_of
from watchdog.daemon.app import build_fleet
from watchdog.daemon.fleet import Fleet
from watchdog.daemon.jobs import Jobs
from watchdog.daemon.scheduler import JobGroup, Refresher, run_now
from watchdog.errors import ConfigError
from watchdog.settings import Settings
from watchdog.simulator import SimulatorServer, healthy_legacy
from watchdog.simulator.faults import Fault
from watchdog.telemetry.logs import setup_logging
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.redact import Redactor

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ROUTE_ALL, ROUTE_PROD = "a" * 32, "p" * 32
RULE = "numbers.message-webhook-overwritten"
QUIET = {"numbers_seconds": 3600, "flex_flows_seconds": 3600, "services_seconds": 3600,
         "taskrouter_seconds": 3600, "studio_seconds": 3600, "conversations_live_seconds": 3600,
         "jitter_seconds": 0, "events_seconds": 3600, "alerts_seconds": 3600}
FAST = {"timeout_seconds": 2, "max_attempts": 2, "backoff_base_seconds": 0,
        "backoff_max_seconds": 0, "requests_per_second": 10_000}


@pytest.fixture
def three(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    worlds = [healthy_legacy(seed) for seed in (1, 2, 3)]
    server = SimulatorServer(worlds[0])
    for world in worlds[1:]:
        server.add_world(world)
    for i, world in enumerate(worlds):
        monkeypatch.setenv(f"SIM_TOKEN_{i}", world.auth_token)
        world.clock = lambda: T0
    with server:
        yield server


def fleet_settings(server: SimulatorServer, tmp_path: Path, names: tuple[str, ...],
                   **values: Any) -> Settings:
    worlds = list(server.worlds.values())
    accounts = [{"name": name, "account_sid": world.account_sid,
                 "credentials": {"auth_token_env": f"SIM_TOKEN_{i}"}}
                for i, (name, world) in enumerate(zip(names, worlds, strict=False))]
    for entry in accounts:
        entry["overrides"] = values.pop(f"overrides_{entry['name']}", {})
    (tmp_path / "state").mkdir(parents=True, exist_ok=True)
    return Settings(twilio_base_url=server.url, state_dir=tmp_path / "state", accounts=accounts,
                    http={"host": "127.0.0.1", "port": 0}, **values)


def world_of(server: SimulatorServer, fleet_: Fleet, name: str) -> Any:
    (account,) = [a for a, _ in fleet_.members if a.name == name]
    return server.worlds[account.sid]


def sample(fleet_: Fleet, name: str, **labels: str) -> float | None:
    return fleet_.registry.get_sample_value(name, labels)


def test_three_accounts_each_with_its_own_findings_pages_and_heals(three, fake_pd, tmp_path):
    settings = fleet_settings(
        three, tmp_path, ("prod", "dev", "qa"), schedule=QUIET, twilio=FAST,
        pagerduty={"routing_key": ROUTE_ALL, "base_url": fake_pd.base_url},
        overrides_prod={"pagerduty": {"routing_key": ROUTE_PROD}},
        overrides_dev={"healing": {"enabled": True, "grace_seconds": 0}})
    clock = Clock(T0)
    fleet_ = build_fleet(settings, fleet(settings), clock=clock)
    daemons = fleet_.daemons
    fleet_.http.start()
    try:
        status, body = http(f"{fleet_.http.url}/readyz")
        assert status == 503
        assert body.strip() == ("waiting for the first full poll of 3 of 3 account(s): "
                                "prod, dev, qa")
        for name in ("prod", "dev"):
            run_job(daemons[name], "initial")
        status, body = http(f"{fleet_.http.url}/readyz")
        assert (status, body.strip()) == (503, "waiting for the first full poll of 1 of 3 "
                                               "account(s): qa")
        run_job(daemons["qa"], "initial")
        assert http(f"{fleet_.http.url}/readyz")[0] == 200

        prod, dev = world_of(three, fleet_, "prod"), world_of(three, fleet_, "dev")
        prod.set_number(prod.flex_numbers[0], sms_url="https://example.com/prod-bot")
        dev.set_number(dev.flex_numbers[0], sms_url="https://example.com/dev-bot")
        clock.advance(60)
        for daemon in daemons.values():
            run_job(daemon, "numbers")
            run_job(daemon, "pagerduty")

        # findings: each account its own
        open_ = {name: set(d.watcher.store.open_findings()) for name, d in daemons.items()}
        assert open_["prod"] == {f"{RULE}:{prod.flex_numbers[0]}"}
        assert open_["qa"] == set()
        # heals: dev heals (its override), prod only pages
        assert dev.number(dev.flex_numbers[0])["sms_url"] != "https://example.com/dev-bot"
        assert prod.number(prod.flex_numbers[0])["sms_url"] == "https://example.com/prod-bot"
        # pages: prod's on its own routing key, its SID in the dedup key, its name in front
        triggers = [e for e in fake_pd.events("trigger")]
        (page,) = [e for e in triggers if prod.account_sid in (e.dedup_key or "")]
        assert page.routing_key == ROUTE_PROD
        assert page.body["payload"]["summary"].startswith("[prod] ")
        assert not [e for e in triggers if world_of(three, fleet_, "qa").account_sid
                    in (e.dedup_key or "")]
        # metrics: one registry, every series labelled with its account
        assert sample(fleet_, "flex_watchdog_findings", account="prod", rule=RULE,
                      severity="critical") == 1
        assert sample(fleet_, "flex_watchdog_findings", account="qa", rule=RULE,
                      severity="critical") == 0
        assert sample(fleet_, "flex_watchdog_heals_total", account="dev", rule=RULE,
                      outcome="applied") == 1
        assert sample(fleet_, "flex_watchdog_heals_total", account="prod", rule=RULE,
                      outcome="applied") == 0
        status, text = http(f"{fleet_.http.url}/metrics")
        assert status == 200
        for name in ("prod", "dev", "qa"):
            assert f'flex_watchdog_build_info{{account="{name}",version=' in text
        assert 'account="default"' not in text
        # each account its own state file, named by its SID
        assert {d.watcher.store.path.name for d in daemons.values()} == {
            f"{sid}.db" for sid in three.worlds}
    finally:
        fleet_.http.stop()
        for daemon in daemons.values():
            daemon.watcher.store.close()


@pytest.mark.slow
def test_an_account_answering_429_forever_never_delays_the_healthy_one(three, tmp_path):
    bad_world = list(three.worlds.values())[0]
    settings = fleet_settings(
        three, tmp_path, ("bad", "good"), schedule=QUIET, shutdown_timeout_seconds=15,
        twilio={**FAST, "max_attempts": 3, "backoff_base_seconds": 1, "backoff_max_seconds": 1})
    three.faults_of(bad_world).add(Fault("429", method="*", retry_after=1))
    fleet_ = build_fleet(settings, fleet(settings))
    good, bad = fleet_.daemons["good"], fleet_.daemons["bad"]
    started = time.monotonic()
    fleet_.start()
    try:
        assert good.observer.ready.wait(10), "the healthy account never completed its poll"
        took = time.monotonic() - started
        # the throttled account's first poll is still retrying (2 waits of 1 s per request)
        assert not bad.observer.all_attempted
        assert took < 1.5, f"the healthy account waited {took:.1f}s"
        status, body = http(f"{fleet_.http.url}/readyz")
        assert (status, body.strip()) == (
            503, "waiting for the first full poll of 1 of 2 account(s): bad")
        assert http(f"{fleet_.http.url}/healthz")[0] == 200
        assert bad.watcher.access.stats.total() > 0  # it is being asked, and throttled
        assert good.watcher.access.stats.counts and all(
            code == "200" for (_, _, code) in good.watcher.access.stats.counts)
        assert fleet_.registry.get_sample_value(
            "flex_watchdog_family_up", {"account": "good", "family": "numbers"}) == 1
        # the healthy account keeps its pace: another of its polls runs and ends while the
        # throttled one's first poll is still waiting out its 429s
        before = good.jobs.last_poll_end
        run_now(good.scheduler, "numbers")
        assert wait_until(lambda: good.jobs.last_poll_end != before, timeout=5)
        assert not bad.observer.all_attempted
        assert {code for (_, _, code) in bad.watcher.access.stats.counts} == {"429"}
        throttled = [s for m in fleet_.registry.collect() for s in m.samples
                     if s.name == "flex_watchdog_twilio_requests_total" and s.value
                     and s.labels["code"] == "429"]
        assert throttled and {s.labels["account"] for s in throttled} == {"bad"}
        three.faults_of(bad_world).clear()  # so its poll ends before the simulator goes away
        assert wait_until(lambda: bad.observer.all_attempted, timeout=30)
        assert http(f"{fleet_.http.url}/readyz")[0] == 200
    finally:
        assert fleet_.stop(), "a poll was abandoned at shutdown"


class BrokenWatcher:
    account_sid = "AC" + "0" * 32

    def poll(self, now: datetime, families: tuple[str, ...], trigger: object) -> None:
        raise RuntimeError("bug in a cycle")


def test_the_log_lines_of_an_accounts_jobs_name_the_account():
    stream = io.StringIO()
    handler = setup_logging("INFO", "text", Redactor(), stream=stream)
    try:
        jobs = Jobs(BrokenWatcher(), Metrics(account="client-acme"), Refresher(), Clock(T0),
                    account="client-acme")  # type: ignore[arg-type]
        jobs.poll_group(JobGroup("studio", ("studio",), 300))()
        logging.getLogger("watchdog.test").warning("outside any job")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert any(": [client-acme] job studio failed (families: studio)" in line for line in lines)
    assert any(line.endswith(": outside any job") for line in lines)
    stream = io.StringIO()
    handler = setup_logging("INFO", "json", Redactor(), stream=stream)
    try:
        jobs.poll_group(JobGroup("studio", ("studio",), 300))()
    finally:
        logging.getLogger().removeHandler(handler)
    entry = json.loads(stream.getvalue().splitlines()[0])
    assert entry["account"] == "client-acme"


def test_each_replica_watches_the_accounts_of_its_shard(three, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    names = ("prod", "dev", "qa")
    sids = {name: w.account_sid for name, w in zip(names, three.worlds.values(), strict=True)}
    expected = {i: sorted(n for n, sid in sids.items() if shard_of(sid, 2) == i) for i in (0, 1)}
    assert expected[0] and expected[1]  # these three SIDs fall on both replicas
    seen: list[str] = []
    for host in ("flex-watchdog-0", "flex-watchdog-1"):
        settings = fleet_settings(three, tmp_path / host, names, schedule=QUIET, twilio=FAST,
                                  shard={"count": 2})
        index = shard_index(settings, host)
        assert index == int(host[-1])
        shard_settings = settings.model_copy(update={"shard": settings.shard.model_copy(
            update={"index": index})})
        fleet_ = build_fleet(shard_settings, fleet(shard_settings))
        try:
            assert sorted(fleet_.daemons) == expected[index]
            assert sum(s.value for m in fleet_.registry.collect() for s in m.samples
                       if s.name == "flex_watchdog_shard_accounts") == len(expected[index])
            ok, text = fleet_.readyz()
            assert not ok and text.endswith(
                f"; shard {index} of 2 watches: {', '.join(fleet_.daemons)}")
            seen += fleet_.daemons
        finally:
            for daemon in fleet_.daemons.values():
                daemon.watcher.store.close()
    assert sorted(seen) == sorted(names)  # every account on exactly one replica
    assert "its first poll adopts a fresh baseline" in caplog.text


def test_a_shard_index_comes_from_the_pod_ordinal(tmp_path):
    settings = Settings(state_path=tmp_path / "s.db", shard={"count": 3})
    assert shard_index(settings, "flex-watchdog-2") == 2
    with pytest.raises(ConfigError, match=r"^config: shard.index: unset, and the host name "):
        shard_index(settings, "laptop")
    with pytest.raises(ConfigError, match=r"^config: shard.index: 3 is not below shard.count"):
        shard_index(settings, "flex-watchdog-3")
    assert shard_of("AC" + "0" * 32, 7) == int(
        hashlib.sha256(("AC" + "0" * 32).encode()).hexdigest(), 16) % 7
