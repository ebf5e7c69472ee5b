"""Alerting: PagerDuty incidents for findings (direct, Events API v2) through a persistent outbox.

``build_sink(settings, store, metrics)`` returns the PagerDuty sink, or None when paging is off.
The composition root (``daemon/app.py``) attaches ``sink.on_cycle`` to ``Watcher.listeners``,
schedules ``sink.send_pending(now)`` and passes ``sink.change_event`` to the healer. See
docs/alerting.md.
"""

from watchdog.alerts.pagerduty import DeliveryReport, PagerDutySink, build_sink

__all__ = ["DeliveryReport", "PagerDutySink", "build_sink"]
