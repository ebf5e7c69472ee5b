"""A restore plan: ordered steps (one per resource written), notes (what restore will not do).

A step's request is exact except for ``$NEW[<old SID>]``: the SID that an earlier step of the
same plan creates, substituted when the step is applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from watchdog.healing.model import Request
from watchdog.model.snapshot import canonical_json

# The shape of a plan (``restore --plan --format json`` and ``--out``), published as
# docs/schemas/restore-plan.json. Raised when a field changes meaning or goes away.
PLAN_VERSION = 1


def new_ref(old_sid: str) -> str:
    """The placeholder for the SID that re-creating ``old_sid`` will return."""
    return f"$NEW[{old_sid}]"


@dataclass(frozen=True)
class Reason:
    """The finding a step resolves."""

    rule: str
    finding_id: str
    summary: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "finding_id": self.finding_id, "summary": self.summary}


@dataclass(frozen=True)
class Step:
    """One write. ``action`` is ``update`` or ``create``; for ``create``, ``resource_sid`` is the
    baseline SID being re-created and ``fingerprint`` is None (it must still be absent).
    ``after`` holds the fields as they must read back (dotted paths into the resource)."""

    kind: str
    action: str
    resource_type: str
    resource_sid: str
    label: str
    reasons: tuple[Reason, ...]
    request: Request
    before: dict[str, Any]
    after: dict[str, Any]
    fingerprint: str | None
    read_url: str  # the resource (update) or the list it is created in (create)
    match: dict[str, Any] = field(default_factory=dict)  # create: fields that identify it

    @property
    def rule(self) -> str:
        return f"restore.{self.kind}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": self.action, "resource_type": self.resource_type,
                "resource_sid": self.resource_sid, "label": self.label,
                "reasons": [r.to_json() for r in self.reasons],
                "request": self.request.to_json(), "before": self.before, "after": self.after,
                "fingerprint": self.fingerprint, "read_url": self.read_url, "match": self.match}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        req = data["request"]
        return cls(str(data["kind"]), str(data["action"]), str(data["resource_type"]),
                   str(data["resource_sid"]), str(data["label"]),
                   tuple(Reason(r["rule"], r["finding_id"], r["summary"])
                         for r in data["reasons"]),
                   Request(str(req["method"]), str(req["url"]),
                           {str(k): [str(i) for i in v] if isinstance(v, list) else str(v)
                            for k, v in req["form"].items()}),
                   dict(data["before"]), dict(data["after"]), data.get("fingerprint"),
                   str(data["read_url"]), dict(data.get("match") or {}))

    def diff(self) -> list[dict[str, Any]]:
        return [{"field": k, "before": self.before.get(k), "after": v}
                for k, v in self.after.items() if self.before.get(k) != v]


@dataclass(frozen=True)
class Note:
    """Something the plan reports and will not write: a duplicate to remove by hand, a service
    System Checkup must create, a resource it cannot map."""

    kind: str
    resource_sid: str
    text: str
    command: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "resource_sid": self.resource_sid, "text": self.text,
                "command": self.command}


@dataclass
class Plan:
    account_sid: str
    planned_at: datetime
    source: str  # "baseline" or the export directory
    steps: list[Step] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    mappings: list[dict[str, str]] = field(default_factory=list)

    @property
    def plan_id(self) -> str:
        body = canonical_json([self.account_sid, [s.to_json() for s in self.steps]])
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": PLAN_VERSION, "plan_id": self.plan_id,
                "account_sid": self.account_sid, "planned_at": self.planned_at.isoformat(),
                "source": self.source, "steps": [s.to_json() for s in self.steps],
                "notes": [n.to_json() for n in self.notes], "mappings": self.mappings}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        version = data.get("schema_version", data.get("version"))  # "version": older plans
        if version != PLAN_VERSION:
            raise ValueError(f"schema_version: expected {PLAN_VERSION}, got {version!r}")
        plan = cls(str(data["account_sid"]), datetime.fromisoformat(data["planned_at"]),
                   str(data.get("source") or "baseline"),
                   [Step.from_json(s) for s in data["steps"]],
                   [Note(n["kind"], n["resource_sid"], n["text"], n.get("command"))
                    for n in data.get("notes", [])], list(data.get("mappings", [])))
        if data.get("plan_id") not in (None, plan.plan_id):
            raise ValueError("plan_id: does not match the steps (the file was edited)")
        return plan
