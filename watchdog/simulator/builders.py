"""Ready-made healthy worlds: legacy Flex (Chat + Proxy + Flex Flows), Flex Conversations,
both at once, and large generated accounts for benchmarks."""

from __future__ import annotations

from collections.abc import Callable

from watchdog.simulator import studio
from watchdog.simulator.records import flow_webhook_url, proxy_webhook_url
from watchdog.simulator.sids import BASE_TIME
from watchdog.simulator.world import World

MESSAGING_DESCRIPTION = "Bot flow for creating a Flex messaging task"
WEBCHAT_DESCRIPTION = "Bot flow for creating a Flex webchat task"


def e164(index: int) -> str:
    """The ``index``-th simulated number, in the fictional +1 555 range: ``+15550000100``..."""
    return f"+1555{100 + index:07d}"


def _start(name: str, seed: int) -> World:
    world = World(seed=seed, name=name)
    world.build_time = BASE_TIME
    world.messaging_service_sid = world.ids.sid("MG")
    config = world.set_configuration(messaging_service_instance_sid=world.messaging_service_sid)
    world.add_messaging_service("Default Conversations Service", world.messaging_service_sid)
    world.set_conversations_configuration(
        default_messaging_service_sid=world.messaging_service_sid)
    world.flex_instance_sid = config["flex_instance_sid"]
    world.add_flex_workspace()
    return world


def _finish(world: World) -> World:
    world.build_time = None
    return world


def _add_legacy_core(world: World) -> None:
    """Chat service, Flex Proxy Service, the three default flows and the webchat Flex Flow."""
    chat = world.chat_service_sid = world.add_chat_service("Flex Chat Service")
    world.set_configuration(chat_service_instance_sid=chat)
    world.flex_proxy_sid = world.add_proxy_service("Flex Proxy Service", chat)
    workflow, channels = world.workflow_sid or "", world.task_channels
    world.flows["Voice IVR"] = world.add_flow(
        "Voice IVR", studio.voice_ivr(workflow, channels["voice"]))
    world.flows["Messaging Flow"] = world.add_flow(
        "Messaging Flow", studio.chat_flow(workflow, channels["chat"], MESSAGING_DESCRIPTION))
    world.flows["Webchat Flow"] = world.add_flow(
        "Webchat Flow", studio.chat_flow(workflow, channels["chat"], WEBCHAT_DESCRIPTION))
    webchat = world.add_flex_flow(
        "Flex Web Channel", chat, "web",
        integration={"flow_sid": world.flows["Webchat Flow"], "retry_count": 3})
    world.webchat_flex_flow_sid = world.flex_flows["Flex Web Channel"] = webchat


def _voice_fields(world: World) -> dict[str, str]:
    ivr = flow_webhook_url(world.account_sid, world.flows["Voice IVR"])
    # Studio also sets the number's status callback to the flow (Twilio support article).
    return {"voice_url": ivr, "voice_method": "POST", "status_callback": ivr,
            "status_callback_method": "POST"}


def add_legacy_number(world: World, phone_number: str, messaging_flow: str = "Messaging Flow",
                      flex_flow: bool = True) -> str:
    """A legacy Flex number: voice -> Voice IVR, SMS -> Flex Proxy Service (in its pool), and
    (``flex_flow``) an SMS Flex Flow with ``contact_identity`` = the number."""
    chat, proxy = world.chat_service_sid or "", world.flex_proxy_sid or ""
    sid = world.add_number(phone_number, sms_url=proxy_webhook_url(world.account_sid, proxy),
                           sms_method="POST", **_voice_fields(world))
    world.add_to_proxy_pool(proxy, sid)
    if flex_flow:
        name = f"Flex SMS Channel {phone_number}"
        world.number_flex_flows[sid] = world.flex_flows[name] = world.add_flex_flow(
            name, chat, "sms", contact_identity=phone_number,
            integration={"flow_sid": world.flows[messaging_flow], "retry_count": 3})
    world.flex_numbers.append(sid)
    world.legacy_numbers.append(sid)
    return sid


def add_conversations_number(world: World, phone_number: str,
                             messaging_flow: str = "Messaging Flow") -> str:
    """A Flex Conversations number: voice -> Voice IVR, blank SMS handler, and an ``sms``
    address configuration that auto-creates conversations through the Studio flow."""
    sid = world.add_number(phone_number, sms_url="", sms_method="POST", **_voice_fields(world))
    world.address_configs[sid] = world.add_address(
        "sms", phone_number, friendly_name=f"Flex SMS {phone_number}", address_country="US",
        auto_creation={"enabled": True, "type": "studio",
                       "conversation_service_sid": world.conversations_service_sid,
                       "studio_flow_sid": world.flows[messaging_flow],
                       "studio_retry_count": 3})
    world.flex_numbers.append(sid)
    world.conversations_numbers.append(sid)
    return sid


