"""Worlds for the fault matrix: a small healthy account with one paged finding per family, and
the same account grown so that one family's list spans two pages with Flex resources on page 2."""

from __future__ import annotations

from collections.abc import Callable

from watchdog.simulator import World, add_conversations_number, add_legacy_number, e164, mixed
from watchdog.simulator import studio as flows
from watchdog.simulator.catalog import everyone_workflow_configuration

#: family -> (product, path regex) of the requests that fetch it (its list and what hangs off it).
TARGETS = {"configuration": ("flex-api", "/Configuration$"), "flex_flows": ("flex-api", "FlexFlows"),
           "chat": ("chat", "Services"), "proxy": ("proxy", "Services"),
           "taskrouter": ("taskrouter", "Workspaces"), "studio": ("studio", "Flows"),
           "numbers": ("api", "IncomingPhoneNumbers"), "conversations": ("conversations", "Addresses"),
           "conversations_services": ("conversations", "^/v1/(Configuration|Services)"),
           "messaging": ("messaging", "^/v1/Services"),
           "whatsapp": ("messaging", "^/v2/Channels/Senders"),
           "conversations_live": ("conversations", "/Conversations$")}


def standing_changes(world: World) -> None:
    """One watched resource changed in every family: a ``baseline.resource-changed`` finding
    (paged: the rig sends info) per family, open when the fault comes. The live conversations
    have no baseline: their finding is the matrix world's orphaned conversation."""
    with world.lock:
        store = world.store
        world.set_configuration(messaging_service_instance_sid=world.ids.sid("MG"))
        world.set_flex_flow(world.webchat_flex_flow_sid or "", friendly_name="Web Channel (renamed)")
        store.chat_services[world.chat_service_sid or ""]["friendly_name"] = "Chat (renamed)"
        world.set_proxy_service(world.flex_proxy_sid or "", callback_url="https://example.com/cb")
        store.workspaces[world.workspace_sid or ""]["friendly_name"] = "Workspace (renamed)"
        store.flows[world.flows["Voice IVR"]]["friendly_name"] = "Voice IVR (renamed)"
        world.set_number(world.legacy_numbers[0], friendly_name="Support line (renamed)")
        address = world.address_configs[world.conversations_numbers[0]]
        world.set_address(address, friendly_name="Flex SMS (renamed)")
        for service in store.conversations_services.values():
            service["friendly_name"] = f"{service['friendly_name']} (renamed)"
        for service in store.messaging_services.values():
            service["friendly_name"] = f"{service['friendly_name']} (renamed)"
        for sender in store.senders.values():
            sender["webhook"] = {**sender["webhook"], "status_callback_url":
                                 "https://example.com/whatsapp-status"}



def _grow_numbers(world: World) -> None:
    for index in range(1000):
        world.add_number(e164(1000 + index), friendly_name="Marketing line",
                         sms_url="https://example.com/sms", voice_url="https://example.com/voice")
    add_legacy_number(world, e164(9000))  # a Flex number on page 2 of 1000


def _grow_flex_flows(world: World) -> None:
    webchat = world.flows["Webchat Flow"]
    for index in range(1000):
        world.add_flex_flow(f"Web Channel {index:04d}", world.chat_service_sid or "", "web",
                            integration={"flow_sid": webchat, "retry_count": 3})
    add_legacy_number(world, e164(9000))  # its SMS Flex Flow lands on page 2


def _grow_chat(world: World) -> None:
    for index in range(100):  # Chat Services pages hold at most 100
        world.add_chat_service(f"Support Chat {index:03d}")


def _grow_proxy(world: World) -> None:
    for index in range(100):  # Proxy pages hold at most 100: Flex numbers on page 2 of the pool
        add_legacy_number(world, e164(9000 + index))


def _grow_taskrouter(world: World) -> None:
    ws = world.workspace_sid or ""
    for index in range(1000):
        world.add_workflow(ws, f"Overflow {index:04d}",
                           everyone_workflow_configuration(world.taskqueue_sid or ""))


def _grow_studio(world: World) -> None:
    workflow, chat = world.workflow_sid or "", world.task_channels["chat"]
    for index in range(1000):
        name = f"Studio Flow {index:04d}"
        world.flows[name] = world.add_flow(name, flows.chat_flow(workflow, chat, name))
    add_legacy_number(world, e164(9000), messaging_flow=name)  # a Flex flow on page 2


def _grow_conversations(world: World) -> None:
    for index in range(50):  # Address Configuration pages hold 50: Flex addresses on page 2
        add_conversations_number(world, e164(9000 + index), "Conversations Messaging Flow")


GROW: dict[str, Callable[[World], None]] = {
    "numbers": _grow_numbers, "flex_flows": _grow_flex_flows, "chat": _grow_chat,
    "proxy": _grow_proxy, "taskrouter": _grow_taskrouter, "studio": _grow_studio,
    "conversations": _grow_conversations}


def matrix_world(paged_family: str | None = None) -> World:
    """The mixed (legacy + Conversations) account, grown for a page-2 fault when asked, with an
    active conversation no task serves (conversations.orphaned, paged by the setup)."""
    world = mixed()
    world.add_conversation(world.conversations_service_sid or "", created="2020-01-01T00:00:00Z")
    if paged_family is not None:
        GROW[paged_family](world)
    return world
