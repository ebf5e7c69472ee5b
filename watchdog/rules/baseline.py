"""Baseline drift: Flex resources deleted or changed since the accepted baseline.

Raised only for what no other rule already explains, so one cause pages once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from watchdog.model.snapshot import FAMILIES, RESOURCE_FAMILY, thaw
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule


def diff_essence(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field changes, nested objects flattened with dots."""
    before, after = _flatten(thaw(old)), _flatten(thaw(new))
    return [{"field": k, "before": before.get(k), "after": after.get(k)}
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value and prefix.count(".") < 2:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


# Drift is only judged when every family is known: a specific rule skipped for an unknown family
# could not say what it explains, and the drift rule would echo its cause.
@rule("baseline.resource-deleted", severity="warning", families=FAMILIES)
def resource_deleted(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex resource in the accepted baseline no longer exists.

    **Why it matters.** Something Flex depended on was deleted and no more specific rule
    explains it (for example a task channel, a workflow other than the target one, or a custom
    Studio flow that only the baseline knew as Flex's).

    **Fix by hand.** Read `details` for what it was (type, name, last known fields). Recreate it
    in the console or through the REST API with the same settings, then run
    `flex-watchdog baseline diff`. If the deletion was intended, accept it:
    `flex-watchdog baseline accept`.

    **Heal.** None.
    """
    if ctx.baseline is None or ctx.baseline_topology is None:
        return
    for old in ctx.baseline.resources():
        family = RESOURCE_FAMILY[old.type]
        if not ctx.snapshot.complete(family) or (old.type, old.sid) in ctx.explained:
            continue
        if not ctx.baseline_topology.is_watched(old) or ctx.snapshot.get(old.type, old.sid):
            continue
        yield Hit(old.type, old.sid, f"{old.type} {old.name} ({old.sid}) was deleted",
                  {"last_known": thaw(old.essence)})


@rule("baseline.resource-changed", severity="info", families=FAMILIES, kind="overwrite")
def resource_changed(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex resource differs from the accepted baseline.

    **Why it matters.** A change to Flex plumbing that no specific rule flags as broken: it may
    be intended (a new flow revision) or the first sign of an accident.

    **Fix by hand.** `details.changes` lists each field with its baseline and current value.
    Restore the baseline values in the console or through the REST API, or accept the change
    with `flex-watchdog baseline accept`.

    **Heal.** None.
    """
    if ctx.baseline is None:
        return
    topo, base_topo = ctx.topology, ctx.baseline_topology
    for new in ctx.snapshot.resources():
        if (new.type, new.sid) in ctx.explained:
            continue
        old = ctx.baseline.get(new.type, new.sid)
        if old is None or old.fingerprint == new.fingerprint:
            continue
        if not (topo.is_watched(new) or (base_topo is not None and base_topo.is_watched(old))):
            continue
        changes = diff_essence(old.essence, new.essence)
        fields = ", ".join(c["field"] for c in changes[:5])
        yield Hit(new.type, new.sid, f"{new.type} {new.name} changed since the baseline: {fields}",
                  {"changes": changes})