def add_other_number(world: World, phone_number: str) -> str:
    """A number Flex does not use, with its own unrelated webhooks."""
    sid = world.add_number(phone_number, friendly_name="Marketing line",
                           sms_url="https://example.com/sms", sms_method="POST",
                           voice_url="https://example.com/voice", voice_method="POST")
    world.other_numbers.append(sid)
    return sid


def add_whatsapp_address(world: World, phone_number: str,
                         messaging_flow: str = "Messaging Flow") -> str:
    """An online WhatsApp sender with a ``whatsapp`` address configuration; returns the XE."""
    sender_id = f"whatsapp:{phone_number}"
    sender = world.add_sender(sender_id)
    world.whatsapp_senders[sender_id] = sender
    world.whatsapp_addresses[sender] = world.add_address(
        "whatsapp", sender_id, friendly_name=f"Flex WhatsApp {phone_number}",
        auto_creation={"enabled": True, "type": "studio",
                       "conversation_service_sid": world.conversations_service_sid,
                       "studio_flow_sid": world.flows[messaging_flow],
                       "studio_retry_count": 3})
    return sender


def _add_conversations_core(world: World, flow_name: str) -> None:
    conv = world.conversations_service_sid = world.add_conversations_service("Flex Chat Service")
    world.set_configuration(flex_service_instance_sid=conv)
    world.set_conversations_configuration(default_chat_service_sid=conv)
    world.flows[flow_name] = world.add_flow(flow_name, studio.conversation_flow(
        world.workflow_sid or "", world.task_channels["chat"]))


def healthy_legacy(seed: int = 0) -> World:
    """Legacy Flex messaging, healthy: 3 Flex numbers (Proxy + Flex Flow each) and 1 other."""
    world = _start("healthy-legacy", seed)
    _add_legacy_core(world)
    for index in range(3):
        add_legacy_number(world, e164(index))
    add_other_number(world, e164(3))
    return _finish(world)


def healthy_conversations(seed: int = 0) -> World:
    """Flex Conversations, healthy: 3 numbers with address configurations, 1 other number;
    no Proxy service, no Flex Flows, no Programmable Chat service."""
    world = _start("healthy-conversations", seed)
    world.flows["Voice IVR"] = world.add_flow(
        "Voice IVR", studio.voice_ivr(world.workflow_sid or "", world.task_channels["voice"]))
    _add_conversations_core(world, "Messaging Flow")
    for index in range(3):
        add_conversations_number(world, e164(index))
    add_other_number(world, e164(3))
    add_whatsapp_address(world, e164(90))
    return _finish(world)


def mixed(seed: int = 0) -> World:
    """Mid-migration: 2 legacy numbers, 2 Conversations numbers (flow "Conversations Messaging
    Flow"), 1 other; no number is in both stacks."""
    world = _start("mixed", seed)
    _add_legacy_core(world)
    _add_conversations_core(world, "Conversations Messaging Flow")
    for index in range(2):
        add_legacy_number(world, e164(index))
    for index in range(2, 4):
        add_conversations_number(world, e164(index), "Conversations Messaging Flow")
    add_other_number(world, e164(4))
    add_whatsapp_address(world, e164(90), "Conversations Messaging Flow")
    return _finish(world)


def large(numbers: int, studio_flows: int, flex_flows: int, seed: int = 0) -> World:
    """A healthy legacy account for benchmarks.

    ``studio_flows`` is the total number of flows (at least the 3 defaults); ``flex_flows`` the
    total number of Flex Flows: the webchat one plus one SMS Flex Flow for each of the first
    ``flex_flows - 1`` numbers (those are the Flex numbers; the rest are "other" numbers).
    """
    if studio_flows < 3 or not 1 <= flex_flows <= numbers + 1:
        raise ValueError("need studio_flows >= 3 and 1 <= flex_flows <= numbers + 1")
    world = _start("large", seed)
    _add_legacy_core(world)
    workflow, chat = world.workflow_sid or "", world.task_channels["chat"]
    for index in range(3, studio_flows):
        name = f"Studio Flow {index + 1:05d}"
        world.flows[name] = world.add_flow(name, studio.chat_flow(workflow, chat, name))
    for index in range(numbers):
        if index < flex_flows - 1:
            add_legacy_number(world, e164(index))
        else:
            add_other_number(world, e164(index))
    return _finish(world)


#: World name -> builder, as ``flex-watchdog simulator --world NAME`` accepts.
WORLDS: dict[str, Callable[[], World]] = {
    "healthy-legacy": healthy_legacy,
    "healthy-conversations": healthy_conversations,
    "mixed": mixed,
}
