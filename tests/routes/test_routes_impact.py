"""Every finding of a poll carries ``details.impact`` (the entry points broken because of it),
and the cycle result the account's reach; "cuts off nobody" is believed only on known routes."""

from __future__ import annotations

from tests.routes.support import traced
from tests.rules.worlds import duplicate_voice_ivr
from watchdog.model.findings import Finding, Severity
from watchdog.routes.impact import cuts_off_nobody, impact_line
from watchdog.simulator import World, healthy_conversations, healthy_legacy, mixed


def _by_rule(findings: list[Finding], rule: str) -> Finding:
    return next(f for f in findings if f.rule == rule)


def _overwrite_sms(w: World) -> None:
    w.set_number(w.legacy_numbers[0], sms_url="https://example.com/bot")


def test_a_finding_carries_the_entry_points_it_cuts_off(tmp_path):
    world = healthy_legacy()
    points, result = traced(world, tmp_path, _overwrite_sms)
    finding = _by_rule(result.findings, "numbers.message-webhook-overwritten")
    phone = world.number(world.legacy_numbers[0])["phone_number"]
    assert finding.details["impact"] == {
        "entry_points": 1, "by_channel": {"voice": 0, "sms": 1, "whatsapp": 0, "chat": 0,
                                          "web": 0},
        "sample": [f"sms:{phone}"]}
    sms = sum(1 for p in points if p.channel == "sms")
    assert impact_line(finding.details["impact"], result.reach) == \
        f"SMS to 1 of {sms} numbers cannot reach Flex"
    assert result.reach["broken"] == 1 and result.reach["known"] is True
    stored = result.open_findings[finding.id].details["impact"]
    assert stored["entry_points"] == 1, "the state file keeps it with the finding"


def test_the_sample_holds_five_ids_and_the_count_every_one(tmp_path):
    world = mixed()
    _, result = traced(world, tmp_path, lambda w: w.delete(w.taskqueue_sid or ""))
    found = _by_rule(result.findings, "taskrouter.workflow-queue-missing").details["impact"]
    assert found["entry_points"] > 5 and len(found["sample"]) == 5
    assert sum(found["by_channel"].values()) == found["entry_points"]
    line = impact_line(found, result.reach)
    assert line.startswith("Calls to ") and " and SMS to " in line
    assert line.endswith(" cannot reach Flex")


def test_a_finding_off_every_route_has_zero_impact_and_cuts_off_nobody(tmp_path):
    _, result = traced(healthy_legacy(), tmp_path, duplicate_voice_ivr)
    finding = _by_rule(result.findings, "studio.flow-duplicate")
    assert finding.details["impact"]["entry_points"] == 0
    assert impact_line(finding.details["impact"], result.reach) == ""
    assert cuts_off_nobody(finding, result.reach)


def test_zero_impact_on_an_unknown_route_is_not_no_impact(tmp_path):
    # WhatsApp senders unknown: the WhatsApp route stops at its sender, so the broken address
    # behind it reaches no entry point, and that proves nothing
    def address_off(w: World) -> None:
        w.set_address(next(iter(w.whatsapp_addresses.values())), enabled=False)

    _, result = traced(healthy_conversations(), tmp_path, address_off, fail="whatsapp")
    finding = _by_rule(result.findings, "conversations.address-autocreation-disabled")
    assert finding.details["impact"]["entry_points"] == 0
    assert result.reach["known"] is False and result.reach["unknown"] > 0
    assert not cuts_off_nobody(finding, result.reach)


def test_a_hop_finding_behind_another_break_is_not_no_impact():
    account = {"known": True, "broken": 3}
    zero = {"entry_points": 0, "by_channel": {}, "sample": []}
    hidden = Finding("taskrouter.workflow-queue-missing", Severity.CRITICAL, "workflow", "WW1",
                     "gone", {"impact": zero})
    assert not cuts_off_nobody(hidden, account), "its route may stop at the other break"
    assert cuts_off_nobody(hidden, {"known": True, "broken": 0})
    drift = Finding("studio.flow-duplicate", Severity.CRITICAL, "studio_flow", "FW1", "dup",
                    {"impact": zero})
    assert cuts_off_nobody(drift, account), "a rule that breaks no hop hides behind nothing"
    assert not cuts_off_nobody(Finding("studio.flow-duplicate", Severity.CRITICAL,
                                       "studio_flow", "FW1", "dup"), account)
    assert not cuts_off_nobody(drift, {}), "no routes computed: nothing is proven"


def test_findings_together_never_count_an_entry_point_twice_per_channel():
    from watchdog.routes.impact import combined

    a = {"entry_points": 3, "by_channel": {"voice": 3}, "sample": ["voice:+1", "voice:+2"]}
    b = {"entry_points": 3, "by_channel": {"voice": 3}, "sample": ["voice:+2", "voice:+3"]}
    account = {"by_channel": {"voice": {"ok": 7, "broken": 3, "unknown": 0}}}
    both = combined([a, b, None], account)
    assert both is not None
    assert both["entry_points"] == 3 and both["by_channel"]["voice"] == 3
    assert both["sample"] == ["voice:+1", "voice:+2", "voice:+3"]
    assert combined([None, "x"], account) is None
