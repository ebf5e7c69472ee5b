"""Flex Conversations: address configurations and the Studio flows they start."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.addresses import auto_creation, creation_type
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import affected, flow_label
from watchdog.rules.registry import Hit, rule


@rule("conversations.address-studio-flow-missing", severity="critical",
      families=("conversations", "studio"), stack="conversations")
def address_studio_flow_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address's Studio auto-creation points at a flow that no longer exists.

    **Why it matters.** Each inbound message to the address (an SMS number, WhatsApp sender,
    webchat) creates a conversation and starts `auto_creation.studio_flow_sid`, whose Send to
    Flex widget creates the Flex interaction. With the flow gone (or not set: error 45763),
    conversations are created but never reach an agent. Addresses whose auto-creation is disabled
    are not checked.

    **Fix by hand.** Console → Flex → Manage → Messaging → Conversation Addresses → the address →
    Studio Flow → pick the flow → Save. By API:
    `POST https://conversations.twilio.com/v1/Configuration/Addresses/{IG}` with
    `AutoCreation.Type=studio`, `AutoCreation.StudioFlowSid=FW...` and
    `AutoCreation.Enabled=true`. Recreate the flow first if it was deleted by accident.

    **Heal.** None: which flow to use is a human decision.
    """
    flows = ctx.topology.flows
    for address in ctx.snapshot.of_type("address_configuration"):
        auto = auto_creation(address)
        if creation_type(address) != "studio" or auto.get("enabled") is False:
            continue
        sid = auto.get("studio_flow_sid")
        if sid and sid in flows:
            continue
        target = f"Studio flow {flow_label(ctx, str(sid))}, which no longer exists" if sid \
            else "no Studio flow (studio_flow_sid is not set)"
        yield Hit("address_configuration", address.sid,
                  f"Conversations address {address.get('address')} ({address.sid}) starts "
                  f"{target}",
                  {"address": address.get("address"), "type": address.get("type"),
                   "flow_sid": sid, "stack": "conversations",
                   "affected": affected("studio_flow", [sid] if sid else [])})
