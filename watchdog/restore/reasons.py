"""The findings a step resolves: a step is planned only when some open finding asks for it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from watchdog.model.findings import Finding
from watchdog.restore.plan import Reason


def _sids(finding: Finding) -> set[str]:
    """Every SID a finding is about: its resource, ``affected``, ``flex_flows``, ``flow_sid``."""
    out = {finding.resource_sid}
    details: dict[str, Any] = finding.details or {}
    for key in ("affected", "flex_flows"):
        for entry in details.get(key) or ():
            if isinstance(entry, dict) and entry.get("sid"):
                out.add(str(entry["sid"]))
    for key in ("flow_sid", "replaced_by"):
        if isinstance(details.get(key), str):
            out.add(details[key])
    for widget in details.get("widgets") or ():
        if isinstance(widget, dict) and isinstance(widget.get("value"), str):
            out.add(widget["value"])
    return out


class Reasons:
    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = sorted(findings, key=lambda f: (f.rule, f.resource_sid))
        self._index = [(f, _sids(f)) for f in self.findings]

    def about(self, sids: Iterable[str | None], rules: Iterable[str]) -> tuple[Reason, ...]:
        wanted, allowed = {s for s in sids if s}, set(rules)
        return tuple(Reason(f.rule, f.id, f.summary) for f, covered in self._index
                     if f.rule in allowed and covered & wanted)

    def of_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]
