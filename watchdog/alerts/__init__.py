"""Alerting: PagerDuty incidents for findings (direct, Events API v2) through a persistent outbox.

``build_sink(settings, store, metrics)`` returns the PagerDuty sink, or None when paging is off.
Attach ``sink.on_cycle`` to ``Watcher.listeners``, schedule ``sink.send_pending(now)``, and call
``sink.change_event(...)`` for every heal applied. See docs/alerting.md.
"""

from watchdog.alerts.pagerduty import DeliveryReport, PagerDutySink, build_sink
from watchdog.alerts.sink import AlertSink

__all__ = ["AlertSink", "DeliveryReport", "PagerDutySink", "build_sink"]
