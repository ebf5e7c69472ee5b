"""Baseline drift: Flex resources deleted or changed since the accepted baseline.

Raised only for what no other rule already explains, so one cause pages once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from watchdog.model.snapshot import (
    FAMILIES,
    LIVE_FAMILIES,
    RESOURCE_FAMILY,
    Resource,
    Snapshot,
    thaw,
)
from watchdog.model.topology import WORKSPACE_CHILDREN
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


PLUMBING = tuple(f for f in FAMILIES if f not in LIVE_FAMILIES)


# Drift is only judged when every family is known: a specific rule skipped for an unknown family
# could not say what it explains, and the drift rule would echo its cause.
@rule("baseline.resource-deleted", severity="warning", families=PLUMBING)
def resource_deleted(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex resource in the accepted baseline no longer exists.

    **Why it matters.** Something Flex depended on was deleted and no more specific rule
    explains it (for example a task channel, a workflow other than the target one, or a custom
    Studio flow that only the baseline knew as Flex's).

    **Fix by hand.** Read `details` for what it was (type, name, last known fields). Recreate it
    in the console or through the REST API with the same settings, then run
    `flex-watchdog baseline diff`. If the deletion was intended, accept it:
    `flex-watchdog baseline accept`. A Flex Proxy Service, or the Flex Configuration's chat
    service or workspace, re-created under a new SID (System Checkup) is not a deletion: it is
    drift, reported by `baseline.resource-changed`.

    **Heal.** None.
    """
    if ctx.baseline is None or ctx.baseline_topology is None:
        return
    for old in ctx.baseline.resources():
        if ctx.snapshot.get(old.type, old.sid) is not None:  # still there (most: first)
            continue
        family = RESOURCE_FAMILY[old.type]
        if not ctx.snapshot.complete(family) or (old.type, old.sid) in ctx.explained:
            continue
        if not ctx.baseline_topology.is_watched(old):
            continue
        if replacement(ctx, old) is not None:
            continue  # re-created (System Checkup): drift, reported by resource-changed
        yield Hit(old.type, old.sid, f"{old.type} {old.name} ({old.sid}) was deleted",
                  {"last_known": thaw(old.essence)})


@rule("baseline.resource-changed", severity="info", families=PLUMBING, kind="overwrite")
def resource_changed(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex resource differs from the accepted baseline.

    **Why it matters.** A change to Flex plumbing that no specific rule flags as broken: it may
    be intended (a new flow revision, a number moved onto another flow that reaches Flex, a
    Flex Proxy Service re-created under a new SID: `details.replaced_by`) or the first sign of
    an accident.

    **Fix by hand.** `details.changes` lists each field with its baseline and current value.
    Restore the baseline values in the console or through the REST API, or accept the change
    with `flex-watchdog baseline accept`.

    **Heal.** None.
    """
    if ctx.baseline is None:
        return
    topo, base_topo = ctx.topology, ctx.baseline_topology
    yield from _replaced_hits(ctx)
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


def replacement(ctx: RuleContext, old: Resource) -> Resource | None:
    """The resource that now fills the Flex role a deleted baseline resource had: the Flex Proxy
    Service, or the Flex Configuration's chat service or workspace, re-created under a new SID."""
    base, topo = ctx.baseline_topology, ctx.topology
    if base is None or ctx.snapshot.get(old.type, old.sid) is not None:
        return None
    if old.type == "proxy_service" and base.flex_proxy is not None \
            and base.flex_proxy.sid == old.sid:
        return topo.flex_proxy
    roles = {"chat_service": (base.chat_service_sid, topo.chat_service_sid),
             "taskrouter_workspace": (base.workspace_sid, topo.workspace_sid)}
    if old.type in roles and roles[old.type][0] == old.sid and roles[old.type][1]:
        return ctx.snapshot.get(old.type, roles[old.type][1])
    return None


def _replaced_hits(ctx: RuleContext) -> Iterator[Hit]:
    assert ctx.baseline is not None
    for type_ in ("proxy_service", "chat_service", "taskrouter_workspace"):
        for old in ctx.baseline.of_type(type_):
            if (old.type, old.sid) in ctx.explained or not ctx.snapshot.complete(old.family):
                continue
            new = replacement(ctx, old)
            if new is None:
                continue
            held = [{"type": r.type, "sid": r.sid} for r in _held(ctx.baseline, old)]
            yield Hit(old.type, old.sid, f"{old.type} {old.name} ({old.sid}) was re-created as "
                      f"{new.sid} since the baseline",
                      {"replaced_by": new.sid, "last_known": thaw(old.essence),
                       "changes": [{"field": "sid", "before": old.sid, "after": new.sid}],
                       "affected": held})


def _held(baseline: Snapshot, owner: Resource) -> list[Resource]:
    """What a re-created resource held in the baseline (one cause, one finding)."""
    if owner.type == "proxy_service":
        return [r for r in baseline.of_type("proxy_phone_number")
                if r.get("service_sid") == owner.sid]
    if owner.type == "taskrouter_workspace":
        return [r for t in WORKSPACE_CHILDREN for r in baseline.of_type(t)
                if r.get("workspace_sid") == owner.sid]
    return []
