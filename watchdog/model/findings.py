"""A finding: one rule violated by one resource, with what an on-call engineer needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is. Ordered: ``CRITICAL > WARNING > INFO``; ``rank`` sorts worst first.

    The values are the strings of JSON, metrics labels, PagerDuty and the settings.
    """

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, 1 for warning, 2 for info."""
        return _RANKS[self]

    def __lt__(self, other: object) -> bool:
        return _RANKS[self] > _RANKS[Severity(other)] if isinstance(other, str) else NotImplemented

    def __le__(self, other: object) -> bool:
        return _RANKS[self] >= _RANKS[Severity(other)] if isinstance(other, str) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return _RANKS[self] < _RANKS[Severity(other)] if isinstance(other, str) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return _RANKS[self] <= _RANKS[Severity(other)] if isinstance(other, str) else NotImplemented


_RANKS = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    resource_type: str
    resource_sid: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    runbook: str = ""
    healable: bool = False

    @property
    def id(self) -> str:
        """Stable for the same rule and resource across runs and versions."""
        return f"{self.rule}:{self.resource_sid}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "severity": self.severity,
                "resource_type": self.resource_type, "resource_sid": self.resource_sid,
                "summary": self.summary, "details": self.details, "runbook": self.runbook,
                "healable": self.healable}


def sort_key(finding: Finding) -> tuple[int, str, str]:
    return (Severity(finding.severity).rank, finding.rule, finding.resource_sid)


def broken_resources(findings: list[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """(type, sid) -> the findings that call the resource broken now: never adopted into the
    baseline (drift and info findings are not verdicts on a value; heal breakers are state).

    A finding for one cause names the resources it breaks in ``details.affected`` (the numbers
    still posting to a deleted Proxy Service, say): they are kept out with it."""
    out: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if finding.severity == Severity.INFO or finding.rule.startswith(("baseline.", "heal.")):
            continue
        keys = {(finding.resource_type, finding.resource_sid)}
        keys |= {(a["type"], a["sid"]) for a in finding.details.get("affected") or ()
                 if isinstance(a, dict) and a.get("type") and a.get("sid")}
        for key in sorted(keys):
            out.setdefault(key, []).append(finding)
    return out
