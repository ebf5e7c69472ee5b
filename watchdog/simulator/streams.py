"""Event Streams (``events.twilio.com``): the type catalogue, sinks, subscriptions, and the
delivery of CloudEvents to webhook sinks, signed with the auth token as Twilio signs them.

Deliveries are queued while the world's lock is held and posted by ``flush()`` once it is
released (the receiver may read the simulator while it handles one). Two signature forms, as
Twilio leaves it open which one Event Streams uses: ``body_sha256`` (the body's SHA-256 in a
``bodySHA256`` query parameter, the URL signed) and ``url`` (the URL alone signed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from watchdog.simulator.records import Record

log = logging.getLogger(__name__)
BASE = "https://events.twilio.com/v1"
TEST_TYPE = "com.twilio.eventstreams.test-sink"
ERROR_LOGGED = "com.twilio.error-logs.error.logged"

# What GET /v1/Types lists here: the types Twilio documents that matter to a Flex account.
# ``task-queue.deleted`` is left out: only ``task-queue.created`` is on Twilio's own pages.
CATALOGUE: tuple[tuple[str, str, str], ...] = (
    (ERROR_LOGGED, "ErrorLogs.ErrorLogged", "An error or warning was logged in the Debugger"),
    ("com.twilio.taskrouter.task.canceled", "TaskRouter.Task", "A task was canceled"),
    ("com.twilio.taskrouter.task.deleted", "TaskRouter.Task", "A task was deleted"),
    ("com.twilio.taskrouter.workflow.timeout", "TaskRouter.Workflow", "A task timed out"),
    ("com.twilio.taskrouter.task-queue.created", "TaskRouter.TaskQueue", "A queue was created"),
    *((f"com.twilio.conversations.{name}", "Conversations.Conversation", f"Post-action {name}")
      for name in ("conversation.added", "conversation.updated", "conversation.removed",
                   "conversation-state.updated", "participant.added", "participant.updated",
                   "participant.removed", "message.added")),
)
Signing = Literal["body_sha256", "url"]


def sign(token: str, url: str) -> str:
    """``X-Twilio-Signature`` of a request with no form parameters: HMAC-SHA1 of the URL."""
    digest = hmac.new(token.encode(), url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Delivery:
    url: str
    events: list[Record]


@dataclass
class EventStreams:
    """The account's Event Streams state; every method runs under the world's lock."""

    account_sid: str
    auth_token: str
    new_sid: Callable[[str], str]
    signing: Signing = "body_sha256"
    types: list[Record] = field(default_factory=list)
    sinks: dict[str, Record] = field(default_factory=dict)
    subscriptions: dict[str, Record] = field(default_factory=dict)
    subscribed: dict[str, dict[str, Record]] = field(default_factory=dict)
    #: (status, number of events) of every delivery posted, in order
    delivered: list[tuple[int, int]] = field(default_factory=list)
    _queue: list[Delivery] = field(default_factory=list)
    _send_lock: threading.Lock = field(default_factory=threading.Lock)

    def catalogue(self, stamp: str) -> None:
        self.types = [{"type": kind, "schema_id": schema, "date_created": stamp,
                       "date_updated": stamp, "description": text, "status": "available",
                       "documentation_url": "https://www.twilio.com/docs/events/event-types",
                       "url": f"{BASE}/Types/{kind}",
                       "links": {"schema": f"{BASE}/Schemas/{schema}"}}
                      for kind, schema, text in CATALOGUE]

    def known_type(self, kind: str) -> bool:
        return any(t["type"] == kind for t in self.types)

    def add_sink(self, description: str, configuration: dict[str, Any], sink_type: str,
                 stamp: str) -> Record:
        sid = self.new_sid("DG")
        url = f"{BASE}/Sinks/{sid}"
        self.sinks[sid] = {
            "date_created": stamp, "date_updated": stamp, "description": description, "sid": sid,
            "sink_configuration": configuration, "sink_type": sink_type, "status": "active",
            "url": url, "links": {"sink_test": f"{url}/Test", "sink_validate": f"{url}/Validate"}}
        return self.sinks[sid]

    def add_subscription(self, description: str, sink_sid: str, types: list[tuple[str, int]],
                         stamp: str) -> Record:
        sid = self.new_sid("DF")
        url = f"{BASE}/Subscriptions/{sid}"
        self.subscriptions[sid] = {
            "account_sid": self.account_sid, "sid": sid, "date_created": stamp,
            "date_updated": stamp, "description": description, "sink_sid": sink_sid,
            "url": url, "links": {"subscribed_events": f"{url}/SubscribedEvents"}}
        self.subscribed[sid] = {}
        for kind, version in types:
            self.subscribe(sid, kind, version)
        return self.subscriptions[sid]

    def subscribe(self, subscription_sid: str, kind: str, version: int) -> Record:
        self.subscribed[subscription_sid][kind] = {
            "account_sid": self.account_sid, "type": kind, "schema_version": version,
            "subscription_sid": subscription_sid,
            "url": f"{BASE}/Subscriptions/{subscription_sid}/SubscribedEvents/{kind}"}
        return self.subscribed[subscription_sid][kind]

    def delete_subscription(self, sid: str) -> None:
        del self.subscriptions[sid]
        self.subscribed.pop(sid, None)

    # -- delivery --------------------------------------------------------------------------
    def publish(self, kind: str, data: Record, stamp: str, source: str = "/v1") -> None:
        """Queue one event for every webhook sink subscribed to ``kind``."""
        sinks = {s["sink_sid"] for sid, s in self.subscriptions.items()
                 if kind in self.subscribed.get(sid, {})}
        for sink_sid in sinks:
            self._queue_for(sink_sid, kind, data, stamp, source)

    def test(self, sink_sid: str, stamp: str) -> None:
        """The test event ``POST /v1/Sinks/{DG}/Test`` sends to that sink alone."""
        data = {"test_id": self.new_sid("TE"), "sink_sid": sink_sid}
        self._queue_for(sink_sid, TEST_TYPE, data, stamp, f"/v1/Sinks/{sink_sid}/Test")

    def _queue_for(self, sink_sid: str, kind: str, data: Record, stamp: str,
                   source: str) -> None:
        sink = self.sinks.get(sink_sid)
        if sink is None or sink["sink_type"] != "webhook":
            return
        event = {"specversion": "1.0", "type": kind, "source": source,
                 "id": self.new_sid("EZ"), "dataschema": f"{BASE}/Schemas/{kind}",
                 "datacontenttype": "application/json", "time": stamp, "data": data}
        self._queue.append(Delivery(sink["sink_configuration"]["destination"], [event]))

    def take(self) -> list[Delivery]:
        queued, self._queue = self._queue, []
        return queued

    def post(self, deliveries: list[Delivery]) -> None:
        """POST each delivery (outside the world's lock); a failure is logged and dropped."""
        with self._send_lock:
            for delivery in deliveries:
                self.delivered.append((self._post(delivery), len(delivery.events)))

    def _post(self, delivery: Delivery) -> int:
        body = json.dumps(delivery.events).encode()
        url = delivery.url
        if self.signing == "body_sha256":
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}bodySHA256={hashlib.sha256(body).hexdigest()}"
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Twilio-Signature": sign(self.auth_token, url),
            "User-Agent": "Twilio-EventStreams"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError as exc:
            log.debug("event streams: delivery to %s failed: %s", delivery.url, exc)
            return 0
