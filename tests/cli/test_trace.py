"""`flex-watchdog trace`: every entry point or one route, its exit codes, its JSON against the
published schema (docs/schemas/trace.json), read-only beside a daemon, wrapped at a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.cli.ptys import in_pty
from tests.cli.test_terminal import sim_env
from watchdog.cli import main
from watchdog.commands.terminal import Terminal, visible_len
from watchdog.commands.trace_render import SCHEMA_VERSION, fix, render_table
from watchdog.model.times import utcnow
from watchdog.routes import EntryPoint, Hop
from watchdog.simulator import Fault, SimulatorServer, mixed
from watchdog.store.lock import OwnerLock

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "trace.json"
MESSAGE = "numbers.message-webhook-overwritten"


@pytest.fixture
def world():
    return mixed()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def cli(sim: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    world = sim.world
    for key, value in {
        "TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
        "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "state.db"),
        "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
        "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
    }.items():
        monkeypatch.setenv(key, value)
    return tmp_path / "state.db"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def trace_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, "trace", "--format", "json", *argv)
    assert code in (0, 1, 3), err
    return code, json.loads(out)


def test_exit_codes_and_json_validate_healthy_broken_and_unknown(cli, sim, world, capsys,
                                                                 validator):
    code, clean = trace_json(capsys)
    validator.validate(clean)
    assert code == 0 and clean["schema_version"] == SCHEMA_VERSION
    assert clean["summary"]["total"] == clean["summary"]["ok"] == 10
    assert clean["summary"]["by_channel"]["chat"] == {"ok": 0, "broken": 0, "unknown": 0}

    world.set_number(world.legacy_numbers[0], sms_url="https://example.com/bot")
    code, broken = trace_json(capsys)
    validator.validate(broken)
    first = broken["entry_points"][0]
    assert code == 1 and broken["summary"]["broken"] == 1
    assert first["id"] == f"sms:{world.number(world.legacy_numbers[0])['phone_number']}"
    assert first["state"] == "broken" and first["stack"] == "legacy"
    assert first["hops"][0] == {"kind": "number", "sid": world.legacy_numbers[0],
                                "label": "A message comes in → Flex Proxy Service",
                                "state": "broken",
                                "finding": f"{MESSAGE}:{world.legacy_numbers[0]}"}

    world.set_number(world.legacy_numbers[0], sms_url=world.number(world.legacy_numbers[1])[
        "sms_url"])
    sim.faults.add(Fault("503", product="studio"))
    code, unknown = trace_json(capsys)
    validator.validate(unknown)
    assert code == 3 and unknown["summary"]["broken"] == 0 and unknown["summary"]["unknown"]
    assert [p["state"] for p in unknown["entry_points"]][0] == "unknown"


def test_one_entry_point_by_number_id_whatsapp_address_or_sid(cli, world, capsys):
    phone = world.number(world.legacy_numbers[0])["phone_number"]
    _, by_number = trace_json(capsys, phone)
    assert [p["id"] for p in by_number["entry_points"]] == [f"voice:{phone}", f"sms:{phone}"]
    _, by_id = trace_json(capsys, f"sms:{phone}")
    assert [p["id"] for p in by_id["entry_points"]] == [f"sms:{phone}"]
    assert by_id["summary"]["total"] == 1
    _, by_sid = trace_json(capsys, world.legacy_numbers[0])
    assert len(by_sid["entry_points"]) == 2
    sender = next(iter(world.whatsapp_senders))
    for entry in (sender, world.whatsapp_senders[sender],
                  world.whatsapp_addresses[world.whatsapp_senders[sender]]):
        _, found = trace_json(capsys, entry)
        assert [p["id"] for p in found["entry_points"]] == [sender], entry
    _, web = trace_json(capsys, world.webchat_flex_flow_sid)
    assert [p["id"] for p in web["entry_points"]] == [f"web:{world.webchat_flex_flow_sid}"]


def test_the_table_of_one_route_names_the_rule_and_the_fix(cli, world, capsys):
    world.set_number(world.legacy_numbers[0], sms_url="https://example.com/bot")
    phone = world.number(world.legacy_numbers[0])["phone_number"]
    code, out, _ = run(capsys, "trace", f"sms:{phone}")
    assert code == 1
    lines = out.splitlines()
    assert lines[1] == "0 of 1 entry point reach Flex (sms 0/1); 1 broken, 0 unknown"
    assert f"sms:{phone} (legacy, {world.legacy_numbers[0]}): broken" in lines
    assert any(line.strip().startswith("1. BROKEN  number") for line in lines)
    assert f"rule: {MESSAGE} (finding {MESSAGE}:{world.legacy_numbers[0]})" in out
    assert "fix: Console → Phone Numbers → the number → Messaging Configuration" in out
    assert [line.split()[1] for line in lines if line.strip()[:2] in ("2.", "8.")] == \
        ["OK", "OK"]


def test_the_list_puts_broken_first_with_the_hop_that_breaks(cli, world, capsys):
    world.delete(world.flows["Voice IVR"])
    code, out, _ = run(capsys, "trace")
    assert code == 1
    rows = [line for line in out.splitlines() if line[:1].isupper() and "  (" in line]
    assert [r.split()[0] for r in rows] == ["BROKEN"] * 4 + ["OK"] * 6
    assert "at studio_flow: Studio flow" in out and "[numbers.voice-flow-missing]" in out


@pytest.mark.parametrize("entry", ["foo", "+1", "sms:foo", "PN123", "whatsapp:15550001"])
def test_a_bad_entry_is_one_line_and_exit_2_before_any_request(entry, cli, sim, capsys):
    before = sim.requests.total
    code, out, err = run(capsys, "trace", entry)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"trace: ENTRY {entry!r}: expected ")
    assert sim.requests.total == before


def test_an_entry_point_that_is_not_there(cli, sim, capsys):
    code, _, err = run(capsys, "trace", "+15559999999")
    assert code == 2 and err.strip().endswith("`flex-watchdog trace` lists them)")
    sim.faults.add(Fault("500", product="api", path_regex="IncomingPhoneNumbers"))
    code, _, err = run(capsys, "trace", "+15559999999")
    assert code == 3 and "numbers could not be read" in err


def test_beside_the_daemon_it_records_nothing(cli, world, capsys):
    assert run(capsys, "trace")[0] == 0  # adopts the baseline, like check
    world.set_number(world.legacy_numbers[0], sms_url="https://example.com/bot")
    owner = OwnerLock(cli)
    owner.acquire()
    try:
        code, out, err = run(capsys, "trace")
        assert code == 1 and "read-only, nothing recorded" in err
        assert "finding opened" not in err
    finally:
        owner.release()
    from watchdog.store.store import StateStore
    assert StateStore(cli, read_only=True).open_findings() == {}
    assert run(capsys, "trace")[0] == 1
    assert f"{MESSAGE}:{world.legacy_numbers[0]}" in StateStore(cli, read_only=True) \
        .open_findings()


def test_the_table_wraps_to_the_terminal_and_paints_states():
    long = "Conversations address whatsapp:+15550000190 (studio, auto-creation off) " * 2
    hop = Hop("address", "IG" + "0" * 32, long.strip(), "broken", f"{MESSAGE}:PN1", MESSAGE)
    point = EntryPoint("whatsapp:+15550000190", "whatsapp", "whatsapp:+15550000190",
                       "IG" + "0" * 32, "conversations", (hop,))
    from watchdog.model.snapshot import Snapshot
    snapshot = Snapshot("AC" + "0" * 32, utcnow(), {})
    for detailed in (False, True):
        text = render_table(snapshot, utcnow(), [point], detailed=detailed,
                            term=Terminal(60, True), unread=[])
        assert "\x1b[1;31mBROKEN\x1b[0m" in text
        assert max(visible_len(line) for line in text.splitlines()) <= 60, text
    plain = render_table(snapshot, utcnow(), [point], detailed=True, term=Terminal(None, False),
                         unread=[])
    assert "\x1b" not in plain and long.strip() in plain


def test_fix_is_the_first_paragraph_of_fix_by_hand():
    assert fix("taskrouter.workflow-queue-missing").startswith(
        "Console → TaskRouter → Workspaces → the Flex workspace")
    assert fix("no.such-rule") == "see flex-watchdog explain no.such-rule"


@pytest.mark.slow
def test_progress_at_a_terminal_and_80_columns(sim, world, tmp_path):
    env = sim_env(sim, tmp_path)
    world.set_number(world.legacy_numbers[0], sms_url="https://example.com/bot")
    result = in_pty(["trace", world.legacy_numbers[0]], env, stdout_tty=False)
    assert result.code == 1, result.out + result.piped
    assert "trace: reading numbers (" in result.out
    assert "reading" not in result.piped
    wide = in_pty(["trace", world.legacy_numbers[0]], env, stderr_tty=False)
    assert wide.widest() <= 80, wide.plain
