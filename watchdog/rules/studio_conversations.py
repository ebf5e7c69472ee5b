"""Studio flows that Flex Conversations addresses start: the Incoming Conversation trigger."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.addresses import auto_creation, creation_type, enabled
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import parsed
from watchdog.rules.registry import Hit, rule

CONVERSATION = "incomingConversationMessage"


@rule("studio.conversation-trigger-unwired", severity="critical",
      families=("conversations", "studio"), kind="overwrite", stack="conversations")
def conversation_trigger_unwired(ctx: RuleContext) -> Iterator[Hit]:
    """A flow a Conversations address starts does not hand Incoming Conversations to Flex.

    **Why it matters.** An address with Studio auto-creation starts its flow on the Trigger
    widget's **Incoming Conversation** event (`incomingConversationMessage`), not on Incoming
    Message. With that transition unconnected, or with no Send to Flex widget reachable from it
    (a flow migrated from the legacy stack with only its Incoming Message edge wired), every
    conversation is created and then left with no task. The Send to Flex rules (workflow,
    channel, `channelSid` override, unpublished flow) check the widgets on this branch too.

    **Fix by hand.** Console → Studio → the flow → Trigger widget → connect **Incoming
    Conversation** to the Send to Flex widget (workflow "Assign to Anyone", channel
    "Programmable Chat") → **Publish**. By API: `POST https://studio.twilio.com/v2/Flows/{FW}`
    with the edited `Definition` and `Status=published`.

    **Heal.** None: flow definitions are never edited automatically.
    """
    users: dict[str, list[str]] = {}
    for address in ctx.snapshot.of_type("address_configuration"):
        sid = auto_creation(address).get("studio_flow_sid")
        if sid and enabled(address) and creation_type(address) == "studio":
            users.setdefault(str(sid), []).append(address.sid)
    for flow_sid, addresses in sorted(users.items()):
        flow = ctx.topology.flows.get(flow_sid)
        definition = parsed(flow, ctx.memo) if flow is not None else None
        if flow is None or definition is None:
            continue  # deleted, never published or not analysable: other rules say so
        if any(CONVERSATION in w.triggers for w in definition.send_to_flex):
            continue
        wired = definition.triggers.get(CONVERSATION) is not None
        why = ("reaches no Send to Flex widget" if wired
               else "is not connected to any widget")
        yield Hit("studio_flow", flow_sid,
                  f'Studio flow "{flow.name}" ({flow_sid}): its Incoming Conversation trigger '
                  f"{why}; {len(addresses)} Conversations addresses start it",
                  {"address_configurations": addresses, "trigger_connected": wired,
                   "stack": "conversations"})
