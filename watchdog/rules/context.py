"""What a rule sees: the snapshot, the baseline, the clock, the settings, derived topology."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from watchdog.settings import Settings
from watchdog.snapshot import Snapshot
from watchdog.topology import Topology


@dataclass
class RuleContext:
    snapshot: Snapshot
    now: datetime
    settings: Settings
    baseline: Snapshot | None = None
    # (resource_type, sid) already explained by an earlier finding; baseline rules skip them.
    explained: set[tuple[str, str]] = field(default_factory=set)
    # Extra evidence for rules that need state (e.g. heal breakers); keyed by rule ID.
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def topology(self) -> Topology:
        return Topology(self.snapshot, self.settings.flex)

    @cached_property
    def baseline_topology(self) -> Topology | None:
        return Topology(self.baseline, self.settings.flex) if self.baseline else None

    @property
    def account_sid(self) -> str:
        return self.snapshot.account_sid
