"""What a rule sees: the snapshot, the baseline, the clock, the settings, derived topology."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from typing import Any

from watchdog.model.flowdef import FlowDef
from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.topology import Topology
from watchdog.settings import Settings


@dataclass
class RuleMemo:
    """What rules derive once and reuse while its source is unchanged. One per ``Watcher``
    (it owns it and hands it to every cycle's context); a context built alone gets its own."""

    # "sid:fingerprint" of a Studio flow -> its parsed published definition (None: not parsable)
    parsed: dict[str, FlowDef | None] = field(default_factory=dict)
    # The state store hands out the same baseline object until it changes: its topology
    # (every number's stack...) is derived once for it, not once per cycle.
    baseline_topology: Topology | None = None
    # The last snapshot's topology: its numbers' stacks are reused while every resource they
    # are derived from is unchanged.
    topology: Topology | None = None


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
    memo: RuleMemo = field(default_factory=RuleMemo)

    @cached_property
    def topology(self) -> Topology:
        made = Topology(self.snapshot, self.settings.flex, parser=parser(self.memo),
                        previous=self.memo.topology)
        self.memo.topology = made
        return made

    @cached_property
    def baseline_topology(self) -> Topology | None:
        if self.baseline is None:
            return None
        last = self.memo.baseline_topology
        if last is not None and last.snapshot is self.baseline and last.flex == self.settings.flex:
            return last
        self.memo.baseline_topology = Topology(self.baseline, self.settings.flex,
                                               parser=parser(self.memo))
        return self.memo.baseline_topology

    @property
    def account_sid(self) -> str:
        return self.snapshot.account_sid


def parser(memo: RuleMemo) -> Callable[[Resource], FlowDef | None]:
    """Flows parsed through ``memo`` (``helpers.parsed``: once per revision, shared by the
    rules and both topologies)."""
    from watchdog.rules.helpers import parsed  # helpers builds on this module

    return partial(parsed, memo=memo)
