"""Pages say who is cut off: the summary begins with the impact, the custom details carry it,
and a critical finding the routes prove cuts off nobody pages as a warning, never on unknown
routes."""

from __future__ import annotations

import pytest
from test_alerts_support import (
    CRITICAL_KEY,
    WARNING_KEY,
    fake_pd,
    make_rig,
    no_client_sleep,
)  # tests/ is on sys.path

from watchdog.alerts.plan import paged
from watchdog.model.findings import Finding, Severity
from watchdog.simulator import Fault

__all__ = ["fake_pd", "make_rig", "no_client_sleep"]
pytestmark = pytest.mark.usefixtures("no_client_sleep")
BY_SEVERITY = {"critical": CRITICAL_KEY, "warning": WARNING_KEY}
DUPLICATE_CRITICAL = {"studio.flow-duplicate": {"severity": "critical"}}


def _page(rig, rule):
    return next(t for t in rig.fake.events("trigger") if t.body["payload"]["class"] == rule)


def test_the_page_begins_with_who_is_cut_off(make_rig):
    rig = make_rig()
    number = rig.world.legacy_numbers[0]
    rig.world.set_number(number, sms_url="https://example.com/hijack")
    result = rig.poll()
    rig.send()
    page = _page(rig, "numbers.message-webhook-overwritten")
    finding = next(f for f in result.findings if f.rule == "numbers.message-webhook-overwritten")
    total = len(rig.world.flex_numbers)
    payload = page.body["payload"]
    assert payload["summary"] == f"SMS to 1 of {total} numbers cannot reach Flex: " \
                                 f"{finding.summary}"
    phone = rig.world.number(number)["phone_number"]
    assert payload["custom_details"]["impact"]["entry_points"] == 1
    assert payload["custom_details"]["impact"]["sample"] == [f"sms:{phone}"]
    assert payload["severity"] == "critical"


def test_a_critical_finding_that_cuts_off_nobody_pages_as_a_warning(make_rig):
    rig = make_rig(rules=DUPLICATE_CRITICAL, severity_routing_keys=BY_SEVERITY)
    rig.world.duplicate_flow("Voice IVR")
    result = rig.poll(2)
    rig.send()
    finding = next(f for f in result.findings if f.rule == "studio.flow-duplicate")
    assert finding.severity == "critical" and finding.details["impact"]["entry_points"] == 0
    page = _page(rig, "studio.flow-duplicate")
    assert page.body["payload"]["severity"] == "warning" and page.routing_key == WARNING_KEY
    assert page.body["payload"]["summary"] == finding.summary, "no impact, no lead"
    assert "cuts off no entry point" in page.body["payload"]["custom_details"]["paged_as"]


def test_zero_impact_on_an_account_not_fully_read_keeps_its_severity(make_rig):
    rig = make_rig(rules=DUPLICATE_CRITICAL, severity_routing_keys=BY_SEVERITY)
    rig.world.duplicate_flow("Voice IVR")
    rig.sim.faults.add(Fault("503", product="messaging"))  # the Messaging Services: unknown
    result = rig.poll(2)
    rig.send()
    assert result.reach["known"] is False
    page = _page(rig, "studio.flow-duplicate")
    assert page.body["payload"]["severity"] == "critical" and page.routing_key == CRITICAL_KEY


def test_only_a_proven_zero_lowers_a_page():
    zero = {"entry_points": 0, "by_channel": {}, "sample": []}
    known = {"known": True, "broken": 0}
    queue = Finding("taskrouter.workflow-queue-missing", Severity.CRITICAL, "workflow", "WW1",
                    "a queue is gone", {"impact": zero})
    assert paged(queue, known).severity == "warning"
    assert paged(queue, {**known, "broken": 2}).severity == "critical", "maybe behind a break"
    assert paged(queue, {**known, "known": False}).severity == "critical", "routes unknown"
    assert paged(queue, {}).severity == "critical", "no routes computed"
    cut = Finding(queue.rule, Severity.CRITICAL, "workflow", "WW1", "gone",
                  {"impact": {**zero, "entry_points": 4}})
    assert paged(cut, known) is cut
    bare = Finding(queue.rule, Severity.CRITICAL, "workflow", "WW1", "gone")
    assert paged(bare, known) is bare, "no impact is not zero impact"


def test_a_group_pages_at_its_worst_member():
    from datetime import UTC, datetime

    from watchdog.alerts.plan import _group_trigger
    from watchdog.model.results import CycleResult, Evaluation
    from watchdog.model.snapshot import Snapshot
    from watchdog.settings import Settings
    from watchdog.telemetry.redact import Redactor

    now = datetime(2026, 11, 25, tzinfo=UTC)
    rule = "numbers.message-webhook-overwritten"
    lowered = Finding(rule, Severity.WARNING, "phone_number", "PN1", "a", {"paged_as": "..."})
    worst = Finding(rule, Severity.CRITICAL, "phone_number", "PN2", "b")
    result = CycleResult("AC1", now, Snapshot("AC1", now, {}), (), Evaluation([lowered, worst]))
    planned = _group_trigger(rule, [(lowered, "severity:warning", None, 2),
                                    (worst, "severity:critical", None, 2)],
                             result, Settings(), Redactor())
    assert planned.event["payload"]["severity"] == "critical"
    assert planned.incident.route == "severity:critical"


def test_a_grouped_page_begins_with_what_its_findings_cut_off_together():
    from datetime import UTC, datetime

    from watchdog.alerts.plan import _group_trigger
    from watchdog.model.results import CycleResult, Evaluation
    from watchdog.model.snapshot import Snapshot
    from watchdog.settings import Settings
    from watchdog.telemetry.redact import Redactor

    now = datetime(2026, 11, 25, tzinfo=UTC)
    rule = "numbers.message-webhook-overwritten"

    def one(n: int) -> Finding:
        impact = {"entry_points": 1, "by_channel": {"sms": 1}, "sample": [f"sms:+1555000{n}"]}
        return Finding(rule, Severity.CRITICAL, "phone_number", f"PN{n}", "x", {"impact": impact})

    findings = [one(n) for n in range(7)]
    reach = {"known": True, "broken": 7,
             "by_channel": {"sms": {"ok": 493, "broken": 7, "unknown": 0}}}
    result = CycleResult("AC1", now, Snapshot("AC1", now, {}), (), Evaluation(findings),
                         reach=reach)
    planned = _group_trigger(rule, [(f, "default", None, 2) for f in findings], result,
                             Settings(), Redactor())
    payload = planned.event["payload"]
    assert payload["summary"].startswith("SMS to 7 of 500 numbers cannot reach Flex: 7 resources")
    assert payload["custom_details"]["impact"]["entry_points"] == 7
    assert len(payload["custom_details"]["impact"]["sample"]) == 5
