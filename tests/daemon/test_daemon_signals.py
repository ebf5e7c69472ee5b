"""``flex-watchdog run`` as a process: SIGTERM shutdown within the bound, JSON logs, exit codes."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.daemon.support import http, wait_until
from watchdog.simulator import Fault

pytestmark = pytest.mark.slow


class Process:
    """A running ``python -m watchdog run`` with its stderr (JSON lines) read in a thread."""

    def __init__(self, popen: subprocess.Popen[str]) -> None:
        self.popen = popen
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.put(line)
        self.closed.set()

    def expect(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            found = re.search(pattern, json.loads(line)["message"])
            if found:
                return found
        raise AssertionError(f"no log line matching {pattern!r}; got:\n{''.join(self.seen)}")

    def rest(self) -> list[str]:
        """Every line, once the process has exited and its stderr is closed."""
        self.popen.wait(timeout=10)
        assert self.closed.wait(10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen


@contextmanager
def daemon_process(sim, tmp_path, **env: str) -> Iterator[Process]:
    world = sim.world
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_", "SENTRY_"))}
    full |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
             "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
             "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
             "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "run.db"),
             "FLEX_WATCHDOG_HTTP__HOST": "127.0.0.1", "FLEX_WATCHDOG_HTTP__PORT": "0",
             "FLEX_WATCHDOG_LOG__FORMAT": "json", "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
             "FLEX_WATCHDOG_TWILIO__TIMEOUT_SECONDS": "10"}
    full |= env
    popen = subprocess.Popen([sys.executable, "-m", "watchdog", "run"], env=full, text=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield Process(popen)
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.wait()


def test_sigterm_stops_gracefully_within_the_bound(sim, world, tmp_path):
    with daemon_process(sim, tmp_path, FLEX_WATCHDOG_SHUTDOWN_TIMEOUT_SECONDS="5") as proc:
        url = proc.expect(r"on (http://127\.0\.0\.1:\d+)")[1]
        proc.expect("first complete snapshot loaded: ready")
        assert http(f"{url}/readyz")[0] == 200
        assert "flex_watchdog_family_up" in http(f"{url}/metrics")[1]
        started = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(timeout=8) == 0
        assert time.monotonic() - started < 5
        lines = proc.rest()
    messages = [json.loads(line)["message"] for line in lines]
    assert "received SIGTERM" in messages and messages[-1] == "stopped"
    assert world.auth_token not in "".join(lines)


def test_sigterm_abandons_a_stuck_poll_and_still_exits_0(sim, tmp_path):
    stuck = sim.faults.add(Fault("slow", product="studio", delay=6, times=1))
    with daemon_process(sim, tmp_path, FLEX_WATCHDOG_SHUTDOWN_TIMEOUT_SECONDS="1") as proc:
        proc.expect("serving /metrics")
        assert wait_until(lambda: stuck.hits > 0)
        started = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(timeout=5) == 0
        assert time.monotonic() - started < 3
        assert any("abandoned" in line for line in proc.rest())


def test_a_second_signal_exits_at_once(sim, tmp_path):
    stuck = sim.faults.add(Fault("slow", product="studio", delay=6, times=1))
    with daemon_process(sim, tmp_path, FLEX_WATCHDOG_SHUTDOWN_TIMEOUT_SECONDS="30") as proc:
        proc.expect("serving /metrics")
        assert wait_until(lambda: stuck.hits > 0)
        proc.popen.send_signal(signal.SIGTERM)
        proc.expect("shutting down")
        started = time.monotonic()
        proc.popen.send_signal(signal.SIGINT)
        assert proc.popen.wait(timeout=3) == 128 + signal.SIGINT
        assert time.monotonic() - started < 2


def test_a_busy_port_is_one_line_and_exit_2(sim, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with daemon_process(sim, tmp_path, FLEX_WATCHDOG_HTTP__PORT=str(port)) as proc:
            assert proc.popen.wait(timeout=20) == 2
            lines = proc.rest()
    assert any(line.startswith(f"config: http.port: cannot listen on 127.0.0.1:{port}")
               for line in lines)
