"""Deterministic SIDs, secrets and Twilio's two date formats."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from email.utils import format_datetime

#: When the builders' resources were "created": a fixed instant so worlds are reproducible.
BASE_TIME = datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)

_ALNUM = string.ascii_letters + string.digits


class SidFactory:
    """Makes SIDs (two-letter prefix + 32 lowercase hex digits) from a seeded generator.

    The same seed and the same sequence of calls give the same SIDs, so worlds, tests and demos
    are reproducible.
    """

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def sid(self, prefix: str) -> str:
        """A new SID such as ``PN`` + 32 hex digits."""
        if len(prefix) != 2 or not prefix.isalpha():
            raise ValueError(f"a SID prefix is two letters, not {prefix!r}")
        return f"{prefix}{self._random.getrandbits(128):032x}"

    def hex32(self) -> str:
        """32 hex digits: the shape of an Account auth token."""
        return f"{self._random.getrandbits(128):032x}"

    def secret(self, length: int = 32) -> str:
        """An alphanumeric secret: the shape of an API key secret."""
        return "".join(self._random.choice(_ALNUM) for _ in range(length))


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as the v1/v2 APIs write dates: ``2026-01-05T10:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc2822(moment: datetime) -> str:
    """RFC 2822, as the 2010 API writes dates: ``Mon, 05 Jan 2026 10:00:00 +0000``."""
    return format_datetime(moment.astimezone(UTC))


def parse_iso(text: str) -> datetime:
    """Parse ``YYYY-MM-DD`` or an ISO 8601 date-time (``Z`` or offset); naive means UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
