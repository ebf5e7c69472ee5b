"""A finding: one rule violated by one resource, with what an on-call engineer needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["critical", "warning", "info"]
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


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
    return (SEVERITY_ORDER[finding.severity], finding.rule, finding.resource_sid)


def broken_resources(findings: list[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """(type, sid) -> the findings that call the resource broken now: never adopted into the
    baseline (drift and info findings are not verdicts on a value; heal breakers are state)."""
    out: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if finding.severity == "info" or finding.rule.startswith(("baseline.", "heal.")):
            continue
        out.setdefault((finding.resource_type, finding.resource_sid), []).append(finding)
    return out
