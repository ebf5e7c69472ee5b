"""numbers.* rules on snapshots built in memory: stacks, overrides, baselines."""

from __future__ import annotations

import pytest

from tests.rules.snapshots import (
    AC,
    conversations,
    evaluate,
    fired,
    legacy,
    sid,
)
from watchdog.model.urls import flow_url, proxy_message_url
from watchdog.simulator import studio

VOICE = "numbers.voice-webhook-overwritten"
VOICE_FLOW = "numbers.voice-flow-missing"
MESSAGE = "numbers.message-webhook-overwritten"
ON_CONV = "numbers.message-webhook-set-on-conversations"
FLEX_FLOW = "numbers.flex-flow-missing"
POOL = "numbers.proxy-registration-missing"
CONFLICT = "numbers.stack-conflict"
DRIFT = "baseline.resource-changed"


@pytest.mark.parametrize("build", [legacy, conversations], ids=["legacy", "conversations"])
def test_every_number_finding_carries_the_stack(build):
    acc = build()
    for pn in acc.numbers:
        acc.set("phone_number", pn, voice_url="https://example.com/v")
    findings = evaluate(acc)
    assert {f.rule for f in findings} == {VOICE}
    assert {f.details["stack"] for f in findings} == {build.__name__}


def test_numbers_flex_does_not_use_are_ignored_by_every_rule():
    acc = legacy()
    acc.set("phone_number", acc.other, voice_url=flow_url(AC, sid("FW", 66)),
            sms_application_sid="AP" + "1" * 32)
    assert fired(evaluate(acc)) == []


@pytest.mark.parametrize("fields, text", [
    pytest.param({"voice_url": None}, "is blank", id="blank"),
    pytest.param({"voice_url": "https://example.com/ivr"}, "https://example.com/ivr", id="url"),
    pytest.param({"voice_application_sid": "AP" + "1" * 32}, "TwiML App", id="app-override"),
    pytest.param({"trunk_sid": "TK" + "1" * 32}, "SIP trunk", id="trunk-override"),
    pytest.param({"voice_url": flow_url("AC" + "9" * 32, sid("FW", 1))}, "Studio flow",
                 id="flow-of-another-account"),
])
def test_voice_overwritten_without_baseline_means_not_voice_ivr(fields, text):
    acc = legacy(numbers=1)
    acc.set("phone_number", acc.numbers[0], **fields)
    findings = evaluate(acc)
    assert fired(findings) == [(VOICE, acc.numbers[0])]
    assert text in findings[0].summary
    assert findings[0].details["expected_from"] == "default"


def test_voice_to_a_custom_flow_is_fine_when_the_baseline_says_so():
    acc = legacy(numbers=1)
    custom = acc.flow(9, "Custom IVR", studio.chat_flow(acc.ww, acc.tc["chat"], "no calls"))
    acc.set("phone_number", acc.numbers[0], voice_url=flow_url(AC, custom))
    assert fired(evaluate(acc)) == [(VOICE, acc.numbers[0])]  # no baseline: "Voice IVR"
    assert fired(evaluate(acc, baseline=acc.copy())) == []
    broken = acc.copy()
    broken.set("phone_number", acc.numbers[0], voice_url="https://example.com/voice")
    findings = evaluate(broken, baseline=acc)
    assert fired(findings) == [(VOICE, acc.numbers[0])]
    assert findings[0].details["expected_flow_sids"] == [custom]
    assert findings[0].details["expected_voice_url"] == flow_url(AC, custom)


def test_voice_moved_to_another_flow_that_reaches_flex_is_drift_not_an_overwrite():
    base = legacy(numbers=1)
    acc = base.copy()
    holiday = acc.flow(9, "Holiday IVR", studio.voice_ivr(acc.ww, acc.tc["voice"]))
    acc.set("phone_number", acc.numbers[0], voice_url=flow_url(AC, holiday))
    findings = evaluate(acc, baseline=base)
    assert fired(findings, VOICE) == []
    assert (DRIFT, acc.numbers[0]) in fired(findings)
    assert next(f for f in findings if f.rule == DRIFT).severity == "info"


@pytest.mark.parametrize("definition", [
    lambda acc: studio.chat_flow(acc.ww, acc.tc["chat"], "messages only"),
    lambda acc: studio.voice_ivr(sid("WW", 77), acc.tc["voice"]),  # a workflow of no workspace
    lambda acc: studio.voice_ivr(acc.ww, acc.tc["chat"]),  # calls offered on the chat channel
])
def test_voice_moved_to_a_flow_without_a_valid_send_to_flex_is_an_overwrite(definition):
    base = legacy(numbers=1)
    acc = base.copy()
    other = acc.flow(9, "Other", definition(acc))
    acc.set("phone_number", acc.numbers[0], voice_url=flow_url(AC, other))
    assert fired(evaluate(acc, baseline=base), VOICE) == [(VOICE, acc.numbers[0])]


