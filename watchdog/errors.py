"""Error types. The retry decision lives in the type, never in string matching."""

from __future__ import annotations


class WatchdogError(Exception):
    """Base class for every error flex-watchdog raises on purpose."""


class ConfigError(WatchdogError):
    """Bad configuration or usage: one line for the user, exit code 2."""


class StateError(WatchdogError):
    """The state file cannot be used (unreadable, foreign, another account): exit code 2."""


class FetchError(WatchdogError):
    """A family could not be fetched completely. Its data is unknown, never "deleted".

    ``reason`` is a short, bounded label for metrics (``rate_limited``, ``server_error``,
    ``timeout``, ``connection``, ``auth``, ``bad_response``, ``client_error``, ``pagination``,
    ``other``).
    """

    def __init__(self, message: str, reason: str = "other", status: int | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.code = code


class CredentialsRejected(FetchError):
    """Twilio answered 401 / code 20003: the credentials are wrong or revoked."""

    def __init__(self, account_sid: str) -> None:
        super().__init__(f"Twilio rejected the credentials for account {account_sid} (20003)",
                         reason="auth", status=401, code=20003)
        self.account_sid = account_sid
