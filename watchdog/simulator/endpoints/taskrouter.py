"""``taskrouter`` v1: Workspaces, Workflows, TaskChannels and TaskQueues."""

from __future__ import annotations

import json

from watchdog.simulator.calls import (
    Call,
    Converter,
    Reply,
    apply,
    boolean,
    form_changes,
    integer,
    listing,
    lookup,
    matches,
    ok,
    text,
)
from watchdog.simulator.endpoints.api import sid_of
from watchdog.simulator.endpoints.flex import one_of
from watchdog.simulator.errors import bad_request
from watchdog.simulator.records import Record

WORKSPACE_FIELDS: dict[str, Converter] = {
    "FriendlyName": text, "DefaultActivitySid": sid_of("WA"), "EventCallbackUrl": text,
    "EventsFilter": text, "MultiTaskEnabled": boolean, "TimeoutActivitySid": sid_of("WA"),
    "PrioritizeQueueOrder": one_of("FIFO", "LIFO"),
}


def configuration(name: str, values: list[str]) -> str:
    """A workflow ``Configuration``: TaskRouter rejects anything that is not JSON."""
    try:
        json.loads(values[0])
    except ValueError:
        raise bad_request(f"Invalid {name}: not valid JSON") from None
    return values[0]


WORKFLOW_FIELDS: dict[str, Converter] = {
    "FriendlyName": text, "AssignmentCallbackUrl": text, "FallbackAssignmentCallbackUrl": text,
    "Configuration": configuration, "TaskReservationTimeout": integer,
}
CHANNEL_FIELDS: dict[str, Converter] = {"FriendlyName": text, "ChannelOptimizedRouting": boolean}


def _workspace(call: Call, name: str = "WorkspaceSid") -> Record:
    return lookup(call, call.world.store.workspaces, call.params[name])


# -- Workspaces --------------------------------------------------------------------------------
def list_workspaces(call: Call) -> Reply:
    """GET list; filter ``FriendlyName``."""
    items = [ws for ws in call.world.store.workspaces.values()
             if matches(ws, call, {"FriendlyName": "friendly_name"})]
    return listing(call, "workspaces", items)


def create_workspace(call: Call) -> Reply:
    """POST list: ``FriendlyName`` required."""
    world = call.world
    sid = world.add_workspace(call.required("FriendlyName"))
    return ok(apply(world.store.workspaces[sid], form_changes(call, WORKSPACE_FIELDS),
                    world.stamp()), 201)


def fetch_workspace(call: Call) -> Reply:
    """GET one workspace."""
    return ok(_workspace(call, "Sid"))


def update_workspace(call: Call) -> Reply:
    """POST: workspace fields."""
    return ok(apply(_workspace(call, "Sid"), form_changes(call, WORKSPACE_FIELDS),
                    call.world.stamp()))


def delete_workspace(call: Call) -> Reply:
    """DELETE the workspace with its workflows and channels."""
    _workspace(call, "Sid")
    call.world.delete(call.params["Sid"], source="api")
    return Reply(204)


# -- Workflows ---------------------------------------------------------------------------------
def _workflows(call: Call) -> dict[str, Record]:
    _workspace(call)
    return call.world.store.workflows[call.params["WorkspaceSid"]]


def list_workflows(call: Call) -> Reply:
    """GET list; filter ``FriendlyName``."""
    items = [ww for ww in _workflows(call).values()
             if matches(ww, call, {"FriendlyName": "friendly_name"})]
    return listing(call, "workflows", items)


def create_workflow(call: Call) -> Reply:
    """POST list: ``FriendlyName`` and ``Configuration`` required."""
    _workflows(call)
    name, config = call.required("FriendlyName"), call.required("Configuration")
    configuration("Configuration", [config])
    world = call.world
    sid = world.add_workflow(call.params["WorkspaceSid"], name, config)
    record = world.store.workflows[call.params["WorkspaceSid"]][sid]
    return ok(apply(record, form_changes(call, WORKFLOW_FIELDS), world.stamp()), 201)


