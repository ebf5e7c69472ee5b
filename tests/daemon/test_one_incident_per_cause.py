"""One cause, one incident: System Checkup re-creating a service that many resources hang on
opens one finding for the cause, naming the rest in ``details.affected``, and pages once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.daemon.timeline import Timeline, timeline_settings
from watchdog.simulator import SimulatorServer, healthy_conversations, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty

MESSAGE = "numbers.message-webhook-overwritten"


def _open(day: Timeline) -> list[Any]:
    """The open findings in the daemon's state file, info left out (info never pages)."""
    return [f for f in day.watcher.store.open_findings().values() if f.severity != "info"]


def test_a_re_created_proxy_service_is_one_critical_finding_and_one_page(
        fake_pd: FakePagerDuty, tmp_path: Path) -> None:
    with SimulatorServer(healthy_legacy()) as server:
        day = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd,
                                                 healing={"enabled": False}))
        try:
            world = server.world
            day.advance(30)
            old, numbers = world.flex_proxy_sid, list(world.legacy_numbers)
            checkup = world.recreate_proxy_service()
            day.advance(600)  # services are polled every 2 minutes; a page needs 2 observations
            found = _open(day)
        finally:
            day.close()
    assert len(numbers) == 3
    assert [(f.rule, f.severity, f.resource_sid) for f in found] == [(MESSAGE, "critical", old)]
    affected = found[0].details["affected"]  # not 3 critical and 3 warning findings
    assert sorted(a["sid"] for a in affected if a["type"] == "phone_number") == sorted(numbers)
    assert sorted(a["sid"] for a in affected if a["type"] == "proxy_phone_number") \
        == sorted(numbers)
    assert checkup.proxy_sid in found[0].summary
    [trigger] = fake_pd.events("trigger")
    assert trigger.body is not None and old in trigger.body["dedup_key"]
    assert trigger.body["payload"]["severity"] == "critical"


def test_a_re_created_workspace_is_one_critical_finding_and_one_page(
        fake_pd: FakePagerDuty, tmp_path: Path) -> None:
    with SimulatorServer(healthy_legacy()) as server:
        day = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd,
                                                 healing={"enabled": False}))
        try:
            world = server.world
            day.advance(30)
            old = world.workspace_sid
            flows = sorted(world.flows[n] for n in ("Voice IVR", "Messaging Flow",
                                                    "Webchat Flow"))
            new = world.recreate_workspace()
            day.advance(900)  # TaskRouter and Studio are polled every 5 minutes
            found = _open(day)
        finally:
            day.close()
    assert [(f.rule, f.severity, f.resource_sid) for f in found] == [
        ("studio.send-to-flex-workflow-invalid", "critical", old)]  # not 6: 3 flows x 2 rules
    details = found[0].details
    assert sorted(a["sid"] for a in details["affected"] if a["type"] == "studio_flow") == flows
    assert {w["field"] for w in details["widgets"]} == {"workflow", "channel"}
    assert new in found[0].summary
    [trigger] = fake_pd.events("trigger")
    assert trigger.body is not None and old in trigger.body["dedup_key"]


@pytest.mark.parametrize("replaced", [False, True], ids=["deleted", "deleted-and-replaced"])
def test_a_deleted_default_conversations_service_is_one_critical_finding_and_one_page(
        fake_pd: FakePagerDuty, tmp_path: Path, replaced: bool) -> None:
    """Deleted, every address creates nothing; replaced by a new default, the addresses still
    name the old one. Either way one finding names them all, not one per address."""
    with SimulatorServer(healthy_conversations()) as server:
        day = Timeline(server, timeline_settings(server, tmp_path / "state.db", fake_pd,
                                                 healing={"enabled": False}))
        try:
            world = server.world
            day.advance(30)
            old = world.conversations_service_sid or ""
            addresses = sorted(world.store.addresses)
            world.delete(old)
            if replaced:
                new = world.add_conversations_service("Flex Chat Service")
                world.set_configuration(flex_service_instance_sid=new)
                world.set_conversations_configuration(default_chat_service_sid=new)
            day.advance(900)
            found = _open(day)
        finally:
            day.close()
    assert len(addresses) == 4
    rule = "conversations.default-service-changed" if replaced \
        else "conversations.default-service-missing"
    assert [(f.rule, f.severity) for f in found] == [(rule, "critical")]
    named = [a["sid"] for a in found[0].details["affected"]
             if a["type"] == "address_configuration"]
    assert sorted(named) == addresses
    [trigger] = fake_pd.events("trigger")
    assert trigger.body is not None and rule in trigger.body["dedup_key"]
