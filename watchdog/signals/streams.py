"""Event Streams (``events.twilio.com``): the types the daemon subscribes to, what each pushed
CloudEvent names, and the record of the sink tests it received.

https://www.twilio.com/docs/events ; the types: https://www.twilio.com/docs/events/event-types
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ERROR_LOGGED = "com.twilio.error-logs.error.logged"
TEST_TYPE = "com.twilio.eventstreams.test-sink"  # what ``POST /v1/Sinks/{DG}/Test`` sends

# What Twilio pushes that matters here, in the order ``events setup`` reports them. Only the
# ones the account's ``GET /v1/Types`` lists are subscribed.
WANTED_TYPES: tuple[str, ...] = (
    ERROR_LOGGED,
    "com.twilio.taskrouter.task.canceled",
    "com.twilio.taskrouter.workflow.timeout",
    "com.twilio.taskrouter.task-queue.deleted",
    # Conversations post-action events ("all post-action events are supported, except for
    # onDeliveryUpdated"): a conversation that starts, stops or loses its participants
    "com.twilio.conversations.conversation.added",
    "com.twilio.conversations.conversation.updated",
    "com.twilio.conversations.conversation.removed",
    "com.twilio.conversations.conversation-state.updated",
    "com.twilio.conversations.participant.added",
    "com.twilio.conversations.participant.updated",
    "com.twilio.conversations.participant.removed",
    "com.twilio.conversations.message.added",
)

# type prefix -> families it names on its own (live tasks and conversations are re-read with
# their configuration, so that a cancelled task is judged against the workflow of now)
PREFIX_FAMILIES: Mapping[str, frozenset[str]] = {
    "com.twilio.taskrouter.task.": frozenset({"taskrouter", "conversations_live"}),
    "com.twilio.taskrouter.": frozenset({"taskrouter"}),
    "com.twilio.conversations.": frozenset({"conversations_live"}),
}


def families_of_type(event_type: str) -> frozenset[str]:
    """The families a TaskRouter or Conversations event names by its type alone."""
    return next((families for prefix, families in PREFIX_FAMILIES.items()
                 if event_type.startswith(prefix)), frozenset())


def named_sids(data: Mapping[str, Any]) -> list[str]:
    """The SIDs an event's ``data`` names, the resource first."""
    keys = ("resource_sid", "sid", "conversation_sid", "chat_service_sid", "service_sid",
            "task_queue_sid", "workflow_sid", "workspace_sid")
    return [value for key in keys if isinstance(value := data.get(key), str) and value]


@dataclass(frozen=True)
class SinkTest:
    """The last sink test event the daemon received."""

    count: int
    last_at: datetime | None
    last_id: str | None


class SinkTests:
    """Sink test events received (thread-safe: the HTTP server's threads record them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = SinkTest(0, None, None)

    def record(self, when: datetime, test_id: str | None) -> None:
        with self._lock:
            self._state = SinkTest(self._state.count + 1, when, test_id)

    def state(self) -> SinkTest:
        with self._lock:
            return self._state

    def status(self) -> dict[str, Any]:
        """What ``GET /events/twilio`` answers: ``events setup`` reads it after the test."""
        state = self.state()
        return {"sink_tests": state.count,
                "last_sink_test_at": state.last_at.isoformat() if state.last_at else None}
