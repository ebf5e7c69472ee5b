"""No secret leaves through any of the five ways out (logs, Sentry, PagerDuty events, the PagerDuty
sink, ``alert test``), and each of them is protected by the one redactor.

Every path is run twice: with the real redactor nothing of the auth token, the API secret, the
routing key or the Sentry DSN survives; with the redactor switched off, the same path leaks. The
second run fails for a path that redacts on its own instead of through ``telemetry.redact``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import sentry_sdk
from pydantic import SecretStr
from sentry_sdk.transport import Transport
from test_alerts_support import fake_pd, make_rig, no_client_sleep  # tests/ is on sys.path

from watchdog.cli import main
from watchdog.settings import SentrySettings, Settings
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.telemetry.logs import RedactSecrets, setup_logging
from watchdog.telemetry.redact import Redactor
from watchdog.telemetry.sentry import init_sentry

__all__ = ["fake_pd", "make_rig", "no_client_sleep"]
pytestmark = pytest.mark.usefixtures("no_client_sleep")

ACCOUNT = "AC" + "a" * 32
API_KEY = "SK" + "b" * 32
API_SECRET = "ApiSecret" + "7" * 23
ROUTING_KEY = "pdROUTINGkey" + "5" * 20
DSN = "https://dsnPublicKey42@o42.ingest.sentry.io/4242"
#: What an error page or a log line might echo back: all four secrets at once.
LEAK = f"key {ROUTING_KEY} dsn {DSN} secret {API_SECRET} token "
TOKEN = "AuthToken" + "9" * 23


@pytest.fixture(params=["redactor", "switched-off"])
def redactor_on(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param == "switched-off":
        monkeypatch.setattr(Redactor, "text", lambda self, value: value)
        monkeypatch.setattr(Redactor, "__call__", lambda self, value: value)
    return request.param == "redactor"


@pytest.fixture
def quiet_logs() -> Iterator[None]:
    setup_logging("WARNING")
    yield
    setup_logging("WARNING")


def check(output: str, token: str, redactor_on: bool) -> None:
    secrets = {"auth token": token, "API secret": API_SECRET, "routing key": ROUTING_KEY,
               "Sentry DSN": DSN}
    leaked = [name for name, value in secrets.items() if value in output]
    if redactor_on:
        assert leaked == [], f"leaked: {leaked}"
    else:
        assert leaked, "nothing leaked without the redactor: this path redacts on its own"


def full_settings(settings: Settings) -> Settings:
    """The same settings with an API key and secret and a DSN too (the watcher keeps the token)."""
    return settings.model_copy(update={"api_key": API_KEY, "api_secret": SecretStr(API_SECRET),
                                       "sentry": SentrySettings(dsn=SecretStr(DSN))})


def settings_with_every_secret() -> Settings:
    return Settings(account_sid=ACCOUNT, auth_token=TOKEN, api_key=API_KEY, api_secret=API_SECRET,
                    pagerduty={"routing_key": ROUTING_KEY}, sentry={"dsn": DSN})


def test_logs(redactor_on: bool, quiet_logs: None) -> None:
    settings, token = settings_with_every_secret(), TOKEN
    stream = io.StringIO()
    setup_logging("INFO", "json", Redactor.for_settings(settings), stream=stream)
    log = logging.getLogger("watchdog.test")
    log.warning("Twilio answered %s", LEAK + token)
    try:
        raise RuntimeError(LEAK + token)
    except RuntimeError:
        log.exception("the cycle failed")
    check(stream.getvalue(), token, redactor_on)


class Recorder(Transport):
    def __init__(self, options: object = None) -> None:
        super().__init__(options)  # type: ignore[arg-type]
        self.envelopes: list[bytes] = []

    def capture_envelope(self, envelope) -> None:  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope.serialize())


def leaky(auth_token: str) -> None:
    routing_key = ROUTING_KEY  # noqa: F841 (a local variable Sentry sends with the frame)
    raise RuntimeError(f"Twilio said no to {auth_token}: {LEAK}")


def test_sentry(redactor_on: bool, quiet_logs: None) -> None:
    settings, token = settings_with_every_secret(), TOKEN
    recorder = Recorder()
    assert init_sentry(settings, transport=recorder, include_local_variables=True)
    try:
        sentry_sdk.add_breadcrumb(message=LEAK + token)
        try:
            leaky(token)
        except RuntimeError as exc:
            sentry_sdk.capture_exception(exc)
        logging.getLogger("watchdog.test").error("delivery failed: %s", LEAK + token)
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
    assert len(recorder.envelopes) >= 2
    check(b"\n".join(recorder.envelopes).decode("utf-8", "replace"), token, redactor_on)


def test_pagerduty_events(redactor_on: bool, quiet_logs: None, make_rig) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(routing_key=ROUTING_KEY)
    rig.settings = full_settings(rig.settings)
    rig.sink.close()
    rig.sink = rig._sink()  # the sink of settings that hold every secret
    token = rig.world.auth_token
    sid = rig.world.legacy_numbers[0]
    rig.world.set_number(sid, sms_url=f"https://ops:{API_SECRET}@example.com/hook?t={token}")
    rig.poll()
    rig.sink.change_event(f"Healed: {LEAK}{token}", {"note": LEAK + token, "dsn": DSN}, now=rig.now)
    rig.send()
    sent = rig.fake.events()
    assert {r.kind for r in sent} == {"trigger", "change"}
    bodies = [{k: v for k, v in (r.body or {}).items() if k != "routing_key"} for r in sent]
    check(str(bodies), token, redactor_on)


def test_pagerduty_sink(redactor_on: bool, quiet_logs: None, make_rig,  # type: ignore[no-untyped-def]
                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rig = make_rig(routing_key=ROUTING_KEY)
    rig.settings = full_settings(rig.settings)
    rig.sink.close()
    rig.sink = rig._sink()
    token = rig.world.auth_token
    rig.sink.change_event("heal applied", {}, now=rig.now)
    rig.sink.change_event("heal applied", {}, now=rig.now)
    rig.fake.fail("503", times=1, message=LEAK + token)
    failed = rig.send()
    rig.fake.fail("400", times=1, message=LEAK + token)
    dropped = rig.send(after=3600)
    assert failed.outcome is not None and dropped.dropped
    rig.watcher.store.close()
    state = b"".join(p.read_bytes() for p in rig.settings.state_path.parent.glob("state.db*"))
    output = "\n".join([failed.outcome.detail, caplog.text, state.decode("utf-8", "replace")])
    check(output, token, redactor_on)


def test_alert_test_command(redactor_on: bool, quiet_logs: None, fake_pd: FakePagerDuty,
                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                            ) -> None:
    token = TOKEN
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": token, "TWILIO_API_KEY": API_KEY,
           "TWILIO_API_SECRET": API_SECRET, "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY": ROUTING_KEY,
           "FLEX_WATCHDOG_PAGERDUTY__BASE_URL": fake_pd.base_url,
           "FLEX_WATCHDOG_SENTRY__DSN": DSN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fake_pd.fail("503", times=1, message=LEAK + token)
    assert main(["alert", "test"]) == 1
    out = capsys.readouterr()
    assert "FAILED" in out.out
    check(out.out + out.err, token, redactor_on)


def test_a_log_call_whose_arguments_do_not_fit_still_redacts() -> None:
    record = logging.LogRecord("watchdog.test", logging.WARNING, __file__, 1, "one %s",
                               (TOKEN, "two"), None)
    assert RedactSecrets(Redactor([TOKEN])).filter(record)
    assert "log arguments that do not fit" in record.getMessage()
    assert TOKEN not in record.getMessage()
