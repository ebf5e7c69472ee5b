"""The official ``pagerduty`` client, configured for an outbox, and one delivery attempt.

By default ``EventsApiV2Client`` retries 429 without limit and sleeps between retries
(``time.sleep``, 1.5 s doubling). Here every attempt is exactly one HTTP request that never
sleeps: the outbox decides when to try again, so a PagerDuty outage never holds a thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pagerduty

from watchdog.errors import ConfigError, Verdict, retry_after
from watchdog.settings import PagerDutySettings
from watchdog.telemetry.redact import Redactor

# The client logs "exceeded maximum number of attempts" at ERROR for every 429 we hand back to
# the outbox; the outbox does its own (redacted) logging, so keep the client's quiet.
_CLIENT_LOG = logging.getLogger("watchdog.alerts.pagerduty_client")
_CLIENT_LOG.setLevel(logging.CRITICAL)

#: PagerDuty rejected the event itself: retrying cannot help (it is dropped with an error log).
REJECTED = frozenset({400, 401, 403, 413, 422})


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reason: str  # bounded: ok, rate_limited, server_error, http_<status>, invalid, network, other
    detail: str = ""
    retry_after: float | None = None


def check_base_url(settings: PagerDutySettings) -> None:
    """The client refuses anything but https://: say so as a config error, at start-up."""
    if not settings.base_url.startswith("https://"):
        raise ConfigError("config: pagerduty.base_url: must be an https:// URL "
                          "(FLEX_WATCHDOG_PAGERDUTY__BASE_URL)")


def make_client(routing_key: str, settings: PagerDutySettings) -> pagerduty.EventsApiV2Client:
    """One HTTP request per call, no sleeping, a timeout; SSL_CERT_FILE is honoured (httpx)."""
    client = pagerduty.EventsApiV2Client(routing_key, base_url=settings.base_url)
    # A positive count makes 429 a bounded retry; an attempt budget of -1 means that budget is
    # already spent, so the client hands back the first 429/5xx response instead of sleeping.
    client.retry = {429: 1}
    client.max_http_attempts = -1
    client.max_network_attempts = 0  # a network error raises at once, without sleeping
    client.timeout = settings.timeout_seconds  # type: ignore[assignment]  # httpx takes floats
    client.log = _CLIENT_LOG
    return client


def deliver(client: pagerduty.EventsApiV2Client, action: str, event: dict[str, Any],
            redact: Redactor) -> Outcome:
    """Send one stored event (trigger, resolve or change) and say what to do with it.

    The outcome's detail (PagerDuty's answer, or the network error) is redacted before it is cut
    short, so no part of a secret that a proxy or error page echoes survives.
    """
    try:
        if action == "change":
            client.send_change_event(payload=event["payload"], links=event.get("links"))
        else:
            properties = {k: v for k, v in event.items() if k not in ("event_action", "dedup_key")}
            client.send_event(action, dedup_key=event.get("dedup_key"), **properties)
    except pagerduty.Error as exc:
        return classify(exc, redact)
    except Exception as exc:  # httpx errors outside TransportError, bugs: keep the event
        return Outcome(Verdict.RETRY, "other", type(exc).__name__)
    return Outcome(Verdict.DONE, "ok")


def classify(exc: pagerduty.Error, redact: Redactor) -> Outcome:
    response = exc.response
    if response is None:
        cause = exc.__cause__
        text = redact.text(f"{type(cause).__name__}: {cause}")[:500] if cause else "no response"
        return Outcome(Verdict.RETRY, "network", f"network error ({text})")
    status = response.status_code
    body = redact.text(" ".join(response.text.split()))[:200]
    detail = f"HTTP {status}: {body}" if body else f"HTTP {status}"
    if response.is_success:  # accepted, but the body was not what the client expected
        return Outcome(Verdict.DONE, "ok", detail)
    if status in REJECTED:
        return Outcome(Verdict.DROP, "invalid", detail)
    asked = retry_after(response.headers.get("Retry-After"))
    if status == 429:
        return Outcome(Verdict.RETRY, "rate_limited", detail, asked)
    if status >= 500:
        return Outcome(Verdict.RETRY, "server_error", detail, asked)
    return Outcome(Verdict.RETRY, f"http_{status}", detail)
