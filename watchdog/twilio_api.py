"""Twilio access: the only place that builds a ``twilio.rest.Client``.

Adds what the SDK lacks for a daemon: a timeout, retries of temporary failures (429, 5xx, network
errors: ``FetchReason.temporary``) with the bounded exponential ``Backoff`` that PagerDuty delivery
uses too (``Retry-After`` honoured when longer), a client-side pace per product, a count of every
request, and the base-URL override that sends ``https://<product>.twilio.com/<path>`` to
``<base>/<product>/<path>`` (the simulator, tests, air-gapped staging), next-page URLs included.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from watchdog import __version__
from watchdog.errors import Backoff, FetchReason, Verdict, retry_after
from watchdog.settings import Settings, TwilioSettings, require_credentials

log = logging.getLogger(__name__)
RequestListener = Callable[[str, str, str, float], None]


def verdict(status: int) -> Verdict:
    """After one Twilio answer: done, or retry a temporary failure (429, 5xx)."""
    if status < 400:
        return Verdict.DONE
    return Verdict.RETRY if FetchReason.of_status(status).temporary else Verdict.DROP


def product_of(url: str) -> str:
    """``https://flex-api.twilio.com/v1/...`` -> ``flex-api``; anything else -> its first label."""
    host = urlsplit(url).hostname or ""
    return host.split(".", 1)[0] if host.endswith("twilio.com") else "other"


def rewrite_url(url: str, base_url: str | None) -> str:
    """Map a Twilio URL onto ``<base>/<product>/<path>``; URLs already on the base pass through."""
    if not base_url:
        return url
    base = urlsplit(base_url.rstrip("/"))
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith("twilio.com"):
        return url
    path = f"{base.path}/{product_of(url)}{parts.path}"
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


@dataclass
class RequestStats:
    """Counts of every request made, by (product, method, code); listeners see each one."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    listeners: list[RequestListener] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, product: str, method: str, code: str, seconds: float) -> None:
        with self._lock:
            self.counts[(product, method, code)] += 1
        for listener in self.listeners:
            listener(product, method, code, seconds)

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())


class Pacer:
    """At most ``rate`` requests a second per product (a simple spacing limiter)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 1.0 / rate
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def wait(self, product: str) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(product, now))
            self._next[product] = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


class WatchdogHttpClient(TwilioHttpClient):
    """TwilioHttpClient with base-URL override, pacing, retries and request accounting."""

    def __init__(self, config: TwilioSettings, base_url: str | None, stats: RequestStats,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        quiet = logging.getLogger("watchdog.twilio_sdk")
        quiet.setLevel(logging.WARNING)  # the SDK logs every request at INFO, headers included
        super().__init__(timeout=config.timeout_seconds, logger=quiet)
        self.config, self.base_url, self.stats, self.sleep = config, base_url, stats, sleep
        self.pacer = Pacer(config.requests_per_second, sleep=sleep)
        self.backoff = Backoff(config.backoff_base_seconds, config.backoff_max_seconds)
        self._last = threading.local()

    def last_response(self) -> tuple[str, str] | None:
        """(URL, body) of the last request this thread made: fetchers reuse unchanged pages."""
        return getattr(self._last, "response", None)

    def request(self, method: str, url: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        product, target = product_of(url), rewrite_url(url, self.base_url)
        self._last.response = None
        attempts = self.config.max_attempts
        for attempt in range(1, attempts + 1):
            self.pacer.wait(product)
            started = time.monotonic()
            try:
                response = super().request(method, target, params=params, data=data,
                                           headers=headers, auth=auth, timeout=timeout,
                                           allow_redirects=allow_redirects)
            except requests.RequestException as exc:
                self.stats.record(product, method, _network_code(exc), time.monotonic() - started)
                if attempt == attempts:
                    raise
                self._back_off(attempt, None, f"{method} {product}: {type(exc).__name__}")
                continue
            status = response.status_code
            self._last.response = (url, response.text) if status == 200 else None
            self.stats.record(product, method, str(status), time.monotonic() - started)
            log.debug("twilio %s %s -> %s", method, urlsplit(target).path, status)
            if verdict(status) is not Verdict.RETRY or attempt == attempts:
                return response
            self._back_off(attempt, retry_after((response.headers or {}).get("Retry-After")),
                           f"{method} {product}: HTTP {status}")
        raise AssertionError("unreachable")

    def _back_off(self, attempt: int, asked: float | None, what: str) -> None:
        delay = self.backoff.delay(attempt, asked)
        log.info("%s: attempt #%d/%d failed, will retry in %.1fs",
                 what, attempt, self.config.max_attempts, delay)
        self.sleep(delay)


def _network_code(exc: requests.RequestException) -> str:
    return "timeout" if isinstance(exc, requests.Timeout) else "connection_error"


@dataclass
class TwilioAccess:
    """A ready client plus what it counted."""

    client: Client
    account_sid: str
    stats: RequestStats
    http: WatchdogHttpClient


def connect(settings: Settings, stats: RequestStats | None = None,
            sleep: Callable[[float], None] = time.sleep) -> TwilioAccess:
    """Build the client from explicit credentials; stray TWILIO_REGION/EDGE cannot redirect it."""
    require_credentials(settings)
    assert settings.account_sid is not None
    stats = stats or RequestStats()
    http = WatchdogHttpClient(settings.twilio, settings.twilio_base_url, stats, sleep=sleep)
    if settings.api_key and settings.api_secret:
        username, password = settings.api_key, settings.api_secret.get_secret_value()
    else:
        assert settings.auth_token is not None
        username, password = settings.account_sid, settings.auth_token.get_secret_value()
    # An empty mapping is falsy and the SDK would fall back to os.environ: pass a non-empty one
    # without TWILIO_REGION/TWILIO_EDGE, and pin both to None for good measure.
    client = Client(username, password, account_sid=settings.account_sid, http_client=http,
                    environment={"FLEX_WATCHDOG": "1"},
                    user_agent_extensions=[f"flex-watchdog/{__version__}"])
    client.edge = client.region = None
    return TwilioAccess(client=client, account_sid=settings.account_sid, stats=stats, http=http)
