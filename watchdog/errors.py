"""Error types and the retry vocabulary. The retry decision lives in the type, never in strings.

``FetchReason`` says why a family could not be read (its value is the ``reason`` label of
``flex_watchdog_poll_errors_total``, which dashboards and alerts rely on), ``Verdict`` what to do
after one attempt at Twilio or PagerDuty, and ``Backoff`` how long to wait before the next one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class WatchdogError(Exception):
    """Base class for every error flex-watchdog raises on purpose."""


class ConfigError(WatchdogError):
    """Bad configuration or usage: one line for the user, exit code 2."""


class StateError(WatchdogError):
    """The state file cannot be used (unreadable, foreign, another account): exit code 2."""


PERMISSION_MISSING = 70051  # Twilio's "Authorization Failed": the key lacks a permission


class FetchReason(StrEnum):
    """Why a family could not be fetched completely: a bounded set, so every series exists."""

    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    AUTH = "auth"
    BAD_RESPONSE = "bad_response"
    CLIENT_ERROR = "client_error"
    PAGINATION = "pagination"
    OTHER = "other"

    @property
    def temporary(self) -> bool:
        """Trying the same request again may succeed without anyone changing anything."""
        return self in _TEMPORARY

    @classmethod
    def of_status(cls, status: int, code: int | None = None) -> FetchReason:
        """The reason for an HTTP error answer from Twilio (``code`` is Twilio's error code).
        A permission the key lacks (403, or 70051 from a restricted API key) is an answer about
        one product, not rejected credentials: the other families are still read."""
        if status == 403 or code == PERMISSION_MISSING:
            return cls.CLIENT_ERROR
        if status == 401 or code == 20003:
            return cls.AUTH
        if status == 429:
            return cls.RATE_LIMITED
        if status >= 500:
            return cls.SERVER_ERROR
        if 300 <= status < 400:
            return cls.BAD_RESPONSE
        return cls.CLIENT_ERROR

    @classmethod
    def parse(cls, value: str | None) -> FetchReason | None:
        """A stored label back as a reason (one this version does not know reads as ``other``)."""
        if value is None:
            return None
        try:
            return cls(value)
        except ValueError:
            return cls.OTHER


_TEMPORARY = frozenset({FetchReason.RATE_LIMITED, FetchReason.SERVER_ERROR, FetchReason.TIMEOUT,
                        FetchReason.CONNECTION})


class FetchError(WatchdogError):
    """A family could not be fetched completely. Its data is unknown, never "deleted"."""

    def __init__(self, message: str, reason: FetchReason = FetchReason.OTHER,
                 status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.code = code


class CredentialsRejected(FetchError):
    """Twilio answered 401 / code 20003: the credentials are wrong or revoked.

    The one path of a rejected credential: a fetcher raises it, the family's state says
    ``FetchReason.AUTH``, and ``fetch_snapshot`` raises it again when every family says so.
    """

    def __init__(self, account_sid: str) -> None:
        super().__init__(f"Twilio rejected the credentials for account {account_sid} (20003)",
                         reason=FetchReason.AUTH, status=401, code=20003)
        self.account_sid = account_sid


class Verdict(StrEnum):
    """What to do after one attempt at Twilio or PagerDuty."""

    DONE = "done"  # it got through (PagerDuty accepted the event, Twilio answered for good)
    RETRY = "retry"  # a temporary failure: try again after the Backoff delay
    DROP = "drop"  # rejected for good: trying again cannot help


@dataclass(frozen=True)
class Backoff:
    """Exponential delays: ``base * 2**(failures - 1)``, at least ``Retry-After``, at most ``cap``.

    A server's ``Retry-After`` is honoured when it asks for longer than the computed delay; it never
    shortens it (a flapping server must not pull retries closer), and ``cap`` bounds both.
    """

    base: float
    cap: float

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """The wait after the ``failures``-th consecutive failure (1 for the first)."""
        computed = self.base * 2.0 ** min(max(failures - 1, 0), 30)
        return min(max(computed, retry_after or 0.0), self.cap)


def retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds; None when absent or not a number of seconds."""
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
