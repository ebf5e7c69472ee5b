"""What one poll produced: the rules' evaluation, the open findings after it, why it ran.

These types are the floor that alerts, heals, metrics and reports read; they import nothing
above ``model``, so none of those rooms needs the ``Watcher`` that made them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from watchdog.model.findings import Finding, Severity
from watchdog.model.snapshot import FamilyState, Snapshot


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    evaluated: set[str] = field(default_factory=set)
    skipped: dict[str, str] = field(default_factory=dict)  # rule -> unknown | disabled | error

    def skip_counts(self) -> Counter[str]:
        return Counter(self.skipped.values())


@dataclass(frozen=True)
class OpenFinding:
    """A finding as the state store keeps it while open: first and last seen, observations."""

    id: str
    rule: str
    severity: Severity
    resource_type: str
    resource_sid: str
    summary: str
    details: dict[str, Any]
    healable: bool
    first_seen: datetime
    last_seen: datetime
    observations: int
    observed: str | None = None  # digest of what it was last seen on (model/observed.py)

    def finding(self) -> Finding:
        """The finding as the engine would have produced it (without its runbook text)."""
        return Finding(self.rule, self.severity, self.resource_type, self.resource_sid,
                       self.summary, dict(self.details), healable=self.healable)


@dataclass(frozen=True)
class Trigger:
    """Why a poll ran: the job that ran it and the change signals that asked for it, if any
    (``monitor``, ``debugger``, ``webhook``, ``demo``). No sources: the job's own schedule."""

    job: str
    sources: tuple[str, ...] = ()


CHECK = Trigger("check")  # a one-off poll from the command line


@dataclass
class CycleResult:
    account_sid: str
    polled_at: datetime
    snapshot: Snapshot
    refreshed: tuple[str, ...]
    evaluation: Evaluation
    opened: list[Finding] = field(default_factory=list)
    cleared: list[OpenFinding] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    api_requests: int = 0
    trigger: Trigger = CHECK
    # Every finding open after this cycle was recorded, by id: read from the store once.
    open_findings: Mapping[str, OpenFinding] = field(default_factory=dict)
    # What the composition root handed the rules beyond the snapshot (the tripped heal
    # breakers, for heal.fight-detected), keyed by rule ID.
    evidence: Mapping[str, Any] = field(default_factory=dict)
    # The routes into Flex after this cycle (``watchdog.routes.impact.reach``): entry points by
    # state and channel, and ``known``. Empty when they could not be computed.
    reach: Mapping[str, Any] = field(default_factory=dict)
    # Resources read alone for a change signal (their families are judged, not ``refreshed``:
    # that names only families read completely in this cycle).
    read_alone: tuple[str, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return self.evaluation.findings

    @property
    def unknown(self) -> list[FamilyState]:
        return [self.snapshot.families[f] for f in self.refreshed
                if not self.snapshot.families[f].complete]
