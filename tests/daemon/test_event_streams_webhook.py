"""Event Streams pushes JSON arrays of CloudEvents: signed over the URL with ``bodySHA256``, or
over the URL alone; a bad signature is refused, counted and never a refresh."""

from __future__ import annotations

import hashlib
import json

import pytest
from twilio.request_validator import RequestValidator

from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, build_daemon, http, sample
from tests.daemon.test_webhook import TOKEN, receiver  # noqa: F401 (the fixture)
from watchdog.model.times import utcnow

EVENTS = [
    {"specversion": "1.0", "type": "com.twilio.error-logs.error.logged", "id": "EV1",
     "data": {"error_code": 80620, "resource_sid": "PN1"}},
    {"specversion": "1.0", "type": "com.twilio.taskrouter.task-queue.deleted", "id": "EV2",
     "data": {"task_queue_sid": "WQ1"}},
    {"specversion": "1.0", "type": "com.twilio.conversations.conversation.removed", "id": "EV3",
     "data": {"conversation_sid": "CH1"}},
]
SINK_TEST = [{"specversion": "1.0", "type": "com.twilio.eventstreams.test-sink", "id": "EV4",
              "data": {"test_id": "TE" + "0" * 32}}]


def push(url: str, events: list[dict[str, object]], form: str, token: str = TOKEN,
         tamper: bool = False) -> int:
    """POST ``events`` as Event Streams does, signed in ``form``: "body_sha256" or "url"."""
    body = json.dumps(events)
    if form == "body_sha256":
        url = f"{url}?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = RequestValidator(token).compute_signature(url, {})
    if tamper:
        body = body.replace("80620", "45205")
    headers = {"Content-Type": "application/json; charset=utf-8",
               "X-Twilio-Signature": signature}
    return http(url, body.encode(), headers)[0]


FORMS = pytest.mark.parametrize("form", ["body_sha256", "url"])


@FORMS
def test_cloud_events_signed_either_way_refresh_what_they_name(receiver, form):  # noqa: F811
    server, signals = receiver
    assert push(f"http://127.0.0.1:{server.port}/events/twilio", EVENTS, form) == 204
    assert signals == [({"proxy", "taskrouter", "conversations_live"}, "webhook")]


@FORMS
def test_a_bad_signature_is_refused_and_never_a_refresh(receiver, form):  # noqa: F811
    server, signals = receiver
    url = f"http://127.0.0.1:{server.port}/events/twilio"
    assert push(url, EVENTS, form, token="another-token-another-token-1234") == 403
    assert signals == []


def test_a_body_that_does_not_hash_to_body_sha256_is_refused(receiver):  # noqa: F811
    server, signals = receiver
    url = f"http://127.0.0.1:{server.port}/events/twilio"
    assert push(url, EVENTS, "body_sha256", tamper=True) == 403
    assert signals == []


def test_a_sink_test_is_recorded_and_readable_and_refreshes_nothing(receiver):  # noqa: F811
    server, signals = receiver
    url = f"http://127.0.0.1:{server.port}/events/twilio"
    assert json.loads(http(url)[1]) == {"sink_tests": 0, "last_sink_test_at": None}
    assert push(url, SINK_TEST, "url") == 204
    status = json.loads(http(url)[1])
    assert status["sink_tests"] == 1 and status["last_sink_test_at"]
    assert signals == [(set(), "webhook")]


def test_the_daemon_counts_rejected_pushes(make_watcher, world):
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP,
                                       events={"webhook_enabled": True}))
    daemon.http.start()
    try:
        url = f"{daemon.http.url}/events/twilio"
        assert push(url, EVENTS, "url", token="another-token-another-token-1234") == 403
        assert http(url, b"[]", {"Content-Type": "application/json"})[0] == 403
        assert sample(daemon, "flex_watchdog_webhook_rejected_total",
                      reason="bad_signature") == 1
        assert sample(daemon, "flex_watchdog_webhook_rejected_total", reason="unsigned") == 1
        assert daemon.refresher.pending == set()
        assert push(url, EVENTS, "url", token=world.auth_token) == 204
        assert daemon.refresher.pending == {"proxy", "taskrouter", "conversations_live"}
    finally:
        daemon.http.stop()


def test_a_pushed_debugger_entry_on_a_watched_number_reads_that_number_alone(make_watcher,
                                                                           world):
    watcher = make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP,
                           events={"webhook_enabled": True})
    watcher.poll(utcnow())
    daemon = build_daemon(watcher)
    daemon.http.start()
    number = world.flex_numbers[0]
    try:
        url = f"{daemon.http.url}/events/twilio"
        webhook_failed = [{"specversion": "1.0", "type": "com.twilio.error-logs.error.logged",
                           "id": "EV9", "data": {"error_code": 11200, "resource_sid": number}}]
        assert push(url, webhook_failed, "url", token=world.auth_token) == 204
        assert daemon.refresher.pending_resources == {number}
        assert daemon.refresher.pending == set()
        # a code naming another family than the resource's still polls that family
        proxy_gone = [{**webhook_failed[0], "data": {"error_code": 80620, "resource_sid": number}}]
        assert push(url, proxy_gone, "url", token=world.auth_token) == 204
        assert daemon.refresher.pending == {"proxy"}
        assert sample(daemon, "flex_watchdog_events_received_total", source="webhook") == 2
    finally:
        daemon.http.stop()
