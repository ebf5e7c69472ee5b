"""The worlds table: each section of the recovery guide broken in the simulator as the guide
describes, and exactly the findings it must produce.

A ``Case`` starts from a healthy world (legacy, Conversations or mixed), is checked once (the
baseline is adopted, no finding), broken by ``act``, and checked again: the findings must be
exactly ``expect(world)`` as ``(rule, resource_sid)`` pairs. ``quiet`` names rules the case shows
do *not* fire (a near miss: the other stack, a consequence already explained by its cause).

A case with a ``timeline`` runs with healing armed (``settings``): ``act`` happens at minute 1,
then each ``(minute, action)`` acts (if given) and polls; the last poll is compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from watchdog.simulator import World, healthy_conversations, healthy_legacy, mixed
from watchdog.simulator import studio as st
from watchdog.simulator.records import proxy_webhook_url

Pairs = set[tuple[str, str]]
AC_OTHER = "AC" + "9" * 32
CHANGED = "baseline.resource-changed"
DELETED = "baseline.resource-deleted"
LEGACY_RULES = ("numbers.message-webhook-overwritten", "numbers.flex-flow-missing",
                "numbers.proxy-registration-missing", "flex.flow-chat-service-mismatch",
                "flex.flow-studio-flow-missing", "proxy.service-missing")


@dataclass(frozen=True)
class Case:
    id: str
    guide: str  # the recovery guide's section this case follows
    world: Callable[[], World]
    act: Callable[[World], None]
    expect: Callable[[World], Pairs]
    quiet: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    timeline: tuple[tuple[float, Callable[[World], None] | None], ...] = ()


def each(rule: str, sids: list[str]) -> Pairs:
    return {(rule, s) for s in sids}


def flows(w: World, *names: str) -> list[str]:
    return [w.flows[n] for n in names]


# -- break operations (what a person does in the console) -------------------------------------
def delete_proxy(w: World) -> None:
    w.saved = {"proxy": w.flex_proxy_sid}  # type: ignore[attr-defined]
    w.delete(w.flex_proxy_sid)


def checkup_after_proxy_deleted(w: World) -> None:
    """Proxy deleted, then System Checkup: new service (empty pool), two new flows, new webchat
    Flex Flow; the numbers still post to the old service."""
    w.saved = {"proxy": w.flex_proxy_sid}  # type: ignore[attr-defined]
    w.delete(w.flex_proxy_sid)
    w.checkup = w.recreate_proxy_service()  # type: ignore[attr-defined]


def checkup_then_new_flows_deleted(w: World) -> None:
    """The guide: delete the two new Studio flows; the new Flex Flow is "Configuration Not Found"."""
    checkup_after_proxy_deleted(w)
    w.delete(w.checkup.messaging_flow_sid)  # type: ignore[attr-defined]
    w.delete(w.checkup.webchat_flow_sid)  # type: ignore[attr-defined]


def recreate_chat(w: World) -> None:
    """Chat Service deleted, then System Checkup: a new one; Flex Flows keep the old SID."""
    w.saved = {"chat": w.chat_service_sid}  # type: ignore[attr-defined]
    w.recreate_chat_service()


def duplicate_voice_ivr(w: World) -> None:
    w.saved = {"copy": w.duplicate_flow("Voice IVR")}  # type: ignore[attr-defined]


def recreate_workspace(w: World) -> None:
    """Workspace deleted, then System Checkup: a new one; the flows still use the old one."""
    w.saved = {"old_workspace": [w.workspace_sid or ""]}  # type: ignore[attr-defined]
    w.recreate_workspace()


def old_workspace(w: World) -> str:
    return str(w.saved["old_workspace"][0])  # type: ignore[attr-defined]


def recreate_workspace_and_fix_flows(publish: bool) -> Callable[[World], None]:
    def act(w: World) -> None:
        old = [w.workspace_sid or "", w.workflow_sid or "", *w.task_channels.values()]
        w.saved = {"old_workspace": old}  # type: ignore[attr-defined]
        w.recreate_workspace()
        for name, channel in (("Voice IVR", "voice"), ("Messaging Flow", "chat"),
                              ("Webchat Flow", "chat")):
            w.edit_flow(w.flows[name], workflow=w.workflow_sid,
                        channel=w.task_channels[channel], publish=publish)
    return act


def workflow_of_another_workspace(w: World) -> None:
    other = w.add_workspace("Sandbox")
    w.edit_flow(w.flows["Voice IVR"], workflow=w.add_workflow(other, "Sandbox", "{}"))


def number_in_both_stacks(w: World) -> None:
    pn = w.legacy_numbers[0]
    w.add_address("sms", w.number(pn)["phone_number"], auto_creation={
        "enabled": True, "type": "studio", "studio_flow_sid": w.flows["Conversations Messaging Flow"],
        "conversation_service_sid": w.conversations_service_sid, "studio_retry_count": 3})


def channel_sid(value: str) -> Callable[[World], None]:
    return lambda w: w.edit_flow(w.flows["Messaging Flow"], attributes={
        **st.CHAT_ATTRIBUTES, "channelSid": value})


def sms_to(url: str) -> Callable[[World], None]:
    return lambda w: w.set_number(w.legacy_numbers[0], sms_url=url)


def first_address(w: World) -> str:
    return w.address_configs[w.conversations_numbers[0]]


def address_on_other_service(delete: bool) -> Callable[[World], None]:
    def act(w: World) -> None:
        other = w.saved = w.add_conversations_service("Sandbox")  # type: ignore[attr-defined]
        w.set_address(first_address(w), conversation_service_sid=other)
        if delete:
            w.delete(other)
    return act


def recreate_default_service(w: World) -> None:
    """The default service deleted, a new one made the default; the addresses still name the
    old one."""
    w.delete(w.conversations_service_sid)
    new = w.add_conversations_service("Flex Chat Service")
    w.set_configuration(flex_service_instance_sid=new)
    w.set_conversations_configuration(default_chat_service_sid=new)


def switch_default_service(w: World) -> None:
    w.saved = {"other": w.add_conversations_service("Sandbox")}  # type: ignore[attr-defined]
    w.set_conversations_configuration(default_chat_service_sid=w.saved["other"])  # type: ignore


def agent_cannot_send(w: World) -> None:
    service = w.conversations_service_sid or ""
    kept = [p for p in w.store.roles[service][w.role_sid(service, "agent")]["permissions"]
            if p != "sendMessage"]
    w.set_role(service, "agent", kept)


def sender_offline(w: World) -> None:
    w.set_sender(next(iter(w.whatsapp_senders.values())), status="OFFLINE", offline_reasons=[
        {"code": "63112", "message": "The sender was disabled by Meta",
         "more_info": "https://www.twilio.com/docs/errors/63112"}])


def intercepting_service(inbound_on_number: bool) -> Callable[[World], None]:
    def act(w: World) -> None:
        mg = w.add_messaging_service("Zapier", inbound_request_url="https://hooks.example.com/in",
                                     use_inbound_webhook_on_number=inbound_on_number)
        w.add_to_messaging_service(mg, w.conversations_numbers[0])
    return act


def unwire_conversation_trigger(name: str) -> Callable[[World], None]:
    """The flow keeps only an Incoming Message edge (as a flow copied from the legacy stack)."""
    return lambda w: w.edit_flow(w.flows[name], st.chat_flow(
        w.workflow_sid or "", w.task_channels["chat"], "copied from the legacy stack"))


LONG_AGO = "2026-11-20T12:00:00Z"  # five days before the checks (tests.conftest.NOW)


def orphan_conversation(w: World) -> None:
    """An active conversation five days old that no open task serves."""
    orphan = w.add_conversation(w.conversations_service_sid or "", created=LONG_AGO)
    w.saved = {"orphan": orphan}  # type: ignore[attr-defined]


def served_and_recent(w: World) -> None:
    """An old conversation an open task still serves, and one created an hour ago."""
    service = w.conversations_service_sid or ""
    served = w.add_conversation(service, created=LONG_AGO)
    w.add_task(w.workspace_sid or "", {"conversationSid": served, "channelType": "sms"},
               workflow_sid=w.workflow_sid, queue_sid=w.taskqueue_sid,
               channel_sid=w.task_channels["chat"])
    w.add_conversation(service, created="2026-11-25T11:00:00Z")


MESSAGE = "numbers.message-webhook-overwritten"


def armed(rule: str) -> dict[str, Any]:
    return {"healing": {"enabled": True}, "rules": {rule: {"autoheal": True}}}

HEAL_MESSAGE = {"healing": {"enabled": True}, "rules": {MESSAGE: {"autoheal": True}}}
# Broken at minute 1, healed after the grace period (minute 7), verified at 8.
HEALED = ((1.0, None), (7.0, None), (8.0, None))


# -- the table -------------------------------------------------------------------------------
CASES: list[Case] = [
    # Servicio Proxy
    Case("proxy-deleted", "Servicio Proxy", healthy_legacy, delete_proxy,
         lambda w: {("proxy.service-missing", w.saved["proxy"])},  # type: ignore[attr-defined]
         quiet=("numbers.message-webhook-overwritten", "numbers.proxy-registration-missing",
                DELETED)),
    Case("proxy-recreated-by-checkup", "Servicio Proxy", healthy_legacy,
         checkup_after_proxy_deleted,  # one cause: one finding on the deleted service
         lambda w: {("numbers.message-webhook-overwritten",
                     w.saved["proxy"]),  # type: ignore[attr-defined]
                    ("studio.flow-duplicate",
                     w.checkup.messaging_flow_sid),  # type: ignore[attr-defined]
                    ("studio.flow-duplicate",
                     w.checkup.webchat_flow_sid),  # type: ignore[attr-defined]
                    ("studio.flow-duplicate", w.flows["Webchat Flow"])},
         quiet=("proxy.service-missing", "numbers.proxy-registration-missing")),
    Case("checkup-flows-deleted", "Servicio Proxy", healthy_legacy, checkup_then_new_flows_deleted,
         lambda w: {("numbers.message-webhook-overwritten",
                     w.saved["proxy"]),  # type: ignore[attr-defined]
                    ("flex.flow-studio-flow-missing",
                     w.checkup.webchat_flex_flow_sid)}),  # type: ignore[attr-defined]
    # Servicio de Chat
    Case("chat-deleted", "Servicio de Chat", healthy_legacy, lambda w: w.delete(w.chat_service_sid),
         lambda w: {("chat.service-missing", w.chat_service_sid or "")},
         quiet=("flex.flow-chat-service-mismatch",)),
    Case("chat-recreated-by-checkup", "Servicio de Chat", healthy_legacy, recreate_chat,
         lambda w: {("flex.flow-chat-service-mismatch", w.saved["chat"]),  # type: ignore[attr-defined]
                    (CHANGED, w.account_sid)},
         quiet=("chat.service-missing",)),
    # Espacio de trabajo de TaskRouter
    Case("workspace-deleted", "Espacio de trabajo de TaskRouter", healthy_legacy,
         lambda w: w.delete(w.workspace_sid),
         lambda w: {("taskrouter.workspace-missing", w.workspace_sid or "")},
         quiet=("studio.send-to-flex-workflow-invalid", "studio.send-to-flex-channel-invalid",
                "taskrouter.workflow-queue-missing", DELETED)),
    Case("workflow-queue-deleted", "Espacio de trabajo de TaskRouter", healthy_legacy,
         lambda w: w.delete(w.taskqueue_sid),
         lambda w: {("taskrouter.workflow-queue-missing", w.workflow_sid or "")},
         quiet=(DELETED,)),
    Case("workspace-recreated-flows-not-updated", "Espacio de trabajo de TaskRouter",
         healthy_legacy, recreate_workspace,  # one cause: one finding on the deleted workspace
         lambda w: {("studio.send-to-flex-workflow-invalid", old_workspace(w)),
                    (CHANGED, w.account_sid)},
         quiet=("taskrouter.workspace-missing", "studio.send-to-flex-channel-invalid")),
    Case("workspace-recreated-flows-fixed-not-published", "Espacio de trabajo de TaskRouter",
         healthy_legacy, recreate_workspace_and_fix_flows(publish=False),
         lambda w: {("studio.send-to-flex-workflow-invalid", old_workspace(w)),
                    (CHANGED, w.account_sid)}
         | each("studio.flow-unpublished", flows(w, "Voice IVR", "Messaging Flow", "Webchat Flow")),
         quiet=("studio.send-to-flex-channel-invalid",)),
    Case("workspace-recreated-flows-fixed-and-published", "Espacio de trabajo de TaskRouter",
         healthy_legacy, recreate_workspace_and_fix_flows(publish=True),
         lambda w: each(CHANGED, [w.account_sid, w.saved["old_workspace"][0],  # re-created
                                  *flows(w, "Voice IVR", "Messaging Flow", "Webchat Flow")]),
         quiet=("studio.send-to-flex-workflow-invalid", "studio.send-to-flex-channel-invalid",
                "studio.flow-unpublished")),
    # Studio Flows
    Case("voice-ivr-on-chat-channel", "Studio Flows", healthy_legacy,
         lambda w: w.edit_flow(w.flows["Voice IVR"], channel=w.task_channels["chat"]),
         lambda w: {("studio.send-to-flex-channel-invalid", w.flows["Voice IVR"])}),
    Case("messaging-flow-on-sms-channel", "Studio Flows", healthy_legacy,
         lambda w: w.edit_flow(w.flows["Messaging Flow"], channel=w.task_channels["sms"]),
         lambda w: {("studio.send-to-flex-channel-invalid", w.flows["Messaging Flow"])}),
    Case("conversations-flow-on-voice-channel", "Studio Flows", healthy_conversations,
         lambda w: w.edit_flow(w.flows["Messaging Flow"], channel=w.task_channels["voice"]),
         lambda w: {("studio.send-to-flex-channel-invalid", w.flows["Messaging Flow"])}),
    Case("conversations-flow-on-sms-channel", "Studio Flows", healthy_conversations,
         lambda w: w.edit_flow(w.flows["Messaging Flow"], channel=w.task_channels["sms"]),
         lambda w: {(CHANGED, w.flows["Messaging Flow"])},
         quiet=("studio.send-to-flex-channel-invalid",)),
    Case("workflow-of-another-workspace", "Studio Flows", healthy_legacy,
         workflow_of_another_workspace,
         lambda w: {("studio.send-to-flex-workflow-invalid", w.flows["Voice IVR"])}),
    Case("channel-sid-overridden", "Studio Flows", healthy_legacy, channel_sid("CH" + "1" * 32),
         lambda w: {("studio.send-to-flex-channelsid-overridden", w.flows["Messaging Flow"])}),
    Case("channel-sid-default-spelled-out", "Studio Flows", healthy_legacy,
         channel_sid("{{ trigger.message.ChannelSid }}"),
         lambda w: {(CHANGED, w.flows["Messaging Flow"])},
         quiet=("studio.send-to-flex-channelsid-overridden",)),
    Case("attributes-not-json", "Studio Flows", healthy_legacy,
         lambda w: w.edit_flow(w.flows["Voice IVR"], attributes=(
             '{"type": "inbound" "name": "{{trigger.call.From}}"}')),  # a comma lost in an edit
         lambda w: {("studio.send-to-flex-attributes-invalid", w.flows["Voice IVR"])}),
    Case("attributes-with-liquid-outputs", "Studio Flows", healthy_legacy,
         lambda w: w.edit_flow(w.flows["Voice IVR"], attributes=(
             '{"type": "inbound", "name": "{{trigger.call.From}}", "n": {{flow.variables.n}}}')),
         lambda w: {(CHANGED, w.flows["Voice IVR"])},
         quiet=("studio.send-to-flex-attributes-invalid",)),
    Case("voice-ivr-draft", "Studio Flows", healthy_legacy,
         lambda w: w.unpublish_flow(w.flows["Voice IVR"]),
         lambda w: {("studio.flow-unpublished", w.flows["Voice IVR"])}),
    Case("voice-ivr-duplicated", "Studio Flows", healthy_legacy,
         duplicate_voice_ivr,
         lambda w: {("studio.flow-duplicate", w.saved["copy"])}),  # type: ignore[attr-defined]
    # Números de teléfono
    Case("custom-flow-copied", "Studio Flows", mixed,
         lambda w: w.duplicate_flow("Conversations Messaging Flow"), lambda w: set(),
         quiet=("studio.flow-duplicate",)),
    Case("voice-webhook-overwritten", "Números de teléfono", healthy_legacy,
         lambda w: w.set_number(w.flex_numbers[0], voice_url="https://example.com/voice"),
         lambda w: {("numbers.voice-webhook-overwritten", w.flex_numbers[0])}),
    Case("voice-webhook-to-another-accounts-flow", "Números de teléfono", healthy_conversations,
         lambda w: w.set_number(w.flex_numbers[1], voice_url=(
             f"https://webhooks.twilio.com/v1/Accounts/{AC_OTHER}/Flows/{w.flows['Voice IVR']}")),
         lambda w: {("numbers.voice-webhook-overwritten", w.flex_numbers[1])},
         quiet=("numbers.voice-flow-missing",)),
    Case("voice-ivr-deleted", "Números de teléfono", mixed,
         lambda w: w.delete(w.flows["Voice IVR"]),
         lambda w: each("numbers.voice-flow-missing", w.flex_numbers),
         quiet=("numbers.voice-webhook-overwritten", DELETED)),
    Case("message-webhook-overwritten", "Números de teléfono", healthy_legacy,
         lambda w: w.set_number(w.legacy_numbers[1], sms_url="https://example.com/sms"),
         lambda w: {("numbers.message-webhook-overwritten", w.legacy_numbers[1])}),
    Case("message-webhook-on-conversations-number", "Números de teléfono", mixed,
         lambda w: w.set_number(w.conversations_numbers[0], sms_url="https://example.com/sms"),
         lambda w: {("numbers.message-webhook-set-on-conversations", w.conversations_numbers[0])},
         quiet=("numbers.message-webhook-overwritten", "numbers.stack-conflict")),
    Case("message-webhook-on-legacy-number-blanked", "Números de teléfono", mixed,
         lambda w: w.set_number(w.legacy_numbers[0], sms_url=""),
         lambda w: {("numbers.message-webhook-overwritten", w.legacy_numbers[0])},
         quiet=("numbers.message-webhook-set-on-conversations",)),
    Case("flex-flow-deleted", "Números de teléfono", healthy_legacy,
         lambda w: w.delete(w.number_flex_flows[w.legacy_numbers[2]]),
         lambda w: {("numbers.flex-flow-missing", w.legacy_numbers[2])}, quiet=(DELETED,)),
    Case("removed-from-proxy-pool", "Números de teléfono", healthy_legacy,
         lambda w: w.remove_from_proxy(w.legacy_numbers[0]),
         lambda w: {("numbers.proxy-registration-missing", w.legacy_numbers[0])}),
    Case("number-in-both-stacks", "Números de teléfono", mixed, number_in_both_stacks,
         lambda w: {("numbers.stack-conflict", w.legacy_numbers[0])}, quiet=LEGACY_RULES),
    Case("other-number-changed", "Números de teléfono", mixed,
         lambda w: w.set_number(w.other_numbers[0], sms_url="", voice_url=""),
         lambda w: set(), quiet=("numbers.message-webhook-overwritten",
                                 "numbers.voice-webhook-overwritten", CHANGED)),
    # Flex Flows pointing at Studio (legacy) and Conversations addresses
    Case("messaging-flow-deleted", "Servicio de Chat / Flex Flows", healthy_legacy,
         lambda w: w.delete(w.flows["Messaging Flow"]),
         lambda w: each("flex.flow-studio-flow-missing",
                        [w.number_flex_flows[n] for n in w.legacy_numbers]),
         quiet=("conversations.address-studio-flow-missing",)),
    Case("conversations-flow-deleted", "Flex Conversations", mixed,
         lambda w: w.delete(w.flows["Conversations Messaging Flow"]),
         lambda w: each("conversations.address-studio-flow-missing",
                        [w.address_configs[n] for n in w.conversations_numbers]
                        + list(w.whatsapp_addresses.values())),
         quiet=("flex.flow-studio-flow-missing", DELETED)),
    Case("address-deleted", "Flex Conversations", healthy_conversations,
         lambda w: w.delete(first_address(w)),
         lambda w: {("conversations.address-missing", w.address_configs[w.conversations_numbers[0]])},
         quiet=("conversations.address-orphaned", DELETED)),
    Case("address-number-released", "Flex Conversations", healthy_conversations,
         lambda w: w.delete(w.conversations_numbers[0]),
         lambda w: {("conversations.address-orphaned", first_address(w))},
         quiet=("conversations.address-missing", DELETED)),
    Case("address-autocreation-off", "Flex Conversations", mixed,
         lambda w: w.set_address(first_address(w), enabled=False),
         lambda w: {("conversations.address-autocreation-disabled", first_address(w))},
         quiet=("conversations.address-studio-flow-missing",
                "conversations.address-integration-invalid", CHANGED)),
    Case("address-webhook-without-url", "Flex Conversations", healthy_conversations,
         lambda w: w.set_address(first_address(w), type="webhook"),
         lambda w: {("conversations.address-integration-invalid", first_address(w))},
         quiet=("conversations.address-studio-flow-missing", CHANGED)),
    Case("address-type-in-capitals", "Flex Conversations", healthy_conversations,
         lambda w: w.set_address(first_address(w), type="STUDIO"),
         lambda w: {(CHANGED, first_address(w))},
         quiet=("conversations.address-integration-invalid",
                "conversations.address-studio-flow-missing",
                "conversations.address-autocreation-disabled")),
    Case("address-service-deleted", "Flex Conversations", healthy_conversations,
         address_on_other_service(delete=True),  # one finding per missing service
         lambda w: {("conversations.address-service-missing", w.saved)},  # type: ignore
         quiet=("conversations.default-service-missing", CHANGED)),
    Case("default-service-deleted", "Flex Conversations", mixed,
         lambda w: w.delete(w.conversations_service_sid),
         lambda w: {("conversations.default-service-missing", w.conversations_service_sid or "")},
         quiet=("conversations.address-service-missing", "conversations.address-missing",
                "conversations.default-service-changed", DELETED)),
    Case("default-service-re-created", "Flex Conversations", healthy_conversations,
         recreate_default_service,  # one cause: not one finding per address still naming it
         lambda w: {("conversations.default-service-changed", w.account_sid),
                    (CHANGED, w.account_sid)},
         quiet=("conversations.address-service-missing", "conversations.default-service-missing",
                DELETED)),
    Case("default-service-switched", "Flex Conversations", healthy_conversations,
         switch_default_service,
         lambda w: {("conversations.default-service-changed", w.account_sid)},
         quiet=("conversations.default-service-missing", "conversations.address-service-missing",
                CHANGED)),
    Case("pre-webhook-added", "Flex Conversations", healthy_conversations,
         lambda w: w.set_service_webhooks(w.conversations_service_sid or "",
                                          pre_webhook_url="https://dev.example.com/pre",
                                          filters=["onConversationAdd"]),
         lambda w: {("conversations.service-webhook-changed", w.conversations_service_sid or "")},
         quiet=(CHANGED,)),
    Case("account-webhook-target-flipped", "Flex Conversations", mixed,
         lambda w: w.set_account_webhooks(target="flex"),
         lambda w: {("conversations.service-webhook-changed", w.account_sid)}, quiet=(CHANGED,)),
    Case("agent-role-cannot-send", "Flex Conversations", healthy_conversations, agent_cannot_send,
         lambda w: {("conversations.agent-role-changed",
                     w.role_sid(w.conversations_service_sid or "", "agent"))},
         quiet=(CHANGED,)),
    Case("number-in-intercepting-messaging-service", "Flex Conversations", healthy_conversations,
         intercepting_service(inbound_on_number=False),
         lambda w: {("messaging.service-intercepts-conversations", w.conversations_numbers[0])},
         quiet=("numbers.message-webhook-set-on-conversations",)),
    Case("number-in-messaging-service-using-its-webhook", "Flex Conversations", mixed,
         intercepting_service(inbound_on_number=True), lambda w: set(),
         quiet=("messaging.service-intercepts-conversations",)),
    Case("whatsapp-sender-offline", "Flex Conversations", mixed, sender_offline,
         lambda w: {("whatsapp.sender-offline", next(iter(w.whatsapp_senders.values())))},
         quiet=(CHANGED, "conversations.address-orphaned")),
    Case("conversation-trigger-unwired", "Flex Conversations", healthy_conversations,
         unwire_conversation_trigger("Messaging Flow"),
         lambda w: {("studio.conversation-trigger-unwired", w.flows["Messaging Flow"])},
         quiet=(CHANGED, "studio.send-to-flex-workflow-invalid")),
    Case("legacy-flow-unwired-for-conversations-only", "Flex Conversations", mixed,
         unwire_conversation_trigger("Messaging Flow"),
         lambda w: {(CHANGED, w.flows["Messaging Flow"])},
         quiet=("studio.conversation-trigger-unwired",)),
    Case("supervisor-role-edited", "Flex Conversations", healthy_conversations,
         lambda w: w.set_role(w.conversations_service_sid or "", "supervisor",
                              ["createConversation"]),
         lambda w: {(CHANGED, w.role_sid(w.conversations_service_sid or "", "supervisor"))},
         quiet=("conversations.agent-role-changed",)),
    Case("other-service-webhook-changed", "Flex Conversations", healthy_conversations,
         lambda w: w.set_service_webhooks(w.add_conversations_service("Sandbox"),
                                          pre_webhook_url="https://dev.example.com/pre"),
         lambda w: set(), quiet=("conversations.service-webhook-changed",)),
    Case("unused-whatsapp-sender-offline", "Flex Conversations", healthy_conversations,
         lambda w: w.add_sender("whatsapp:+15550000177", status="OFFLINE"), lambda w: set(),
         quiet=("whatsapp.sender-offline",)),
    Case("conversations-handler-healed", "Números de teléfono (auto-heal)", healthy_conversations,
         lambda w: w.set_number(w.conversations_numbers[0], sms_url=proxy_webhook_url(
             w.account_sid, "KS" + "7" * 32)),
         lambda w: set(), quiet=("numbers.message-webhook-set-on-conversations",),
         settings=armed("numbers.message-webhook-set-on-conversations"), timeline=HEALED),
    Case("agent-role-healed", "Flex Conversations (auto-heal)", healthy_conversations,
         agent_cannot_send, lambda w: set(), quiet=("conversations.agent-role-changed",),
         settings=armed("conversations.agent-role-changed"), timeline=HEALED),
    Case("conversation-orphaned", "Flex Conversations", healthy_conversations,
         orphan_conversation,
         lambda w: {("conversations.orphaned", w.saved["orphan"])},  # type: ignore[attr-defined]
         quiet=(DELETED, CHANGED)),
    Case("conversation-served-or-recent", "Flex Conversations", mixed, served_and_recent,
         lambda w: set(), quiet=("conversations.orphaned",)),
    # Healing's own finding: a heal undone again by someone (not a guide section: the daemon's)
    Case("heal-undone-by-a-person", "Números de teléfono (auto-heal)", healthy_legacy,
         sms_to("https://example.com/sms"),
         lambda w: {("heal.fight-detected", w.legacy_numbers[0]), (MESSAGE, w.legacy_numbers[0])},
         settings=HEAL_MESSAGE,
         timeline=(*HEALED, (20.0, sms_to("https://example.com/again")), (21.0, None))),
    Case("heal-holds", "Números de teléfono (auto-heal)", healthy_legacy,
         sms_to("https://example.com/sms"), lambda w: set(), quiet=("heal.fight-detected", MESSAGE),
         settings=HEAL_MESSAGE, timeline=(*HEALED, (21.0, None))),
    # The configuration's own finding: an ignore whose date has passed (it no longer holds)
    Case("config-ignore-expired", "Números de teléfono (config ignore)", healthy_legacy,
         lambda w: None, lambda w: {("config.ignore-expired", f"{MESSAGE}/*")},
         settings={"ignore": [{"rule": MESSAGE, "reason": "porting",
                               "expires": "2026-11-25T12:02:00Z"}]}, timeline=((3.0, None),)),
    Case("config-ignore-in-force", "Números de teléfono (config ignore)", healthy_legacy,
         sms_to("https://example.com/sms"), lambda w: {(MESSAGE, w.legacy_numbers[0])},
         quiet=("config.ignore-expired",),
         settings={"ignore": [{"rule": MESSAGE, "reason": "porting",
                               "expires": "2026-11-25T13:00:00Z"}]}, timeline=((1.0, None),)),
    # Baseline drift: what no rule above explains
    Case("unused-task-channel-deleted", "Espacio de trabajo de TaskRouter", healthy_legacy,
         lambda w: w.delete(w.task_channels["video"]),
         lambda w: {(DELETED, w.task_channels["video"])}),
]

HEALTHY = {"healthy-legacy": healthy_legacy, "healthy-conversations": healthy_conversations,
           "mixed": mixed}


def expected_rules(case: Case) -> set[str]:
    """The rules ``case`` expects to fire (breaks an in-memory world; no server needed)."""
    world = case.world()
    case.act(world)
    return {rule for rule, _ in case.expect(world)}
