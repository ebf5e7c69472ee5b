"""Crash safety: ``flex-watchdog run`` killed with SIGKILL at random moments, restarted each time.

The daemon runs as a subprocess against an in-test simulator (healing on, zero grace) and the
fake PagerDuty, on a short schedule. Between lives the test breaks the account the way people do
(an SMS webhook overwritten: healed by the daemon; a voice webhook overwritten: paged only, put
back by the test later; a task channel deleted: stays broken). After every kill it checks the
state file and what Twilio and PagerDuty saw; at the end it lets the daemon settle and checks
that everything that was fixed is resolved and nothing was paged or healed twice.
Seeded: the kill moments and the breakages are the same on every run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from watchdog.alerts.events import dedup_key
from watchdog.model.snapshot import FAMILIES
from watchdog.simulator import SimulatorServer, World, large
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.simulator.records import proxy_webhook_url

pytestmark = pytest.mark.slow

SEED = 20261125
KILLS = 32
ROUTING_KEY = "c" * 32
SMS, VOICE, DELETED = ("numbers.message-webhook-overwritten", "numbers.voice-webhook-overwritten",
                       "baseline.resource-deleted")
NUMBER_WRITE = ("POST", "api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json")
CONFIG = """
schedule: {numbers_seconds: 0.5, flex_flows_seconds: 0.5, services_seconds: 0.7,
           taskrouter_seconds: 0.7, studio_seconds: 1, jitter_seconds: 0,
           events_seconds: 0.5, alerts_seconds: 1}
healing: {enabled: true, grace_seconds: 0}
twilio: {timeout_seconds: 5, max_attempts: 2, backoff_base_seconds: 0, backoff_max_seconds: 0,
         requests_per_second: 1000}
http: {host: 127.0.0.1, port: 0}
pagerduty: {send_interval_seconds: 0.2, backoff_base_seconds: 0.2, backoff_max_seconds: 1,
            group_threshold: 1000}  # crash safety counts pages per resource, never a storm
shutdown_timeout_seconds: 5
"""


@dataclass
class Account:
    """The test's own record of what it broke: episodes per finding id, what stands now."""

    world: World
    fresh: list[str]
    episodes: Counter[str] = field(default_factory=Counter)
    sms_broken: set[str] = field(default_factory=set)
    voice_broken: dict[str, str] = field(default_factory=dict)  # number -> original voice_url
    deleted: str | None = None
    seen_open: set[str] = field(default_factory=set)

    def break_sms(self) -> None:
        sid = self.fresh.pop()
        self.world.set_number(sid, sms_url="https://example.com/marketing-sms")
        self.sms_broken.add(sid)
        self.episodes[f"{SMS}:{sid}"] += 1

    def break_voice(self) -> None:
        sid = self.fresh.pop()
        self.voice_broken[sid] = self.world.number(sid)["voice_url"]
        self.world.set_number(sid, voice_url="https://example.com/marketing-voice")
        self.episodes[f"{VOICE}:{sid}"] += 1

    def repair_voice(self, paged: set[str]) -> None:
        """Put back the voice webhooks PagerDuty has an open incident for."""
        for sid, url in list(self.voice_broken.items()):
            if self.key(f"{VOICE}:{sid}") in paged:
                self.world.set_number(sid, voice_url=url)
                del self.voice_broken[sid]

    def key(self, finding_id: str) -> str:
        rule, sid = finding_id.split(":", 1)
        return dedup_key(self.world.account_sid, rule, sid)

    def delete_channel(self) -> None:
        self.deleted = self.world.task_channels["video"]
        self.world.delete(self.deleted)
        self.episodes[f"{DELETED}:{self.deleted}"] += 1

    def healed(self) -> set[str]:
        proxy = proxy_webhook_url(self.world.account_sid, self.world.flex_proxy_sid or "")
        return {sid for sid in self.sms_broken if self.world.number(sid)["sms_url"] == proxy}

    def standing(self) -> set[str]:
        """Finding ids whose cause is in the world right now (the daemon is not running)."""
        ids = {f"{SMS}:{sid}" for sid in self.sms_broken - self.healed()}
        ids |= {f"{VOICE}:{sid}" for sid in self.voice_broken}
        return ids | ({f"{DELETED}:{self.deleted}"} if self.deleted else set())


