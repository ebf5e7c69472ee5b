"""The composition root: the one place that wires the watcher and the daemon together.

``build_watcher(settings)`` is the watcher every command polls with: the state store, Twilio
access and the evidence the rules read beyond the snapshot (the tripped heal breakers, for
``heal.fight-detected``). ``build_daemon(settings)`` is what ``flex-watchdog run`` starts: that
watcher, metrics, the daemon's jobs, paging through PagerDuty (its outbox sent on its own job)
and the auto-healer, whose heals reach PagerDuty as change events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from watchdog.accounts import Account, shard_index
from watchdog.cycle import Watcher
from watchdog.healing.records import FIGHT_RULE, fight_evidence
from watchdog.model.times import utcnow
from watchdog.rules.registry import Rule
from watchdog.settings import Settings
from watchdog.store.store import StateStore
from watchdog.twilio_api import TwilioAccess, connect

if TYPE_CHECKING:  # the daemon's stack is imported by build_daemon only: a command that polls
    # once (check, baseline, heal --plan) never loads the scheduler, metrics or PagerDuty
    from watchdog.alerts.pagerduty import PagerDutySink
    from watchdog.daemon.fleet import Fleet
    from watchdog.daemon.service import Daemon
    from watchdog.healing.journal import ChangeCallback
    from watchdog.telemetry.metrics import Metrics

log = logging.getLogger(__name__)


def build_watcher(settings: Settings, store: StateStore | None = None,
                  access: TwilioAccess | None = None,
                  rules: Mapping[str, Rule] | None = None) -> Watcher:
    """The watcher for ``settings``: its state file and the account, opened unless given;
    ``rules`` is the rule registry it runs (the real one unless given)."""
    store = store or StateStore(settings.state_path)
    return Watcher(settings, store, access or connect(settings),
                   evidence={FIGHT_RULE: partial(fight_evidence, store)}, rules=rules)


def build_daemon(settings: Settings, watcher: Watcher | None = None, *,
                 clock: Callable[[], datetime] = utcnow, healing: bool = True,
                 on_heal: ChangeCallback | None = None, metrics: Metrics | None = None,
                 serve: bool = True) -> Daemon:
    """Metrics initialised, paging (when a routing key is set) and healing attached, ready to
    ``start()``. ``on_heal`` also sees each heal's change event (the demo prints them);
    ``metrics`` is the account's view of a fleet's registry and ``serve=False`` leaves the
    HTTP port to the fleet."""
    from watchdog.daemon.service import Daemon
    from watchdog.healing.auto import AutoHealer
    from watchdog.telemetry.metrics import Metrics

    watcher = watcher or build_watcher(settings)
    metrics = metrics or Metrics()
    metrics.initialise(settings, watcher.rules.values())
    daemon = Daemon(settings, watcher, metrics, clock, serve=serve)
    daemon.sink = _paging(daemon)
    if healing:
        callbacks = [c for c in (daemon.sink.change_event if daemon.sink else None, on_heal)
                     if c is not None]

        def changed(summary: str, details: dict[str, Any], links: list[dict[str, str]]) -> None:
            for callback in callbacks:
                callback(summary, details, links)

        watcher.listeners.append(AutoHealer(watcher, metrics=metrics,
                                            on_change=changed if callbacks else None))
    return daemon


def _paging(daemon: Daemon) -> PagerDutySink | None:
    """The PagerDuty sink as a cycle listener, its outbox sent every
    ``pagerduty.send_interval_seconds``; None (and a log line) when paging is off."""
    from watchdog.alerts.pagerduty import build_sink

    settings, watcher = daemon.settings, daemon.watcher
    sink = build_sink(settings, watcher.store, daemon.metrics, watcher.rules)
    whose = f"account {daemon.metrics.account}: " if daemon.http is None else ""  # a fleet's
    if sink is None:
        log.info("%spaging is off: set FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY to page on findings",
                 whose)
        return None
    watcher.listeners.append(sink.on_cycle)
    daemon.add_periodic("pagerduty", sink.send_pending, settings.pagerduty.send_interval_seconds)
    log.info("%spaging through PagerDuty (%s); %d event(s) queued from before",
             whose, settings.pagerduty.base_url, sink.outbox.count())
    return sink


def build_fleet(settings: Settings, accounts: list[Account], *,
                clock: Callable[[], datetime] = utcnow) -> Fleet:
    """One daemon per account (its own state file, Twilio client and pace, scheduler, jobs and
    Monitor and Debugger cursors) on one metrics registry, behind one HTTP port; with
    ``subaccounts`` set, the parent's subaccounts with Flex too, found again every
    ``subaccounts.interval_seconds``."""
    from prometheus_client import CollectorRegistry

    from watchdog.daemon.fleet import Fleet
    from watchdog.errors import ConfigError
    from watchdog.telemetry.metrics import Families, Metrics

    families = Families(CollectorRegistry())

    def member(account: Account) -> Daemon:
        if account.settings.events.webhook_enabled:
            raise ConfigError(f"config: events.webhook_enabled: account {account.name}: the "
                              "webhook serves a single account; a fleet uses Monitor Events")
        return build_daemon(account.settings, clock=clock, serve=False,
                            metrics=Metrics(account=account.name, families=families))

    index, count = shard_index(settings), settings.shard.count
    fleet = Fleet(settings, [], families, member, clock, shard=(index, count))
    fleet.add(accounts)
    if count > 1:
        log.info("shard %d of %d: watching %d of the %d configured account(s); an account new "
                 "to this shard starts with a fresh baseline", index, count,
                 len(fleet.members), len(accounts))
    if settings.subaccounts is not None:
        fleet.discover(first=True)
    return fleet
