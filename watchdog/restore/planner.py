"""The plan: every step a finding asks for, in an order where each step only needs what the
steps before it wrote. Nothing is read from Twilio here and nothing is written.

Order: TaskRouter re-creations, Studio re-creations, Studio re-pointing (published), Flex
Flows, phone numbers (webhooks, then pool entries), address configurations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from watchdog.model.findings import Finding
from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.topology import Topology
from watchdog.restore import (
    mapping,
    steps_addresses,
    steps_flex,
    steps_numbers,
    steps_studio,
    steps_taskrouter,
)
from watchdog.restore.context import PlanContext, label
from watchdog.restore.notes import duplicate_notes, service_notes
from watchdog.restore.plan import Plan, Step, new_ref
from watchdog.restore.reasons import Reasons
from watchdog.settings import FlexSettings

Recreate = Callable[[PlanContext, Resource], Step | None]
RECREATE: dict[str, Recreate] = {
    "taskrouter_task_channel": steps_taskrouter.channel,
    "taskrouter_workflow": steps_taskrouter.workflow,
    "studio_flow": steps_studio.recreate,
    "flex_flow": steps_flex.recreate,
    "address_configuration": steps_addresses.recreate,
}


def build(base: Snapshot, cur: Snapshot, findings: Iterable[Finding], now: datetime,
          flex: FlexSettings, source: str = "baseline") -> Plan:
    base_topo, cur_topo = Topology(base, flex), Topology(cur, flex)
    sids = mapping.build(base, cur, base_topo, cur_topo)
    ctx = PlanContext(base, cur, base_topo, cur_topo, sids, Reasons(findings), [])
    _settle_creations(ctx)
    plan = Plan(cur.account_sid, now, source, mappings=list(sids.shown))
    creates = {type_: [s for s in (make(ctx, sids.missing[sid]) for sid in sorted(sids.missing)
                                   if sids.missing[sid].type == type_) if s]
               for type_, make in RECREATE.items()}
    plan.steps += creates["taskrouter_task_channel"] + creates["taskrouter_workflow"]
    plan.steps += creates["studio_flow"]
    plan.steps += _updates(ctx, "studio_flow", steps_studio.repoint)
    plan.steps += creates["flex_flow"] + _updates(ctx, "flex_flow", steps_flex.repoint)
    plan.steps += _updates(ctx, "phone_number", steps_numbers.webhooks)
    plan.steps += _updates(ctx, "phone_number", steps_numbers.pool)
    plan.steps += creates["address_configuration"]
    plan.steps += _updates(ctx, "address_configuration", steps_addresses.repoint)
    service_notes(ctx)
    duplicate_notes(ctx)
    for old_sid, copies in sorted(sids.ambiguous.items()):
        ctx.note("ambiguous", old_sid, f"{label(base_resource(base, old_sid))} is gone and "
                 f"{len(copies)} resources now carry its name ({', '.join(copies)}): restore "
                 "does not choose; re-point by hand or remove the copies you do not want")
    plan.notes = ctx.notes
    return plan


def base_resource(base: Snapshot, sid: str) -> Resource:
    return next(r for r in base.resources() if r.sid == sid)


def _settle_creations(ctx: PlanContext) -> None:
    """Keep only the re-creations some finding asks for; a reference to one that is dropped
    stays as it was (and its own step is then not planned)."""
    for _ in range(len(ctx.sids.missing) + 1):
        keep = {}
        for sid, old in ctx.sids.missing.items():
            step = RECREATE[old.type](PlanContext(**{**vars(ctx), "notes": []}), old)
            if step is not None and step.reasons:
                keep[sid] = old
        if keep.keys() == ctx.sids.missing.keys():
            return
        ctx.sids.missing = keep


def _updates(ctx: PlanContext, type_: str,
             make: Callable[[PlanContext, Resource, Resource], Step | None]) -> list[Step]:
    out = []
    for old in ctx.base.of_type(type_):
        if not ctx.base_topo.is_watched(old):
            continue
        new_sid = ctx.sids.sids.get(old.sid, old.sid if type_ == "phone_number" else None)
        cur = ctx.cur.get(type_, new_sid)
        if cur is None:
            continue
        step = make(ctx, old, cur)
        if step is not None and step.reasons:
            out.append(step)
    return out


def limit(plan: Plan, sid: str) -> Plan:
    """The steps one resource or finding needs, with the re-creations they depend on."""
    chosen = [s for s in plan.steps if sid in (s.resource_sid, *(
        r.finding_id for r in s.reasons), *(r.finding_id.split(":", 1)[-1] for r in s.reasons))]
    wanted = {id(s) for s in chosen}
    for _ in plan.steps:
        text = " ".join(str(s.request.to_json()) for s in plan.steps if id(s) in wanted)
        more = {id(s) for s in plan.steps
                if s.action == "create" and new_ref(s.resource_sid) in text}
        if more <= wanted:
            break
        wanted |= more
    plan.steps = [s for s in plan.steps if id(s) in wanted]
    plan.notes = [n for n in plan.notes if n.resource_sid == sid]
    return plan
