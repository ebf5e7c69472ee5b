"""A valid state file in a read-only directory: writing commands say so in one line, read-only
commands (`heal history`, `baseline diff`) open it read-only and work. The directory is made
read-only with a private read-only bind mount (root ignores file modes); skipped where the
machine does not allow one."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from watchdog.simulator import SimulatorServer


def cli(args: list[str], sim: SimulatorServer, state: Path, read_only_dir: Path | None = None,
        ) -> subprocess.CompletedProcess[str]:
    world = sim.world
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    env |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
            "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_STATE_PATH": str(state),
            "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
            "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1"}
    command = [sys.executable, "-m", "watchdog", *args]
    if read_only_dir is not None:
        d = shlex.quote(str(read_only_dir))
        script = (f"mount --bind {d} {d} && mount -o remount,bind,ro {d} && exec "
                  + " ".join(shlex.quote(c) for c in command))
        command = ["unshare", "-m", "sh", "-c", script]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def state(sim: SimulatorServer, tmp_path: Path) -> Path:
    """A valid state file (one complete check) in its own directory."""
    path = tmp_path / "state" / "flex-watchdog.db"
    path.parent.mkdir()
    assert cli(["check"], sim, path).returncode == 0
    probe = cli(["config", "show"], sim, path, read_only_dir=path.parent)
    if shutil.which("unshare") is None or probe.returncode != 0:
        pytest.skip(f"no private read-only bind mount here: {probe.stderr.strip()[:200]}")
    return path


@pytest.mark.slow
def test_writing_commands_say_the_directory_is_read_only(sim, state):
    for args in (["check"], ["heal", "--plan"], ["run"]):
        proc = cli(args, sim, state, read_only_dir=state.parent)
        assert proc.returncode == 2, (args, proc.stderr)
        line = proc.stderr.strip()
        assert line == (f"state: cannot open {state} for writing: directory is read-only "
                        "(FLEX_WATCHDOG_STATE_PATH must be on a writable volume)"), line
        assert "not a flex-watchdog state file" not in line


@pytest.mark.slow
def test_read_only_commands_open_it_read_only(sim, state):
    history = cli(["heal", "history"], sim, state, read_only_dir=state.parent)
    assert history.returncode == 0, history.stderr
    assert history.stdout.strip() == "No heal recorded."
    sim.world.delete(sim.world.task_channels["video"])
    diff = cli(["baseline", "diff"], sim, state, read_only_dir=state.parent)
    assert diff.returncode == 1, diff.stderr
    assert f"- taskrouter_task_channel {sim.world.task_channels['video']}" in diff.stdout


@pytest.mark.slow
def test_read_only_commands_leave_the_file_untouched(sim, state):
    before = state.read_bytes()
    assert cli(["heal", "history"], sim, state).returncode == 0
    assert cli(["baseline", "diff"], sim, state).returncode == 0
    wal = state.with_name(state.name + "-wal")
    assert state.read_bytes() == before
    assert not wal.exists() or wal.stat().st_size == 0, "opened read-only: nothing written"
