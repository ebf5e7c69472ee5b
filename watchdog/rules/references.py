"""References between resources, and which of them cannot be judged on the data at hand.

A rule may call a referenced resource missing only when the family that holds it was fetched
completely no earlier than the resource that points at it. The daemon polls families on their
own schedules (numbers every minute, Studio every five), so a number moved onto a flow published
a minute ago points at a SID the older Studio data has never seen. ``stale_families`` names the
families to read again before the rules run; it reads nothing itself (rules stay pure).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from watchdog.model.snapshot import RESOURCE_FAMILY, Resource, Snapshot
from watchdog.model.urls import classify
from watchdog.model.workflows import routed_queues
from watchdog.rules.context import RuleMemo
from watchdog.rules.helpers import parsed


@dataclass(frozen=True)
class Reference:
    source: Resource  # the resource that points
    type: str  # the resource type it points at
    sid: str


def references(snapshot: Snapshot, memo: RuleMemo) -> Iterator[Reference]:
    """Every SID a watched resource names, with the type it must be."""
    for number in snapshot.of_type("phone_number"):
        for field in ("voice_url", "sms_url"):
            target = classify(number.get(field))
            if target.sid and target.account_sid == snapshot.account_sid:
                kind = "studio_flow" if target.kind == "studio" else "proxy_service"
                yield Reference(number, kind, target.sid)
    for flow in snapshot.of_type("flex_flow"):
        yield from _sids(flow, "chat_service", flow.get("chat_service_sid"))
        integration = flow.get("integration") or {}
        if flow.get("integration_type") == "studio" and hasattr(integration, "get"):
            yield from _sids(flow, "studio_flow", integration.get("flow_sid"))
    for address in snapshot.of_type("address_configuration"):
        auto = address.get("auto_creation") or {}
        if hasattr(auto, "get"):
            yield from _sids(address, "studio_flow", auto.get("studio_flow_sid"))
            yield from _sids(address, "conversations_service",
                             auto.get("conversation_service_sid"))
    for config in snapshot.of_type("conversations_configuration"):
        yield from _sids(config, "conversations_service", config.get("default_chat_service_sid"))
    for config in snapshot.of_type("flex_configuration"):
        yield from _sids(config, "chat_service", config.get("chat_service_instance_sid"))
        yield from _sids(config, "taskrouter_workspace", config.get("taskrouter_workspace_sid"))
        yield from _sids(config, "taskrouter_workflow",
                         config.get("taskrouter_target_workflow_sid"))
    for workflow in snapshot.of_type("taskrouter_workflow"):
        for queue in routed_queues(workflow):
            yield Reference(workflow, "taskrouter_task_queue", queue)
    for service in snapshot.of_type("proxy_service"):
        yield from _sids(service, "chat_service", service.get("chat_instance_sid"))
    for flow in snapshot.of_type("studio_flow"):
        definition = parsed(flow, memo)
        for widget in definition.send_to_flex if definition else ():
            yield from _sids(flow, "taskrouter_workflow", widget.workflow, "WW")
            yield from _sids(flow, "taskrouter_task_channel", widget.channel, "TC")


def _sids(source: Resource, type_: str, value: object, prefix: str = "") -> Iterator[Reference]:
    if isinstance(value, str) and value and value.startswith(prefix):
        yield Reference(source, type_, value)


def stale_families(snapshot: Snapshot, memo: RuleMemo,
                   read_at: Mapping[str, datetime] | None = None,
                   sources: Snapshot | None = None) -> set[str]:
    """Families to fetch again: each holds a SID that a newer fetch of another family names and
    that its own (older) data lacks. Unknown families are left alone: their rules do not run.
    ``read_at``: resources read alone, by SID, fresher than their family's complete read;
    ``sources``: only the references of these resources can be newer (default: all of them)."""
    read_at = read_at or {}
    families = snapshot.families
    times = [f.fetched_at for f in families.values() if f.fetched_at is not None]
    newest = max([*times, *read_at.values()], default=None)
    # only a complete family read before some source can lack what that source names (all
    # read together, as in a complete poll: none, and no reference needs looking at)
    older = {name for name, f in families.items() if f.complete and (
        f.fetched_at is None or (newest is not None and f.fetched_at < newest))}
    out: set[str] = set()
    if not older:
        return out
    for ref in references(snapshot if sources is None else sources, memo):
        family = RESOURCE_FAMILY[ref.type]
        holder, source = families.get(family), families.get(ref.source.family)
        if holder is None or source is None or family not in older or family in out:
            continue
        pointed_at = read_at.get(ref.source.sid, source.fetched_at)
        if pointed_at is None or snapshot.get(ref.type, ref.sid) is not None:
            continue
        if holder.fetched_at is None or holder.fetched_at < pointed_at:
            out.add(family)
    return out
