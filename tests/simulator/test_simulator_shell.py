"""`flex-watchdog simulator` driven from a shell: export lines, --break, the control endpoint."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from watchdog.simulator import WORLDS

REPO = Path(__file__).resolve().parents[2]
MESSAGE = "numbers.message-webhook-overwritten"


def cli(args: list[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    return subprocess.run([sys.executable, "-m", "watchdog", *args], env=base | (env or {}),
                          capture_output=True, text=True, timeout=120, **kwargs)


def parse_exports(text: str) -> dict[str, str]:
    """What `eval` of the lines would set, read the way a POSIX shell reads them."""
    found = {}
    for line in text.splitlines():
        words = shlex.split(line)
        assert words[0] == "export" and len(words) == 2, line
        key, _, value = words[1].partition("=")
        found[key] = value
    return found


@pytest.fixture
def running(tmp_path) -> Iterator[tuple[dict[str, str], subprocess.Popen]]:
    """A background simulator with a broken message webhook, and the env its stdout exports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEX_WATCHDOG_"))}
    proc = subprocess.Popen([sys.executable, "-m", "watchdog", "simulator", "--port", "0",
                             "--break", "message-webhook-overwritten"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        exported = parse_exports("".join(lines))
        exported["FLEX_WATCHDOG_STATE_PATH"] = str(tmp_path / "state.db")
        yield exported, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def control(base: str, method: str, path: str) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST"
                                     else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_print_env_is_eval_able_and_each_world_is_its_own_account():
    accounts = set()
    for world in sorted(WORLDS):
        proc = cli(["simulator", "--world", world, "--port", "8099", "--print-env"])
        assert proc.returncode == 0 and proc.stderr == ""
        env = parse_exports(proc.stdout)
        assert env["FLEX_WATCHDOG_TWILIO_BASE_URL"] == "http://127.0.0.1:8099"
        accounts.add(env["TWILIO_ACCOUNT_SID"])
        shell = subprocess.run(["bash", "-c", f'eval "{proc.stdout}"; echo "$TWILIO_ACCOUNT_SID"'],
                               capture_output=True, text=True, timeout=10)
        assert shell.stdout.strip() == env["TWILIO_ACCOUNT_SID"]
    assert len(accounts) == len(WORLDS)
    again = parse_exports(cli(["simulator", "--print-env"]).stdout)
    assert again["TWILIO_ACCOUNT_SID"] in accounts, "stable from run to run"


@pytest.mark.slow
def test_list_breaks_and_an_unknown_one():
    listed = cli(["simulator", "--list-breaks"])
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == ["message-webhook-overwritten", "proxy-service-deleted",
                     "send-to-flex-voice-channel", "workspace-deleted"]
    bad = cli(["simulator", "--break", "nothing", "--print-env"])
    assert bad.returncode == 2 and "--break nothing: unknown breakage" in bad.stderr


@pytest.mark.slow
def test_a_finding_its_runbook_and_the_repair_from_a_shell(running):
    env, proc = running
    check = cli(["check"], env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert MESSAGE in check.stdout
    explain = cli(["explain", MESSAGE], env)
    assert explain.returncode == 0 and "Fix by hand" in explain.stdout
    base = env["FLEX_WATCHDOG_TWILIO_BASE_URL"]
    status, listing = control(base, "GET", "/_control/breaks")
    assert status == 200
    assert {b["name"]: b["broken"] for b in listing["breaks"]}["message-webhook-overwritten"]
    assert control(base, "POST", "/_control/break/message-webhook-overwritten")[0] == 409
    status, repaired = control(base, "POST", "/_control/repair/message-webhook-overwritten")
    assert status == 200 and repaired["done"]
    # the baseline was adopted broken: the repair is drift of severity info, not a failure
    assert cli(["check", "--fail-on", "warning"], env).returncode == 0
    status, broke = control(base, "POST", "/_control/break/send-to-flex-voice-channel")
    assert status == 200
    again = cli(["check", "--format", "json", "--severity", "critical"], env)
    assert {f["rule"] for f in json.loads(again.stdout)["findings"]} == {
        "studio.send-to-flex-channel-invalid"}
    assert control(base, "POST", "/_control/break/nothing")[0] == 404
    assert proc.poll() is None, "still serving"
