"""Sentry: off without a DSN; with one, no secret ever leaves in an event (recording transport)."""

from __future__ import annotations

import base64
import logging

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from tests.daemon.support import Clock
from watchdog import __version__
from watchdog.daemon.jobs import Jobs
from watchdog.daemon.scheduler import JobGroup, Refresher
from watchdog.settings import Settings
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.redact import PLACEHOLDER, Redactor, secret_values
from watchdog.telemetry.sentry import check_in, init_sentry

ACCOUNT = "AC" + "a" * 32
TOKEN = "tok3n-f0r-twilio-0123456789abcdef"
API_SECRET = "api-secret-value-987654321"
ROUTING_KEY = "R0UTINGKEY0123456789abcdefghijkl"
DSN = "https://public-key-123@o42.ingest.sentry.io/4242"
PASSWORD = "-".join(["hunter2", "hunter2"])  # built at run time: not in any source line


class RecordingTransport(Transport):
    """Keeps every envelope instead of sending it."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def raw(self) -> str:
        out = []
        for envelope in self.envelopes:
            for item in envelope.items:
                out.append(item.get_bytes().decode("utf-8", "replace"))
        return "\n".join(out)

    def events(self):
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def settings():
    return Settings(account_sid=ACCOUNT, auth_token=TOKEN, api_key="SK" + "b" * 32,
                    api_secret=API_SECRET, sentry={"dsn": DSN, "environment": "test",
                                                   "cron_monitor_slug": "flex-watchdog"},
                    pagerduty={"routing_key": ROUTING_KEY})


@pytest.fixture
def transport(settings):
    recorder = RecordingTransport()
    assert init_sentry(settings, transport=recorder)
    yield recorder
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # back to the non-recording client


def secrets(settings) -> list[str]:
    basic = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    return [TOKEN, API_SECRET, ROUTING_KEY, DSN, "public-key-123", basic]


def test_off_without_a_dsn():
    sentry_sdk.get_global_scope().set_client(None)
    assert init_sentry(Settings()) is False
    assert not sentry_sdk.get_client().is_active(), "no client was made"


def test_release_and_environment(transport):
    sentry_sdk.capture_message("hello")
    sentry_sdk.flush()
    event = transport.events()[0]
    assert event["release"] == __version__
    assert event["environment"] == "test"


def leaky_function(auth_token: str, headers: dict[str, str]) -> None:
    routing_key = ROUTING_KEY  # noqa: F841 (a local variable Sentry would send)
    password = PASSWORD  # noqa: F841
    raise RuntimeError(f"Twilio said no to {ACCOUNT}:{auth_token} ({headers})")


def test_no_secret_reaches_sentry(transport, settings):
    basic = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    sentry_sdk.add_breadcrumb(message=f"GET with Basic {basic}", data={"api_secret": API_SECRET})
    with sentry_sdk.new_scope() as scope:
        scope.set_extra("config", {"auth_token": TOKEN, "dsn": DSN, "nested": [API_SECRET]})
        scope.set_context("request", {"headers": [["Authorization", f"Basic {basic}"]]})
        try:
            leaky_function(TOKEN, {"Authorization": f"Basic {basic}"})
        except RuntimeError as exc:
            sentry_sdk.capture_exception(exc)
    sentry_sdk.flush()
    raw = transport.raw()
    assert "RuntimeError" in raw and "leaky_function" in raw, "the event itself got through"
    for secret in secrets(settings) + [PASSWORD]:
        assert secret not in raw, f"{secret[:6]}... leaked"
    assert PLACEHOLDER in raw


def test_secret_variants_include_basic_auth(settings):
    variants = secret_values(settings)
    assert TOKEN in variants and ROUTING_KEY in variants and DSN in variants
    assert base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode() in variants


@pytest.mark.parametrize("value, expected", [
    pytest.param({"Auth_Token": "x"}, {"Auth_Token": PLACEHOLDER}, id="key, any case"),
    pytest.param({"X-Api-Secret": "x"}, {"X-Api-Secret": PLACEHOLDER}, id="key contains a word"),
    pytest.param([["Authorization", "Basic x"]], [["Authorization", PLACEHOLDER]],
                 id="header pairs"),
    pytest.param(f"a {TOKEN} b", f"a {PLACEHOLDER} b", id="value in text"),
    pytest.param("https://u:pw@h/x", f"https://u:{PLACEHOLDER}@h/x", id="URL password"),
    pytest.param({"n": 1, "ok": None}, {"n": 1, "ok": None}, id="others untouched"),
])
def test_redactor(value, expected):
    assert Redactor([TOKEN])(value) == expected


def test_a_failing_job_is_one_event_tagged_with_family_and_account(transport, caplog):
    class Broken:
        account_sid = ACCOUNT

        def poll(self, now, families):
            raise ValueError(f"token {TOKEN} in a message")

    jobs = Jobs(Broken(), Metrics(), Refresher(), Clock())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        jobs.poll_group(JobGroup("taskrouter", ("taskrouter",), 120))()
    sentry_sdk.flush()
    events = transport.events()
    assert len(events) == 1
    assert events[0]["tags"] == {"job": "taskrouter", "family": "taskrouter", "account": ACCOUNT}
    assert TOKEN not in transport.raw()


def test_a_cron_check_in_per_cycle(transport, settings):
    check_in(settings, 60)
    sentry_sdk.flush()
    items = [i for e in transport.envelopes for i in e.items if i.type == "check_in"]
    assert len(items) == 1
    body = items[0].payload.json
    assert body["monitor_slug"] == "flex-watchdog" and body["status"] == "ok"
    assert body["monitor_config"]["schedule"] == {"type": "interval", "value": 1,
                                                  "unit": "minute"}


def test_no_check_in_without_sentry():
    sentry_sdk.get_global_scope().set_client(None)
    check_in(Settings(sentry={"cron_monitor_slug": "flex-watchdog"}), 60)  # nothing to send to
