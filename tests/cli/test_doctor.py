"""`flex-watchdog doctor` against the simulator: one screen, a fix for each problem."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from watchdog.commands.doctor_checks import _fix
from watchdog.errors import FetchError, FetchReason
from watchdog.simulator import Fault
from watchdog.store.store import StateStore

OTHER = "AC" + "9" * 32
ROUTING_KEY = "R" * 32
DSN = "https://5ecre7publickey@o7.ingest.sentry.io/4242"


def doctor(sim, tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    world = sim.world
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    full |= {"TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
             "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
             "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
             "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db"),
             "FLEX_WATCHDOG_TWILIO__BACKOFF_BASE_SECONDS": "0"}
    full = {k: v for k, v in (full | env).items() if v != ""}
    return subprocess.run([sys.executable, "-m", "watchdog", "doctor"], env=full,
                          capture_output=True, text=True, timeout=120)


def line(out: str, label: str) -> str:
    return next(text for text in out.splitlines() if text[6:].startswith(label))


@pytest.mark.slow
def test_a_healthy_account_has_no_problems(sim, world, tmp_path):
    proc = doctor(sim, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for label in ("credentials", "Flex Configuration", "Flex Flows", "Chat", "Proxy",
                  "TaskRouter", "Studio", "Phone numbers", "Conversations", "Messaging",
                  "Monitor Events", "Debugger alerts", "Twilio base URL", "state file"):
        assert line(proc.stdout, label).startswith("ok "), label
    assert "not Twilio" in line(proc.stdout, "Twilio base URL")
    assert line(proc.stdout, "PagerDuty").startswith("off ")
    assert line(proc.stdout, "Sentry").startswith("off ")
    assert proc.stdout.rstrip().endswith("no problems")
    assert world.auth_token not in proc.stdout + proc.stderr
    assert len(proc.stdout.splitlines()) <= 24, "one screen"


@pytest.mark.slow
def test_an_unreadable_product_is_a_problem_with_its_fix(sim, tmp_path):
    sim.faults.add(Fault("503", product="proxy"))
    proc = doctor(sim, tmp_path)
    assert proc.returncode == 1
    proxy = proc.stdout.splitlines()
    at = next(i for i, text in enumerate(proxy) if text[6:].startswith("Proxy"))
    assert proxy[at].startswith("FAIL ") and "503" in proxy[at]
    assert proxy[at + 1].strip().startswith("fix: Twilio answered with a temporary error")
    assert line(proc.stdout, "Studio").startswith("ok ")
    assert proc.stdout.rstrip().endswith("1 problem")


@pytest.mark.slow
def test_rejected_credentials_are_one_line(sim, tmp_path):
    sim.faults.add(Fault("401"))
    proc = doctor(sim, tmp_path, TWILIO_AUTH_TOKEN="wrong-token-value-123")
    assert proc.returncode == 1
    fails = [text for text in proc.stdout.splitlines() if text.startswith("FAIL")]
    assert len(fails) == 1 and "Flex Configuration" in fails[0]
    assert "TWILIO_AUTH_TOKEN" in proc.stdout
    assert "wrong-token-value-123" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_an_unreachable_base_url(sim, tmp_path):
    proc = doctor(sim, tmp_path, FLEX_WATCHDOG_TWILIO_BASE_URL="http://127.0.0.1:1")
    assert proc.returncode == 1
    assert line(proc.stdout, "Twilio base URL").startswith("FAIL ")
    assert "FLEX_WATCHDOG_TWILIO_BASE_URL" in proc.stdout


@pytest.mark.slow
def test_a_state_file_of_another_account(sim, tmp_path):
    store = StateStore(tmp_path / "state.db")
    store.bind_account(OTHER)
    store.close()
    proc = doctor(sim, tmp_path)
    assert proc.returncode == 1
    assert line(proc.stdout, "state file").startswith("FAIL ")
    assert f"belongs to account {OTHER}" in proc.stdout
    assert "one state file per account" in proc.stdout


@pytest.mark.slow
def test_own_state_file_and_a_missing_directory(sim, world, tmp_path):
    store = StateStore(tmp_path / "state.db")
    store.bind_account(world.account_sid)
    store.close()
    proc = doctor(sim, tmp_path)
    assert f"writable, account {world.account_sid}" in line(proc.stdout, "state file")
    gone = doctor(sim, tmp_path, FLEX_WATCHDOG_STATE_PATH=str(tmp_path / "no" / "s.db"))
    assert gone.returncode == 1 and "does not exist" in line(gone.stdout, "state file")


@pytest.mark.slow
def test_paging_and_sentry_configured_show_no_secret(sim, tmp_path):
    proc = doctor(sim, tmp_path, FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY=ROUTING_KEY,
                  FLEX_WATCHDOG_SENTRY__DSN=DSN, FLEX_WATCHDOG_EVENTS__ALERTS_ENABLED="false")
    assert proc.returncode == 0, proc.stdout
    assert line(proc.stdout, "PagerDuty").startswith("ok ")
    assert "o7.ingest.sentry.io, project 4242" in line(proc.stdout, "Sentry")
    assert line(proc.stdout, "Debugger alerts").startswith("off ")
    assert ROUTING_KEY not in proc.stdout + proc.stderr
    assert "5ecre7publickey" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_missing_credentials_skip_twilio(sim, tmp_path):
    proc = doctor(sim, tmp_path, TWILIO_AUTH_TOKEN="")
    assert proc.returncode == 1
    assert line(proc.stdout, "credentials").startswith("FAIL ")
    assert "Flex Configuration" not in proc.stdout


@pytest.mark.parametrize("status, label, expected", [
    (403, "Chat", "Standard API key"),
    (404, "Flex Configuration", "the Flex account"),
])
def test_fixes_name_the_way_out(status, label, expected):
    error = FetchError(f"HTTP {status}", reason=FetchReason.CLIENT_ERROR, status=status)
    assert expected in _fix(label, error)
