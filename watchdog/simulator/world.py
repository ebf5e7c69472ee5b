"""The simulated account: state, the SIDs tests need, and break/repair operations.

Break operations act like a person in the Twilio Console (``source="web"``, actor = the console
user) unless ``source="api"`` is passed; they record a Monitor Event only where Twilio does
(IncomingPhoneNumber updates and deletions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchdog.simulator import studio
from watchdog.simulator.catalog import Catalog, everyone_workflow_configuration, known_fields
from watchdog.simulator.records import Record
from watchdog.simulator.state import Actor

#: (unique_name, friendly_name, channel_optimized_routing) of a Flex workspace's task channels.
FLEX_TASK_CHANNELS = (
    ("default", "Default", False), ("voice", "Voice", False),
    ("chat", "Programmable Chat", True), ("sms", "SMS", True), ("video", "Video", False),
    ("email", "Email", True),
)


@dataclass(frozen=True)
class CheckupResult:
    """What re-running Flex System Checkup after deleting the Proxy service leaves behind."""

    proxy_sid: str
    messaging_flow_sid: str
    webchat_flow_sid: str
    webchat_flex_flow_sid: str


class World(Catalog):
    """An in-memory Twilio account. Build one with ``builders.healthy_legacy()`` and friends.

    SIDs of the Flex plumbing are attributes (None or empty when the world has none):
    ``account_sid``, ``auth_token``, ``api_key_sid``, ``api_key_secret``, ``user_sid``,
    ``chat_service_sid``, ``conversations_service_sid``, ``flex_proxy_sid``, ``workspace_sid``,
    ``workflow_sid``, ``taskqueue_sid``, ``task_channels`` (unique_name -> TC), ``flows``
    (friendly_name -> FW), ``flex_flows`` (friendly_name -> FO), ``webchat_flex_flow_sid``,
    ``number_flex_flows`` (PN -> FO), ``address_configs`` (PN -> IG), ``flex_numbers``,
    ``legacy_numbers``, ``conversations_numbers``, ``other_numbers``, ``flex_instance_sid``,
    ``messaging_service_sid`` (also the Conversations default Messaging Service),
    ``whatsapp_senders`` (``whatsapp:+1...`` -> XE), ``whatsapp_addresses`` (XE -> IG).
    """

    def __init__(self, seed: int = 0, clock: Callable[[], datetime] | None = None,
                 name: str = "custom") -> None:
        super().__init__(seed, clock)
        self.name = name
        self.chat_service_sid: str | None = None
        self.conversations_service_sid: str | None = None
        self.flex_proxy_sid: str | None = None
        self.workspace_sid: str | None = None
        self.workflow_sid: str | None = None
        self.taskqueue_sid: str | None = None
        self.task_channels: dict[str, str] = {}
        self.flows: dict[str, str] = {}
        self.flex_flows: dict[str, str] = {}
        self.webchat_flex_flow_sid: str | None = None
        self.number_flex_flows: dict[str, str] = {}
        self.address_configs: dict[str, str] = {}
        self.flex_numbers: list[str] = []
        self.legacy_numbers: list[str] = []
        self.conversations_numbers: list[str] = []
        self.other_numbers: list[str] = []
        self.flex_instance_sid: str | None = None
        self.messaging_service_sid: str | None = None
        self.whatsapp_senders: dict[str, str] = {}
        self.whatsapp_addresses: dict[str, str] = {}
        # The account itself, as GET /2010-04-01/Accounts.json lists it: a parent lists its
        # subaccounts too (each a world of its own, served with its own credentials).
        self.friendly_name = f"{name} {seed}"
        self.status = "active"
        self.owner_sid = self.account_sid
        self.subaccounts: list[World] = []
        self.created_2010 = self.stamp_2010()

    def _actor(self, source: str) -> Actor:
        return self.api() if source == "api" else self.console()

    def add_subaccount(self, world: World, friendly_name: str | None = None,
                       status: str = "active") -> World:
        """Make ``world`` a subaccount of this one (serve it with ``SimulatorServer.add_world``)."""
        world.owner_sid, world.status = self.account_sid, status
        if friendly_name is not None:
            world.friendly_name = friendly_name
        self.subaccounts.append(world)
        return world

    # -- reads for tests -------------------------------------------------------------------------
    def number(self, sid: str) -> Record:
        """A copy of IncomingPhoneNumber ``sid`` as the API would return it."""
        with self.lock:
            return dict(self.store.numbers[sid])

    def proxy_pool(self, service_sid: str | None = None) -> list[str]:
        """The ``PN`` SIDs in a Proxy service's pool (default: the Flex Proxy Service)."""
        with self.lock:
            return list(self.store.proxy_pools.get(service_sid or self.flex_proxy_sid or "", {}))

    # -- break operations ------------------------------------------------------------------------
    def delete(self, sid: str, *, source: str = "web") -> None:
        """Delete any resource by SID (numbers are released and leave their Proxy pool;
        a workspace takes its workflows and channels, a flow its revisions)."""
        with self.lock:
            s = self.store
            if sid in s.numbers:
                self.delete_number(sid, self._actor(source))
                return
            for store in (s.flex_flows, s.chat_services, s.conversations_services, s.addresses,
                          s.proxy_services, s.workspaces, s.flows, s.messaging_services,
                          s.senders):
                if store.pop(sid, None) is not None:
                    for children in (s.proxy_pools, s.workflows, s.task_channels, s.task_queues,
                                     s.revisions, s.roles, s.service_configurations,
                                     s.service_webhooks, s.messaging_numbers):
                        children.pop(sid, None)
                    return
            for nested in (s.workflows, s.task_channels, s.task_queues, s.roles,
                           s.messaging_numbers):
                for children in nested.values():
                    if children.pop(sid, None) is not None:
                        return
            kept = [alert for alert in s.alerts if alert["sid"] != sid]
            if len(kept) == len(s.alerts):
                raise KeyError(sid)
            s.alerts[:] = kept

    def set_number(self, sid: str, *, source: str = "web", **fields: Any) -> Record:
        """Change a number's fields, e.g. ``set_number(pn, sms_url="https://example.com/x")``."""
        with self.lock:
            known_fields(self.store.numbers[sid], fields)
            return dict(self.update_number(sid, fields, self._actor(source)))

    def unpublish_flow(self, sid: str, commit_message: str | None = "draft") -> Record:
        """Save the flow's current definition as a new draft revision."""
        return dict(self.revise_flow(sid, status="draft", commit_message=commit_message))

    def edit_flow(self, sid: str, definition: studio.Definition | None = None, *,
                  publish: bool = True, workflow: str | None = None,
                  channel: str | None = None, attributes: dict[str, Any] | str | None = None,
                  commit_message: str | None = None) -> Record:
        """Save a new revision: ``definition``, or the latest one with its Send to Flex widgets'
        ``workflow``/``channel``/``attributes`` replaced; published unless ``publish=False``."""
        with self.lock:
            if definition is None:
                latest = self.store.flows[sid]["definition"]
                definition = studio.with_send_to_flex(latest, workflow=workflow,
                                                      channel=channel, attributes=attributes)
            status = "published" if publish else "draft"
            return dict(self.revise_flow(sid, status=status, definition=definition,
                                         commit_message=commit_message))

    def remove_from_proxy(self, number_sid: str, service_sid: str | None = None) -> None:
        """Take a number out of a Proxy pool (default: the Flex Proxy Service)."""
        with self.lock:
            del self.store.proxy_pools[service_sid or self.flex_proxy_sid or ""][number_sid]

    def set_flex_flow(self, sid: str, **fields: Any) -> Record:
        """Change a Flex Flow. ``flow_sid=``/``integration_<key>=`` change ``integration``."""
        with self.lock:
            flex_flow = self.store.flex_flows[sid]
            integration = dict(flex_flow["integration"] or {})
            known_fields(flex_flow, {key: value for key, value in fields.items()
                                     if key != "flow_sid" and not key.startswith("integration_")})
            for key, value in fields.items():
                if key == "flow_sid" or key.startswith("integration_"):
                    integration[key.removeprefix("integration_")] = value
                else:
                    flex_flow[key] = value
            flex_flow["integration"] = integration
            flex_flow["date_updated"] = self.stamp()
            return dict(flex_flow)

    def set_address(self, sid: str, friendly_name: str | None = None,
                    **auto_creation: Any) -> Record:
        """Change an address configuration; keyword arguments go into ``auto_creation``."""
        with self.lock:
            address = self.store.addresses[sid]
            address["auto_creation"] = {**address["auto_creation"], **auto_creation}
            if friendly_name is not None:
                address["friendly_name"] = friendly_name
            address["date_updated"] = self.stamp()
            return dict(address)

    def set_proxy_service(self, sid: str, **fields: Any) -> Record:
        """Change a Proxy service, e.g. ``chat_instance_sid``."""
        with self.lock:
            service = self.store.proxy_services[sid]
            known_fields(service, fields)
            service.update(fields, date_updated=self.stamp())
            return dict(service)

    def duplicate_flow(self, name: str) -> str:
        """Another flow with the same name and definition (what System Checkup can leave)."""
        with self.lock:
            original = self.store.flows[self.flows[name]]
            return self.add_flow(name, original["definition"], status="published")

    # -- repairs the recovery guide describes ----------------------------------------------------
    def recreate_chat_service(self) -> str:
        """System Checkup after the chat service is gone: a new "Flex Chat Service" that Flex
        Configuration points at; Flex Flows and the Proxy service keep the old SID."""
        with self.lock:
            if self.chat_service_sid:
                self.store.chat_services.pop(self.chat_service_sid, None)
            self.chat_service_sid = self.add_chat_service("Flex Chat Service")
            self.set_configuration(chat_service_instance_sid=self.chat_service_sid)
            return self.chat_service_sid

    def recreate_workspace(self) -> str:
        """System Checkup after the workspace is gone: a new "Flex Task Assignment" (workflow,
        queue, channels) in Flex Configuration; Studio flows still point at the old one."""
        with self.lock:
            if self.workspace_sid and self.workspace_sid in self.store.workspaces:
                self.delete(self.workspace_sid)
            return self.add_flex_workspace()

    def add_flex_workspace(self) -> str:
        """Flex's TaskRouter setup: workspace "Flex Task Assignment", queue "Everyone", workflow
        "Assign to Anyone" routing to it, and the task channels; Flex Configuration points at them."""
        with self.lock:
            self.workspace_sid = self.add_workspace("Flex Task Assignment")
            self.taskqueue_sid = self.add_task_queue(self.workspace_sid, "Everyone")
            self.workflow_sid = self.add_workflow(
                self.workspace_sid, "Assign to Anyone",
                everyone_workflow_configuration(self.taskqueue_sid))
            self.task_channels = {
                unique: self.add_task_channel(self.workspace_sid, unique, friendly, optimized)
                for unique, friendly, optimized in FLEX_TASK_CHANNELS}
            offline = self.store.workspaces[self.workspace_sid]["default_activity_sid"]
            self.set_configuration(taskrouter_workspace_sid=self.workspace_sid,
                                   taskrouter_target_workflow_sid=self.workflow_sid,
                                   taskrouter_target_taskqueue_sid=self.taskqueue_sid,
                                   taskrouter_taskqueues=[{"sid": self.taskqueue_sid,
                                                           "targettable": True}],
                                   taskrouter_offline_activity_sid=offline)
            return self.workspace_sid

    def recreate_proxy_service(self) -> CheckupResult:
        """System Checkup after the Proxy service is gone: a new "Flex Proxy Service" (empty
        pool), two new flows "Messaging Flow" and "Webchat Flow" and a new webchat Flex Flow."""
        with self.lock:
            if self.flex_proxy_sid:
                self.store.proxy_services.pop(self.flex_proxy_sid, None)
                self.store.proxy_pools.pop(self.flex_proxy_sid, None)
            self.flex_proxy_sid = self.add_proxy_service("Flex Proxy Service",
                                                         self.chat_service_sid)
            workflow, chat = self.workflow_sid or "", self.task_channels.get("chat", "")
            messaging = self.add_flow("Messaging Flow", studio.chat_flow(
                workflow, chat, "Bot flow for creating a Flex messaging task"))
            webchat = self.add_flow("Webchat Flow", studio.chat_flow(
                workflow, chat, "Bot flow for creating a Flex webchat task"))
            flex_flow = self.add_flex_flow("Flex Web Channel", self.chat_service_sid or "", "web",
                                           integration={"flow_sid": webchat, "retry_count": 3})
            return CheckupResult(self.flex_proxy_sid, messaging, webchat, flex_flow)
