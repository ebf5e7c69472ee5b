"""flex.* rules on snapshots built in memory (edge cases; the simulator worlds are elsewhere)."""

from __future__ import annotations

from tests.rules.snapshots import evaluate, fired, legacy, sid

MISMATCH = "flex.flow-chat-service-mismatch"
STUDIO_MISSING = "flex.flow-studio-flow-missing"


def test_recreated_chat_service_is_one_finding_listing_every_flow():
    acc = legacy(numbers=3)
    old = acc.chat
    acc.drop("chat_service", old)
    acc.add("chat_service", sid("IS", 2), friendly_name="Flex Chat Service")
    acc.set("flex_configuration", acc.config, chat_service_instance_sid=sid("IS", 2))
    findings = evaluate(acc)
    assert fired(findings) == [(MISMATCH, old)]
    details = findings[0].details
    assert details["expected_chat_service_sid"] == sid("IS", 2)
    assert details["actual_chat_service_exists"] is False
    assert len(details["flex_flows"]) == 4  # 3 SMS flows + webchat
    assert {a["type"] for a in details["affected"]} == {"flex_flow"}
    assert "no longer exists" in findings[0].summary
    assert findings[0].healable


def test_deleted_chat_service_is_chat_service_missing_not_a_mismatch():
    acc = legacy()
    acc.drop("chat_service", acc.chat)
    assert [r for r, _ in fired(evaluate(acc))] == ["chat.service-missing"]


def test_one_flow_on_another_existing_service():
    acc = legacy()
    other = acc.add("chat_service", sid("IS", 7), friendly_name="Other")
    acc.set("flex_flow", sid("FO", 1), chat_service_sid=other)
    findings = evaluate(acc)
    assert fired(findings) == [(MISMATCH, other)]
    assert findings[0].details["actual_chat_service_exists"] is True
    assert [f["sid"] for f in findings[0].details["flex_flows"]] == [sid("FO", 1)]


def test_mismatch_runbook_posts_to_each_flow_not_the_collection():
    from watchdog.rules.registry import all_rules

    runbook = all_rules()[MISMATCH].runbook
    assert "POST \"https://flex-api.twilio.com/v1/FlexFlows/$FO\"" in runbook
    assert "ChatServiceSid=" in runbook and "would *create* a flow" in runbook


def test_deleted_messaging_flow_one_finding_per_flex_flow():
    acc = legacy(numbers=2)
    acc.drop("studio_flow", acc.messaging)
    findings = evaluate(acc)
    assert fired(findings) == [(STUDIO_MISSING, sid("FO", 1)), (STUDIO_MISSING, sid("FO", 2))]
    assert findings[0].details["affected"] == [{"type": "studio_flow", "sid": acc.messaging}]
    assert findings[0].details["stack"] == "legacy"


def test_disabled_or_non_studio_flex_flows_are_not_checked():
    acc = legacy(numbers=2)
    acc.drop("studio_flow", acc.messaging)
    acc.set("flex_flow", sid("FO", 1), enabled=False)
    acc.set("flex_flow", sid("FO", 2), integration_type="task", integration={})
    assert fired(evaluate(acc), STUDIO_MISSING) == []


def test_studio_flex_flow_without_a_flow_sid():
    acc = legacy(numbers=1)
    acc.set("flex_flow", sid("FO", 1), integration={"retry_count": 3})
    findings = evaluate(acc)
    assert fired(findings) == [(STUDIO_MISSING, sid("FO", 1))]
    assert "no flow" in findings[0].summary


def test_flex_rules_skip_when_their_families_failed():
    acc = legacy()
    acc.drop("studio_flow", acc.messaging)
    acc.set("flex_flow", sid("FO", 1), chat_service_sid=sid("IS", 5))
    assert fired(evaluate(acc.copy().fail("studio")), STUDIO_MISSING) == []
    assert fired(evaluate(acc.copy().fail("chat")), MISMATCH) == []
    assert fired(evaluate(acc.copy().fail("flex_flows"))) == []
