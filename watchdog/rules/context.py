"""What a rule sees: the snapshot, the baseline, the clock, the settings, derived topology."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from watchdog.model.snapshot import Snapshot
from watchdog.model.topology import Topology
from watchdog.settings import FlexSettings, Settings


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
        if self.baseline is None:
            return None
        return _baseline_topology(self.baseline, self.settings.flex)

    @property
    def account_sid(self) -> str:
        return self.snapshot.account_sid


_LAST_BASELINE: list[Topology] = []


def _baseline_topology(baseline: Snapshot, flex: FlexSettings) -> Topology:
    """The state store hands out the same baseline object until it changes: derive its topology
    (every number's stack...) once for it, not once per cycle."""
    last = _LAST_BASELINE[0] if _LAST_BASELINE else None
    if last is not None and last.snapshot is baseline and last.flex == flex:
        return last
    topology = Topology(baseline, flex)
    _LAST_BASELINE[:] = [topology]
    return topology
