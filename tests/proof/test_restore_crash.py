"""Crash safety of ``restore --apply``: SIGKILL while a write is in flight, then run again.

The simulator holds one write (a "slow" fault) until the test has seen the step's ``writing``
row committed in the state file and killed the process; the write then lands. The next apply
settles that row by reading only, applies the rest, and no resource is written twice.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.restore.support import cli_env, load_plan, run, writes
from watchdog.simulator import Fault, SimulatorServer, healthy_legacy
from watchdog.simulator.records import flow_webhook_url

pytestmark = pytest.mark.slow
STUDIO_CREATE = ("POST", "studio", "/v2/Flows")
NUMBER_POST = ("POST", "api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json")


def _writing(state: Path) -> list[str]:
    try:
        with sqlite3.connect(state) as conn:
            rows = conn.execute("SELECT resource_sid FROM heals WHERE phase = 'writing'")
            return [str(r[0]) for r in rows]
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return []


@pytest.mark.parametrize("held", ["studio-create", "number-update"])
def test_sigkill_during_apply_is_settled_without_a_second_write(held, tmp_path, monkeypatch,
                                                                 capsys):
    world = healthy_legacy()
    with SimulatorServer(world) as sim:
        state = tmp_path / "state.db"
        cli_env(sim, state, monkeypatch)
        assert run(capsys, "baseline", "accept", "--yes")[0] == 0
        old = world.flows["Voice IVR"]
        world.delete(old)
        plan_file = tmp_path / "plan.json"
        assert run(capsys, "restore", "--plan", "--out", str(plan_file))[0] == 1
        steps = load_plan(plan_file)["steps"]
        target = old if held == "studio-create" else world.legacy_numbers[1]
        regex = "^/v2/Flows$" if held == "studio-create" else target
        product = "studio" if held == "studio-create" else "api"
        held_fault = Fault("slow", product=product, path_regex=regex, method="POST", times=1,
                           delay=3)
        sim.faults.add(held_fault)
        env = {k: v for k, v in os.environ.items()}
        env["FLEX_WATCHDOG_TWILIO__TIMEOUT_SECONDS"] = "30"
        proc = subprocess.Popen([sys.executable, "-m", "watchdog", "restore", "--apply",
                                 str(plan_file)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        # killed once the write is journalled and the request is in the simulator's hands
        while target not in _writing(state) or held_fault.hits < 1:
            assert proc.poll() is None and time.monotonic() < deadline, "never reached the write"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        template = STUDIO_CREATE if held == "studio-create" else NUMBER_POST
        served = sim.requests.by_template()[template]
        while sim.requests.by_template()[template] == served:  # the held write lands
            assert time.monotonic() < deadline + 30, "the held write never landed"
            time.sleep(0.05)
        before = writes(sim)

        code, out, _ = run(capsys, "restore", "--apply", str(plan_file))
        assert code == 0, out
        assert "Settled from an earlier run" in out and "verified after restart" in out
        counts = sim.requests.by_template()
        assert counts[STUDIO_CREATE] == 1  # the flow was created once
        assert counts[NUMBER_POST] == 3  # each number written once
        assert len(writes(sim)) == len(steps) and len(before) < len(steps) + 1
        with world.lock:
            created = [s for s, f in world.store.flows.items() if f["friendly_name"] == "Voice IVR"]
        assert len(created) == 1
        url = flow_webhook_url(world.account_sid, created[0])
        assert {world.number(pn)["voice_url"] for pn in world.legacy_numbers} == {url}
        assert _writing(state) == []