def fetch_workflow(call: Call) -> Reply:
    """GET one workflow."""
    return ok(lookup(call, _workflows(call), call.params["Sid"]))


def update_workflow(call: Call) -> Reply:
    """POST: workflow fields (``ReEvaluateTasks`` is accepted and ignored)."""
    workflow = lookup(call, _workflows(call), call.params["Sid"])
    return ok(apply(workflow, form_changes(call, WORKFLOW_FIELDS), call.world.stamp()))


def delete_workflow(call: Call) -> Reply:
    """DELETE one workflow."""
    lookup(call, _workflows(call), call.params["Sid"])
    _workflows(call).pop(call.params["Sid"])
    return Reply(204)


# -- TaskChannels ------------------------------------------------------------------------------
def _channels(call: Call) -> dict[str, Record]:
    _workspace(call)
    return call.world.store.task_channels[call.params["WorkspaceSid"]]


def _channel(call: Call) -> Record:
    # Twilio fetches a channel by SID or by unique name (OAI example "fetchUniqueName").
    key = call.params["Sid"]
    channels = _channels(call)
    found = channels.get(key) or next(
        (tc for tc in channels.values() if tc["unique_name"] == key), None)
    if found is None:
        raise call.not_found()
    return found


def list_channels(call: Call) -> Reply:
    """GET list (list key ``channels``)."""
    return listing(call, "channels", list(_channels(call).values()))


def create_channel(call: Call) -> Reply:
    """POST list: ``FriendlyName`` and ``UniqueName`` required."""
    _channels(call)
    world = call.world
    optimized = (boolean("ChannelOptimizedRouting", call.form["ChannelOptimizedRouting"])
                 if call.has("ChannelOptimizedRouting") else False)
    sid = world.add_task_channel(call.params["WorkspaceSid"], call.required("UniqueName"),
                                 call.required("FriendlyName"), optimized)
    return ok(_channels(call)[sid], 201)


def fetch_channel(call: Call) -> Reply:
    """GET one channel (by SID or unique name)."""
    return ok(_channel(call))


def update_channel(call: Call) -> Reply:
    """POST: ``FriendlyName``, ``ChannelOptimizedRouting`` (``unique_name`` is immutable)."""
    return ok(apply(_channel(call), form_changes(call, CHANNEL_FIELDS), call.world.stamp()))


def delete_channel(call: Call) -> Reply:
    """DELETE one channel."""
    _channels(call).pop(_channel(call)["sid"])
    return Reply(204)


# -- TaskQueues --------------------------------------------------------------------------------
def _queues(call: Call) -> dict[str, Record]:
    _workspace(call)
    return call.world.store.task_queues[call.params["WorkspaceSid"]]


def list_queues(call: Call) -> Reply:
    """GET list (PageSize max 1000); filter ``FriendlyName``."""
    items = [wq for wq in _queues(call).values()
             if matches(wq, call, {"FriendlyName": "friendly_name"})]
    return listing(call, "task_queues", items, 1000)


def fetch_queue(call: Call) -> Reply:
    """GET one queue."""
    return ok(lookup(call, _queues(call), call.params["Sid"]))


def delete_queue(call: Call) -> Reply:
    """DELETE one queue (workflows that route to it are left as they are)."""
    lookup(call, _queues(call), call.params["Sid"])
    _queues(call).pop(call.params["Sid"])
    return Reply(204)


def list_tasks(call: Call) -> Reply:
    """GET a workspace's tasks (PageSize max 1000); filter ``AssignmentStatus`` (repeated)."""
    workspace = call.params["WorkspaceSid"]
    lookup(call, call.world.store.workspaces, workspace)
    wanted = {value for name, value in call.query_pairs if name == "AssignmentStatus"}
    items = [t for t in call.world.store.tasks.get(workspace, {}).values()
             if not wanted or t["assignment_status"] in wanted]
    return listing(call, "tasks", items, 1000)
