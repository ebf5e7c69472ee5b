"""A day of ordinary Flex administration under the daemon, on the shipped schedule, paging
through a routing key and with healing armed: nothing pages and nothing is healed.

The changes are the ones a Flex administrator makes on a normal day: a new voice flow published
and the numbers moved onto it, System Checkup re-run (a new "Webchat Flow" and the web channel
moved onto it), the Flex Proxy Service re-created and the numbers re-pointed to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.simulator import SimulatorServer, healthy_legacy, studio
from watchdog.simulator.builders import WEBCHAT_DESCRIPTION
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.simulator.records import flow_webhook_url, proxy_webhook_url
from watchdog.simulator.world import World


@pytest.fixture
def day(fake_pd: FakePagerDuty, tmp_path: Path) -> Iterator[Timeline]:
    world = healthy_legacy()
    with SimulatorServer(world) as server:
        timeline = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd))
        try:
            yield timeline
        finally:
            timeline.close()


def publish_voice_flow(world: World, name: str) -> str:
    return world.add_flow(name, studio.voice_ivr(world.workflow_sid or "",
                                                 world.task_channels["voice"]))


def move_voice(world: World, flow_sid: str) -> None:
    url = flow_webhook_url(world.account_sid, flow_sid)
    for number in world.flex_numbers:
        world.set_number(number, voice_url=url, status_callback=url)


def rerun_checkup_for_webchat(world: World) -> str:
    """System Checkup re-creates the webchat flow and moves the web channel onto it."""
    flow = world.add_flow("Webchat Flow", studio.chat_flow(
        world.workflow_sid or "", world.task_channels["chat"], WEBCHAT_DESCRIPTION))
    world.set_flex_flow(world.webchat_flex_flow_sid or "", flow_sid=flow)
    return flow


def repoint_messaging(world: World, proxy_sid: str) -> None:
    """Register each legacy number with the new Flex Proxy Service (pool and webhook)."""
    url = proxy_webhook_url(world.account_sid, proxy_sid)
    for number in world.legacy_numbers:
        world.add_to_proxy_pool(proxy_sid, number)
        world.set_number(number, sms_url=url)


@pytest.mark.slow
def test_a_day_of_routine_changes_pages_nothing_and_heals_nothing(
        day: Timeline, fake_pd: FakePagerDuty) -> None:
    world = day.server.world
    day.advance(600)
    holiday = publish_voice_flow(world, "Voice IVR Holidays")
    day.advance(20)
    move_voice(world, holiday)
    day.advance(600)
    rerun_checkup_for_webchat(world)
    day.advance(600)
    day.advance(125 - (day.now - day.results[0].polled_at).total_seconds() % 120)  # after services
    checkup = world.recreate_proxy_service()
    day.advance(10)
    repoint_messaging(world, checkup.proxy_sid)
    day.advance(3600)

    opened = [f for r in day.results for f in r.opened]
    assert [f"{f.rule} {f.summary}" for f in opened if f.severity != "info"] == []
    assert {f.rule for f in opened} <= {"baseline.resource-changed", "studio.flow-duplicate"}
    assert fake_pd.events("trigger") == []
    assert day.writes() == []
