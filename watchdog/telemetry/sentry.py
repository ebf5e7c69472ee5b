"""Sentry: initialised only when ``FLEX_WATCHDOG_SENTRY__DSN`` is set, and never sent a secret.

Sentry's default scrubber matches exact key names and misses ``auth_token``, ``api_secret``,
``routing_key`` and ``dsn`` (practice.md §7), and never looks inside values. ``before_send``
therefore redacts those keys *and* every configured secret value (plus the Basic-auth forms of
the Twilio credentials) anywhere in the event: messages, exception values, local variables,
breadcrumbs, headers.
"""

from __future__ import annotations

import base64
import logging
import math
import re
from collections.abc import Iterable
from typing import Any

import sentry_sdk
from sentry_sdk.crons import capture_checkin
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from watchdog import __version__
from watchdog.settings import Settings

log = logging.getLogger(__name__)
REDACTED = "[Filtered]"
SECRET_KEYS = ("auth_token", "api_secret", "routing_key", "dsn", "password", "authorization",
               "integration_key", "sentry_dsn", "api_key_secret")
JOBS_LOGGER = "watchdog.jobs"  # job failures are captured explicitly, with tags


def secret_variants(settings: Settings) -> list[str]:
    """Every secret value, plus ``base64(user:secret)`` as it appears in Basic auth headers."""
    values = settings.secret_values()
    users = [u for u in (settings.account_sid, settings.api_key) if u]
    for user in users:
        for secret in (settings.auth_token, settings.api_secret):
            if secret and secret.get_secret_value():
                pair = f"{user}:{secret.get_secret_value()}".encode()
                values.append(base64.b64encode(pair).decode())
    return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)


class Redactor:
    """Walks an event (any JSON-like value) replacing secret keys and secret values."""

    def __init__(self, secrets: Iterable[str], keys: Iterable[str] = SECRET_KEYS) -> None:
        found = [s for s in secrets if s]
        self.pattern = re.compile("|".join(re.escape(s) for s in found)) if found else None
        self.keys = {k.lower() for k in keys}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.pattern.sub(REDACTED, value) if self.pattern else value
        if isinstance(value, dict):
            return {k: REDACTED if self._secret_key(k) and v is not None else self(v)
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            items = [self._pair(v) for v in value]
            return items if isinstance(value, list) else tuple(items)
        return value

    def _pair(self, item: Any) -> Any:
        # Headers arrive as [name, value] pairs: redact by name too.
        if (isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str)
                and self._secret_key(item[0])):
            return [item[0], REDACTED]
        return self(item)

    def _secret_key(self, key: Any) -> bool:
        return isinstance(key, str) and key.lower().replace("-", "_") in self.keys


def sentry_options(settings: Settings) -> dict[str, Any]:
    """``sentry_sdk.init`` keyword arguments (without the DSN), also used by tests."""
    redact = Redactor(secret_variants(settings))

    def before_send(event: Any, hint: Any) -> Any:
        return redact(event)

    def before_breadcrumb(crumb: Any, hint: Any) -> Any:
        return redact(crumb)

    return {
        "release": __version__,
        "environment": settings.sentry.environment,
        "before_send": before_send,
        "before_breadcrumb": before_breadcrumb,
        "event_scrubber": EventScrubber(denylist=DEFAULT_DENYLIST + list(SECRET_KEYS),
                                        recursive=True),
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
