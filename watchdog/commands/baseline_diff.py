"""Differences between the accepted baseline and a snapshot: added, removed, changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from watchdog.model.snapshot import Resource, Snapshot
from watchdog.rules.baseline import diff_essence


@dataclass
class BaselineDiff:
    added: list[Resource] = field(default_factory=list)
    removed: list[Resource] = field(default_factory=list)
    changed: list[tuple[Resource, list[dict[str, Any]]]] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)  # families unknown now or no baseline

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare(baseline: Snapshot | None, current: Snapshot) -> BaselineDiff:
    result = BaselineDiff()
    for family, state in sorted(current.families.items()):
        if baseline is None or family not in baseline.families or not state.complete:
            result.not_compared.append(family)
            continue
        old = {(r.type, r.sid): r for r in baseline.families[family].resources}
        new = {(r.type, r.sid): r for r in state.resources}
        result.added += [new[k] for k in sorted(new.keys() - old.keys())]
        result.removed += [old[k] for k in sorted(old.keys() - new.keys())]
        for key in sorted(old.keys() & new.keys()):
            if old[key].fingerprint != new[key].fingerprint:
                result.changed.append((new[key], diff_essence(old[key].essence, new[key].essence)))
    return result


def render(diff: BaselineDiff) -> str:
    lines = []
    for r in diff.added:
        lines.append(f"+ {r.type} {r.sid} {r.name}")
    for r in diff.removed:
        lines.append(f"- {r.type} {r.sid} {r.name}")
    for r, changes in diff.changed:
        lines.append(f"~ {r.type} {r.sid} {r.name}")
        for change in changes:
            lines.append(f"    {change['field']}: {_short(change['before'])} -> "
                         f"{_short(change['after'])}")
    if diff.empty:
        lines.append("No differences from the baseline" + (
            " in the families compared." if diff.not_compared else "."))
    if diff.not_compared:
        lines.append(f"Not compared (unknown now, or no baseline yet): "
                     f"{', '.join(diff.not_compared)}")
    return "\n".join(lines)


def _short(value: Any, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