def test_voice_to_a_recreated_flow_of_the_same_name_is_fine():
    base = legacy(numbers=1)
    acc = base.copy()
    definition = acc.get("studio_flow", acc.voice_ivr)["definition"]
    acc.drop("studio_flow", acc.voice_ivr)
    new = acc.flow(9, "Voice IVR", definition)
    acc.set("phone_number", acc.numbers[0], voice_url=flow_url(AC, new))
    assert fired(evaluate(acc, baseline=base), VOICE) == []


def test_deleted_voice_flow_is_voice_flow_missing_once_per_number_not_overwritten():
    acc = legacy(numbers=2)
    acc.drop("studio_flow", acc.voice_ivr)
    findings = evaluate(acc)
    assert fired(findings) == [(VOICE_FLOW, pn) for pn in sorted(acc.numbers)]
    assert all(f.details["flow_sid"] == acc.voice_ivr for f in findings)
    assert findings[0].details["affected"] == [{"type": "studio_flow", "sid": acc.voice_ivr}]


def test_deleted_flow_is_named_from_the_baseline():
    base = legacy(numbers=1)
    acc = base.copy()
    acc.drop("studio_flow", acc.voice_ivr)
    finding = evaluate(acc, baseline=base)[0]
    assert finding.rule == VOICE_FLOW and '"Voice IVR"' in finding.summary


@pytest.mark.parametrize("fields, text", [
    pytest.param({"sms_url": "https://example.com/sms"}, "https://example.com/sms", id="url"),
    pytest.param({"sms_url": None}, "is blank", id="blank"),
    pytest.param({"sms_application_sid": "AP" + "2" * 32}, "TwiML App", id="app-override"),
    pytest.param({"sms_url": proxy_message_url(AC, sid("KS", 1)).replace("Message", "Call")},
                 "Proxy Service", id="call-webhook"),
])
def test_message_webhook_overwritten_on_legacy(fields, text):
    acc = legacy(numbers=1)
    acc.set("phone_number", acc.numbers[0], **fields)
    findings = evaluate(acc)
    assert fired(findings) == [(MESSAGE, acc.numbers[0])]
    assert text in findings[0].summary
    assert findings[0].details["expected_sms_url"] == proxy_message_url(AC, acc.proxy)
    assert findings[0].details["stack"] == "legacy"


def recreated_proxy(numbers: int = 3):
    """System Checkup re-created the Flex Proxy Service: a new SID and an empty pool; every
    number still posts to the old one."""
    base = legacy(numbers=numbers)
    acc = base.copy()
    acc.drop("proxy_service", acc.proxy)
    for pn in acc.numbers:
        acc.drop("proxy_phone_number", pn)
    old, acc.proxy = acc.proxy, acc.add("proxy_service", sid("KS", 2),
                                        unique_name="Flex Proxy Service",
                                        chat_instance_sid=acc.chat)
    return base, acc, old


def test_a_re_created_proxy_service_is_one_finding_naming_every_number_and_pool_entry():
    base, acc, old = recreated_proxy(numbers=3)
    for baseline in (base, None):
        findings = [f for f in evaluate(acc, baseline=baseline) if f.severity != "info"]
        assert fired(findings) == [(MESSAGE, old)]  # not 3 critical and 3 warning
        found = findings[0]
        assert found.severity == "critical" and found.resource_type == "proxy_service"
        assert found.details["affected"] == [
            *({"type": "phone_number", "sid": pn} for pn in acc.numbers),
            *({"type": "proxy_phone_number", "sid": pn} for pn in acc.numbers)]
        assert found.details["expected_sms_url"] == proxy_message_url(AC, acc.proxy)
        assert f"Proxy Service {old} (deleted)" in found.summary and acc.proxy in found.summary


def test_a_number_moved_to_the_re_created_proxy_service_leaves_the_others_grouped():
    base, acc, old = recreated_proxy(numbers=3)
    first = acc.numbers[0]
    acc.set("phone_number", first, sms_url=proxy_message_url(AC, acc.proxy))
    findings = [f for f in evaluate(acc, baseline=base) if f.severity != "info"]
    assert sorted(fired(findings)) == sorted([(MESSAGE, old), (POOL, first)])
    grouped = next(f for f in findings if f.rule == MESSAGE)
    assert {a["sid"] for a in grouped.details["affected"]} == set(acc.numbers[1:])


def test_a_number_pointed_at_some_other_deleted_proxy_service_names_it():
    acc = legacy(numbers=2)
    gone = sid("KS", 9)
    acc.set("phone_number", acc.numbers[0], sms_url=proxy_message_url(AC, gone))
    findings = evaluate(acc)
    assert fired(findings) == [(MESSAGE, gone)]
    assert findings[0].details["affected"] == [{"type": "phone_number", "sid": acc.numbers[0]}]
    assert f"Proxy Service {gone} (deleted)" in findings[0].summary


