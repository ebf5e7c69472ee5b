"""A reference is judged on data no older than the resource that holds it: the daemon's numbers
and Flex Flows jobs run every minute, Studio every five, services every two. A SID that the fresh
family names and the older one lacks makes the cycle read that family again first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.simulator import SimulatorServer, healthy_legacy, studio
from watchdog.simulator.builders import WEBCHAT_DESCRIPTION
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.simulator.records import flow_webhook_url, proxy_webhook_url


@pytest.fixture
def day(fake_pd: FakePagerDuty, tmp_path: Path) -> Iterator[Timeline]:
    with SimulatorServer(healthy_legacy()) as server:
        timeline = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd))
        try:
            yield timeline
        finally:
            timeline.close()


def test_a_number_moved_onto_a_flow_published_after_the_last_studio_poll_is_not_missing(
        day: Timeline) -> None:
    world = day.server.world
    day.advance(400)  # Studio last read at 300 s
    flow = world.add_flow("Voice IVR Holidays", studio.voice_ivr(world.workflow_sid or "",
                                                                 world.task_channels["voice"]))
    number = world.flex_numbers[0]
    world.set_number(number, voice_url=flow_webhook_url(world.account_sid, flow))
    since = len(day.results)
    day.advance(20)  # the Monitor event refreshes numbers at once

    refresh = day.results[since]
    assert refresh.read_alone == (number,) and refresh.refreshed == ("studio",)
    assert refresh.snapshot.get("studio_flow", flow) is not None
    numbers_only = next(r for r in day.results[1:since] if r.refreshed == ("numbers",
                                                                           "flex_flows"))
    assert refresh.api_requests > numbers_only.api_requests  # the Studio list is counted
    assert [f.rule for f in refresh.opened if f.rule.startswith("numbers.")] == []
    assert day.opened({"numbers.voice-flow-missing", "numbers.voice-webhook-overwritten"}) == []


def test_a_flow_that_really_does_not_exist_is_confirmed_on_fresh_data_and_found(
        day: Timeline) -> None:
    world = day.server.world
    number = world.flex_numbers[0]
    gone = "FW" + "0" * 32
    world.set_number(number, voice_url=flow_webhook_url(world.account_sid, gone))
    since = len(day.results)
    day.advance(20)
    refresh = day.results[since]
    assert "studio" in refresh.refreshed
    found = [f for f in refresh.opened if f.rule == "numbers.voice-flow-missing"]
    assert [f.resource_sid for f in found] == [number]
    assert found[0].details["flow_sid"] == gone


def test_system_checkup_moving_the_web_channel_onto_a_new_flow_is_not_missing(
        day: Timeline) -> None:
    world = day.server.world
    day.advance(330)
    flow = world.add_flow("Webchat Flow", studio.chat_flow(
        world.workflow_sid or "", world.task_channels["chat"], WEBCHAT_DESCRIPTION))
    world.set_flex_flow(world.webchat_flex_flow_sid or "", flow_sid=flow)
    since = len(day.results)
    day.advance(60)  # the Flex Flows job runs; Studio is four minutes old
    assert day.opened({"flex.flow-studio-flow-missing"}) == []
    flex_flows = next(r for r in day.results[since:] if "flex_flows" in r.refreshed)
    assert "studio" in flex_flows.refreshed


def test_a_number_re_pointed_to_a_re_created_proxy_service_is_judged_against_it(
        day: Timeline) -> None:
    world = day.server.world
    day.advance(125)  # services were read at 120 s
    old = world.flex_proxy_sid
    checkup = world.recreate_proxy_service()
    first, rest = world.legacy_numbers[0], world.legacy_numbers[1:]
    world.add_to_proxy_pool(checkup.proxy_sid, first)
    world.set_number(first, sms_url=proxy_webhook_url(world.account_sid, checkup.proxy_sid))
    since = len(day.results)
    day.advance(20)

    refresh = day.results[since]
    assert "proxy" in refresh.refreshed
    [finding] = [f for f in refresh.findings if f.rule == "numbers.message-webhook-overwritten"]
    assert finding.resource_sid == old  # one finding for the cause, naming every number left
    numbers = [a["sid"] for a in finding.details["affected"] if a["type"] == "phone_number"]
    assert sorted(numbers) == sorted(rest)  # not the re-pointed one
    # the live service is the expected one, the deleted one is named
    assert f"Proxy Service {old} (deleted)" in finding.summary
    assert checkup.proxy_sid in finding.summary and f"{checkup.proxy_sid} (deleted)" \
        not in finding.summary
    assert finding.details["expected_sms_url"] == proxy_webhook_url(world.account_sid,
                                                                     checkup.proxy_sid)
    # the deliberate re-point to the Flex Proxy Service that exists now is drift, not an overwrite
    drift = [f for f in refresh.findings if f.resource_sid == first]
    assert sorted((f.rule, f.severity, f.resource_type) for f in drift) == [  # and its pool entry
        ("baseline.resource-changed", "info", "phone_number"),
        ("baseline.resource-changed", "info", "proxy_phone_number")]
