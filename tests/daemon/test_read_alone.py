"""A Monitor event about one resource reads that resource alone (one request for a number, one
or two for a Studio flow with the definition it runs), and the rules judge the latest snapshot
with it replaced. A single read never proves a deletion: a 404 asks for the family's complete
poll, and a 429, a 5xx or a body cut short leaves the previous snapshot as it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.cycle import CycleResult
from watchdog.simulator import Fault, SimulatorServer, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty

OVERWRITE = "numbers.message-webhook-overwritten"
NUMBER_PATH = r"^/2010-04-01/Accounts/AC\w+/IncomingPhoneNumbers/PN\w+\.json$"
NUMBER_LIST = r"^/2010-04-01/Accounts/AC\w+/IncomingPhoneNumbers\.json$"


@pytest.fixture
def day(fake_pd: FakePagerDuty, tmp_path: Path) -> Iterator[Timeline]:
    with SimulatorServer(healthy_legacy()) as server:
        timeline = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd))
        try:
            yield timeline
        finally:
            timeline.close()


def refreshes(day: Timeline, since: int) -> list[CycleResult]:
    return [r for r in day.results[since:] if r.trigger.job == "refresh"]


def served(day: Timeline, since: int) -> list[str]:
    return [f"{r.method} {r.template}" for r in day.server.requests.entries()[since:]
            if r.product != "monitor"]


def overwrite(day: Timeline) -> str:
    """One Flex number's SMS webhook overwritten; the finding opened and paged."""
    number = day.server.world.flex_numbers[0]
    day.server.world.set_number(number, sms_url="https://example.com/bot")
    day.advance(60)
    assert f"{OVERWRITE} {number}" in day.opened({OVERWRITE})
    return number


def test_an_overwritten_number_is_found_by_reading_that_number_alone(day: Timeline) -> None:
    assert day.settings.schedule.events_seconds == 5, "the shipped interval"
    day.advance(20)  # between two polls of the numbers
    number = day.server.world.flex_numbers[0]
    since, requests = len(day.results), len(day.server.requests.entries())
    day.server.world.set_number(number, sms_url="https://example.com/bot")
    day.advance(day.settings.schedule.events_seconds)

    [refresh] = refreshes(day, since)
    assert [f"{f.rule} {f.resource_sid}" for f in refresh.opened] == [f"{OVERWRITE} {number}"]
    assert refresh.api_requests == 1
    assert served(day, requests) == [
        "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"]
    assert refresh.read_alone == (number,) and refresh.trigger.sources == ("monitor",)
    assert refresh.refreshed == (), "no family was read completely"
    others = [r for r in refresh.snapshot.of_type("phone_number") if r.sid != number]
    assert len(others) == len(day.watcher.latest.of_type("phone_number")) - 1, "the rest kept"


def test_a_flow_is_read_alone_with_the_definition_it_runs(day: Timeline) -> None:
    world = day.server.world
    flow = next(iter(world.flows.values()))
    day.advance(20)
    since, requests = len(day.results), len(day.server.requests.entries())
    world.edit_flow(flow, attributes={"reread": "alone"})
    world.record_event("flow.updated", "studio-flow", flow, None, world.console(), None)
    day.advance(day.settings.schedule.events_seconds)

    [refresh] = refreshes(day, since)
    assert refresh.api_requests == 1, "a published flow's fetch carries its definition"
    assert refresh.read_alone == (flow,) and refresh.refreshed == ()
    read = refresh.snapshot.get("studio_flow", flow)
    assert read is not None and "alone" in str(read.get("definition"))
    assert served(day, requests) == ["GET /v2/Flows/{Sid}"]

    since = len(day.results)
    world.unpublish_flow(flow)
    world.record_event("flow.updated", "studio-flow", flow, None, world.console(), None)
    day.advance(day.settings.schedule.events_seconds)
    [draft] = refreshes(day, since)
    assert draft.api_requests == 2, "a draft: the flow, then its last published revision"
    held = draft.snapshot.get("studio_flow", flow)
    assert held is not None and held.get("draft_pending") is True
    assert held.get("definition") == read.get("definition"), "the published one still runs"


