"""Monitor Events and Debugger alerts: which family a signal refreshes, cursors, evidence."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from tests.daemon.support import (
    LOCAL_HTTP,
    QUIET_SCHEDULE,
    build_daemon,
    requests_made,
    run_job,
    sample,
)
from watchdog.cli import main
from watchdog.model.times import utcnow
from watchdog.signals.events import (
    ALERTS_CURSOR,
    MONITOR_CURSOR,
    Cursor,
    families_for_alert,
    families_for_event,
)
from watchdog.simulator import Fault

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def watched(sid):
    return {"FOwatched": {"flex_flows"}, "PNwatched": {"numbers", "proxy"}}.get(sid, set())


@pytest.mark.parametrize("event_type, sid, expected", [
    pytest.param("phone-number.updated", "PNwatched", {"numbers"}, id="type names numbers"),
    pytest.param("phone-number.deleted", "PNunknown", {"numbers"}, id="even an unknown number"),
    pytest.param("flex-flow.updated", "FOwatched", {"flex_flows"}, id="watched resource"),
    pytest.param("api-key.created", "SKsomething", set(), id="not ours"),
    pytest.param(None, None, set(), id="empty"),
])
def test_event_to_family(event_type, sid, expected):
    assert families_for_event(event_type, sid, watched) == expected


@pytest.mark.parametrize("code, sid, expected", [
    pytest.param(45205, None, {"flex_flows"}, id="45205 Flex Flow not found"),
    pytest.param(80620, "PNwatched", {"proxy"}, id="80620 not in the Proxy pool"),
    pytest.param(11200, "PNwatched", {"numbers"}, id="11200 webhook failure"),
    pytest.param(99999, "FOwatched", {"flex_flows"}, id="unmapped code, watched resource"),
    pytest.param(99999, "XXother", set(), id="unmapped code, unknown resource"),
])
def test_alert_to_family(code, sid, expected):
    assert families_for_alert(code, sid, None, watched) == expected


def test_cursor_sees_each_item_once_at_one_second_resolution():
    cursor = Cursor(T0)
    assert cursor.is_new("AE1", T0) and not cursor.is_new("AE0", T0 - timedelta(seconds=1))
    cursor.advance([("AE1", T0), ("AE2", T0 + timedelta(seconds=1))])
    assert not cursor.is_new("AE2", T0 + timedelta(seconds=1))
    assert cursor.is_new("AE3", T0 + timedelta(seconds=1)), "same second, another event"
    again = Cursor.load(cursor.dump())
    assert again == cursor and Cursor.load(None) is None


# -- through the simulator and the real SDK ----------------------------------------------------

@pytest.fixture
def daemon(make_watcher):
    built = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP))
    run_job(built, "initial")
    return built


def test_a_number_event_reads_only_that_number_with_evidence(daemon, world):
    number = world.flex_numbers[0]
    world.set_number(number, sms_url="https://example.com/bot")
    with requests_made(daemon) as products:
        run_job(daemon, "events")
    assert daemon.refresher.pending_resources == {number}
    assert daemon.refresher.pending == set(), "no family is polled for it"
    assert products == {"monitor"}
    with requests_made(daemon) as products:
        run_job(daemon, "refresh")
    assert products == {"api"}, "only the number was fetched"
    assert daemon.refresher.pending == set() and daemon.refresher.pending_resources == set()
    finding = daemon.watcher.store.open_findings()[f"numbers.message-webhook-overwritten:{number}"]
    change = finding.details["evidence"]["last_change"]
    assert change["event_type"] == "phone-number.updated"
    assert change["actor_type"] == "user" and change["actor_sid"] == world.user_sid
    assert change["source"] == "web" and change["source_ip_address"] == "203.0.113.10"
    assert change["changes"]["sms_url"]["updated"] == "https://example.com/bot"
    assert sample(daemon, "flex_watchdog_events_received_total", source="monitor") == 1
    assert sample(daemon, "flex_watchdog_detection_latency_seconds_count") == 1


def test_the_cursor_is_persisted_and_survives_a_restart(daemon, make_watcher, world):
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/bot")
    run_job(daemon, "events")
    run_job(daemon, "events")
    assert sample(daemon, "flex_watchdog_events_received_total", source="monitor") == 1
    assert daemon.watcher.store.get_cursor(MONITOR_CURSOR)
    daemon.watcher.store.close()
    restarted = build_daemon(make_watcher(schedule=QUIET_SCHEDULE, http=LOCAL_HTTP))
    run_job(restarted, "events")
    assert sample(restarted, "flex_watchdog_events_received_total", source="monitor") == 0
    assert restarted.refresher.pending == set()
    assert restarted.evidence.latest_change(world.flex_numbers[0]) is not None, "warmed"


@pytest.mark.parametrize("code, family, product", [
    pytest.param(45205, "flex_flows", "flex-api", id="45205"),
    pytest.param(80620, "proxy", "proxy", id="80620"),
    pytest.param(11200, "numbers", "api", id="11200"),
])
def test_a_debugger_alert_refreshes_its_family(daemon, world, code, family, product):
    world.add_alert(code, resource_sid=world.flex_numbers[1])
    run_job(daemon, "alerts")
    assert daemon.refresher.pending == {family}
    with requests_made(daemon) as products:
        run_job(daemon, "refresh")
    assert products == {product}
    assert daemon.watcher.store.get_cursor(ALERTS_CURSOR)
    assert sample(daemon, "flex_watchdog_events_received_total", source="debugger") == 1


def test_alert_codes_not_configured_are_ignored(daemon, world):
    world.add_alert(30003, resource_sid=world.flex_numbers[1])
    run_job(daemon, "alerts")
    assert daemon.refresher.pending == set()
    assert sample(daemon, "flex_watchdog_events_received_total", source="debugger") == 0


def test_any_event_about_a_watched_resource_counts(daemon, world):
    flex_flow = world.number_flex_flows[world.flex_numbers[0]]
    world.record_event("flex-flow.updated", "flex-flow", flex_flow, None, world.console(), None)
    world.record_event("api-key.created", "api-key", world.api_key_sid, None, world.api(), None)
    run_job(daemon, "events")
    assert daemon.refresher.pending_resources == {flex_flow}, "read alone"
    assert sample(daemon, "flex_watchdog_events_received_total", source="monitor") == 2


def test_evidence_counts_matching_alerts_of_the_last_hour(daemon, world):
    number = world.flex_numbers[0]
    world.add_alert(11200, resource_sid=number)
    world.add_alert(11200, resource_sid=number)
    world.add_alert(11200, resource_sid=world.flex_numbers[2])
    world.add_alert(11200, resource_sid=number,
                    date_generated=(utcnow() - timedelta(hours=2)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"))
    world.set_number(number, sms_url="https://example.com/bot")
    for job in ("alerts", "events", "refresh"):
        run_job(daemon, job)
    finding = daemon.watcher.store.open_findings()[f"numbers.message-webhook-overwritten:{number}"]
    assert finding.details["evidence"]["debugger_alerts_last_hour"] == 2


def test_an_unavailable_feed_is_one_warning_not_an_error(daemon, sim, caplog):
    sim.faults.add(Fault("500", product="monitor"))
    with caplog.at_level(logging.WARNING):
        run_job(daemon, "events")
        run_job(daemon, "events")
        sim.faults.clear()
        run_job(daemon, "events")
    assert caplog.text.count("monitor feed unavailable") == 1
    assert "monitor feed available again" in caplog.text
    assert sample(daemon, "flex_watchdog_job_errors_total", job="events") == 0


def test_check_shows_evidence(sim, world, tmp_path, monkeypatch, capsys):
    for name, value in {"TWILIO_ACCOUNT_SID": world.account_sid,
                        "TWILIO_AUTH_TOKEN": world.auth_token,
                        "FLEX_WATCHDOG_TWILIO_BASE_URL": sim.url,
                        "FLEX_WATCHDOG_STATE_PATH": str(tmp_path / "check.db")}.items():
        monkeypatch.setenv(name, value)
    world.set_number(world.flex_numbers[0], sms_url="https://example.com/bot")
    world.add_alert(80620, resource_sid=world.flex_numbers[0])
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "evidence: phone-number.updated at" in out
    assert f"by user {world.user_sid} via web from 203.0.113.10" in out
