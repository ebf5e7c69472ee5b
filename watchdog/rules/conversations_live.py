"""Live state: conversations Flex will never show an agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from watchdog.rules.context import RuleContext
from watchdog.rules.registry import Hit, rule


def _created(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@rule("conversations.orphaned", severity="warning",
      families=("conversations_live",), kind="other", stack="conversations")
def orphaned(ctx: RuleContext) -> Iterator[Hit]:
    """An active conversation in the Flex service has been open for long with no task for it.

    **Why it matters.** This is the most common "customer texts, nothing happens" failure: a
    customer's number pair can be in one active conversation only, and that conversation
    captures every new message first. When its task was canceled, timed out, or an agent left
    without closing it, no open TaskRouter task references it (`conversationSid` in the task's
    attributes) and no agent will ever see the customer again. Raised for active conversations
    of the default Conversations service older than `flex.orphaned_after_seconds` (24 h by
    default), polled every `schedule.conversations_live_seconds` (300 s), reading at most
    `twilio.max_pages` pages.

    **Fix by hand.** Look at the conversation first (a person's call: closing a live thread
    ends it for the customer):
    `GET https://conversations.twilio.com/v1/Services/{IS}/Conversations/{CH}` and its
    messages. To hand it to an agent again, create an interaction for it; to end it,
    `POST https://conversations.twilio.com/v1/Services/{IS}/Conversations/{CH}` with
    `State=closed`. To stop new ones, set the service's timers
    (`POST https://conversations.twilio.com/v1/Configuration` with `DefaultInactiveTimer`,
    `DefaultClosedTimer`).

    **Heal.** None: closing a live conversation is never automatic.
    """
    limit = ctx.now - timedelta(seconds=ctx.settings.flex.orphaned_after_seconds)
    served = {str(t.get("conversation_sid")) for t in ctx.snapshot.of_type("taskrouter_task")
              if t.get("conversation_sid")}
    for conversation in ctx.snapshot.of_type("conversation"):
        created = _created(conversation.get("date_created"))
        if conversation.get("state") != "active" or created is None or created > limit:
            continue
        if conversation.sid in served:
            continue
        hours = int((ctx.now - created).total_seconds() // 3600)
        yield Hit("conversation", conversation.sid,
                  f"Conversation {conversation.sid} has been active for {hours} h with no open "
                  "Flex task: its customer's messages reach no agent",
                  {"chat_service_sid": conversation.get("chat_service_sid"),
                   "date_created": conversation.get("date_created"), "age_hours": hours,
                   "stack": "conversations"})
