"""Many accounts in one process: one ``Daemon`` per account behind one HTTP port.

Each account keeps everything that can fail apart from the others: its own state file, Twilio
client (and so its own pace: Twilio's limits are per account), scheduler with its own worker
threads, jobs, and Monitor and Debugger cursors. An account whose requests fail, hang or get 429
forever keeps only its own workers busy. The probes read every account: ``/readyz`` is ready
once each has completed one full poll (its body names those that have not), ``/healthz`` fails
only for what stops the whole process (a scheduler that died, no account finishing any poll).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

import sentry_sdk
from prometheus_client import CollectorRegistry

from watchdog.accounts import Account
from watchdog.daemon.http import HttpServer
from watchdog.daemon.service import Daemon
from watchdog.model.times import utcnow
from watchdog.settings import Settings

log = logging.getLogger(__name__)


class Fleet:
    """The accounts' daemons, started and stopped together; the probes and /metrics of all."""

    def __init__(self, settings: Settings, members: list[tuple[Account, Daemon]],
                 registry: CollectorRegistry, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings, self.members, self.registry, self.clock = settings, members, registry, clock
        self.http = HttpServer(settings.http.host, settings.http.port, registry, self.healthz,
                               self.readyz, None)

    @property
    def daemons(self) -> dict[str, Daemon]:
        return {account.name: daemon for account, daemon in self.members}

    # -- probes ----------------------------------------------------------------------------------
    def not_ready(self) -> list[str]:
        """Accounts that have not completed (or at least attempted) one full poll yet."""
        return [name for name, daemon in self.daemons.items() if not daemon.readyz()[0]]

    def readyz(self) -> tuple[bool, str]:
        waiting = self.not_ready()
        names = ", ".join(self.daemons)
        if waiting:
            return False, (f"waiting for the first full poll of {len(waiting)} of "
                           f"{len(self.members)} account(s): {', '.join(waiting)}")
        return True, f"ok: every account completed one full poll ({names})"

    def healthz(self) -> tuple[bool, str]:
        """One account failing (bad credentials, Twilio down, slow) is not the process failing:
        each account's poll ends, failed or not; only a dead scheduler, or no account finishing
        any poll within the limit, is."""
        states = {name: daemon.healthz() for name, daemon in self.daemons.items()}
        dead = [name for name, (ok, text) in states.items()
                if not ok and text == "scheduler not running"]
        if dead:
            return False, f"scheduler not running for account(s): {', '.join(dead)}"
        if not any(ok for ok, _ in states.values()):
            return False, "no account finished a poll in time: " + "; ".join(
                f"{name}: {text}" for name, (_, text) in states.items())
        late = [name for name, (ok, _) in states.items() if not ok]
        return True, "ok" + (f"; late: {', '.join(late)}" if late else "")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Fleet:
        log.info("watching %d account(s): %s", len(self.members),
                 ", ".join(f"{a.name} ({a.sid})" for a, _ in self.members))
        started: list[Daemon] = []
        try:
            for _, daemon in self.members:
                started.append(daemon.start())
            self.http.start()
        except BaseException:  # e.g. another daemon owns a state file: stop what started
            for daemon in started:
                daemon.stop()
            raise
        return self

    def stop(self) -> bool:
        """Stop every account's daemon (their stops run side by side, each within its own
        ``shutdown_timeout_seconds``); False when one abandoned a running poll."""
        results: dict[str, bool] = {}

        def stop_one(name: str, daemon: Daemon) -> None:
            results[name] = daemon.stop()

        threads = [threading.Thread(target=stop_one, args=(name, daemon), daemon=True)
                   for name, daemon in self.daemons.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.settings.shutdown_timeout_seconds + 5)
        self.http.stop()
        return all(results.get(name, False) for name in self.daemons)

    def run_until_signal(self) -> int:
        """Run until SIGTERM/SIGINT; a second signal exits at once."""
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if stop.is_set():
                os._exit(128 + signum)
            log.info("received %s", signal.Signals(signum).name)
            stop.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            stop.wait()
            finished = self.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        sentry_sdk.flush(timeout=2)
        if not finished:
            logging.shutdown()
            os._exit(0)  # an abandoned poll's thread would otherwise be joined at exit
        return 0
