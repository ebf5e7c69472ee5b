"""TaskRouter workflows of the Flex workspace: the task queues they route to."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.workflows import routed_queues
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import affected
from watchdog.rules.registry import Hit, rule


@rule("taskrouter.workflow-queue-missing", severity="critical",
      families=("configuration", "taskrouter"))
def workflow_queue_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex workflow routes tasks to a task queue that no longer exists.

    **Why it matters.** Every call and message that Send to Flex hands to this workflow becomes a
    task, and the workflow's configuration sends it to a queue by SID: a filter's target
    (`task_routing.filters[].targets[].queue`) or the default (`task_routing.default_filter.queue`).
    A task routed to a deleted queue waits for no agent: the customer is never answered. One
    finding per workflow; `details.missing_queues` lists each queue it names that the Flex
    workspace no longer holds, `details.existing_queues` the queues it does hold.

    **Fix by hand.** Console → TaskRouter → Workspaces → the Flex workspace ("Flex Task
    Assignment") → Task Queues: recreate the queue (default "Everyone", target workers `1==1`),
    then Workflows → the workflow → point each filter's target and the default queue at it →
    Save. By API: `POST https://taskrouter.twilio.com/v1/Workspaces/{WS}/TaskQueues` with
    `FriendlyName`, then `POST https://taskrouter.twilio.com/v1/Workspaces/{WS}/Workflows/{WW}`
    with a `Configuration` whose queues are the new `WQ...`.

    **Heal.** None: which queue should take the tasks is a human decision.
    """
    topo = ctx.topology
    if not topo.workspace_sid or ctx.snapshot.get("taskrouter_workspace", topo.workspace_sid) \
            is None:
        return  # taskrouter.workspace-missing explains it
    queues = topo.task_queues
    for sid, workflow in sorted(topo.workflows.items()):
        missing = [q for q in routed_queues(workflow) if q not in queues]
        if not missing:
            continue
        names = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        yield Hit("taskrouter_workflow", sid,
                  f'Workflow "{workflow.name}" ({sid}) routes tasks to task queue(s) {names}, '
                  "which no longer exist in the Flex workspace",
                  {"workflow": workflow.name, "workspace_sid": topo.workspace_sid,
                   "missing_queues": missing, "existing_queues": sorted(queues),
                   "affected": affected("taskrouter_task_queue", missing)})
