"""Re-create a deleted TaskRouter workflow (its queues re-pointed by role and by name) or task
channel, in the Flex workspace the Flex Configuration names now."""

from __future__ import annotations

import re

from watchdog.healing.model import Request
from watchdog.model.snapshot import Resource
from watchdog.restore.context import PlanContext, form, label
from watchdog.restore.plan import Step

WORKFLOW_RULES = ("studio.send-to-flex-workflow-invalid", "baseline.resource-deleted")
CHANNEL_RULES = ("studio.send-to-flex-channel-invalid", "baseline.resource-deleted")
_QUEUE = re.compile(r"WQ[0-9a-fA-F]{32}")


def _base(workspace: str) -> str:
    return f"https://taskrouter.twilio.com/v1/Workspaces/{workspace}"


def workflow(ctx: PlanContext, old: Resource) -> Step | None:
    workspace = ctx.cur_topo.workspace_sid or ""
    config = ctx.sids.remap_text(str(old.get("configuration") or ""))
    reasons = ctx.reasons.about([old.sid], WORKFLOW_RULES)
    unknown = sorted({q for q in _QUEUE.findall(config) if q not in ctx.sids.sids.values()}
                     ) if old.get("workspace_sid") != workspace else []
    if unknown and reasons:
        ctx.note("refused", old.sid, f"{label(old)}: its configuration names TaskQueue(s) "
                 f"{', '.join(unknown)} of the deleted workspace with no queue of the same name "
                 "(or more than one) in the current Flex workspace: create the queue, or "
                 "re-create the workflow by hand")
        return None
    url = f"{_base(workspace)}/Workflows"
    fields = form(FriendlyName=old.get("friendly_name"), Configuration=config,
                  AssignmentCallbackUrl=old.get("assignment_callback_url") or None,
                  FallbackAssignmentCallbackUrl=old.get("fallback_assignment_callback_url")
                  or None)
    after = {"friendly_name": old.get("friendly_name"), "configuration": config}
    return Step("taskrouter-workflow", "create", old.type, old.sid, label(old), reasons,
                Request("POST", url, fields), {}, after, None, url,
                {"friendly_name": old.get("friendly_name")})


def channel(ctx: PlanContext, old: Resource) -> Step | None:
    url = f"{_base(ctx.cur_topo.workspace_sid or '')}/TaskChannels"
    after = {"friendly_name": old.get("friendly_name"), "unique_name": old.get("unique_name")}
    return Step("taskrouter-task-channel", "create", old.type, old.sid, label(old),
                ctx.reasons.about([old.sid], CHANNEL_RULES),
                Request("POST", url, form(FriendlyName=old.get("friendly_name"),
                                          UniqueName=old.get("unique_name"))),
                {}, after, None, url, {"unique_name": old.get("unique_name")})
