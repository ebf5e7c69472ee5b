"""Creating Flex Conversations resources: services with their settings and roles, the account's
Conversations Configuration, Messaging Services and WhatsApp senders."""

from __future__ import annotations

from typing import Any

from watchdog.simulator import conversations_records as cr
from watchdog.simulator import records
from watchdog.simulator.errors import ApiError
from watchdog.simulator.records import Record
from watchdog.simulator.state import WorldState


class ConversationsCatalog(WorldState):
    """``add_*``/``set_*`` methods for the Conversations side of an account."""

    def add_conversations_service(self, friendly_name: str) -> str:
        """A Conversations service (``IS``) with its Configuration, webhooks and Flex's roles."""
        with self.lock:
            sid = self.ids.sid("IS")
            self.store.conversations_services[sid] = records.conversations_service(
                self.account_sid, sid, self.stamp(), friendly_name)
            roles = {name: self.ids.sid("RL") for name, _, _ in cr.FLEX_ROLES}
            self.store.roles[sid] = {
                roles[name]: cr.role(self.account_sid, sid, roles[name], self.stamp(), name,
                                     kind, permissions)
                for name, kind, permissions in cr.FLEX_ROLES}
            self.store.service_configurations[sid] = cr.service_configuration(sid, roles)
            self.store.service_webhooks[sid] = cr.service_webhooks(self.account_sid, sid)
            return sid

    def set_conversations_configuration(self, **fields: Any) -> Record:
        """Create or change the account's Conversations Configuration (snake_case fields)."""
        with self.lock:
            config = self.store.conversations_configuration
            if config is None:
                config = cr.configuration(self.account_sid, None, None)
                self.store.conversations_configuration = config
                self.store.conversations_webhooks = cr.account_webhooks(self.account_sid)
            _known(config, fields)
            config.update(fields)
            service = config["default_chat_service_sid"]
            config["links"]["service"] = f"{records.CONVERSATIONS}/Services/{service or ''}"
            return config

    def role_sid(self, service_sid: str, friendly_name: str) -> str:
        """The ``RL`` of a role of a Conversations service, by friendly name."""
        with self.lock:
            return next(sid for sid, role in self.store.roles[service_sid].items()
                        if role["friendly_name"] == friendly_name)

    def add_messaging_service(self, friendly_name: str, sid: str | None = None,
                              **fields: Any) -> str:
        """A Messaging Service (``MG``, a new SID unless ``sid``) with an empty sender pool."""
        with self.lock:
            sid = sid or self.ids.sid("MG")
            self.store.messaging_services[sid] = cr.messaging_service(
                self.account_sid, sid, self.stamp(), friendly_name, **fields)
            self.store.messaging_numbers[sid] = {}
            return sid

    def add_to_messaging_service(self, service_sid: str, number_sid: str) -> Record:
        """Put an IncomingPhoneNumber in a Messaging Service's sender pool."""
        with self.lock:
            number = self.store.numbers.get(number_sid)
            if number is None:
                raise ApiError(404, 20404, f"The requested resource {number_sid} was not found")
            entry = cr.messaging_number(self.account_sid, service_sid, number, self.stamp())
            self.store.messaging_numbers[service_sid][number_sid] = entry
            return entry

    def add_conversation(self, service_sid: str, *, state: str = "active",
                         created: str | None = None) -> str:
        """A conversation (``CH``) in a Conversations service, created ``created`` (ISO)."""
        with self.lock:
            sid = self.ids.sid("CH")
            config = self.store.conversations_configuration or {}
            self.store.conversations.setdefault(service_sid, {})[sid] = cr.conversation(
                self.account_sid, service_sid, sid, created or self.stamp(), state,
                config.get("default_messaging_service_sid"))
            return sid

    def add_task(self, workspace_sid: str, attributes: dict[str, Any], *,
                 status: str = "assigned", workflow_sid: str | None = None,
                 queue_sid: str | None = None, channel_sid: str | None = None) -> str:
        """A TaskRouter task (``WT``), e.g. one for ``{"conversationSid": "CH..."}``."""
        import json

        with self.lock:
            sid = self.ids.sid("WT")
            self.store.tasks.setdefault(workspace_sid, {})[sid] = cr.task(
                self.account_sid, workspace_sid, sid, self.stamp(),
                attributes=json.dumps(attributes), status=status, workflow_sid=workflow_sid,
                queue_sid=queue_sid, channel_sid=channel_sid)
            return sid

    def add_sender(self, sender_id: str, status: str = "ONLINE") -> str:
        """A WhatsApp sender (``XE``), e.g. ``add_sender("whatsapp:+15550000199")``."""
        with self.lock:
            sid = self.ids.sid("XE")
            self.store.senders[sid] = cr.whatsapp_sender(sid, sender_id, status)
            return sid

    # -- changes a person makes ------------------------------------------------------------------
    def set_sender(self, sid: str, **fields: Any) -> Record:
        """Change a WhatsApp sender, e.g. ``status="OFFLINE"`` with ``offline_reasons``."""
        with self.lock:
            sender = self.store.senders[sid]
            _known(sender, fields)
            sender.update(fields)
            return dict(sender)

    def set_role(self, service_sid: str, friendly_name: str, permissions: list[str]) -> Record:
        """Replace the permissions of a role of a Conversations service (by friendly name)."""
        with self.lock:
            role = self.store.roles[service_sid][self.role_sid(service_sid, friendly_name)]
            role.update(permissions=list(permissions), date_updated=self.stamp())
            return dict(role)

    def set_service_webhooks(self, service_sid: str, **fields: Any) -> Record:
        """Change a Conversations service's webhooks (``pre_webhook_url``, ``filters``...)."""
        with self.lock:
            hooks = self.store.service_webhooks[service_sid]
            _known(hooks, fields)
            hooks.update(fields)
            return dict(hooks)

    def set_account_webhooks(self, **fields: Any) -> Record:
        """Change ``/v1/Configuration/Webhooks`` (``target``, ``post_webhook_url``...)."""
        with self.lock:
            hooks = self.store.conversations_webhooks
            if hooks is None:
                raise KeyError("no Conversations Configuration")
            _known(hooks, fields)
            hooks.update(fields)
            return dict(hooks)


def _known(record: Record, fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(record))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
