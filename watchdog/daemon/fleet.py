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
import threading
from collections.abc import Callable
from datetime import datetime

from watchdog.accounts import Account, discover, in_shard, inactive
from watchdog.daemon.http import HttpServer
from watchdog.daemon.service import Daemon, run_until_signal
from watchdog.model.times import utcnow
from watchdog.settings import Settings
from watchdog.telemetry.metrics import Families
from watchdog.telemetry.redact import remember

log = logging.getLogger(__name__)


class Fleet:
    """The accounts' daemons, started and stopped together; the probes and /metrics of all."""

    def __init__(self, settings: Settings, members: list[tuple[Account, Daemon]],
                 families: Families, build: Callable[[Account], Daemon],
                 clock: Callable[[], datetime] = utcnow, shard: tuple[int, int] = (0, 1)) -> None:
        self.settings, self.families, self.build, self.clock = settings, families, build, clock
        self.shard = shard  # (this replica's index, replicas): it watches its accounts only
        self.registry = families.registry
        self.members = list(members)
        self.discovered: set[str] = set()  # SIDs that came from the Accounts list
        self.running = False
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._discovery: threading.Thread | None = None
        self.http = HttpServer(settings.http.host, settings.http.port, self.registry,
                               self.healthz, self.readyz, None)

    @property
    def daemons(self) -> dict[str, Daemon]:
        with self._lock:
            return {account.name: daemon for account, daemon in self.members}

    def add(self, accounts: list[Account], found: bool = False) -> None:
        """Build (and, once running, start) a daemon for each account of this shard."""
        index, count = self.shard
        for account in in_shard(accounts, index, count):
            if not account.state_path.exists():
                log.warning("account %s: no state file %s on this replica (a first run, or an "
                            "account moved here from another shard): its first poll adopts a "
                            "fresh baseline", account.name, account.state_path)
            self.families.shard_accounts.labels(account.name, str(index)).set(1)
            daemon = self.build(account)
            if self.running:
                daemon.start()
            with self._lock:
                self.members.append((account, daemon))
                if found:
                    self.discovered.add(account.sid)

    def remove(self, sids: set[str]) -> list[Account]:
        with self._lock:
            gone = [(a, d) for a, d in self.members if a.sid in sids]
            self.members = [(a, d) for a, d in self.members if a.sid not in sids]
            self.discovered -= sids
        for account, daemon in gone:
            daemon.stop()
            try:
                self.families.shard_accounts.remove(account.name, str(self.shard[0]))
            except KeyError:
                pass
        return [a for a, _ in gone]

    # -- subaccounts -----------------------------------------------------------------------------
    def discover(self, first: bool = False) -> None:
        """Find the parent's subaccounts again: start the new ones, stop the ones gone. An
        Accounts list that cannot be read changes nothing (no account disappears on a failed
        read); each change is logged and counted in flex_watchdog_fleet_account_changes_total."""
        with self._lock:
            configured = [a for a, _ in self.members if a.sid not in self.discovered]
            watched = {a.sid for a, _ in self.members if a.sid in self.discovered}
        found = discover(self.settings, taken=configured)
        if not found.complete:
            log.warning("subaccounts: %s; the fleet stays as it is", found.error)
            return
        for account in found.accounts:
            remember(account.settings)  # its auth token: masked wherever it could show
        skipped = found.skipped + (inactive(self.settings) if first else [])
        if first:
            for item in skipped:
                log.info("subaccount %s (%s) skipped: %s", item.sid, item.friendly_name,
                         item.reason)
        new = [a for a in found.accounts if a.sid not in watched]
        gone = watched - {a.sid for a in found.accounts}
        self.add(new, found=True)
        for account in new:
            if not first:
                log.info("subaccount %s (%s) appeared: watching it as %s", account.sid,
                         account.labels.get("friendly_name", ""), account.name)
                self.families.fleet_changes.labels(account.name, "appeared").inc()
        for account in self.remove(gone):
            log.info("subaccount %s (%s) disappeared (no longer active with Flex): stopped "
                     "watching it", account.sid, account.name)
            self.families.fleet_changes.labels(account.name, "disappeared").inc()

    def _rediscover(self) -> None:
        assert self.settings.subaccounts is not None
        interval = self.settings.subaccounts.interval_seconds
        while not self._stopping.wait(interval):
            try:
                self.discover()
            except Exception:  # contained: the fleet keeps watching what it has
                log.exception("subaccounts: discovery failed; the fleet stays as it is")

    # -- probes ----------------------------------------------------------------------------------
    def not_ready(self) -> list[str]:
        """Accounts that have not completed (or at least attempted) one full poll yet."""
        return [name for name, daemon in self.daemons.items() if not daemon.readyz()[0]]

    def readyz(self) -> tuple[bool, str]:
        waiting = self.not_ready()
        names = ", ".join(self.daemons)
        index, count = self.shard
        shard = f"; shard {index} of {count} watches: {names or 'no account'}" if count > 1 else ""
        if waiting:
            return False, (f"waiting for the first full poll of {len(waiting)} of "
                           f"{len(self.members)} account(s): {', '.join(waiting)}{shard}")
        return True, f"ok: every account completed one full poll ({names}){shard}"

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
            for _, daemon in list(self.members):
                started.append(daemon.start())
            self.running = True
            self.http.start()
        except BaseException:  # e.g. another daemon owns a state file: stop what started
            for daemon in started:
                daemon.stop()
            raise
        if self.settings.subaccounts is not None:
            self._discovery = threading.Thread(target=self._rediscover, daemon=True,
                                               name="subaccount-discovery")
            self._discovery.start()
        return self

    def stop(self) -> bool:
        """Stop every account's daemon (their stops run side by side, each within its own
        ``shutdown_timeout_seconds``); False when one abandoned a running poll."""
        self._stopping.set()
        self.running = False
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
        return run_until_signal(self.start, self.stop)