class DaemonProcess:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.lives = env, logs, 0
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.lives += 1
        with open(self.logs / f"life-{self.lives:02d}.log", "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "watchdog", "run"], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, self.last_log()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def close(self) -> None:
        """Kill a daemon a failing assertion left running (it would poll on after the test)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def last_log(self) -> str:
        return (self.logs / f"life-{self.lives:02d}.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def account() -> Iterator[tuple[SimulatorServer, FakePagerDuty, Account]]:
    world = large(numbers=2000, studio_flows=10, flex_flows=60)
    fresh = list(world.legacy_numbers)
    random.Random(SEED).shuffle(fresh)
    with SimulatorServer(world) as sim, FakePagerDuty() as fake:
        yield sim, fake, Account(world, fresh)


def _env(sim: SimulatorServer, fake: FakePagerDuty, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "flex-watchdog.yaml"
    config.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    return env | {
        "TWILIO_ACCOUNT_SID": sim.world.account_sid, "TWILIO_AUTH_TOKEN": sim.world.auth_token,
        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_CONFIG": str(config),
        "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db"),
        "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": ROUTING_KEY,
        "FLEX_WATCHDOG_PAGERDUTY__BASE_URL": fake.base_url, "SSL_CERT_FILE": str(fake.ca_file)}


def _baseline_families(db: Path) -> int:
    """Families in the baseline; 0 while the daemon has not created its schema yet."""
    try:
        return int(_query(db, "SELECT count(*) FROM baseline_families")[0][0]) if db.exists() else 0
    except sqlite3.OperationalError:  # the file exists, its tables not yet
        return 0


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def _baseline(db: Path) -> list[tuple[object, ...]]:
    return _query(db, "SELECT type, sid, family, fingerprint FROM baseline ORDER BY type, sid")


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _paged(fake: FakePagerDuty) -> set[str]:
    return {key for routing, key in fake.open_alerts() if routing == ROUTING_KEY}


def _opened_per_key(fake: FakePagerDuty) -> Counter[str]:
    return Counter(str(e.dedup_key) for e in fake.events("trigger") if e.effect == "opened")


def _check_after_kill(db: Path, baseline: list[tuple[object, ...]], acct: Account,
                      sim: SimulatorServer, fake: FakePagerDuty, life: int) -> None:
    assert _query(db, "PRAGMA integrity_check") == [("ok",)], f"life {life}: corrupt state"
    assert _baseline(db) == baseline, f"life {life}: the baseline changed"
    open_now = {str(r[0]) for r in _query(db, "SELECT id FROM findings WHERE status = 'open'")}
    standing = acct.standing()
    forgotten = (acct.seen_open & standing) - open_now
    assert not forgotten, f"life {life}: open findings forgotten: {sorted(forgotten)}"
    acct.seen_open |= open_now & standing
    writes = sim.requests.by_template()[NUMBER_WRITE]
    assert writes <= sum(n for k, n in acct.episodes.items() if k.startswith(SMS)), (
        f"life {life}: {writes} number writes for fewer SMS breakages: a heal was applied twice")
    expected = {acct.key(k): n for k, n in acct.episodes.items()}
    for key, opened in _opened_per_key(fake).items():
        assert opened <= expected.get(key, 0), f"life {life}: {key} paged {opened} times"


def test_sigkill_at_random_moments_loses_nothing_and_repeats_nothing(account, tmp_path, request):
    sim, fake, acct = account
    db, rng = tmp_path / "state.db", random.Random(SEED)
    daemon = DaemonProcess(_env(sim, fake, tmp_path), tmp_path)
    request.addfinalizer(daemon.close)
    daemon.start()
    _wait(lambda: _baseline_families(db) == len(FAMILIES), 30, "the first baseline")
    time.sleep(rng.uniform(0, 1))
    daemon.kill()
    baseline = _baseline(db)
    for life in range(2, KILLS + 1):
        if life == 2:
            acct.delete_channel()
        if life % 3 == 0:
            acct.break_sms()
        if life % 4 == 0:
            acct.break_voice()
        acct.repair_voice(_paged(fake))
        daemon.start()
        time.sleep(rng.uniform(0.2, 2.5))
        daemon.kill()
        _check_after_kill(db, baseline, acct, sim, fake, life)

    daemon.start()  # the last life: page what is broken, put it back, let everything settle
    voice = {acct.key(f"{VOICE}:{sid}") for sid in acct.voice_broken}
    _wait(lambda: voice <= _paged(fake), 30, "every overwritten voice webhook paged")
    acct.repair_voice(_paged(fake))
    standing = {acct.key(f"{DELETED}:{acct.deleted}")}
    _wait(lambda: acct.healed() == acct.sms_broken and _paged(fake) == standing
          and _query(db, "SELECT count(*) FROM outbox")[0][0] == 0,
          60, "every SMS breakage healed and every fixed incident resolved")
    assert daemon.stop() == 0, daemon.last_log()
    _check_after_kill(db, baseline, acct, sim, fake, daemon.lives)
    sms_episodes = sum(n for k, n in acct.episodes.items() if k.startswith(SMS))
    assert sim.requests.by_template()[NUMBER_WRITE] == sms_episodes, "each breakage healed once"
    assert _opened_per_key(fake) == {acct.key(k): 1 for k in acct.episodes}, (
        "every breakage paged exactly once")
    open_ids = {str(r[0]) for r in _query(db, "SELECT id FROM findings WHERE status = 'open'")}
    assert f"{DELETED}:{acct.deleted}" in open_ids and acct.standing() <= open_ids
    duplicates = sum(1 for e in fake.events("trigger") if e.effect == "updated")
    print(f"crash safety: {KILLS} kills, {sms_episodes} heals, "
          f"{len(acct.episodes)} incidents, {duplicates} duplicate trigger deliveries")
