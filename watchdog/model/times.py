"""The clock and time text: ``utcnow``, the one ISO-8601 formatter ``iso``, and durations
(``4h``, ``30m``, ``2d``, ``1h30m``) and RFC 3339 times as operators type them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from watchdog.errors import ConfigError

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, name: str) -> timedelta:
    """``4h`` -> 4 hours; anything else is a one-line ConfigError naming ``name``."""
    value = text.strip().lower()
    parts = _PART.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise ConfigError(f"{name}: expected a duration like 30m, 4h, 2d or 1h30m, not {text!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(f"{name}: the duration must be longer than 0")
    return timedelta(seconds=seconds)


def parse_time(text: str, name: str) -> datetime:
    """An RFC 3339 time with its offset (``2026-12-24T08:00Z``), as an aware datetime."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected an RFC 3339 time like 2026-12-24T08:00Z, "
                          f"not {text!r}") from None
    if moment.tzinfo is None:
        raise ConfigError(f"{name}: {text!r} has no time zone; add Z or an offset like +01:00")
    return moment.astimezone(UTC)


def utcnow() -> datetime:
    """The one wall clock: an aware UTC datetime. Callers read it once and pass it down."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """``2026-12-24T08:00:00Z``: how times are shown and exported (JSON, evidence, controls).

    The state file keeps ``datetime.isoformat()`` instead: it round-trips exactly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def human(delta: timedelta) -> str:
    """``30 days``, ``4 h``, ``90 s``: a bound, in words."""
    seconds = delta.total_seconds()
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"