def test_message_webhook_overwritten_on_a_number_only_the_baseline_knew_as_flex():
    base = legacy(numbers=1)
    acc = base.copy()
    pn = acc.numbers[0]
    acc.drop("flex_flow", sid("FO", 1))
    acc.drop("proxy_phone_number", pn)
    acc.set("phone_number", pn, sms_url="https://example.com/x")
    assert fired(evaluate(acc)) == []  # without a baseline it is simply not a Flex number
    findings = evaluate(acc, baseline=base)
    assert sorted(fired(findings)) == sorted([(MESSAGE, pn), (FLEX_FLOW, pn), (POOL, pn)])
    assert all(f.details["stack_from_baseline"] for f in findings)


def test_no_message_finding_when_the_proxy_service_is_missing():
    acc = legacy(numbers=1)
    acc.drop("proxy_service", acc.proxy)
    acc.drop("proxy_phone_number", acc.numbers[0])
    acc.set("phone_number", acc.numbers[0], sms_url="https://example.com/sms")
    assert [r for r, _ in fired(evaluate(acc))] == ["proxy.service-missing"]


def test_conversations_number_with_a_message_webhook():
    acc = conversations(numbers=1)
    acc.set("phone_number", acc.numbers[0], sms_url=proxy_message_url(AC, sid("KS", 1)))
    acc.add("proxy_service", sid("KS", 1), unique_name="Flex Proxy Service",
            chat_instance_sid=None)
    findings = evaluate(acc)
    # the stack is decided by structure: a Proxy webhook on a Conversations number is the thing
    # being checked, never a second stack
    assert fired(findings) == [(ON_CONV, acc.numbers[0])]
    assert findings[0].details["stack"] == "conversations"
    acc.set("phone_number", acc.numbers[0], sms_url="https://example.com/hook")
    findings = evaluate(acc)
    assert fired(findings) == [(ON_CONV, acc.numbers[0])]
    assert findings[0].details["stack"] == "conversations"


def test_conversations_number_with_a_messaging_app():
    acc = conversations(numbers=1)
    acc.set("phone_number", acc.numbers[0], sms_application_sid="AP" + "3" * 32)
    assert fired(evaluate(acc)) == [(ON_CONV, acc.numbers[0])]


def test_legacy_rules_never_fire_on_conversations_numbers():
    acc = conversations(numbers=2)
    acc.add("proxy_service", sid("KS", 1), unique_name="Flex Proxy Service",
            chat_instance_sid=None)
    assert fired(evaluate(acc)) == []


def test_flex_flow_missing_lists_the_deleted_flow_as_affected():
    base = legacy(numbers=2)
    acc = base.copy()
    acc.drop("flex_flow", sid("FO", 1))
    findings = evaluate(acc, baseline=base)
    assert fired(findings) == [(FLEX_FLOW, acc.numbers[0])]
    assert findings[0].details["affected"] == [{"type": "flex_flow", "sid": sid("FO", 1)}]


def test_number_removed_from_the_proxy_pool():
    acc = legacy(numbers=2)
    acc.drop("proxy_phone_number", acc.numbers[1])
    findings = evaluate(acc)
    assert fired(findings) == [(POOL, acc.numbers[1])]
    assert findings[0].details["proxy_service_sid"] == acc.proxy
    assert findings[0].healable


def test_a_number_in_both_stacks():
    acc = legacy(numbers=1)
    phone = acc.get("phone_number", acc.numbers[0])["phone_number"]
    acc.add("address_configuration", sid("IG", 1), type="sms", address=phone,
            auto_creation={"enabled": True, "type": "default"})
    findings = evaluate(acc)
    assert fired(findings) == [(CONFLICT, acc.numbers[0])]
    assert findings[0].details["stack"] == "both"
    assert findings[0].details["address_configurations"] == [sid("IG", 1)]


def test_number_rules_skip_when_a_stack_family_failed():
    acc = legacy(numbers=1)
    acc.set("phone_number", acc.numbers[0], sms_url=None, voice_url=None)
    acc.drop("proxy_phone_number", acc.numbers[0])
    for family in ("numbers", "proxy", "flex_flows", "conversations", "configuration"):
        rules = {r for r, _ in fired(evaluate(acc.copy().fail(family)))}
        assert not any(r.startswith("numbers.") for r in rules), family


def test_rules_scale_to_thousands_of_numbers():
    import time

    acc = legacy(numbers=1500)
    for n in range(2000, 3500):
        acc.number(n, sms_url="https://example.com/sms", voice_url="https://example.com/voice")
    started = time.perf_counter()
    assert evaluate(acc, baseline=acc.copy()) == []
    assert time.perf_counter() - started < 5, "rules must stay linear in the number of resources"
