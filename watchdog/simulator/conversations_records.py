"""Records of the Conversations configuration, service settings, Messaging Services and
WhatsApp senders, as Twilio returns them (fields and enums from the twilio-oai schemas)."""

from __future__ import annotations

from typing import Any

from watchdog.simulator.records import CONVERSATIONS, Record

MESSAGING = "https://messaging.twilio.com"
#: The permissions Flex gives the ``agent`` conversation role (Flex Conversations roles page).
AGENT_PERMISSIONS = ("editConversationAttributes", "sendMessage", "sendMediaMessage",
                     "leaveConversation", "editOwnMessage", "editOwnMessageAttributes",
                     "deleteOwnMessage")
#: (friendly_name, type, permissions) of the roles Flex creates in its Conversations service.
FLEX_ROLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("admin", "service", ("createConversation", "joinConversation", "editOwnUserInfo")),
    ("supervisor", "service", ("createConversation", "joinConversation", "editOwnUserInfo")),
    ("guest", "conversation", ("sendMessage", "sendMediaMessage", "editOwnMessage",
                               "deleteOwnMessage", "leaveConversation")),
    ("agent", "conversation", AGENT_PERMISSIONS),
    ("conversation admin", "conversation", (*AGENT_PERMISSIONS, "removeParticipant")),
)


def configuration(account_sid: str, default_service_sid: str | None,
                  messaging_service_sid: str | None) -> Record:
    """The account's Conversations Configuration (``/v1/Configuration``)."""
    url = f"{CONVERSATIONS}/Configuration"
    return {
        "account_sid": account_sid, "default_chat_service_sid": default_service_sid,
        "default_messaging_service_sid": messaging_service_sid,
        "default_inactive_timer": None, "default_closed_timer": None, "url": url,
        "links": {"service": f"{CONVERSATIONS}/Services/{default_service_sid}"
                  if default_service_sid else f"{CONVERSATIONS}/Services",
                  "webhooks": f"{url}/Webhooks"},
    }


def account_webhooks(account_sid: str) -> Record:
    """``/v1/Configuration/Webhooks``: what Flex writes there is not documented; blank here."""
    return {"account_sid": account_sid, "method": "POST", "filters": [],
            "pre_webhook_url": None, "post_webhook_url": None, "target": "webhook",
            "url": f"{CONVERSATIONS}/Configuration/Webhooks"}


def service_configuration(service_sid: str, roles: dict[str, str]) -> Record:
    """``/v1/Services/{IS}/Configuration``; ``roles`` maps role friendly name -> RL."""
    url = f"{CONVERSATIONS}/Services/{service_sid}/Configuration"
    return {
        "chat_service_sid": service_sid,
        "default_conversation_creator_role_sid": roles.get("conversation admin"),
        "default_conversation_role_sid": roles.get("guest"),
        "default_chat_service_role_sid": roles.get("admin"), "url": url,
        "links": {"notifications": f"{url}/Notifications", "webhooks": f"{url}/Webhooks"},
        "reachability_enabled": False,
    }


def service_webhooks(account_sid: str, service_sid: str) -> Record:
    """``/v1/Services/{IS}/Configuration/Webhooks`` (the OAI ``fetchEmpty`` example)."""
    return {"account_sid": account_sid, "chat_service_sid": service_sid,
            "pre_webhook_url": None, "post_webhook_url": None, "filters": [],
            "method": "POST",
            "url": f"{CONVERSATIONS}/Services/{service_sid}/Configuration/Webhooks"}


def role(account_sid: str, service_sid: str, sid: str, created: str, friendly_name: str,
         role_type: str, permissions: tuple[str, ...]) -> Record:
    """A Conversations service role (``RL``)."""
    return {"sid": sid, "account_sid": account_sid, "chat_service_sid": service_sid,
            "friendly_name": friendly_name, "type": role_type, "permissions": list(permissions),
            "date_created": created, "date_updated": created,
            "url": f"{CONVERSATIONS}/Services/{service_sid}/Roles/{sid}"}


