"""The values a heal is made of: the Twilio request, the change, the plan item, the view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from watchdog.model.snapshot import Snapshot
from watchdog.model.topology import Topology
from watchdog.settings import Settings

Mode = Literal["auto", "apply", "plan"]
Outcome = Literal["applied", "dry_run", "refused", "failed", "noop"]
# ready: would be written now; waiting: grace period (not a heal yet, never recorded)
State = Literal["ready", "waiting", "dry_run", "refused", "noop"]


@dataclass(frozen=True)
class Request:
    """The exact Twilio request: method, full URL on Twilio's host, form fields."""

    method: str
    url: str
    form: dict[str, str | list[str]]  # a list: the parameter repeated (``Permission=a&...``)

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "form": dict(self.form)}


@dataclass(frozen=True)
class Change:
    """One resource write a healer wants, with the snapshot values it was planned from.

    ``desired`` holds the fields as they must read back after the write; ``before`` holds the
    snapshot's values of those fields plus any field the plan depends on (e.g. a TwiML App SID
    that would make the write pointless). ``scope`` is what reading and writing need besides the
    SID (e.g. the Proxy Service SID of a pool entry).
    """

    rule: str
    resource_type: str
    resource_sid: str
    label: str
    request: Request
    desired: dict[str, Any]
    before: dict[str, Any]
    scope: dict[str, str] = field(default_factory=dict)

    def diff(self) -> list[dict[str, Any]]:
        return [{"field": k, "before": self.before.get(k), "after": v}
                for k, v in self.desired.items() if self.before.get(k) != v]

    def satisfied_by(self, values: dict[str, Any]) -> bool:
        return all(values.get(k) == v for k, v in self.desired.items())

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "resource_type": self.resource_type,
                "resource_sid": self.resource_sid, "label": self.label,
                "request": self.request.to_json(), "desired": self.desired,
                "before": self.before, "scope": self.scope}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        req = data["request"]
        return cls(data["rule"], data["resource_type"], data["resource_sid"], data["label"],
                   Request(req["method"], req["url"], dict(req["form"])), dict(data["desired"]),
                   dict(data["before"]), dict(data.get("scope") or {}))


@dataclass(frozen=True)
class Refusal:
    """A healer's reason not to touch one resource of a finding."""

    resource_type: str
    resource_sid: str
    label: str
    reason: str


@dataclass
class PlanItem:
    """One (rule, resource) a finding asks to heal, and what the guards decided."""

    rule: str
    finding_id: str
    resource_type: str
    resource_sid: str
    label: str
    change: Change | None = None
    state: State = "ready"
    reason: str | None = None
    fight: bool = False
    outcome: Outcome | None = None  # after the pass: what happened
    after: dict[str, Any] | None = None

    def decide(self, state: State, reason: str | None) -> None:
        self.state, self.reason = state, reason

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.resource_sid)

    def to_json(self) -> dict[str, Any]:
        change = self.change
        return {"rule": self.rule, "finding_id": self.finding_id,
                "resource_type": self.resource_type, "resource_sid": self.resource_sid,
                "label": self.label, "state": self.state, "outcome": self.outcome,
                "reason": self.reason,
                "request": change.request.to_json() if change else None,
                "diff": change.diff() if change else [], "after": self.after}


@dataclass
class HealView:
    """What a heal is planned from: a snapshot, the clock of this cycle, settings, baseline."""

    snapshot: Snapshot
    now: datetime
    settings: Settings
    baseline: Snapshot | None = None

    @cached_property
    def topology(self) -> Topology:
        return Topology(self.snapshot, self.settings.flex)

    @property
    def account_sid(self) -> str:
        return self.snapshot.account_sid

    def fresh(self, family: str) -> bool:
        """Fetched completely in this cycle (at ``now``), not carried over from an earlier one."""
        state = self.snapshot.families.get(family)
        return state is not None and state.complete and state.fetched_at == self.now
