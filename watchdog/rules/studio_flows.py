"""Which Studio flows Flex traffic reaches; the bodies of studio.flow-unpublished/-duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from watchdog.model.snapshot import Resource
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit

# Everything topology.flex_flow_refs and the Flex numbers' stacks read.
REFS_FAMILIES = ("configuration", "studio", "numbers", "flex_flows", "proxy", "conversations")


def used_by(ctx: RuleContext) -> dict[str, list[dict[str, str]]]:
    """Studio flow SID -> the Flex entry points (numbers, Flex Flows, addresses) that use it."""
    return {sid: [{"type": t, "sid": s, "via": how} for t, s, how in refs]
            for sid, refs in ctx.topology.flex_flow_refs.items()}


def unpublished_hits(ctx: RuleContext) -> Iterator[Hit]:
    flows = ctx.topology.flows
    for sid, refs in sorted(used_by(ctx).items()):
        flow = flows.get(sid)
        if flow is None:
            continue  # the *-studio-flow-missing rules report it
        state = _unpublished_state(flow)
        if state is None:
            continue
        summary = f'Studio flow "{flow.name}" ({sid}), used by Flex, {state}'
        yield Hit("studio_flow", sid, summary,
                  {"status": flow.get("status"), "revision": flow.meta.get("revision"),
                   "never_published": flow.get("definition") is None, "used_by": refs})


def _unpublished_state(flow: Resource) -> str | None:
    if flow.get("definition") is None:
        return "was never published: every call or message sent to it fails"
    if flow.get("draft_pending") or flow.get("status") == "draft":
        return "has unpublished changes: live traffic still runs the last published revision"
    return None


def duplicate_hits(ctx: RuleContext) -> Iterator[Hit]:
    flex = ctx.settings.flex
    refs = used_by(ctx)
    for name in dict.fromkeys((flex.voice_flow_name, flex.messaging_flow_name,
                               flex.webchat_flow_name)):
        copies = sorted(ctx.topology.flows_named(name), key=lambda f: f.sid)
        if len(copies) < 2:
            continue
        unused = [f for f in copies if f.sid not in refs]
        for flow in unused or copies:
            yield _duplicate_hit(flow, name, copies, refs)


def _duplicate_hit(flow: Resource, name: str, copies: list[Resource],
                   refs: dict[str, list[dict[str, str]]]) -> Hit:
    in_use = {f.sid: refs[f.sid] for f in copies if f.sid in refs}
    if flow.sid in in_use:
        state = "is in use, like another copy" if len(in_use) > 1 else "is in use"
    else:
        state = (f"is not used by Flex (in use: {', '.join(in_use)})" if in_use
                 else "is not used by any Flex entry point, nor is any other copy")
    summary = f'{len(copies)} Studio flows are named "{name}": {flow.sid} {state}'
    details: dict[str, Any] = {"name": name, "copies": [f.sid for f in copies],
                               "in_use": in_use}
    return Hit("studio_flow", flow.sid, summary, details)