def messaging_service(account_sid: str, sid: str, created: str, friendly_name: str,
                      **fields: Any) -> Record:
    """A Messaging Service (``MG``); inbound defaults to the numbers' own webhooks."""
    url = f"{MESSAGING}/v1/Services/{sid}"
    record: Record = {
        "sid": sid, "account_sid": account_sid, "friendly_name": friendly_name,
        "date_created": created, "date_updated": created, "inbound_request_url": None,
        "inbound_method": "POST", "fallback_url": None, "fallback_method": "POST",
        "status_callback": None, "sticky_sender": True, "mms_converter": True,
        "smart_encoding": True, "scan_message_content": "inherit",
        "fallback_to_long_code": True, "area_code_geomatch": True,
        "synchronous_validation": False, "validity_period": 14400, "url": url,
        "links": {name: f"{url}/{name.title().replace('_', '')}"
                  for name in ("phone_numbers", "short_codes", "alpha_senders", "messages")},
        "usecase": "undeclared", "us_app_to_person_registered": False,
        "use_inbound_webhook_on_number": True,
    }
    record.update(fields)
    return record


def messaging_number(account_sid: str, service_sid: str, number: Record,
                     created: str) -> Record:
    """An IncomingPhoneNumber in a Messaging Service's sender pool (its SID is the ``PN``)."""
    caps = [name.upper() for name, on in number["capabilities"].items() if on]
    return {"sid": number["sid"], "account_sid": account_sid, "service_sid": service_sid,
            "date_created": created, "date_updated": created,
            "phone_number": number["phone_number"], "country_code": "US",
            "capabilities": caps,
            "url": f"{MESSAGING}/v1/Services/{service_sid}/PhoneNumbers/{number['sid']}"}


def whatsapp_sender(sid: str, sender_id: str, status: str) -> Record:
    """A WhatsApp sender (``XE``, ``/v2/Channels/Senders``)."""
    return {
        "sid": sid, "status": status, "sender_id": sender_id, "configuration": None,
        "webhook": {"callback_url": None, "callback_method": "POST", "fallback_url": None,
                    "fallback_method": "POST", "status_callback_url": None,
                    "status_callback_method": "POST"},
        "profile": None,
        "properties": {"quality_rating": "HIGH", "messaging_limit": "10K Customers/24hr"},
        "offline_reasons": None, "compliance": None,
        "url": f"{MESSAGING}/v2/Channels/Senders/{sid}",
    }


def conversation(account_sid: str, service_sid: str, sid: str, created: str, state: str,
                 messaging_service_sid: str | None) -> Record:
    """A conversation (``CH``) of a Conversations service."""
    url = f"{CONVERSATIONS}/Services/{service_sid}/Conversations/{sid}"
    return {"account_sid": account_sid, "chat_service_sid": service_sid,
            "messaging_service_sid": messaging_service_sid, "sid": sid, "friendly_name": None,
            "unique_name": None, "attributes": "{}", "state": state, "date_created": created,
            "date_updated": created, "timers": {}, "url": url,
            "links": {name: f"{url}/{name.title()}"
                      for name in ("participants", "messages", "webhooks")},
            "bindings": None}


def task(account_sid: str, workspace_sid: str, sid: str, created: str, *, attributes: str,
         status: str, workflow_sid: str | None, queue_sid: str | None,
         channel_sid: str | None) -> Record:
    """A TaskRouter task (``WT``)."""
    url = f"https://taskrouter.twilio.com/v1/Workspaces/{workspace_sid}/Tasks/{sid}"
    return {"account_sid": account_sid, "age": 0, "assignment_status": status,
            "attributes": attributes, "addons": "{}", "date_created": created,
            "date_updated": created, "task_queue_entered_date": created, "priority": 0,
            "reason": None, "sid": sid, "task_queue_sid": queue_sid,
            "task_queue_friendly_name": "Everyone", "task_channel_sid": channel_sid,
            "task_channel_unique_name": "chat", "timeout": 86400, "workflow_sid": workflow_sid,
            "workflow_friendly_name": "Assign to Anyone", "workspace_sid": workspace_sid,
            "url": url, "links": {"reservations": f"{url}/Reservations"},
            "virtual_start_time": created, "ignore_capacity": False, "routing_target": None}
