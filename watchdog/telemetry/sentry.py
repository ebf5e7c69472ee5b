"""Sentry: initialised only when ``FLEX_WATCHDOG_SENTRY__DSN`` is set, and never sent a secret.

Sentry's default scrubber matches exact key names and misses ``auth_token``, ``api_secret``,
``routing_key`` and ``dsn``, and never looks inside values. ``before_send`` and
``before_breadcrumb`` therefore pass the whole event through the one redactor
(``telemetry.redact``): messages, exception values, local variables, breadcrumbs, headers.
Sentry's scrubber stays on with its own default list (it writes ``[Filtered]``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

import sentry_sdk
from sentry_sdk.crons import capture_checkin
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from watchdog import __version__
from watchdog.settings import Settings
from watchdog.telemetry.redact import Redactor

log = logging.getLogger(__name__)
JOBS_LOGGER = "watchdog.jobs"  # job failures are captured explicitly, with tags


def sentry_options(settings: Settings) -> dict[str, Any]:
    """``sentry_sdk.init`` keyword arguments (without the DSN), also used by tests."""
    redact = Redactor.for_settings(settings)

    def before_send(event: Any, hint: Any) -> Any:
        return redact(event)

    def before_breadcrumb(crumb: Any, hint: Any) -> Any:
        return redact(crumb)

    return {
        "release": __version__,
        "environment": settings.sentry.environment,
        "before_send": before_send,
        "before_breadcrumb": before_breadcrumb,
        "event_scrubber": EventScrubber(denylist=list(DEFAULT_DENYLIST), recursive=True),
        "integrations": [LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        "traces_sample_rate": 0.0,
    }


def init_sentry(settings: Settings, **extra: Any) -> bool:
    """Initialise the SDK when a DSN is configured; returns whether it was."""
    if settings.sentry.dsn is None or not settings.sentry.dsn.get_secret_value():
        return False
    ignore_logger(JOBS_LOGGER)
    sentry_sdk.init(dsn=settings.sentry.dsn.get_secret_value(),
                    **{**sentry_options(settings), **extra})
    log.info("Sentry enabled (environment %s)", settings.sentry.environment)
    return True


def capture_job_error(exc: BaseException, job: str, families: Iterable[str],
                      account_sid: str) -> None:
    """An unexpected job exception, tagged with the job, the family and the account."""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("job", job)
        scope.set_tag("family", ",".join(families) or "none")
        scope.set_tag("account", account_sid)
        sentry_sdk.capture_exception(exc)


def check_in(settings: Settings, smallest_interval: float, status: str = "ok") -> None:
    """A Sentry Crons heartbeat, so a daemon that stops finishing cycles is noticed."""
    slug = settings.sentry.cron_monitor_slug
    client = sentry_sdk.get_client()
    if not slug or not client.is_active() or client.transport is None:
        return
    minutes = max(1, math.ceil(smallest_interval / 60))
    config = {"schedule": {"type": "interval", "value": minutes, "unit": "minute"},
              "checkin_margin": minutes * 2, "max_runtime": minutes * 5}
    capture_checkin(monitor_slug=slug, status=status, monitor_config=config)  # type: ignore[arg-type]
