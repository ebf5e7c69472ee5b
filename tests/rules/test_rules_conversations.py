"""conversations.* rules on snapshots built in memory."""

from __future__ import annotations

import pytest

from tests.rules.snapshots import conversations, evaluate, fired, sid

MISSING = "conversations.address-studio-flow-missing"


def test_deleted_flow_one_finding_per_address():
    acc = conversations(numbers=2)
    acc.drop("studio_flow", acc.messaging)
    findings = evaluate(acc)
    assert fired(findings) == [(MISSING, sid("IG", 1)), (MISSING, sid("IG", 2))]
    assert findings[0].details["stack"] == "conversations"
    assert findings[0].details["affected"] == [{"type": "studio_flow", "sid": acc.messaging}]


def test_studio_address_without_a_flow_sid():
    acc = conversations(numbers=1)
    address = acc.get("address_configuration", sid("IG", 1))
    acc.set("address_configuration", sid("IG", 1),
            auto_creation={**address["auto_creation"], "studio_flow_sid": None})
    findings = evaluate(acc)
    assert fired(findings) == [("conversations.address-integration-invalid", sid("IG", 1))]
    assert "not set" in findings[0].summary and findings[0].details["error_code"] == 45763


@pytest.mark.parametrize("auto_creation", [
    pytest.param({"enabled": False, "type": "studio", "studio_flow_sid": sid("FW", 77)},
                 id="disabled"),
    pytest.param({"enabled": True, "type": "webhook", "webhook_url": "https://x"}, id="webhook"),
    pytest.param({"enabled": True, "type": "default"}, id="default"),
])
def test_addresses_that_start_no_studio_flow_are_not_checked(auto_creation):
    acc = conversations(numbers=1)
    acc.set("address_configuration", sid("IG", 1), auto_creation=auto_creation)
    assert fired(evaluate(acc), MISSING) == []


@pytest.mark.parametrize("family", ["studio", "conversations"])
def test_skipped_when_a_family_failed(family):
    acc = conversations(numbers=1)
    acc.drop("studio_flow", acc.messaging)
    assert fired(evaluate(acc.fail(family)), MISSING) == []
