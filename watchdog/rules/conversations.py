"""Flex Conversations: address configurations, what they start and what they route.

The logic lives in ``address_checks``; this module is the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.rules import address_checks as checks
from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule

ADDRESSES = checks.ADDRESS_FAMILIES


@rule("conversations.address-missing", severity="critical", families=ADDRESSES,
      stack="conversations")
def address_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address configuration in the baseline is gone.

    **Why it matters.** The address is what makes Twilio create a conversation (and so a Flex
    task) for a message to a number, WhatsApp sender or webchat deployment. Without it the
    number's messages reach no agent (or fall back to the number's own webhook); a webchat
    widget using the address fails with error 45765. Raised for `sms`/`whatsapp` addresses only
    while their number or sender is still on the account: a released number is ordinary
    drift. An address recreated for the same number under a new SID is not missing.

    **Fix by hand.** Console → Flex → Manage → Messaging → Conversation Addresses → Create, with
    the values in `details.last_known` (type, address, integration). By API:
    `POST https://conversations.twilio.com/v1/Configuration/Addresses` with `Type`, `Address`,
    `AutoCreation.Enabled=true`, `AutoCreation.Type=studio`, `AutoCreation.StudioFlowSid=FW...`
    and `AutoCreation.ConversationServiceSid=IS...` (the default service).

    **Heal.** None: which integration to recreate is a human decision.
    """
    yield from checks.missing_hits(ctx)


@rule("conversations.address-autocreation-disabled", severity="critical",
      families=("conversations",), kind="overwrite", stack="conversations")
def address_autocreation_disabled(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address has auto-creation disabled.

    **Why it matters.** With `auto_creation.enabled` false Twilio creates no conversation for a
    new inbound message (error 45761, "Auto create not enabled"): customers who have no open
    conversation reach nobody. Critical when the baseline had it enabled (someone switched it
    off), a warning otherwise (it may never have been in use).

    **Fix by hand.** Console → Flex → Manage → Messaging → Conversation Addresses → the address →
    enable "Auto-create conversations" → Save. By API:
    `POST https://conversations.twilio.com/v1/Configuration/Addresses/{IG}` with
    `AutoCreation.Enabled=true`.

    **Heal.** None.
    """
    yield from checks.autocreation_disabled_hits(ctx)


@rule("conversations.address-integration-invalid", severity="critical",
      families=("conversations",), kind="overwrite", stack="conversations")
def address_integration_invalid(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address's auto-creation settings are incomplete or invalid.

    **Why it matters.** Twilio cannot auto-create a conversation when `auto_creation.type` is
    missing (error 45760) or not `webhook`, `studio` or `default` (45762; compared without
    case), when `studio` has no `studio_flow_sid` (45763) or `webhook` no `webhook_url`
    (45764). Every new inbound message to the address is lost. Addresses with auto-creation
    disabled are `conversations.address-autocreation-disabled` instead.

    **Fix by hand.** Console → Flex → Manage → Messaging → Conversation Addresses → the address →
    choose the integration (Studio flow or webhook URL) → Save. By API:
    `POST https://conversations.twilio.com/v1/Configuration/Addresses/{IG}` with
    `AutoCreation.Type=studio` and `AutoCreation.StudioFlowSid=FW...` (or
    `AutoCreation.Type=webhook` and `AutoCreation.WebhookUrl=https://...`).

    **Heal.** None: the integration is a human decision.
    """
    yield from checks.integration_invalid_hits(ctx)


@rule("conversations.address-studio-flow-missing", severity="critical",
      families=("conversations", "studio"), stack="conversations")
def address_studio_flow_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address's Studio auto-creation points at a flow that no longer exists.

    **Why it matters.** Each inbound message to the address (an SMS number, WhatsApp sender,
    webchat) creates a conversation and starts `auto_creation.studio_flow_sid`, whose Send to
    Flex widget creates the Flex interaction. With the flow gone, conversations are created but
    never reach an agent. Addresses whose auto-creation is disabled are not checked; a studio
    address with no flow SID at all is `conversations.address-integration-invalid`.

    **Fix by hand.** Console → Flex → Manage → Messaging → Conversation Addresses → the address →
    Studio Flow → pick the flow → Save. By API:
    `POST https://conversations.twilio.com/v1/Configuration/Addresses/{IG}` with
    `AutoCreation.Type=studio`, `AutoCreation.StudioFlowSid=FW...` and
    `AutoCreation.Enabled=true`. Recreate the flow first if it was deleted by accident.

    **Heal.** None: which flow to use is a human decision.
    """
    yield from checks.studio_flow_missing_hits(ctx)


@rule("conversations.address-service-missing", severity="critical",
      families=("conversations", "conversations_services"), stack="conversations")
def address_service_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address creates conversations in a service that does not exist.

    **Why it matters.** `auto_creation.conversation_service_sid` names the Conversations service
    new conversations are created in. A deleted service there means no conversation, no task.
    One finding per missing service, on that service, with every address naming it in
    `details.affected`. When the missing service is the default one,
    `conversations.default-service-missing` reports it once for every address naming it; when it
    was the baseline's default and a new default replaced it, `conversations.default-service-changed`
    does.

    **Fix by hand.** Point the address at the Flex Conversations service (the default one,
    normally "Flex Chat Service"):
    `POST https://conversations.twilio.com/v1/Configuration/Addresses/{IG}` with
    `AutoCreation.ConversationServiceSid=IS...`, or clear it so the default service is used.

    **Heal.** None.
    """
    yield from checks.service_missing_hits(ctx)


@rule("conversations.address-orphaned", severity="warning",
      families=ADDRESSES, kind="other", stack="conversations")
def address_orphaned(ctx: RuleContext) -> Iterator[Hit]:
    """A Conversations address routes a number or WhatsApp sender no longer on the account.

    **Why it matters.** The `sms` address's phone number (or the `whatsapp` address's sender)
    was released or moved to another account: the address routes nothing. Often the number was
    released by mistake; if it was intended, the address is a leftover to remove.

    **Fix by hand.** If the number should still be there, buy it back or port it in
    (Console → Phone Numbers). Otherwise delete the address:
    `DELETE https://conversations.twilio.com/v1/Configuration/Addresses/{IG}`.

    **Heal.** None.
    """
    yield from checks.orphaned_hits(ctx)
