"""One process owns the state file: the daemon, by a lock on ``<state>.lock``. ``check`` and
``heal --plan`` next to it only look: they record nothing, count no observation towards paging
and leave the "finding opened" lines to the daemon."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_check import _run
from tests.conftest import sim_settings
from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, run_job
from watchdog.daemon.app import build_daemon, build_watcher
from watchdog.errors import StateError
from watchdog.store.lock import owned

MESSAGE = "numbers.message-webhook-overwritten"
HIJACK = "https://example.com/hijack"


def _daemon(sim, state):
    settings = sim_settings(sim, state, schedule=QUIET_SCHEDULE, http=LOCAL_HTTP)
    return build_daemon(settings, build_watcher(settings))


@pytest.mark.slow
def test_check_and_heal_plan_beside_the_daemon_record_nothing(sim, world, tmp_path):
    state = tmp_path / "cli.db"  # the state file the command line uses too
    daemon = _daemon(sim, state)
    store = daemon.watcher.store
    run_job(daemon, "initial")
    first, second = world.flex_numbers[:2]
    world.set_number(first, sms_url=HIJACK)
    run_job(daemon, "numbers")
    before = store.open_findings()
    assert f"{MESSAGE}:{first}" in before
    daemon.owner.acquire()  # what start() does: the daemon owns the state file now
    world.set_number(second, sms_url=HIJACK)
    try:
        for args in (["check", "--format", "json"], ["heal", "--plan"]):
            proc = _run(args, sim, tmp_path)
            assert proc.returncode in (0, 1), proc.stderr
            assert "finding opened" not in proc.stderr, "the daemon's line, not the command's"
            assert store.open_findings() == before, f"{args[0]} next to the daemon recorded"
        shown = json.loads(_run(["check", "--format", "json"], sim, tmp_path).stdout)
        assert {f"{MESSAGE}:{first}", f"{MESSAGE}:{second}"} <= {f["id"] for f in shown["findings"]}
        assert shown["stale"] == []
    finally:
        daemon.owner.release()
    alone = _run(["check"], sim, tmp_path)  # no daemon: check records, as it always has
    assert "finding opened" in alone.stderr
    assert store.open_findings()[f"{MESSAGE}:{first}"].observations == \
        before[f"{MESSAGE}:{first}"].observations + 1


def test_the_running_daemon_holds_the_lock_and_a_second_one_is_refused(sim, tmp_path):
    state = tmp_path / "state.db"
    daemon = _daemon(sim, state)
    assert not owned(state)
    daemon.start()
    try:
        assert owned(state) and state.with_name("state.db.lock").is_file()
        with pytest.raises(StateError, match="another flex-watchdog run owns"):
            _daemon(sim, state).owner.acquire()
    finally:
        assert daemon.stop()
    assert not owned(state), "the lock goes with the daemon"


@pytest.mark.slow
def test_the_lock_dies_with_a_killed_daemon(sim, world, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    state = tmp_path / "state.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    env |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
            "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_STATE_PATH": str(state),
            "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
            "FLEX_WATCHDOG_HTTP__PORT": "0", "FLEX_WATCHDOG_HTTP__HOST": "127.0.0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "watchdog", "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60  # a real process: its start-up takes wall time
        while not owned(state) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert owned(state), "the running daemon owns its state file"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert not owned(state), "kill -9 leaves no stale owner"
