"""TaskRouter Workspaces with their Workflows, Task Channels and Task Queues."""

from __future__ import annotations

from watchdog.fetchers.common import make, read_all, record
from watchdog.fetchers.context import FetchContext
from watchdog.model.snapshot import Resource

WORKSPACE_FIELDS = ("sid", "friendly_name")
WORKFLOW_FIELDS = ("sid", "friendly_name", "workspace_sid", "configuration",
                   "assignment_callback_url", "fallback_assignment_callback_url")
CHANNEL_FIELDS = ("sid", "friendly_name", "unique_name", "workspace_sid")
QUEUE_FIELDS = ("sid", "friendly_name", "workspace_sid", "target_workers")


def fetch_taskrouter(ctx: FetchContext) -> list[Resource]:
    workspaces = [make("taskrouter_workspace", record(r), WORKSPACE_FIELDS)
                  for r in read_all(ctx.client.taskrouter.v1.workspaces, 1000, ctx.max_pages)]
    out = list(workspaces)
    for ws in workspaces:
        api = ctx.client.taskrouter.v1.workspaces(ws.sid)
        for r in read_all(api.workflows, 1000, ctx.max_pages):
            data = record(r) | {"workspace_sid": ws.sid}
            out.append(make("taskrouter_workflow", data, WORKFLOW_FIELDS))
        # TaskChannels "does not support pagination": one page at the largest size.
        for r in read_all(api.task_channels, 1000, 1):
            data = record(r) | {"workspace_sid": ws.sid}
            out.append(make("taskrouter_task_channel", data, CHANNEL_FIELDS))
        # Workflows route to queues by SID (task_routing): taskrouter.workflow-queue-missing.
        for r in read_all(api.task_queues, 1000, ctx.max_pages):
            data = record(r) | {"workspace_sid": ws.sid}
            out.append(make("taskrouter_task_queue", data, QUEUE_FIELDS))
    return out
