"""Which controls hold a finding back, as of one instant: the marks ``check``, JSON, pages and
heals read (``details.silence``, ``details.maintenance``).

``Controls.mark`` is a ``Watcher`` enricher, so ``check``, ``heal`` and ``run`` all see the same
marks; the rules stay pure and the finding stays in every list.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.controls import silences, windows
from watchdog.controls.silences import Silence
from watchdog.controls.windows import Window
from watchdog.model.findings import Finding
from watchdog.model.times import iso
from watchdog.settings import IgnoreEntry, Settings
from watchdog.store.store import StateStore

log = logging.getLogger(__name__)


def ignore_mark(entry: IgnoreEntry) -> dict[str, Any]:
    return {"source": "config", "reason": entry.reason,
            "until": iso(entry.expires) if entry.expires else None}


@dataclass(frozen=True)
class ControlState:
    """The silences, active config ignores and open windows at ``now``."""

    now: datetime
    silences: tuple[Silence, ...]
    ignores: tuple[IgnoreEntry, ...]
    windows: tuple[Window, ...]

    def silence(self, rule: str, resource_sid: str) -> dict[str, Any] | None:
        for entry in self.ignores:
            if entry.rule == rule and entry.resource in (None, resource_sid):
                return ignore_mark(entry)
        for found in self.silences:
            if found.matches(rule, resource_sid):
                return found.mark()
        return None

    def window(self, rule: str) -> Window | None:
        return next((w for w in self.windows if w.covers(rule)), None)

    def mark(self, finding: Finding) -> Finding:
        details = {k: v for k, v in finding.details.items() if k not in ("silence", "maintenance")}
        silence = self.silence(finding.rule, finding.resource_sid)
        if silence is not None:
            details["silence"] = silence
        window = self.window(finding.rule)
        if window is not None:
            details["maintenance"] = window.mark()
        if details == finding.details:
            return finding
        return dataclasses.replace(finding, details=details)

    def heal_hold(self, rule: str, resource_sid: str) -> str | None:
        """Why a heal of this finding may not run now (a silence, or a window without heal)."""
        silence = self.silence(rule, resource_sid)
        if silence is not None:
            return describe_silence(silence)
        window = self.window(rule)
        if window is not None and not window.heal:
            return f"{window.describe()}: nothing heals"
        return None


def in_force(state: ControlState) -> list[str]:
    """One line per control in force, for the head of ``check`` (shown with or without findings)."""
    lines = [f"{w.describe()}: no page starts" + ("" if w.heal else ", nothing heals")
             for w in state.windows]
    lines += [f"silence {s.id}: {s.rule} {s.resource_sid or '*'} until {iso(s.ends_at)}, by "
              f"{s.created_by}: {s.reason}" for s in state.silences]
    lines += [f"config ignore: {e.rule} {e.resource or '*'}: {e.reason}" for e in state.ignores]
    return lines


class Controls:
    """Reads the controls from the settings and the state store (one query per call)."""

    def __init__(self, settings: Settings, store: StateStore) -> None:
        self.settings, self.store = settings, store

    def at(self, now: datetime) -> ControlState:
        ignores = tuple(e for e in self.settings.ignore if e.expires is None or e.expires > now)
        return ControlState(now, tuple(silences.active(self.store, now)), ignores,
                            tuple(windows.open_windows(self.settings, self.store, now)))

    def mark(self, findings: list[Finding], now: datetime) -> list[Finding]:
        """A ``FindingEnricher``: every finding kept, marked where a control applies."""
        state = self.at(now)
        return [state.mark(f) for f in findings]


def describe_silence(mark: dict[str, Any]) -> str:
    """``silenced: <reason>, until <time>`` (``ignored: <reason>`` for a config ignore)."""
    if mark.get("source") == "config":
        until = f", until {mark['until']}" if mark.get("until") else ""
        return f"ignored: {mark['reason']} (config ignore{until})"
    return f"silenced: {mark['reason']}, until {mark['until']}"


def held(finding: Finding) -> str | None:
    """Why a marked finding does not page (None: it may)."""
    silence = finding.details.get("silence")
    if isinstance(silence, dict):
        return describe_silence(silence)
    window = finding.details.get("maintenance")
    if isinstance(window, dict):
        return f"maintenance window {window.get('name')} until {window.get('until')}"
    trusted = finding.details.get("trusted")
    return f"trusted: {trusted}" if isinstance(trusted, str) else None
