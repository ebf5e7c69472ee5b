"""Creating resources: the ``add_*`` methods the builders, the HTTP API and tests share."""

from __future__ import annotations

import json
from typing import Any

from watchdog.simulator import records, studio
from watchdog.simulator.conversations_catalog import ConversationsCatalog
from watchdog.simulator.errors import ApiError, bad_request
from watchdog.simulator.monitor import alert_record
from watchdog.simulator.records import Record
from watchdog.simulator.sids import iso


def everyone_workflow_configuration(queue_sid: str) -> str:
    """The workflow configuration of Flex's "Assign to Anyone": every task to one queue."""
    return json.dumps({"task_routing": {"filters": [], "default_filter": {"queue": queue_sid}}})


def known_fields(record: Record, fields: dict[str, Any]) -> None:
    """Refuse a field the resource does not have (a typo would otherwise invent one)."""
    unknown = sorted(set(fields) - set(record))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")


class Catalog(ConversationsCatalog):
    """``add_*`` methods: each creates one resource and returns its SID."""

    def add_chat_service(self, friendly_name: str) -> str:
        """A Programmable Chat v2 service (``IS``)."""
        with self.lock:
            sid = self.ids.sid("IS")
            roles = (self.ids.sid("RL"), self.ids.sid("RL"), self.ids.sid("RL"))
            self.store.chat_services[sid] = records.chat_service(
                self.account_sid, sid, self.stamp(), friendly_name, roles)
            return sid

    def add_proxy_service(self, unique_name: str, chat_instance_sid: str | None) -> str:
        """A Proxy service (``KS``) with an empty number pool."""
        with self.lock:
            sid = self.ids.sid("KS")
            self.store.proxy_services[sid] = records.proxy_service(
                self.account_sid, sid, self.stamp(), unique_name, chat_instance_sid)
            self.store.proxy_pools[sid] = {}
            return sid

    def add_to_proxy_pool(self, service_sid: str, number_sid: str,
                          is_reserved: bool = False) -> Record:
        """Put an IncomingPhoneNumber in a Proxy pool (one service per number, as Twilio)."""
        with self.lock:
            number = self.store.numbers.get(number_sid)
            if number is None:
                raise ApiError(404, 20404, f"The requested resource {number_sid} was not found")
            if any(number_sid in pool for pool in self.store.proxy_pools.values()):
                # "A Twilio number cannot be associated with more than one Proxy Service";
                # Twilio's exact error code for this is not documented, so: 400/20001.
                raise bad_request(f"Phone Number {number_sid} is already in a Proxy Service")
            entry = records.proxy_number(service_sid, number, self.stamp(), is_reserved)
            self.store.proxy_pools[service_sid][number_sid] = entry
            return entry

    def add_workspace(self, friendly_name: str) -> str:
        """A TaskRouter workspace (``WS``) with its "Offline" activity."""
        with self.lock:
            sid = self.ids.sid("WS")
            self.store.workspaces[sid] = records.workspace(
                self.account_sid, sid, self.stamp(), friendly_name, self.ids.sid("WA"))
            self.store.workflows[sid] = {}
            self.store.task_channels[sid] = {}
            self.store.task_queues[sid] = {}
            return sid

    def add_workflow(self, workspace_sid: str, friendly_name: str, configuration: str) -> str:
        """A workflow (``WW``) in ``workspace_sid``."""
        with self.lock:
            sid = self.ids.sid("WW")
            self.store.workflows[workspace_sid][sid] = records.workflow(
                self.account_sid, workspace_sid, sid, self.stamp(), friendly_name, configuration)
            return sid

    def add_task_channel(self, workspace_sid: str, unique_name: str, friendly_name: str,
                         channel_optimized_routing: bool = False) -> str:
        """A task channel (``TC``); unique names are unique per workspace."""
        with self.lock:
            channels = self.store.task_channels[workspace_sid]
            if any(tc["unique_name"] == unique_name for tc in channels.values()):
                raise bad_request(f"TaskChannel {unique_name!r} already exists")
            sid = self.ids.sid("TC")
            channels[sid] = records.task_channel(self.account_sid, workspace_sid, sid,
                                                 self.stamp(), unique_name, friendly_name,
                                                 channel_optimized_routing)
            return sid

    def add_task_queue(self, workspace_sid: str, friendly_name: str,
                       sid: str | None = None, target_workers: str = "1==1") -> str:
        """A task queue (``WQ``) in ``workspace_sid``; ``sid`` when it was chosen before."""
        with self.lock:
            sid = sid or self.ids.sid("WQ")
            offline = self.store.workspaces[workspace_sid]["default_activity_sid"]
            self.store.task_queues[workspace_sid][sid] = records.task_queue(
                self.account_sid, workspace_sid, sid, self.stamp(), friendly_name, offline,
                target_workers)
            return sid

    def add_flow(self, friendly_name: str, definition: studio.Definition,
                 status: str = "published", commit_message: str | None = None) -> str:
        """A Studio flow (``FW``) with one revision."""
        with self.lock:
            sid = self.ids.sid("FW")
            flow = studio.flow_record(self.account_sid, sid, self.user_sid, self.stamp(),
                                      friendly_name)
            revisions: list[Record] = []
            studio.add_revision(flow, revisions, self.stamp(), status=status,
                                definition=definition, commit_message=commit_message)
            self.store.flows[sid] = flow
            self.store.revisions[sid] = revisions
            return sid

    def revise_flow(self, sid: str, *, status: str, definition: studio.Definition | None = None,
                    friendly_name: str | None = None, commit_message: str | None = None,
                    author_sid: str | None = None) -> Record:
        """Save a new revision of flow ``sid`` (Studio never edits a revision in place)."""
        with self.lock:
            flow = self.store.flows[sid]
            studio.add_revision(flow, self.store.revisions[sid], self.stamp(), status=status,
                                definition=definition, friendly_name=friendly_name,
                                commit_message=commit_message, author_sid=author_sid)
            return flow

    def add_flex_flow(self, friendly_name: str, chat_service_sid: str, channel_type: str, *,
                      contact_identity: str | None = None, integration_type: str = "studio",
                      integration: dict[str, Any] | None = None, enabled: bool = True,
                      long_lived: bool = False, janitor_enabled: bool = True) -> str:
        """A Flex Flow (``FO``)."""
        with self.lock:
            if channel_type not in ("web", "sms", "facebook", "whatsapp", "line", "custom"):
                raise bad_request(f"Invalid ChannelType: {channel_type!r}")
            sid = self.ids.sid("FO")
            self.store.flex_flows[sid] = records.flex_flow(
                self.account_sid, sid, self.stamp(), friendly_name=friendly_name,
                chat_service_sid=chat_service_sid, channel_type=channel_type,
                contact_identity=contact_identity, integration_type=integration_type,
                integration=integration or {}, enabled=enabled, long_lived=long_lived,
                janitor_enabled=janitor_enabled)
            return sid

    def add_address(self, address_type: str, address: str, *,
                    auto_creation: dict[str, Any] | None = None,
                    friendly_name: str | None = None,
                    address_country: str | None = None) -> str:
        """A Conversations address configuration (``IG``)."""
        with self.lock:
            sid = self.ids.sid("IG")
            self.store.addresses[sid] = records.address_configuration(
                self.account_sid, sid, self.stamp(), address_type=address_type,
                address=address, friendly_name=friendly_name,
                auto_creation=auto_creation or {"enabled": False, "type": "default"},
                address_country=address_country)
            return sid

    def set_configuration(self, **fields: Any) -> Record:
        """Create or change the Flex Configuration (``fields`` are snake_case)."""
        with self.lock:
            config = self.store.configuration
            if config is None:
                config = records.flex_configuration(
                    self.account_sid, self.stamp(), workspace_sid=None, workflow_sid=None,
                    taskqueue_sid=None, offline_activity_sid=None, chat_service_sid=None,
                    flex_service_sid=None, messaging_service_sid=None,
                    flex_instance_sid=self.ids.sid("GO"))
                self.store.configuration = config
            else:
                config["date_updated"] = self.stamp()
            known_fields(config, fields)
            config.update(fields)
            return config

    def add_alert(self, error_code: str | int, *, resource_sid: str | None = None,
                  alert_text: str = "", log_level: str = "error",
                  date_generated: str | None = None, service_sid: str | None = None,
                  request_url: str | None = None, request_method: str | None = None,
                  more_info: str | None = None) -> str:
        """A Debugger alert (``NO``), e.g. ``add_alert(80620, resource_sid=pn)``."""
        with self.lock:
            sid = self.ids.sid("NO")
            self.store.alerts.append(alert_record(
                self.account_sid, sid, date_generated or iso(self.now()),
                error_code=str(error_code), log_level=log_level, alert_text=alert_text,
                resource_sid=resource_sid, service_sid=service_sid, request_url=request_url,
                request_method=request_method, more_info=more_info))
            code = str(error_code)
            self.streams.publish("com.twilio.error-logs.error.logged", {
                "account_sid": self.account_sid, "sid": sid,
                "error_code": int(code) if code.isdigit() else code,
                "level": log_level.upper(), "resource_sid": resource_sid,
                "service_sid": service_sid, "request_url": request_url,
                "date_created": iso(self.now())}, iso(self.now()), "/v1/Alerts")
        self.deliver()
        return sid
