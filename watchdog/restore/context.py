"""What every step builder reads: both snapshots, their topologies, the SID map, the findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.topology import Topology
from watchdog.restore.mapping import SidMap
from watchdog.restore.plan import Note, Step
from watchdog.restore.reasons import Reasons

COMMIT_PREFIX = "flex-watchdog restore"


@dataclass
class PlanContext:
    base: Snapshot
    cur: Snapshot
    base_topo: Topology
    cur_topo: Topology
    sids: SidMap
    reasons: Reasons
    notes: list[Note]

    @property
    def account_sid(self) -> str:
        return self.cur.account_sid

    def note(self, kind: str, sid: str, text: str, command: str | None = None) -> None:
        self.notes.append(Note(kind, sid, text, command))


def label(resource: Resource) -> str:
    return f'{resource.type} "{resource.name}" ({resource.sid})'


def form(**fields: Any) -> dict[str, str | list[str]]:
    """Twilio form fields: None left out, booleans spelled ``true``/``false``."""
    out: dict[str, str | list[str]] = {}
    for key, value in fields.items():
        if value is None:
            continue
        out[key.replace("__", ".")] = ("true" if value else "false") if isinstance(
            value, bool) else str(value)
    return out


def commit_message(step_reasons: tuple[Any, ...], what: str) -> str:
    rules = ", ".join(sorted({r.rule for r in step_reasons}))
    return f"{COMMIT_PREFIX}: {what} ({rules})"


def keep(steps: list[Step], step: Step | None) -> None:
    if step is not None and step.reasons:
        steps.append(step)
