"""POST /events/twilio: signed with the auth token or refused; the payload only names a family."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest
from prometheus_client import CollectorRegistry
from twilio.request_validator import RequestValidator

from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, build_daemon, http, sample
from watchdog.daemon.app import build_watcher
from watchdog.daemon.http import HttpServer
from watchdog.errors import ConfigError
from watchdog.settings import Settings
from watchdog.signals.webhook import WebhookReceiver, candidate_urls

TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC" + "1" * 32


@pytest.fixture
def receiver():
    signals: list[tuple[set[str], str]] = []
    lookup = {"FOwatched": {"flex_flows"}}.get
    hook = WebhookReceiver(TOKEN, ACCOUNT, 2048, lambda sid: lookup(sid, set()),
                           lambda families, source: signals.append((families, source)))
    server = HttpServer("127.0.0.1", 0, CollectorRegistry(), lambda: (True, "ok"),
                        lambda: (True, "ok"), hook).start()
    yield server, signals
    server.stop()


def debugger_form(code: int, resource_sid: str, account: str = ACCOUNT) -> dict[str, str]:
    payload = {"resource_sid": resource_sid, "error_code": str(code), "more_info": {}}
    return {"AccountSid": account, "Sid": "NO" + "2" * 32, "Level": "ERROR",
            "Timestamp": "2026-11-25T12:00:00Z", "PayloadType": "application/json",
            "Payload": json.dumps(payload)}


def post_form(server, form, signature=None, token=TOKEN, path="/events/twilio", headers=None):
    url = f"http://127.0.0.1:{server.port}{path}"
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, form)
    sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if signature:
        sent["X-Twilio-Signature"] = signature
    return http(url, urlencode(form).encode(), sent)


def test_a_signed_debugger_webhook_refreshes_the_family(receiver):
    server, signals = receiver
    assert post_form(server, debugger_form(45205, "FOwhatever"))[0] == 204
    assert signals == [({"flex_flows"}, "webhook")]


@pytest.mark.parametrize("signature, token", [
    pytest.param("", TOKEN, id="unsigned"),
    pytest.param("bm90IGEgc2lnbmF0dXJl", TOKEN, id="garbage"),
    pytest.param(None, "another-token-another-token-1234", id="signed with another token"),
])
def test_unsigned_or_badly_signed_requests_are_refused(receiver, signature, token):
    server, signals = receiver
    assert post_form(server, debugger_form(45205, "FO1"), signature, token)[0] == 403
    assert signals == []


def test_a_tampered_body_is_refused(receiver):
    server, signals = receiver
    url = f"http://127.0.0.1:{server.port}/events/twilio"
    form = debugger_form(45205, "FO1")
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    form["Payload"] = json.dumps({"error_code": "80620"})
    status, _ = http(url, urlencode(form).encode(), {"X-Twilio-Signature": signature})
    assert status == 403 and signals == []


def test_a_body_over_the_cap_is_refused_unread(receiver):
    server, signals = receiver
    form = debugger_form(45205, "FO1") | {"Padding": "x" * 4096}
    assert post_form(server, form)[0] == 413
    assert signals == []


def test_another_accounts_payload_names_no_family(receiver):
    server, signals = receiver
    assert post_form(server, debugger_form(45205, "FO1", account="AC" + "9" * 32))[0] == 204
    assert signals == [(set(), "webhook")]


def test_event_streams_json_is_checked_against_body_sha256(receiver):
    server, signals = receiver
    events = [{"specversion": "1.0", "type": "com.twilio.error-logs.error.logged", "id": "1",
               "data": {"error_code": 80620, "resource_sid": "PN1"}},
              {"specversion": "1.0", "type": "com.twilio.taskrouter.workflow.deleted", "id": "2",
               "data": {}},
              {"specversion": "1.0", "type": "com.example.other", "id": "3",
               "data": {"resource_sid": "FOwatched"}}]
    body = json.dumps(events)
    path = f"/events/twilio?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    url = f"http://127.0.0.1:{server.port}{path}"
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": signature}
    assert http(url, body.encode(), headers)[0] == 204
    assert signals == [({"proxy", "taskrouter", "flex_flows"}, "webhook")]
    assert http(url, body.replace("80620", "45205").encode(), headers)[0] == 403


def test_the_public_url_behind_a_proxy_is_what_is_signed(receiver):
    server, signals = receiver
    public = "https://watchdog.example.com/events/twilio"
    form = debugger_form(11200, "PN1")
    signature = RequestValidator(TOKEN).compute_signature(public, form)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "watchdog.example.com"}
    assert post_form(server, form, signature, headers=headers)[0] == 204
    assert signals == [({"numbers"}, "webhook")]


def test_candidate_urls():
    assert candidate_urls("/e?x=1", {"Host": "h:9464"}) == ["https://h:9464/e?x=1",
                                                           "http://h:9464/e?x=1"]


def test_the_daemon_serves_the_webhook_and_refreshes(make_watcher, world):
    daemon = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP,
                                       events={"webhook_enabled": True}))
    daemon.http.start()
    try:
        url = f"{daemon.http.url}/events/twilio"
        form = debugger_form(80620, world.flex_numbers[0], account=world.account_sid)
        signature = RequestValidator(world.auth_token).compute_signature(url, form)
        status, _ = http(url, urlencode(form).encode(), {"X-Twilio-Signature": signature})
        assert status == 204
        assert daemon.refresher.pending == {"proxy"}
        assert sample(daemon, "flex_watchdog_events_received_total", source="webhook") == 1
        assert http(url, urlencode(form).encode())[0] == 403
    finally:
        daemon.http.stop()


def test_the_webhook_needs_the_auth_token(sim, tmp_path):
    world = sim.world
    settings = Settings(account_sid=world.account_sid, api_key=world.api_key_sid,
                        api_secret=world.api_key_secret, twilio_base_url=sim.url,
                        state_path=tmp_path / "s.db", events={"webhook_enabled": True})
    watcher = build_watcher(settings)
    with pytest.raises(ConfigError, match="needs TWILIO_AUTH_TOKEN"):
        build_daemon(watcher)
