"""An incident is never resolved while the resource it is about is unchanged.

The daemon pages an overwritten voice webhook. Then the baseline takes the broken value in
(something wrote it there: an adoption that did not keep it out), so the rule no longer reports
the number. Nothing was repaired: the finding stays open and PagerDuty gets no resolve, until the
number itself changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.model.observed import observed
from watchdog.simulator import SimulatorServer, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty

RULE = "numbers.voice-webhook-overwritten"


@pytest.fixture
def day(fake_pd: FakePagerDuty, tmp_path: Path) -> Iterator[Timeline]:
    with SimulatorServer(healthy_legacy()) as server:
        settings = timeline_settings(server, tmp_path / "state.db", fake_pd,
                                     healing={"enabled": False})
        timeline = Timeline(server, settings)
        try:
            yield timeline
        finally:
            timeline.close()


def _open(day: Timeline) -> set[str]:
    return {item.resource_sid for item in day.watcher.store.open_findings().values()
            if item.rule == RULE}


def test_a_baseline_change_alone_does_not_resolve_the_incident(
        day: Timeline, fake_pd: FakePagerDuty) -> None:
    world = day.server.world
    number = world.flex_numbers[0]
    good = world.number(number)["voice_url"]
    day.advance(65)
    world.set_number(number, voice_url="https://ivr.example.com/answer")
    day.advance(600)
    assert _open(day) == {number}
    assert len(fake_pd.events("trigger")) == 1

    latest = day.watcher.latest
    assert latest is not None
    day.watcher.store.adopt_baseline(latest)  # the broken value is "expected" now
    day.advance(600)
    assert _open(day) == {number}, "cleared with nothing changed on the number"
    assert fake_pd.events("resolve") == []
    held = day.watcher.store.open_findings()[f"{RULE}:{number}"]
    assert "nothing it is about has changed" in held.details["held"]
    assert [r for r in day.results if any(f.id == held.id for f in r.cleared)] == []

    world.set_number(number, voice_url=good)  # the repair: the number itself changes
    day.advance(120)
    assert _open(day) == set()
    assert len(fake_pd.events("resolve")) == 1


def test_the_digest_moves_with_the_resource_and_what_its_details_name() -> None:
    from datetime import UTC, datetime

    from watchdog.model.snapshot import FamilyState, Resource, Snapshot

    def snap(*resources: Resource) -> Snapshot:
        families: dict[str, list[Resource]] = {}
        for r in resources:
            families.setdefault(r.family, []).append(r)
        return Snapshot("AC" + "0" * 32, datetime(2026, 1, 1, tzinfo=UTC),
                        {f: FamilyState(f, "complete", tuple(rs)) for f, rs in families.items()})

    pn, fw = "PN" + "1" * 32, "FW" + "2" * 32
    number = Resource.make("phone_number", pn, {"voice_url": f"https://x/{fw}"})
    flow = Resource.make("studio_flow", fw, {"status": "published"})
    details = {"flow_sid": fw, "evidence": {"last_change": "KS" + "3" * 32}}
    base = observed(snap(number, flow), pn, details)
    assert observed(snap(number, flow), pn, details) == base
    assert observed(snap(number, flow), pn, {**details, "evidence": {}}) == base  # marks don't
    assert observed(snap(number), pn, details) != base  # the flow it names is gone
    moved = Resource.make("phone_number", pn, {"voice_url": "https://y"})
    assert observed(snap(moved, flow), pn, details) != base
