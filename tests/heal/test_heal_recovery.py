"""kill -9 between a write and its verification: the restart settles it by reading, never by
writing a second time."""

from __future__ import annotations

import pytest

from tests.heal.support import MESSAGE, NUMBER_POST, Rig, armed, break_sms, open_rules
from watchdog.healing import records
from watchdog.healing.model import PlanItem
from watchdog.simulator import Fault
from watchdog.simulator.records import proxy_webhook_url


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing on the way up contains it."""


def crash(item: PlanItem) -> None:
    raise Killed(item.resource_sid)


def _killed_mid_heal(rig: Rig, sid: str) -> None:
    rig.poll(0)
    break_sms(rig.world, sid)
    rig.poll(1)
    with pytest.raises(Killed):
        rig.poll(7)
    [row] = records.pending(rig.store)
    assert (row.phase, row.resource_sid, row.mode) == ("writing", sid, "auto")


def test_write_that_took_effect_is_confirmed_after_restart_without_a_second_write(sim, tmp_path):
    rig = Rig(sim, tmp_path, crash_hook=crash, **armed(MESSAGE))
    world, sid = rig.world, rig.world.legacy_numbers[0]
    _killed_mid_heal(rig, sid)
    assert rig.writes(NUMBER_POST) == 1
    assert world.number(sid)["sms_url"] == proxy_webhook_url(world.account_sid,
                                                             world.flex_proxy_sid or "")
    rig.start()  # a new process on the same state file, no crash hook
    result = rig.poll(8)
    assert rig.writes(NUMBER_POST) == 1, "recovered by reading, not by writing again"
    assert records.pending(rig.store) == []
    [healed] = rig.heals()
    assert healed.outcome == "applied" and healed.phase == "done"
    assert "verified after restart" in (healed.reason or "")
    assert healed.after and healed.after["sms_url"].endswith("/Webhooks/Message")
    assert MESSAGE not in {f.rule for f in result.findings}
    assert (MESSAGE, sid) not in open_rules(rig)
    assert records.breaker(rig.store, MESSAGE, sid).last_applied_at == healed.at
    assert rig.counted(MESSAGE, "applied") == 1


def test_write_that_never_took_effect_is_a_failed_heal_then_healed_normally(sim, tmp_path):
    rig = Rig(sim, tmp_path, crash_hook=crash, **armed(MESSAGE))
    sid = rig.world.legacy_numbers[0]
    sim.faults.add(Fault("500", product="api", path_regex=f"{sid}.json", method="POST", times=2))
    _killed_mid_heal(rig, sid)
    rig.start()
    rig.poll(8)
    applied, failed = rig.heals()  # newest first
    assert (failed.outcome, failed.reason) == (
        "failed", "interrupted between write and verify; not in effect after restart")
    assert (applied.outcome, applied.reason) == ("applied", "verified")
    assert records.breaker(rig.store, MESSAGE, sid).failures == 0, "reset by the verified heal"
    assert sim.requests.count("POST", "api", status=200) == 1, \
        "one write took effect: the ordinary heal after recovery"


def test_history_shows_an_unsettled_write(sim, tmp_path):
    from watchdog.healing.render import render_history

    rig = Rig(sim, tmp_path, crash_hook=crash, **armed(MESSAGE))
    _killed_mid_heal(rig, rig.world.legacy_numbers[0])
    text = render_history(records.history(rig.store), [])
    assert "(writing: unverified)" in text
