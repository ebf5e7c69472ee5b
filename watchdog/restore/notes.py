"""What a plan reports and never writes: services System Checkup must create, and duplicate
flows System Checkup left behind, with the request a person would run."""

from __future__ import annotations

from watchdog.restore.context import PlanContext

SERVICES = (("chat_service", "Chat Service"), ("proxy_service", "Flex Proxy Service"),
            ("taskrouter_workspace", "TaskRouter workspace"))


def service_notes(ctx: PlanContext) -> None:
    base, cur = ctx.base_topo, ctx.cur_topo
    roles = {"chat_service": (base.chat_service_sid, cur.chat_service_sid),
             "proxy_service": (base.flex_proxy.sid if base.flex_proxy else None,
                               cur.flex_proxy.sid if cur.flex_proxy else None),
             "taskrouter_workspace": (base.workspace_sid, cur.workspace_sid)}
    for type_, name in SERVICES:
        old, new = roles[type_]
        if old and (not new or ctx.cur.get(type_, new) is None):
            ctx.note("system-checkup", old, f"The {name} {old} is gone and nothing fills its "
                     "role: run Flex System Checkup (Flex Console → Admin) to create it, then "
                     "plan again. Restore never creates or deletes services or workspaces.")


def duplicate_notes(ctx: PlanContext) -> None:
    used = ctx.cur_topo.flex_flow_refs
    seen: set[str] = set()
    for finding in ctx.reasons.of_rule("studio.flow-duplicate"):
        for copy in finding.details.get("copies") or ():
            if copy in seen:
                continue
            seen.add(copy)
            flow = ctx.cur.get("studio_flow", copy)
            name = flow.name if flow else copy
            if copy in used and not _left_by_checkup(ctx, copy):
                users = ", ".join(f"{t} {s}" for t, s, _ in used[copy])
                ctx.note("duplicate", copy, f'Studio flow "{name}" ({copy}) is one of several '
                         f"copies and is in use by {users}: kept")
                continue
            for _, flex_flow, _ in used.get(copy, ()):
                ctx.note("duplicate", flex_flow, f"Flex Flow {flex_flow} is not in the baseline "
                         f'and only hands messages to the copy "{name}" ({copy}) (System '
                         "Checkup creates it with the Flex Proxy Service). Restore never "
                         "deletes; to remove it, first:",
                         f"curl -X DELETE https://flex-api.twilio.com/v1/FlexFlows/{flex_flow} "
                         '-u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"')
            ctx.note("duplicate", copy, f'Studio flow "{name}" ({copy}) is a copy nothing in '
                     "the baseline uses (System Checkup creates one when it re-creates the "
                     "Flex Proxy Service). Restore never deletes; to remove it:",
                     f"curl -X DELETE https://studio.twilio.com/v2/Flows/{copy} "
                     '-u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"')


def _left_by_checkup(ctx: PlanContext, flow_sid: str) -> bool:
    """Used only by Flex Flows the baseline does not have, and not in the baseline itself."""
    users = ctx.cur_topo.flex_flow_refs.get(flow_sid, [])
    return (ctx.base.get("studio_flow", flow_sid) is None and bool(users)
            and all(t == "flex_flow" and ctx.base.get(t, s) is None for t, s, _ in users))
