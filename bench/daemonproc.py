"""``flex-watchdog run`` as a subprocess against a ``SimProcess``: its log lines as they come (with
the moment each arrived), its peak RSS, and a clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.simproc import SimProcess
from watchdog.settings import ScheduleSettings

READY = "first complete snapshot loaded"


def scaled_schedule(scale: float) -> dict[str, str]:
    """The shipped intervals (``ScheduleSettings``' defaults: numbers 60 s, Monitor Events 5 s,
    ...) times ``scale``."""
    shipped = ScheduleSettings()
    names = ("numbers_seconds", "flex_flows_seconds", "services_seconds", "taskrouter_seconds",
             "studio_seconds", "jitter_seconds", "events_seconds", "alerts_seconds")
    return {f"FLEX_WATCHDOG_SCHEDULE__{name.upper()}": f"{getattr(shipped, name) * scale:g}"
            for name in names}


class DaemonProcess:
    """``with DaemonProcess(sim, env) as d: d.wait_for(...)``; ``d.lines`` is (arrival, text)."""

    def __init__(self, sim: SimProcess, extra_env: dict[str, str] | None = None) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-daemon-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
        env |= {"TWILIO_ACCOUNT_SID": sim.account_sid, "TWILIO_AUTH_TOKEN": sim.auth_token,
                "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
                "FLEX_WATCHDOG_STATE_PATH": str(self.workdir / "state.db"),
                "FLEX_WATCHDOG_HTTP__HOST": "127.0.0.1", "FLEX_WATCHDOG_HTTP__PORT": "0",
                "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000"}
        self.env = env | (extra_env or {})
        self.lines: list[tuple[float, str]] = []
        self._cond = threading.Condition()

    def __enter__(self) -> DaemonProcess:
        self.proc = subprocess.Popen([sys.executable, "-m", "watchdog", "run"], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float, after: int = 0) -> float:
        """The arrival time of the first line at index >= ``after`` matching ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for arrived, text in self.lines[after:]:
                    if regex.search(text):
                        return arrived
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    tail = "\n".join(t for _, t in self.lines[-20:])
                    raise TimeoutError(f"no log line matching {pattern!r}:\n{tail}")
                self._cond.wait(min(left, 0.5))

    def mark(self) -> int:
        with self._cond:
            return len(self.lines)

    def peak_rss_mb(self) -> float:
        """VmHWM: the resident set's high-water mark, from /proc."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return kb / 1024

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def peak_rss(sim: SimProcess, cycles: int = 3, scale: float = 0.05) -> tuple[float, float]:
    """Peak RSS (MB) of the daemon through its start-up poll and ``cycles`` numbers polls: on an
    empty state file, then once more restarted on the state file the first life left."""
    state = Path(tempfile.mkdtemp(prefix="bench-rss-")) / "state.db"
    env = scaled_schedule(scale) | {"FLEX_WATCHDOG_STATE_PATH": str(state)}
    peaks = []
    for _life in range(2):
        with DaemonProcess(sim, env) as daemon:
            daemon.wait_for(READY, timeout=300)
            time.sleep(60 * scale * cycles)  # scheduled polls log nothing when all is well
            if daemon.proc.poll() is not None:
                raise RuntimeError("the daemon exited:\n" + "\n".join(t for _, t in daemon.lines))
            peaks.append(daemon.peak_rss_mb())
    return peaks[0], peaks[1]
