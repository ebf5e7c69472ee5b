"""The one redactor: logs, Sentry events, PagerDuty events, the PagerDuty sink and ``alert test``.

A secret is recognised three ways, and each is replaced by ``PLACEHOLDER`` (what ``config show``
prints for a secret):

* by key: a mapping key, or the name of a ``[name, value]`` header pair, that contains one of
  ``SECRET_KEYS`` (any case, ``-`` read as ``_``). Sentry's own scrubber matches exact names
  only and misses ``auth_token``, ``api_secret``, ``routing_key`` and ``dsn``;
* by value: every configured secret, and the Basic-auth form (``base64(user:secret)``) of the
  Twilio credentials, wherever it appears in a string;
* the password of any URL (``scheme://user:password@host``).

Secrets shorter than ``MIN_SECRET`` characters are not searched for: they would mask ordinary text.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from typing import Any

from watchdog.settings import Settings

PLACEHOLDER = "**********"
SECRET_KEYS = ("token", "secret", "password", "passwd", "routing_key", "integration_key",
               "authorization", "dsn", "credential")
MIN_SECRET = 4
URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/@\s:]+):[^/@\s]+@",
                          re.IGNORECASE)


def secret_values(settings: Settings) -> list[str]:
    """Every configured secret value, plus ``base64(user:secret)`` as Basic auth sends it."""
    values = settings.secret_values()
    for user in (settings.account_sid, settings.api_key):
        for secret in (settings.auth_token, settings.api_secret):
            if user and secret and secret.get_secret_value():
                pair = f"{user}:{secret.get_secret_value()}".encode()
                values.append(base64.b64encode(pair).decode())
    return sorted({v for v in values if len(v) >= MIN_SECRET}, key=len, reverse=True)


def is_secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    name = key.lower().replace("-", "_")
    return any(word in name for word in SECRET_KEYS)


class _Learned:
    """Secrets learned while running (a discovered subaccount's auth token): every Redactor
    masks them too, whenever it was built."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        new = {v for v in values if len(v) >= MIN_SECRET} - self.values
        if new:
            self.values |= new
            found = sorted(self.values, key=len, reverse=True)
            self.pattern = re.compile("|".join(re.escape(v) for v in found))


LEARNED = _Learned()


def remember(settings: Settings) -> None:
    """Mask the secrets of ``settings`` (an account's, found at run time) in every redactor."""
    LEARNED.add(secret_values(settings))


class Redactor:
    """Masks secrets in text (``text``) or in any JSON-like value (calling it); never mutates."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is masked whole.
        found = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._values = re.compile("|".join(re.escape(s) for s in found)) if found else None

    @classmethod
    def for_settings(cls, settings: Settings) -> Redactor:
        return cls(secret_values(settings))

    def text(self, value: str) -> str:
        text = self._values.sub(PLACEHOLDER, value) if self._values else value
        learned = LEARNED.pattern
        text = learned.sub(PLACEHOLDER, text) if learned else text
        return URL_USERINFO.sub(rf"\g<scheme>\g<user>:{PLACEHOLDER}@", text)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: PLACEHOLDER if v is not None and is_secret_key(k) else self(v)
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            items = [self._item(v) for v in value]
            return tuple(items) if isinstance(value, tuple) else items
        if isinstance(value, set | frozenset):
            return [self(v) for v in value]
        return value

    def _item(self, item: Any) -> Any:
        # Headers arrive as [name, value] pairs: the name says whether the value is secret.
        if (isinstance(item, list | tuple) and len(item) == 2 and is_secret_key(item[0])
                and item[1] is not None):
            return [item[0], PLACEHOLDER]
        return self(item)
