"""One incident per cause: more than ``pagerduty.group_threshold`` findings of one rule ready to
page in one cycle page once, for the rule, and resolve when the last of them clears."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.simulator import SimulatorServer, World, add_legacy_number, e164, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.simulator.records import proxy_webhook_url

MESSAGE = "numbers.message-webhook-overwritten"


def eight_numbers() -> World:
    world = healthy_legacy()
    for index in range(10, 15):
        add_legacy_number(world, e164(index))
    return world


@pytest.fixture
def day(fake_pd: FakePagerDuty, tmp_path: Path) -> Iterator[Timeline]:
    with SimulatorServer(eight_numbers()) as server:
        timeline = Timeline(server, timeline_settings(
            server, tmp_path / "state.db", fake_pd, healing={"enabled": False}))
        try:
            yield timeline
        finally:
            timeline.close()


def overwrite(world: World, numbers: list[str]) -> None:
    for number in numbers:
        world.set_number(number, sms_url="https://example.com/stolen")


def restore(world: World, numbers: list[str]) -> None:
    for number in numbers:
        world.set_number(number, sms_url=proxy_webhook_url(world.account_sid,
                                                           world.flex_proxy_sid or ""))


def test_a_storm_of_one_rule_pages_once_and_resolves_with_the_last(
        day: Timeline, fake_pd: FakePagerDuty) -> None:
    world = day.server.world
    numbers = list(world.legacy_numbers)
    assert len(numbers) == 8
    overwrite(world, numbers)
    day.advance(60)
    triggers = fake_pd.events("trigger")
    assert len(triggers) == 1
    body = triggers[0].body
    assert body["dedup_key"].endswith(f":{MESSAGE}:*")
    details = body["payload"]["custom_details"]
    assert details["count"] == 8
    assert sorted(r["sid"] for r in details["resources"]) == sorted(numbers)
    assert "8 resources" in body["payload"]["summary"]

    restore(world, numbers[:-1])
    day.advance(120)
    assert fake_pd.events("resolve") == [] and len(fake_pd.events("trigger")) == 1
    restore(world, numbers[-1:])
    day.advance(60)
    assert [e.body["dedup_key"] for e in fake_pd.events("resolve")] == [body["dedup_key"]]


def test_a_few_findings_still_page_one_by_one(day: Timeline, fake_pd: FakePagerDuty) -> None:
    world = day.server.world
    numbers = list(world.legacy_numbers)[:3]
    overwrite(world, numbers)
    day.advance(60)
    keys = sorted(e.body["dedup_key"] for e in fake_pd.events("trigger"))
    assert [k.rsplit(":", 1)[1] for k in keys] == sorted(numbers)
