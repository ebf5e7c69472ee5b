"""Live state of Flex Conversations: the active conversations of the default Conversations
service and the open tasks of the Flex workspace (which conversation each one serves).

Polled on its own schedule; bounded by ``max_pages`` like every list (a list that never ends
fails the family). The Conversations and Flex Configurations are read again here so the live
state is judged against the service and workspace of the same instant.
"""

from __future__ import annotations

import json
from typing import Any

from watchdog.fetchers.common import make, read_all, record
from watchdog.fetchers.context import FetchContext
from watchdog.model.snapshot import Resource

CONVERSATION_FIELDS = ("sid", "chat_service_sid", "state", "date_created", "friendly_name")
TASK_FIELDS = ("sid", "workspace_sid", "assignment_status", "conversation_sid")
OPEN = ["pending", "reserved", "assigned", "wrapping"]


def fetch_conversations_live(ctx: FetchContext) -> list[Resource]:
    out: list[Resource] = []
    service = ctx.client.conversations.v1.configuration().fetch().default_chat_service_sid
    if service:
        lister = ctx.client.conversations.v1.services(service).conversations
        out += [make("conversation", record(r, CONVERSATION_FIELDS), CONVERSATION_FIELDS)
                for r in read_all(lister, 100, ctx.max_pages, state="active")]
    workspace = ctx.client.flex_api.v1.configuration().fetch().taskrouter_workspace_sid
    if workspace:
        tasks = ctx.client.taskrouter.v1.workspaces(workspace).tasks
        out += [_task(r, workspace)
                for r in read_all(tasks, 1000, ctx.max_pages, assignment_status=OPEN)]
    return out


def _task(instance: Any, workspace: str) -> Resource:
    """An open task, keeping only the conversation its attributes name (no customer data)."""
    try:
        attributes = json.loads(getattr(instance, "attributes", None) or "{}")
    except ValueError:
        attributes = {}
    conversation = attributes.get("conversationSid") if isinstance(attributes, dict) else None
    data = {"sid": instance.sid, "workspace_sid": workspace,
            "assignment_status": instance.assignment_status,
            "conversation_sid": conversation if isinstance(conversation, str) else None}
    return make("taskrouter_task", data, TASK_FIELDS)
