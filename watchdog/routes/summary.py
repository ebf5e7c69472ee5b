"""Counting entry points: per state and channel, and per finding that breaks them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from watchdog.routes.model import CHANNELS, STATES, EntryPoint


def summarise(entry_points: Iterable[EntryPoint]) -> dict[str, Any]:
    """``{"total", "ok", "broken", "unknown", "by_channel": {channel: {state: n}}}``; every
    channel and state is present, at 0 when there is none."""
    out: dict[str, Any] = {"total": 0, **dict.fromkeys(STATES, 0),
                           "by_channel": {c: dict.fromkeys(STATES, 0) for c in CHANNELS}}
    for point in entry_points:
        state = point.state
        out["total"] += 1
        out[state] += 1
        out["by_channel"][point.channel][state] += 1
    return out


def broken_by(entry_points: Iterable[EntryPoint]) -> dict[str, list[EntryPoint]]:
    """finding id -> the entry points it breaks (a finding on a broken hop of theirs), in the
    order given."""
    out: dict[str, list[EntryPoint]] = {}
    for point in entry_points:
        for finding in point.findings:
            out.setdefault(finding, []).append(point)
    return out