def resolves(day: Timeline, fake_pd: FakePagerDuty) -> int:
    queued = day.sink.outbox.pending() if day.sink else []
    return len(fake_pd.events("resolve")) + sum("resolve" in repr(item) for item in queued)


def test_a_404_on_the_number_alone_is_no_deletion_until_its_family_poll_confirms(
        day: Timeline, fake_pd: FakePagerDuty) -> None:
    number = overwrite(day)
    day.advance(10)
    world, resolved = day.server.world, resolves(day, fake_pd)
    since, writes = len(day.results), day.writes()
    day.server.faults.add(Fault("500", product="api", path_regex=NUMBER_LIST))
    world.delete(number)
    day.advance(day.settings.schedule.events_seconds)

    polled = day.results[since:]
    assert [r.refreshed for r in polled] == [("numbers",)], "the 404 asked for the family"
    assert polled[0].snapshot.families["numbers"].status == "failed"
    assert not polled[0].opened and not polled[0].cleared, "nothing closes on a 404 alone"
    assert f"{OVERWRITE}:{number}" in day.watcher.store.open_findings()
    assert day.writes() == writes and resolves(day, fake_pd) == resolved

    day.server.faults.clear()
    day.advance(60)  # the next complete poll sees it gone
    assert day.watcher.latest.get("phone_number", number) is None


def test_a_404_on_a_number_that_exists_is_confirmed_present(day: Timeline) -> None:
    number = overwrite(day)
    day.advance(10)
    since = len(day.results)
    day.server.faults.add(Fault("404", product="api", path_regex=NUMBER_PATH))
    day.server.world.set_number(number, friendly_name="renamed")
    day.advance(day.settings.schedule.events_seconds)

    [confirm] = day.results[since:]
    assert confirm.snapshot.families["numbers"].status == "complete", "a complete poll"
    assert not confirm.opened and not confirm.cleared
    assert confirm.snapshot.get("phone_number", number) is not None
    assert f"{OVERWRITE}:{number}" in day.watcher.store.open_findings()


@pytest.mark.parametrize("kind", ["429", "503", "truncated", "invalid_json"])
def test_a_failed_read_alone_leaves_the_last_snapshot_standing(
        day: Timeline, fake_pd: FakePagerDuty, kind: str) -> None:
    number = overwrite(day)
    day.advance(10)
    resolved = resolves(day, fake_pd)
    before = day.watcher.latest.get("phone_number", number)
    since, writes = len(day.results), day.writes()
    fault = day.server.faults.add(Fault(kind, product="api", path_regex=NUMBER_PATH))
    day.server.world.set_number(number, sms_url=None)  # repaired: only a good read may resolve
    day.advance(day.settings.schedule.events_seconds)

    assert fault.hits >= 1
    assert day.results[since:] == [], "no cycle: nothing judged, nothing recorded"
    assert day.watcher.latest.get("phone_number", number) == before
    assert f"{OVERWRITE}:{number}" in day.watcher.store.open_findings(), "never a resolve"
    assert day.writes() == writes, "never a heal"
    assert resolves(day, fake_pd) == resolved


def test_a_flow_read_alone_judges_what_it_names_on_data_as_fresh(day: Timeline) -> None:
    world = day.server.world
    flow = next(iter(world.flows.values()))
    day.advance(200)  # TaskRouter last read at 120 s, older than the flow read now
    since = len(day.results)
    workflow = world.add_workflow(world.workspace_sid or "", "Overflow",
                                  world.store.workflows[world.workspace_sid or ""][
                                      world.workflow_sid or ""]["configuration"])
    world.edit_flow(flow, workflow=workflow)
    world.record_event("flow.updated", "studio-flow", flow, None, world.console(), None)
    day.advance(day.settings.schedule.events_seconds)

    [refresh] = refreshes(day, since)
    assert refresh.refreshed == ("taskrouter",), "the workflow's family read again"
    assert refresh.snapshot.get("taskrouter_workflow", workflow) is not None
    assert [f.rule for f in refresh.opened if f.rule != "baseline.resource-changed"] == []
