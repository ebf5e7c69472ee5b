"""Hostile and malformed input, each against a running daemon: what Twilio may send (a Studio
definition that is not JSON or has no states, widget types and enum values added later, odd
number URLs, a list that never ends), what may be POSTed to the webhook, what may be in a config
file. Each gives a clear error or a logged, counted skip, and /metrics and /healthz keep serving.
(Property tests of the URL classifier and the Studio parser are in test_studio_def.py.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.conftest import NOW
from tests.daemon.support import LOCAL_HTTP, QUIET_SCHEDULE, build_daemon, http, run_job, sample, started
from watchdog.daemon.service import Daemon
from watchdog.model.snapshot import FamilyState, Resource, Snapshot
from watchdog.rules.context import RuleContext
from watchdog.rules.engine import evaluate
from watchdog.settings import Settings
from watchdog.simulator import World, routes


@pytest.fixture
def daemon(make_watcher) -> Iterator[Daemon]:
    """The daemon started on the simulator (webhook on, nothing scheduled during the test)."""
    built = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP,
                                      events={"webhook_enabled": True, "max_body_bytes": 4096},
                                      twilio={"max_pages": 5}))
    with started(built):
        yield built


def still_serving(daemon: Daemon) -> None:
    url = daemon.http.url
    assert http(f"{url}/healthz")[0] == 200
    status, text = http(f"{url}/metrics")
    assert status == 200 and "flex_watchdog_family_up" in text


def up(daemon: Daemon, family: str) -> float | None:
    return sample(daemon, "flex_watchdog_family_up", family=family)


# -- what Twilio may send -------------------------------------------------------------------------

def test_studio_definitions_that_are_not_json_or_have_no_states(daemon, world: World, caplog):
    world.edit_flow(world.flows["Voice IVR"], definition="{not json at all")
    world.edit_flow(world.flows["Messaging Flow"], definition={"description": "no states"})
    run_job(daemon, "studio")
    assert up(daemon, "studio") == 1, "the list was read completely: the family is known"
    assert "definition not analysable" in caplog.text
    assert sample(daemon, "flex_watchdog_job_errors_total", job="studio") == 0
    rules = {f.rule for f in daemon.watcher.store.open_findings().values()}
    assert rules <= {"baseline.resource-changed"}, "an unreadable flow is drift, not a broken one"
    still_serving(daemon)


def test_widget_types_and_enum_values_twilio_may_add_later(daemon, world: World):
    flow = world.flows["Messaging Flow"]
    definition = world.store.flows[flow]["definition"]
    states = [*definition["states"], {"name": "Hologram", "type": "send-to-hologram-v3",
                                      "transitions": [{"event": "beamed", "next": None}],
                                      "properties": {"mode": "quantum"}}]
    states[0] = {**states[0], "transitions": [*states[0]["transitions"],
                                              {"event": "incomingCarrierPigeon", "next": None}]}
    world.edit_flow(flow, definition={**definition, "states": states, "flags": {"x": 1}})
    world.set_number(world.flex_numbers[0], voice_method="PATCH", sms_method="TELEPATHY")
    with world.lock:
        world.store.flex_flows[world.webchat_flex_flow_sid or ""]["channel_type"] = "hologram"
        world.store.configuration["status"] = "degraded-ish"
    run_job(daemon, "studio")
    run_job(daemon, "numbers")
    run_job(daemon, "services")
    assert all(up(daemon, f) == 1 for f in ("studio", "numbers", "flex_flows", "configuration"))
    assert sample(daemon, "flex_watchdog_job_errors_total", job="numbers") == 0
    still_serving(daemon)


ODD_URLS = ["", "   ", "not a url", "ftp://webhooks.twilio.com/v1/Accounts/x", "https://",
            "https://webhooks.twilio.com/v1/Accounts/ACx/Flows/", "javascript:alert(1)",
            "https://例え.jp/ßms?q=☃", "https://example.com/" + "a" * 8000, "\x00\x01"]


@pytest.mark.parametrize("url", ODD_URLS, ids=lambda u: repr(u[:20]))
def test_a_number_with_an_empty_or_odd_url(daemon, world: World, url: str):
    world.set_number(world.other_numbers[0], sms_url=url, voice_url=url, status_callback=url)
    world.set_number(world.flex_numbers[0], voice_fallback_url=url, sms_fallback_url=url)
    run_job(daemon, "numbers")
    assert up(daemon, "numbers") == 1
    assert sample(daemon, "flex_watchdog_job_errors_total", job="numbers") == 0
    opened = {f.rule for f in daemon.watcher.store.open_findings().values()}
    assert opened <= {"baseline.resource-changed"}
    still_serving(daemon)


def test_a_list_that_claims_more_pages_forever_is_bounded(daemon, sim, monkeypatch):
    route = next(r for r in routes.ROUTES if r.template.endswith("/IncomingPhoneNumbers.json"))
    original = route.handlers["GET"]

    def endless(call: Any) -> Any:  # every page says there is another one, with a new token
        reply = original(call)
        page = int(call.query.get("Page") or 0) + 1
        reply.body["next_page_uri"] = f"{call.path}?PageSize=1000&Page={page}&PageToken=PA{page}"
        return reply

    monkeypatch.setitem(route.handlers, "GET", endless)
    sim.reset_counts()
    run_job(daemon, "numbers")
    pages = sum(n for (_, product, template), n in sim.requests.by_template().items()
                if product == "api" and template.endswith("/IncomingPhoneNumbers.json"))
    assert pages == 5, "settings.twilio.max_pages"
    assert up(daemon, "numbers") == 0
    assert sample(daemon, "flex_watchdog_poll_errors_total", family="numbers",
                  reason="pagination") == 1
    assert daemon.watcher.store.open_findings() == {}, "unknown, never empty"
    still_serving(daemon)


# -- what may be POSTed to the webhook ------------------------------------------------------------

def raw_post(daemon: Daemon, head: dict[str, str], body: bytes, close: bool = True) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", daemon.http.port), timeout=5)
    lines = ["POST /events/twilio HTTP/1.1", f"Host: 127.0.0.1:{daemon.http.port}",
             *(f"{k}: {v}" for k, v in head.items()), "", ""]
    sock.sendall("\r\n".join(lines).encode() + body)
    if close:
        sock.shutdown(socket.SHUT_WR)
    return sock


def status_of(sock: socket.socket) -> int:
    with sock:
        return int(sock.recv(200).split(b" ", 2)[1])


@pytest.mark.parametrize("head, body, expected", [
    pytest.param({"Content-Length": "abc", "X-Twilio-Signature": "x"}, b"", 400, id="bad-length"),
    pytest.param({"Content-Length": "-5", "X-Twilio-Signature": "x"}, b"", 400, id="negative"),
    pytest.param({"Content-Length": str(10**9), "X-Twilio-Signature": "x"}, b"x", 413,
                 id="a-gigabyte"),
    pytest.param({"Content-Length": "3"}, b"a=b", 403, id="unsigned"),
    pytest.param({"Content-Length": "100", "X-Twilio-Signature": "x"}, b"a=b", 403,
                 id="truncated-then-closed"),
    pytest.param({"Content-Length": "4", "X-Twilio-Signature": "bm9wZQ=="}, b"\xff\xfe\x00z", 403,
                 id="binary-badly-signed"),
])
def test_malformed_webhook_requests_are_refused_with_a_status(daemon, head, body, expected):
    assert status_of(raw_post(daemon, head, body)) == expected
    assert daemon.refresher.pending == set()
    assert sample(daemon, "flex_watchdog_events_received_total", source="webhook") == 0
    still_serving(daemon)


def test_a_signed_webhook_with_garbage_inside_refreshes_nothing(daemon, world: World):
    url = f"{daemon.http.url}/events/twilio"
    for form in ({"AccountSid": world.account_sid, "Payload": "{{{ not json"},
                 {"AccountSid": world.account_sid, "Payload": '["a", "list"]'},
                 {"Unexpected": "x" * 3000}):
        signature = RequestValidator(world.auth_token).compute_signature(url, form)
        assert http(url, urlencode(form).encode(), {"X-Twilio-Signature": signature})[0] == 204
    assert daemon.refresher.pending == set()
    still_serving(daemon)


def test_a_webhook_body_that_never_arrives_does_not_block_the_daemon(daemon):
    stalled = raw_post(daemon, {"Content-Length": "1000", "X-Twilio-Signature": "x"}, b"a=1",
                       close=False)
    try:
        still_serving(daemon)
        run_job(daemon, "numbers")
        assert up(daemon, "numbers") == 1
    finally:
        stalled.close()


# -- what may be in a config file -----------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("yaml_text, expected", [
    pytest.param("schedule:\n  numbers_seconds: -60\n",
                 "config: schedule.numbers_seconds: must be > 0", id="negative-interval"),
    pytest.param("schedule:\n  events_seconds: [15]\n", "config: schedule.events_seconds:",
                 id="wrong-type"),
    pytest.param("twilio:\n  timeout: 5\n", "config: twilio.timeout: unknown key", id="unknown-key"),
    pytest.param("http: 9464\n", "config: http:", id="scalar-for-a-group"),
])
def test_run_refuses_a_bad_config_file_in_one_line(sim, tmp_path, yaml_text, expected):
    config = tmp_path / "flex-watchdog.yaml"
    config.write_text(yaml_text)
    proc = run_daemon(sim, tmp_path, FLEX_WATCHDOG_CONFIG=str(config), FLEX_WATCHDOG_HTTP__PORT="")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(expected) and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("where", ["a-directory", "under-a-file", "missing-directory"])
def test_run_refuses_an_unusable_state_path_in_one_line(sim, tmp_path, where):
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "file").write_text("x")
    path = {"a-directory": tmp_path / "a-directory", "under-a-file": tmp_path / "file" / "s.db",
            "missing-directory": tmp_path / "nope" / "s.db"}[where]
    proc = run_daemon(sim, tmp_path, FLEX_WATCHDOG_STATE_PATH=str(path))
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert line.startswith("state: ") and str(path.parent) in line, line
    assert len(line.splitlines()) == 1, line


def run_daemon(sim, tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    full |= {"TWILIO_ACCOUNT_SID": sim.world.account_sid, "TWILIO_AUTH_TOKEN": sim.world.auth_token,
             "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_HTTP__PORT": "0",
             "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
             "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "s.db")} | env
    full = {k: v for k, v in full.items() if v}  # "" unsets (an env value masks a file's group)
    return subprocess.run([sys.executable, "-m", "watchdog", "run"], env=full, text=True,
                          capture_output=True, timeout=30)


# -- property: hostile number fields never break the number rules ---------------------------------

AC = "AC" + "a" * 32
FIELD = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(
    ["", "POST", "GET", f"https://webhooks.twilio.com/v1/Accounts/{AC}/Flows/FW{'b' * 32}",
     f"https://webhooks.twilio.com/v1/Accounts/{AC}/Proxy/KS{'c' * 32}/Webhooks/Message"]))
NUMBER = st.fixed_dictionaries({k: FIELD for k in (
    "phone_number", "sms_url", "sms_method", "voice_url", "voice_method", "sms_fallback_url",
    "voice_application_sid", "sms_application_sid", "trunk_sid", "status_callback")})


@pytest.mark.slow
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(NUMBER, max_size=6), st.lists(NUMBER, max_size=6))
def test_number_rules_never_raise_on_hostile_fields(now_numbers, old_numbers):
    def snapshot(numbers: list[dict[str, Any]]) -> Snapshot:
        res = tuple(Resource.make("phone_number", f"PN{i:032d}", {"sid": f"PN{i:032d}", **n})
                    for i, n in enumerate(numbers))
        families = {f: FamilyState(f, "complete", res if f == "numbers" else (), fetched_at=NOW)
                    for f in ("configuration", "numbers", "flex_flows", "proxy", "conversations",
                              "studio", "chat", "taskrouter")}
        return Snapshot(AC, NOW, families)

    ctx = RuleContext(snapshot(now_numbers), NOW, Settings(), snapshot(old_numbers))
    result = evaluate(ctx)
    assert "error" not in result.skipped.values(), result.skipped
