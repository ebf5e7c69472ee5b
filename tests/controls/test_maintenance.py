"""Maintenance windows through the daemon and the CLI: findings open and show, no page starts,
nothing heals; when the window ends whatever is still broken pages once."""

from __future__ import annotations

import json

import pytest
import yaml
from freezegun import freeze_time

from tests.conftest import NOW
from tests.controls.support import MESSAGE, fake_pd, make_rig
from tests.controls.test_silence_cli import cli_env, run
from tests.daemon.support import http

__all__ = ["cli_env", "fake_pd", "make_rig"]  # fixtures used by name below
HIJACK = "https://example.com/hijack"
ONE_OFF = {"name": "number port", "start": "2026-11-25T11:00:00Z", "end": "2026-11-25T12:30:00Z"}


def test_during_a_window_nothing_pages_or_heals_and_it_pages_once_after(make_rig):
    rig = make_rig(maintenance=[ONE_OFF])
    sid = rig.world.legacy_numbers[0]
    rig.world.set_number(sid, sms_url=HIJACK)
    for _ in range(3):
        rig.poll(5)
    row = rig.watcher.store.open_findings()[f"{MESSAGE}:{sid}"]
    assert row.details["maintenance"] == {"name": "number port", "until": "2026-11-25T12:30:00Z",
                                          "heal": False}
    assert rig.triggers() == [] and rig.world.number(sid)["sms_url"] == HIJACK
    assert rig.sample("flex_watchdog_maintenance_active") == 1
    rig.daemon.http.start()
    try:
        status, body = http(f"{rig.daemon.http.url}/readyz")
    finally:
        rig.daemon.http.stop()
    assert status == 200 and ("maintenance window number port until 2026-11-25T12:30:00Z: no "
                              "page starts, nothing heals") in body
    rig.poll(20)  # 12:36: the window has ended, the number is still broken
    assert len(rig.triggers()) == 1
    assert rig.world.number(sid)["sms_url"] != HIJACK, "heals run again after the window"
    assert rig.sample("flex_watchdog_maintenance_active") == 0
    rig.poll()
    assert len(rig.triggers()) == 1, "once"


def test_a_recurring_window_from_a_cron_expression(make_rig):
    rig = make_rig(maintenance=[{"name": "nightly", "cron": "55 11 * * *", "duration": "30m"}],
                   healing={"enabled": False})
    sid = rig.world.legacy_numbers[0]
    rig.world.set_number(sid, sms_url=HIJACK)
    rig.poll(1)  # 12:01, inside 11:55-12:25
    assert rig.triggers() == []
    assert rig.watcher.store.open_findings()[f"{MESSAGE}:{sid}"].details["maintenance"][
        "until"] == "2026-11-25T12:25:00Z"
    rig.poll(25)  # 12:26
    assert len(rig.triggers()) == 1


def test_a_window_for_other_rules_does_not_hold_this_one(make_rig):
    rig = make_rig(maintenance=[{**ONE_OFF, "rules": ["proxy.service-missing"]}],
                   healing={"enabled": False})
    rig.world.set_number(rig.world.legacy_numbers[0], sms_url=HIJACK)
    rig.poll()
    assert len(rig.triggers()) == 1


def test_a_window_with_heal_true_heals_but_does_not_page(make_rig):
    rig = make_rig(maintenance=[{**ONE_OFF, "heal": True}])
    sid = rig.world.legacy_numbers[0]
    rig.world.set_number(sid, sms_url=HIJACK)
    rig.poll()
    assert rig.world.number(sid)["sms_url"] != HIJACK
    rig.poll()
    assert rig.triggers() == []


def test_maintenance_start_end_and_check(sim, cli_env, capsys):
    sid = sim.world.legacy_numbers[0]
    with freeze_time(NOW) as clock:
        assert run(capsys, "check")[0] == 0
        code, out, _ = run(capsys, "maintenance", "start", "--for", "2h", "--reason",
                           "porting numbers", "--by", "ops")
        assert code == 0 and "open until 2026-11-25T14:00:00Z: porting numbers" in out
        code, out, _ = run(capsys, "check")
        assert code == 0 and ("In force: maintenance window maintenance (porting numbers (by "
                              "ops)) until 2026-11-25T14:00:00Z: no page starts, nothing heals"
                              ) in out, "a window shows in check even with no finding"
        sim.world.set_number(sid, sms_url=HIJACK)
        clock.tick(60)
        code, out, _ = run(capsys, "check")
        assert code == 1 and f"{MESSAGE}  {sid}" in out
        assert ("maintenance: maintenance, until 2026-11-25T14:00:00Z (does not page, not "
                "healed)") in out
        code, out, _ = run(capsys, "check", "--format", "json")
        assert json.loads(out)["findings"][0]["details"]["maintenance"]["reason"] == (
            "porting numbers (by ops)")
        code, out, _ = run(capsys, "heal", "--apply", "--yes")
        assert "maintenance window maintenance (porting numbers (by ops)) until" in out
        assert sim.requests.count("POST") == 0
        code, out, _ = run(capsys, "maintenance", "list")
        assert "maintenance window maintenance (porting numbers (by ops))" in out
        code, out, _ = run(capsys, "maintenance", "end")
        assert code == 0 and "Maintenance window 1 ended" in out
        code, out, _ = run(capsys, "check")
        assert "maintenance:" not in out


@pytest.mark.parametrize("window, message", [
    ({"name": "w", "cron": "0 2 * *", "duration": "2h"},
     "config: maintenance.0: cron '0 2 * *' / timezone 'UTC': Wrong number of fields; got 4, "
     "expected 5"),
    ({"name": "w", "start": "2026-11-25T11:00:00Z"},
     "config: maintenance.0: give start and end (one-off) or cron and duration (recurring)"),
    ({"name": "w", "cron": "0 2 * * *", "duration": "2h", "rules": ["nope.x"]},
     "config: maintenance.0.rules: unknown rule 'nope.x' (see `flex-watchdog rules`)"),
])
def test_bad_windows_are_one_line_exit_2(cli_env, capsys, monkeypatch, window, message):
    config = cli_env / "config.yaml"
    config.write_text(yaml.safe_dump({"maintenance": [window]}))
    monkeypatch.setenv("FLEX_WATCHDOG_CONFIG", str(config))
    code, _, err = run(capsys, "check")
    assert (code, err.strip()) == (2, message)
