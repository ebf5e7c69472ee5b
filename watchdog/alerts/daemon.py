"""Wiring for ``flex-watchdog run``: ``attach(watcher, settings, metrics)`` (see commands/run.py).

The daemon then schedules ``sink.send_pending(now)`` every ``pagerduty.send_interval_seconds``
(``attached_sink(watcher)`` finds the sink again), and healing passes ``sink.change_event`` as
its change callback.
"""

from __future__ import annotations

import logging

from watchdog.alerts.pagerduty import PagerDutySink, build_sink
from watchdog.cycle import Watcher
from watchdog.settings import Settings
from watchdog.telemetry.metrics import Metrics

log = logging.getLogger(__name__)


def attach(watcher: Watcher, settings: Settings, metrics: Metrics) -> PagerDutySink | None:
    """Add the PagerDuty sink as a cycle listener; None (and a log line) when paging is off."""
    sink = build_sink(settings, watcher.store, metrics)
    if sink is None:
        log.info("paging is off: set FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY to page on findings")
        return None
    watcher.listeners.append(sink.on_cycle)
    queued = sink.outbox.count()
    log.info("paging through PagerDuty (%s); %d event(s) queued from before",
             settings.pagerduty.base_url, queued)
    return sink


def attached_sink(watcher: Watcher) -> PagerDutySink | None:
    """The sink ``attach`` added to this watcher, if any."""
    for listener in watcher.listeners:
        owner = getattr(listener, "__self__", None)
        if isinstance(owner, PagerDutySink):
            return owner
    return None
