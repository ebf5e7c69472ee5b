"""``silence``, ``maintenance`` and ``baseline accept`` are ordinary operations while the daemon
runs: they write one short transaction next to it, say so, and the daemon applies them on its
next poll without losing anything of its own (its open findings, observations and cursors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sim_settings
from tests.controls.test_silence_cli import cli_env, run  # noqa: F401 (fixture)
from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, run_job
from watchdog.daemon.app import build_daemon, build_watcher
from watchdog.daemon.service import Daemon
from watchdog.model.times import utcnow
from watchdog.simulator import SimulatorServer
from watchdog.store import store as store_module

MESSAGE = "numbers.message-webhook-overwritten"
NOTE = "A running flex-watchdog owns the state file: it applies this from its next poll."


@pytest.fixture
def daemon(sim: SimulatorServer, cli_env: Path) -> Daemon:  # noqa: F811
    settings = sim_settings(sim, cli_env / "state.db", schedule=QUIET_SCHEDULE, http=LOCAL_HTTP)
    built = build_daemon(settings, build_watcher(settings))
    run_job(built, "initial")
    built.owner.acquire()  # what start() does: the daemon owns the state file now
    yield built
    built.owner.release()
    built.watcher.store.close()


def test_silence_maintenance_and_accept_beside_the_daemon(sim, daemon, capsys):
    store, world = daemon.watcher.store, sim.world
    sid = world.legacy_numbers[0]
    world.set_number(sid, sms_url="https://example.com/sms")
    run_job(daemon, "numbers")
    finding = f"{MESSAGE}:{sid}"
    observations = store.open_findings()[finding].observations

    code, out, err = run(capsys, "silence", "add", "--rule", MESSAGE, "--resource", sid,
                         "--for", "4h", "--reason", "number migration", "--by", "alice")
    assert code == 0, err
    assert NOTE in out
    run_job(daemon, "numbers")
    seen = store.open_findings()[finding]
    assert seen.details["silence"]["by"] == "alice", "the daemon applies it on its next poll"
    assert seen.observations == observations + 1, "the daemon's own counting goes on"

    code, out, err = run(capsys, "maintenance", "start", "--for", "1h", "--reason", "cutover")
    assert code == 0, err
    assert NOTE in out
    assert [w.reason.split(" (")[0] for w in daemon.watcher.controls.at(utcnow()).windows] \
        == ["cutover"]

    world.set_number(world.legacy_numbers[1], friendly_name="Front desk")  # drift, not broken
    code, out, err = run(capsys, "baseline", "accept", "--yes", "--family", "numbers")
    assert code == 0, err
    assert NOTE in out
    baseline = store.baseline(daemon.watcher.account_sid)
    assert baseline is not None
    assert baseline.get("phone_number", world.legacy_numbers[1]).get("friendly_name") \
        == "Front desk", "the daemon's store sees the accepted baseline at once"
    assert finding in store.open_findings(), "accept keeps the broken value out"


def test_a_write_that_waits_too_long_for_the_daemon_says_who_holds_it(
        sim, daemon, capsys, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_SECONDS", 0)  # the CLI's store gives up at once
    with daemon.watcher.store.transaction():  # the daemon is in the middle of a cycle
        code, out, err = run(capsys, "silence", "add", "--rule", MESSAGE, "--for", "1h",
                             "--reason", "x")
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert "busy: the running flex-watchdog (pid " in line and "try again" in line
    assert "Traceback" not in err
