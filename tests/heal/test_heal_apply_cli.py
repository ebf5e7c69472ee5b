"""`heal --apply` is a person's tool: `--rule` and resources narrow it, `--now` skips the grace
period for what was named, it asks before writing (`--yes`), and it exits 4 when a heal that was
asked for was refused, is waiting or was declined. Through the CLI and the simulator."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.conftest import NOW
from tests.heal.support import MESSAGE, NUMBER_POST, VOICE
from watchdog.cli import main
from watchdog.simulator import SimulatorServer
from watchdog.simulator.records import proxy_webhook_url

BROKEN = "https://example.com/sms"


@pytest.fixture
def cli_env(sim: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    world = sim.world
    state = tmp_path / "state.db"
    for key, value in {
        "TWILIO_ACCOUNT_SID": world.account_sid, "TWILIO_AUTH_TOKEN": world.auth_token,
        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url, "FLEX_WATCHDOG_STATE_PATH": str(state),
        "FLEX_WATCHDOG_TWILIO__MAX_ATTEMPTS": "1",
        "FLEX_WATCHDOG_TWILIO__REQUESTS_PER_SECOND": "100000",
        # two broken numbers of three are not a blast here: the narrowing is what is tested
        "FLEX_WATCHDOG_HEALING__MAX_BROKEN_FRACTION": "1",
    }.items():
        monkeypatch.setenv(key, value)
    return state


class Terminal(io.StringIO):
    """stdin as a person at a terminal who types ``answer``."""

    def isatty(self) -> bool:
        return True


def heal(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["heal", *argv])
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def healed(world, sid: str) -> bool:
    return world.number(sid)["sms_url"] == proxy_webhook_url(world.account_sid,
                                                             world.flex_proxy_sid or "")


def break_two(sim, capsys, clock) -> tuple[str, str]:
    """Two legacy numbers with an overwritten SMS webhook, first seen one minute ago."""
    world = sim.world
    first, second = world.legacy_numbers[:2]
    heal(capsys, "--plan")  # baseline
    for sid in (first, second):
        world.set_number(sid, sms_url=BROKEN)
    clock.move_to(NOW + timedelta(minutes=1))
    heal(capsys, "--plan")  # the findings open: the grace period starts
    clock.move_to(NOW + timedelta(minutes=2))
    return first, second


def test_without_a_terminal_and_without_yes_it_refuses_before_reading(sim, cli_env, capsys):
    with freeze_time(NOW):
        sim.reset_counts()
        code, out, err = heal(capsys, "--apply")
    assert code == 2 and out == ""
    assert err.strip() == ("heal --apply: asks before it writes and stdin is not a terminal; "
                           "pass --yes to apply without asking")
    assert sim.requests.entries() == [], "nothing was read, nothing written"


def test_resources_and_now_narrow_the_heal_to_what_was_named(sim, cli_env, capsys):
    world = sim.world
    with freeze_time(NOW) as clock:
        first, second = break_two(sim, capsys, clock)
        code, out, _ = heal(capsys, "--apply", first, "--now", "--yes")
    assert code == 0, out
    assert "APPLIED: verified" in out and second not in out
    assert healed(world, first) and world.number(second)["sms_url"] == BROKEN
    assert sim.requests.by_template()[NUMBER_POST] == 1


def test_a_phone_number_names_its_resource(sim, cli_env, capsys):
    world = sim.world
    with freeze_time(NOW) as clock:
        first, _ = break_two(sim, capsys, clock)
        number = world.number(first)["phone_number"]
        code, out, _ = heal(capsys, "--apply", number, "--now", "--yes")
    assert code == 0 and healed(world, first), out


def test_waiting_for_the_grace_period_exits_4(sim, cli_env, capsys):
    world = sim.world
    with freeze_time(NOW) as clock:
        first, _ = break_two(sim, capsys, clock)
        code, out, _ = heal(capsys, "--apply", first, "--yes")
    assert code == 4 and "WAITING: grace period" in out
    assert world.number(first)["sms_url"] == BROKEN


def test_rule_narrows_and_a_rule_with_nothing_to_heal_exits_4(sim, cli_env, capsys):
    world = sim.world
    with freeze_time(NOW) as clock:
        first, second = break_two(sim, capsys, clock)
        code, out, _ = heal(capsys, "--apply", "--rule", VOICE, "--now", "--yes")
        assert code == 4 and out.startswith("Nothing to heal")
        assert world.number(first)["sms_url"] == BROKEN
        code, out, _ = heal(capsys, "--apply", "--rule", MESSAGE, "--now", "--yes")
    assert code == 0 and healed(world, first) and healed(world, second), out


def test_a_named_resource_without_a_heal_exits_4(sim, cli_env, capsys):
    world = sim.world
    with freeze_time(NOW) as clock:
        first, _ = break_two(sim, capsys, clock)
        other = world.legacy_numbers[2]
        code, _, err = heal(capsys, "--apply", other, "--now", "--yes")
    assert code == 4
    assert f"No heal for {other}: no open, healable finding about it" in err
    assert world.number(first)["sms_url"] == BROKEN


def test_a_refused_heal_exits_4(sim, cli_env, capsys, monkeypatch):
    monkeypatch.setenv("FLEX_WATCHDOG_HEALING__MAX_BROKEN_FRACTION", "0.2")
    with freeze_time(NOW) as clock:
        first, _ = break_two(sim, capsys, clock)
        code, out, _ = heal(capsys, "--apply", first, "--now", "--yes")
    assert code == 4 and "REFUSED" in out and "2 of 3" in out


def test_it_asks_at_a_terminal_and_a_no_writes_nothing(sim, cli_env, capsys, monkeypatch):
    world = sim.world
    with freeze_time(NOW) as clock:
        first, _ = break_two(sim, capsys, clock)
        monkeypatch.setattr("sys.stdin", Terminal("n\n"))
        code, out, err = heal(capsys, "--apply", first, "--now")
        assert code == 4 and "Not applied: declined" in out
        assert f"About to write 1 heal(s) to account {world.account_sid}:" in err
        assert f"sms_url: {BROKEN} -> " in err and err.rstrip().endswith("Apply them? [y/N]")
        assert world.number(first)["sms_url"] == BROKEN
        monkeypatch.setattr("sys.stdin", Terminal("y\n"))
        code, out, _ = heal(capsys, "--apply", first, "--now")
    assert code == 0 and healed(world, first)


@pytest.mark.parametrize("argv, message", [
    (["--apply", "--rule", "no.such-rule", "--yes"], "heal: --rule no.such-rule: unknown rule"),
    (["--apply", "--rule", "studio.flow-unpublished", "--yes"],
     "heal: --rule studio.flow-unpublished: this rule has no healer"),
    (["--apply", "--now", "--yes"], "heal: --now skips the grace period only for what is named"),
])
def test_bad_narrowing_is_one_line_exit_2(cli_env, capsys, argv, message):
    code, out, err = heal(capsys, *argv)
    assert code == 2 and err.strip().startswith(message) and len(err.strip().splitlines()) == 1
