"""What an alert sink offers the rest of flex-watchdog (the daemon, healing, the demo)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from watchdog.model.results import CycleResult


class AlertSink(Protocol):
    """A destination for pages: decides after each cycle, delivers from its own job."""

    name: str

    def on_cycle(self, result: CycleResult) -> None:
        """A ``Watcher`` listener: record what to send. Never blocks on the network."""

    def send_pending(self, now: datetime) -> Any:
        """Deliver what is due (scheduled by the daemon, off the poll thread)."""

    def change_event(self, summary: str, details: Mapping[str, Any],
                     links: Iterable[Mapping[str, str]] = (), *,
                     now: datetime | None = None, source: str | None = None) -> None:
        """Record a change (a heal applied); it notifies nobody."""

    def close(self) -> None:
        """Release network clients."""
