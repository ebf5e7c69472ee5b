"""Studio flows and their Send to Flex widgets (the recovery guide's "Studio Flows" and
"Espacio de trabajo de TaskRouter" sections)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from watchdog.model.flowdef import SendToFlex
from watchdog.model.snapshot import Resource
from watchdog.model.topology import WORKSPACE_CHILDREN
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import affected, parsed
from watchdog.rules.registry import Hit, rule
from watchdog.rules.send_to_flex import (
    ATTRIBUTES_INVALID,
    CHANNEL_INVALID,
    CHANNELSID_OVERRIDDEN,
    WORKFLOW_INVALID,
    Problem,
    Workspace,
    check_attributes,
    check_channel,
    check_channel_sid,
    check_workflow,
)
from watchdog.rules.studio_flows import REFS_FAMILIES, duplicate_hits, unpublished_hits

WIDGET_FAMILIES = ("configuration", "taskrouter", "studio")


@rule(WORKFLOW_INVALID, severity="critical", families=WIDGET_FAMILIES)
def send_to_flex_workflow_invalid(ctx: RuleContext) -> Iterator[Hit]:
    """A Send to Flex widget's workflow is not a workflow of the Flex workspace.

    **Why it matters.** Send to Flex creates the task with this workflow. A deleted workflow, or
    one of another workspace (typically the old one, after the Flex workspace was deleted and
    System Checkup created a new one), makes the widget fail with "Failed to Create Task": the
    call or message never reaches an agent. One finding per Studio flow; `details.widgets` lists
    each broken widget. Analyses the *published* revision, which is what live traffic runs.
    When the Flex workspace itself is missing, `taskrouter.workspace-missing` reports that instead.

    Widgets still on a workspace that no longer exists (System Checkup re-created the Flex
    workspace under a new SID) have one cause: one finding on the deleted workspace
    (`taskrouter_workspace`), with every Studio flow and what the old workspace held in
    `details.affected`, and each widget's workflow *and* channel problem in `details.widgets`
    (with its `flow_sid`), instead of a workflow and a channel finding per flow.

    **Fix by hand** (the recovery guide, "Espacio de trabajo de TaskRouter"): Console → Studio →
    the flow → each Send to Flex widget listed → Workflow: select the Flex workspace's workflow
    (default "Assign to Anyone", `details.default_workflow`) → Save → **Publish**. By API:
    `POST https://studio.twilio.com/v2/Flows/{FW}` with `Status=published` and the `Definition`
    whose widget `properties.workflow` is the new `WW...`.

    **Heal.** None: flows are never edited automatically.
    """
    yield from _widget_hits(ctx, WORKFLOW_INVALID, "taskrouter_workflow")


@rule(CHANNEL_INVALID, severity="critical", families=WIDGET_FAMILIES)
def send_to_flex_channel_invalid(ctx: RuleContext) -> Iterator[Hit]:
    """A Send to Flex widget's channel is not a Flex task channel, or the wrong kind.

    **Why it matters.** The task channel decides how Flex offers the task. A channel that does not
    exist fails the widget; the wrong kind offers the task to the wrong agents or breaks the
    conversation: a flow triggered by an incoming call must use **Voice** (`voice`), legacy
    messaging and webchat flows (trigger "Incoming Message") must use **Programmable Chat**
    (`chat`, also for SMS, as the guide insists), and a Flex Conversations flow ("Incoming
    Conversation") must not use Voice. One finding per Studio flow; `details.widgets` lists each
    broken widget with the trigger events that reach it. A channel of a deleted (re-created)
    workspace is reported with it, by `studio.send-to-flex-workflow-invalid` on that workspace
    (here only when no widget still names one of its workflows).

    **Fix by hand** (the recovery guide, "Espacio de trabajo de TaskRouter" and "Studio Flows"):
    Console → Studio → the flow → the Send to Flex widget → Channel: "Voice" for the Voice IVR,
    "Programmable Chat" for Messaging and Webchat → Save → **Publish**. By API:
    `POST https://studio.twilio.com/v2/Flows/{FW}` with `Status=published` and a `Definition`
    whose widget `properties.channel` is the right `TC...`
    (`GET https://taskrouter.twilio.com/v1/Workspaces/{WS}/TaskChannels` lists them).

    **Heal.** None: flows are never edited automatically.
    """
    yield from _widget_hits(ctx, CHANNEL_INVALID, "taskrouter_task_channel")


@rule(CHANNELSID_OVERRIDDEN, severity="warning", families=("studio",), kind="overwrite")
def send_to_flex_channelsid_overridden(ctx: RuleContext) -> Iterator[Hit]:
    """A Send to Flex widget's attributes set `channelSid` to something other than the trigger's.

    **Why it matters.** Send to Flex adds `channelSid` to the task itself, but keeps a value set in
    the widget's attributes. The Flex UI joins the agent to the chat channel named by
    `channelSid`: any value other than `{{trigger.message.ChannelSid}}` and the agent cannot join
    the chat or talk to the customer (the recovery guide, "Studio Flows").

    In a voice flow (reached only by incoming calls) there is no chat channel at all: Flex links
    a call's task to the call by `call_sid`, `{{trigger.message.ChannelSid}}` renders empty on a
    call, and a `channelSid` (often pasted from the messaging flow) names a channel the call does
    not have.

    **Fix by hand.** Console → Studio → the flow → the Send to Flex widget → Attributes: remove
    `channelSid` or set it to `{{trigger.message.ChannelSid}}` (voice flow: remove it) → Save →
    **Publish**
    (`POST https://studio.twilio.com/v2/Flows/{FW}` with `Status=published` and the corrected
    `Definition`).

    **Heal.** None: flows are never edited automatically.
    """
    for flow in ctx.snapshot.of_type("studio_flow"):
        problems = [p for w in _widgets(ctx, flow) if (p := check_channel_sid(w)) is not None]
        if problems:
            yield _hit(flow, problems, {})


@rule(ATTRIBUTES_INVALID, severity="warning", families=("studio",), kind="overwrite")
def send_to_flex_attributes_invalid(ctx: RuleContext) -> Iterator[Hit]:
    """A Send to Flex widget's attributes are not a JSON object, even with Liquid rendered.

    **Why it matters.** Send to Flex renders the attributes' Liquid (`{{trigger.call.From}}`,
    `{% if %}`) and reads the result as the task's JSON attributes. Text that is not a JSON object
    once every `{{ ... }}` is filled in (a missing quote or comma, a trailing comma, an unclosed
    brace) fails the widget, and the call or message never becomes a task. Checked with each
    `{{ ... }}` standing for a string and each `{% ... %}` tag removed.

    **Fix by hand.** Console → Studio → the flow → the Send to Flex widget → Attributes: make it
    one JSON object, with every `{{ ... }}` inside a quoted string unless it renders a number or
    an object → Save → **Publish** (`POST https://studio.twilio.com/v2/Flows/{FW}` with
    `Status=published` and the corrected `Definition`). `flex-watchdog lint-flow FILE` checks an
    export before it is deployed.

    **Heal.** None: flows are never edited automatically.
    """
    for flow in ctx.snapshot.of_type("studio_flow"):
        problems = [p for w in _widgets(ctx, flow) if (p := check_attributes(w)) is not None]
        if problems:
            yield _hit(flow, problems, {})


@rule("studio.flow-unpublished", severity="warning", families=REFS_FAMILIES, kind="other")
def flow_unpublished(ctx: RuleContext) -> Iterator[Hit]:
    """A Studio flow Flex traffic reaches was never published or has unpublished changes.

    **Why it matters.** Studio runs a flow's latest *published* revision. A fix saved as a draft
    (for example new Send to Flex settings after the workspace was recreated) is not live yet; a
    flow that was never published rejects every call or message sent to it.

    **Fix by hand.** Console → Studio → the flow → review the changes → **Publish**, or by API
    `POST https://studio.twilio.com/v2/Flows/{FW}` with `Status=published` (and the `Definition`
    to publish). `details.used_by` lists the numbers, Flex Flows and addresses that reach it.

    **Heal.** None: publishing someone's draft is a human decision.
    """
    yield from unpublished_hits(ctx)


@rule("studio.flow-duplicate", severity="info", families=REFS_FAMILIES, kind="other")
def flow_duplicate(ctx: RuleContext) -> Iterator[Hit]:
    """More than one Studio flow carries a default Flex flow name.

    **Why it matters.** Re-running System Checkup (after deleting the Proxy or Chat Service)
    creates new "Messaging Flow" and "Webchat Flow" flows next to the old ones, and repoints the
    new Flex Flow at them. Two flows with one name make it easy to edit the one no traffic uses.
    The flow **in use** is the one a phone number, a Flex Flow or a Conversations address points
    at (`details.in_use`); a finding is raised for each copy that nothing uses.

    **Fix by hand.** Check `details.in_use` (or Console → Flex → Manage → Messaging, and each
    number's configuration), make sure every entry point uses the flow you maintain, then delete
    the unused copy: Console → Studio → the flow → Delete, or
    `DELETE https://studio.twilio.com/v2/Flows/{FW}`.

    **Heal.** None.
    """
    yield from duplicate_hits(ctx)


def _widgets(ctx: RuleContext, flow: Resource) -> tuple[SendToFlex, ...]:
    definition = parsed(flow, ctx.memo)
    return definition.send_to_flex if definition else ()


def _widget_hits(ctx: RuleContext, rule_id: str, resource_type: str) -> Iterator[Hit]:
    topo = ctx.topology
    if not topo.workspace_sid or _deleted(ctx, "taskrouter_workspace", topo.workspace_sid):
        return  # taskrouter.workspace-missing explains every widget
    workspace = Workspace.of(topo, ctx.baseline)
    check = check_workflow if rule_id == WORKFLOW_INVALID else check_channel
    replaced = _replaced_workspace_problems(ctx, workspace)
    for flow in ctx.snapshot.of_type("studio_flow"):
        problems = [p for w in _widgets(ctx, flow) if (p := check(w, workspace)) is not None
                    and p not in replaced.get(flow.sid, ())]
        if not problems:
            continue
        gone = [p.value for p in problems if p.value and _deleted(ctx, resource_type, p.value)]
        extra = {"workspace_sid": topo.workspace_sid, "default_workflow": _default_workflow(ctx),
                 "affected": affected(resource_type, gone) + _old_workspace(ctx, resource_type,
                                                                            gone)}
        yield _hit(flow, problems, extra)
    # One cause, one finding: the widgets still on a deleted (re-created) workspace. The
    # workflow rule reports it; the channel rule only when no widget names an old workflow.
    by_rule = {p.rule for found in replaced.values() for p in found}
    if replaced and (rule_id == WORKFLOW_INVALID or WORKFLOW_INVALID not in by_rule):
        yield _replaced_workspace_hit(ctx, replaced)


def _replaced_workspace_problems(ctx: RuleContext,
                                 workspace: Workspace) -> dict[str, list[Problem]]:
    """Flow SID -> the workflow and channel problems of its widgets whose value belonged, in
    the baseline, to a workspace that no longer exists while the Flex one does."""
    memo = vars(ctx)  # shared by the two widget rules of one context
    if "_replaced_workspace" not in memo:
        out: dict[str, list[Problem]] = {}
        for flow in ctx.snapshot.of_type("studio_flow"):
            for widget in _widgets(ctx, flow):
                for found in (check_workflow(widget, workspace), check_channel(widget, workspace)):
                    if found is not None and _old_owner(ctx, found.value) is not None:
                        out.setdefault(flow.sid, []).append(found)
        memo["_replaced_workspace"] = out
    return dict(memo["_replaced_workspace"])


def _old_owner(ctx: RuleContext, value: str | None) -> str | None:
    """The deleted workspace that held workflow or task channel ``value`` in the baseline."""
    if ctx.baseline is None or not value or ctx.snapshot.get("taskrouter_workflow", value) \
            or ctx.snapshot.get("taskrouter_task_channel", value):
        return None
    for type_ in ("taskrouter_workflow", "taskrouter_task_channel"):
        old = ctx.baseline.get(type_, value)
        owner = str(old.get("workspace_sid") or "") if old is not None else ""
        if owner and _deleted(ctx, "taskrouter_workspace", owner):
            return owner
    return None


def _replaced_workspace_hit(ctx: RuleContext, replaced: dict[str, list[Problem]]) -> Hit:
    topo = ctx.topology
    owners = sorted({o for found in replaced.values() for p in found
                     if (o := _old_owner(ctx, p.value)) is not None})
    old = owners[0]
    flows = [f for f in ctx.snapshot.of_type("studio_flow") if f.sid in replaced]
    names = ", ".join(f'"{f.name}"' for f in flows[:5]) + (" ..." if len(flows) > 5 else "")
    summary = (f"Workspace {old} (deleted) is still used by the Send to Flex widgets of "
               f"{len(flows)} Studio flow(s) ({names}), not the Flex workspace {topo.workspace_sid}")
    widgets = [p.to_json() | {"flow_sid": f.sid} for f in flows for p in replaced[f.sid]]
    assert ctx.baseline is not None  # an owner is only known from the baseline
    held = [{"type": r.type, "sid": r.sid} for t in WORKSPACE_CHILDREN
            for r in ctx.baseline.of_type(t) if r.get("workspace_sid") in owners]
    return Hit("taskrouter_workspace", old, summary, {
        "deleted_workspace_sids": owners, "workspace_sid": topo.workspace_sid,
        "default_workflow": _default_workflow(ctx),
        "flows": [{"sid": f.sid, "flow": f.name, "widgets": [p.to_json() for p in replaced[f.sid]]}
                  for f in flows],
        "widgets": widgets,
        "affected": affected("studio_flow", [f.sid for f in flows])
        + affected("taskrouter_workspace", owners[1:]) + held})


def _old_workspace(ctx: RuleContext, resource_type: str, gone: list[str]) -> list[dict[str, str]]:
    """The deleted workspace the widgets still use, and all it held (one cause, one finding)."""
    if ctx.baseline is None:
        return []
    owners = {str(r.get("workspace_sid")) for sid in gone
              if (r := ctx.baseline.get(resource_type, sid)) is not None}
    owners = {ws for ws in owners if _deleted(ctx, "taskrouter_workspace", ws)}
    held = [r for t in WORKSPACE_CHILDREN for r in ctx.baseline.of_type(t)
            if r.get("workspace_sid") in owners]
    return affected("taskrouter_workspace", owners) + [{"type": r.type, "sid": r.sid} for r in held]


def _deleted(ctx: RuleContext, resource_type: str, sid: str) -> bool:
    return ctx.snapshot.get(resource_type, sid) is None


def _default_workflow(ctx: RuleContext) -> dict[str, str] | None:
    name = ctx.settings.flex.workflow_name
    found = [w for w in ctx.topology.workflows.values() if w.get("friendly_name") == name]
    return {"sid": found[0].sid, "friendly_name": name} if found else None


def _hit(flow: Resource, problems: list[Problem], extra: dict[str, Any]) -> Hit:
    widgets = ", ".join(sorted({p.widget for p in problems}))
    first = problems[0]
    summary = (f'Studio flow "{flow.name}" ({flow.sid}), Send to Flex {widgets}: '
               f"{first.field} {first.reason}")
    return Hit("studio_flow", flow.sid, summary,
               {"flow": flow.name, "widgets": [p.to_json() for p in problems]} | extra)
