"""Constructors for resource records, stored exactly as Twilio returns them (snake_case JSON).

Field names, nullability and enums follow the OpenAPI schemas in ``twilio-oai``; unset SID fields
are ``null`` (the schemas' SID patterns reject ``""``) while unset URLs are ``""`` like Twilio.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]

FLEX = "https://flex-api.twilio.com/v1"
CHAT = "https://chat.twilio.com/v2"
PROXY = "https://proxy.twilio.com/v1"
TASKROUTER = "https://taskrouter.twilio.com/v1"
STUDIO = "https://studio.twilio.com/v2"
CONVERSATIONS = "https://conversations.twilio.com/v1"
MONITOR = "https://monitor.twilio.com/v1"


def flow_webhook_url(account_sid: str, flow_sid: str) -> str:
    """The URL a number's webhook uses to start a Studio flow."""
    return f"https://webhooks.twilio.com/v1/Accounts/{account_sid}/Flows/{flow_sid}"


def proxy_webhook_url(account_sid: str, service_sid: str) -> str:
    """The "A message comes in" URL that hands SMS to a Proxy service (legacy Flex)."""
    return f"https://webhooks.twilio.com/v1/Accounts/{account_sid}/Proxy/{service_sid}/Webhooks/Message"


def number_uri(account_sid: str, sid: str) -> str:
    """The 2010 API's relative URI of an IncomingPhoneNumber."""
    return f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json"


def friendly_phone(e164: str) -> str:
    """``+15550100001`` -> ``(555) 010-0001`` for North American numbers, else unchanged."""
    digits = e164[2:] if e164.startswith("+1") and len(e164) == 12 else ""
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if digits else e164


def incoming_number(account_sid: str, sid: str, phone_number: str, created: str,
                    **fields: Any) -> Record:
    """An IncomingPhoneNumber with blank webhooks unless ``fields`` set them."""
    record: Record = {
        "account_sid": account_sid, "address_sid": None, "address_requirements": "none",
        "api_version": "2010-04-01", "beta": False,
        "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
        "date_created": created, "date_updated": created,
        "friendly_name": friendly_phone(phone_number), "identity_sid": None,
        "phone_number": phone_number, "origin": "twilio", "sid": sid,
        "sms_application_sid": None, "sms_fallback_method": "POST", "sms_fallback_url": "",
        "sms_method": "POST", "sms_url": "", "status_callback": "",
        "status_callback_method": "POST", "trunk_sid": None,
        "uri": number_uri(account_sid, sid), "voice_receive_mode": "voice",
        "voice_application_sid": None, "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST", "voice_fallback_url": "", "voice_method": "POST",
        "voice_url": "", "emergency_status": "Inactive", "emergency_address_sid": None,
        "emergency_address_status": "unregistered", "bundle_sid": None, "status": "in-use",
        "type": "local",
    }
    record.update(fields)
    return record


def flex_flow(account_sid: str, sid: str, created: str, *, friendly_name: str,
              chat_service_sid: str, channel_type: str, contact_identity: str | None,
              integration_type: str, integration: dict[str, Any], enabled: bool = True,
              long_lived: bool = False, janitor_enabled: bool = True) -> Record:
    """A Flex Flow (``FO``)."""
    return {
        "account_sid": account_sid, "date_created": created, "date_updated": created,
        "sid": sid, "friendly_name": friendly_name, "chat_service_sid": chat_service_sid,
        "channel_type": channel_type, "contact_identity": contact_identity, "enabled": enabled,
        "integration_type": integration_type, "integration": integration,
        "long_lived": long_lived, "janitor_enabled": janitor_enabled,
        "url": f"{FLEX}/FlexFlows/{sid}",
    }


def chat_service(account_sid: str, sid: str, created: str, friendly_name: str,
                 roles: tuple[str, str, str]) -> Record:
    """A Programmable Chat v2 Service (``IS``); ``roles`` = service, channel, creator role SIDs."""
    url = f"{CHAT}/Services/{sid}"
    return {
        "sid": sid, "account_sid": account_sid, "friendly_name": friendly_name,
        "date_created": created, "date_updated": created,
        "default_service_role_sid": roles[0], "default_channel_role_sid": roles[1],
        "default_channel_creator_role_sid": roles[2], "read_status_enabled": True,
        "reachability_enabled": False, "typing_indicator_timeout": 5,
        "consumption_report_interval": 10,
        "limits": {"channel_members": 100, "user_channels": 250},
        "pre_webhook_url": None, "post_webhook_url": None, "webhook_method": "POST",
        "webhook_filters": [], "pre_webhook_retry_count": 0, "post_webhook_retry_count": 0,
        "notifications": {}, "media": {"size_limit_mb": 150, "compatibility_message": None},
        "url": url,
        "links": {name: f"{url}/{name.title()}" for name in ("channels", "users", "roles",
                                                              "bindings")},
    }


def proxy_service(account_sid: str, sid: str, created: str, unique_name: str,
                  chat_instance_sid: str | None) -> Record:
    """A Proxy Service (``KS``)."""
    url = f"{PROXY}/Services/{sid}"
    return {
        "sid": sid, "unique_name": unique_name, "account_sid": account_sid,
        "chat_instance_sid": chat_instance_sid, "callback_url": None, "default_ttl": 0,
        "number_selection_behavior": "prefer-sticky", "geo_match_level": "country",
        "intercept_callback_url": None, "out_of_session_callback_url": None,
        "date_created": created, "date_updated": created, "url": url,
        "links": {"sessions": f"{url}/Sessions", "phone_numbers": f"{url}/PhoneNumbers"},
    }


def proxy_number(service_sid: str, number: Record, created: str,
                 is_reserved: bool = False) -> Record:
    """A number in a Proxy service's pool; its SID is the IncomingPhoneNumber's ``PN``."""
    caps = number["capabilities"]
    return {
        "sid": number["sid"], "account_sid": number["account_sid"], "service_sid": service_sid,
        "date_created": created, "date_updated": created,
        "phone_number": number["phone_number"], "friendly_name": number["friendly_name"],
        "iso_country": "US",
        "capabilities": {key: bool(caps.get(key)) for key in ("fax", "mms", "sms", "voice")},
        "url": f"{PROXY}/Services/{service_sid}/PhoneNumbers/{number['sid']}",
        "is_reserved": is_reserved, "in_use": 0,
    }


def workspace(account_sid: str, sid: str, created: str, friendly_name: str,
              offline_activity_sid: str) -> Record:
    """A TaskRouter Workspace (``WS``)."""
    url = f"{TASKROUTER}/Workspaces/{sid}"
    subs = ("activities", "statistics", "task_queues", "tasks", "workers", "workflows",
            "task_channels", "events")
    return {
        "account_sid": account_sid, "date_created": created, "date_updated": created,
        "default_activity_name": "Offline", "default_activity_sid": offline_activity_sid,
        "event_callback_url": None, "events_filter": None, "friendly_name": friendly_name,
        "multi_task_enabled": True, "sid": sid, "timeout_activity_name": "Offline",
        "timeout_activity_sid": offline_activity_sid, "prioritize_queue_order": "FIFO",
        "url": url,
        "links": {name: f"{url}/{''.join(p.title() for p in name.split('_'))}"
                  for name in subs},
    }


def workflow(account_sid: str, workspace_sid: str, sid: str, created: str, friendly_name: str,
             configuration: str) -> Record:
    """A TaskRouter Workflow (``WW``); ``configuration`` is a JSON string."""
    url = f"{TASKROUTER}/Workspaces/{workspace_sid}/Workflows/{sid}"
    return {
        "account_sid": account_sid, "assignment_callback_url": None,
        "configuration": configuration, "date_created": created, "date_updated": created,
        "document_content_type": "application/json", "fallback_assignment_callback_url": None,
        "friendly_name": friendly_name, "sid": sid, "task_reservation_timeout": 120,
        "workspace_sid": workspace_sid, "url": url,
        "links": {"statistics": f"{url}/Statistics",
                  "real_time_statistics": f"{url}/RealTimeStatistics",
                  "cumulative_statistics": f"{url}/CumulativeStatistics"},
    }


def task_channel(account_sid: str, workspace_sid: str, sid: str, created: str,
                 unique_name: str, friendly_name: str,
                 channel_optimized_routing: bool = False) -> Record:
    """A TaskRouter TaskChannel (``TC``)."""
    workspace_url = f"{TASKROUTER}/Workspaces/{workspace_sid}"
    return {
        "account_sid": account_sid, "date_created": created, "date_updated": created,
        "friendly_name": friendly_name, "sid": sid, "unique_name": unique_name,
        "workspace_sid": workspace_sid,
        "channel_optimized_routing": channel_optimized_routing,
        "url": f"{workspace_url}/TaskChannels/{sid}", "links": {"workspace": workspace_url},
    }


def task_queue(account_sid: str, workspace_sid: str, sid: str, created: str,
               friendly_name: str, activity_sid: str, target_workers: str = "1==1") -> Record:
    """A TaskRouter TaskQueue (``WQ``); Flex's queues reserve and assign with "Offline"."""
    workspace_url = f"{TASKROUTER}/Workspaces/{workspace_sid}"
    url = f"{workspace_url}/TaskQueues/{sid}"
    return {
        "account_sid": account_sid, "assignment_activity_sid": None,
        "assignment_activity_name": None, "date_created": created, "date_updated": created,
        "friendly_name": friendly_name, "max_reserved_workers": 1,
        "reservation_activity_sid": None, "reservation_activity_name": None, "sid": sid,
        "target_workers": target_workers, "task_order": "FIFO", "url": url,
        "workspace_sid": workspace_sid,
        "links": {"assignment_activity": f"{workspace_url}/Activities/{activity_sid}",
                  "reservation_activity": f"{workspace_url}/Activities/{activity_sid}",
                  "workspace": workspace_url, "statistics": f"{url}/Statistics",
                  "real_time_statistics": f"{url}/RealTimeStatistics",
                  "cumulative_statistics": f"{url}/CumulativeStatistics",
                  "list_statistics": f"{workspace_url}/TaskQueues/Statistics"},
    }


def address_configuration(account_sid: str, sid: str, created: str, *, address_type: str,
                          address: str, friendly_name: str | None,
                          auto_creation: dict[str, Any],
                          address_country: str | None = None) -> Record:
    """A Conversations Address Configuration (``IG``)."""
    return {
        "sid": sid, "account_sid": account_sid, "type": address_type, "address": address,
        "friendly_name": friendly_name, "auto_creation": auto_creation,
        "date_created": created, "date_updated": created,
        "url": f"{CONVERSATIONS}/Configuration/Addresses/{sid}",
        "address_country": address_country,
    }


def conversations_service(account_sid: str, sid: str, created: str,
                          friendly_name: str) -> Record:
    """A Conversations Service (``IS``)."""
    url = f"{CONVERSATIONS}/Services/{sid}"
    subs = ("conversations", "users", "roles", "bindings", "configuration",
            "participant_conversations", "conversation_with_participants")
    return {
        "account_sid": account_sid, "sid": sid, "friendly_name": friendly_name,
        "date_created": created, "date_updated": created, "url": url,
        "links": {name: f"{url}/{''.join(p.title() for p in name.split('_'))}"
                  for name in subs},
    }


def flex_configuration(account_sid: str, created: str, *, workspace_sid: str | None,
                       workflow_sid: str | None, taskqueue_sid: str | None,
                       offline_activity_sid: str | None, chat_service_sid: str | None,
                       flex_service_sid: str | None, messaging_service_sid: str | None,
                       flex_instance_sid: str) -> Record:
    """The Flex Configuration singleton (``/v1/Configuration``)."""
    return {
        "account_sid": account_sid, "date_created": created, "date_updated": created,
        "attributes": {}, "status": "ok",
        "taskrouter_workspace_sid": workspace_sid,
        "taskrouter_target_workflow_sid": workflow_sid,
        "taskrouter_target_taskqueue_sid": taskqueue_sid,
        "taskrouter_taskqueues": [{"sid": taskqueue_sid, "targettable": True}]
        if taskqueue_sid else [],
        "taskrouter_skills": [],
        "taskrouter_worker_channels": {},
        "taskrouter_worker_attributes": {},
        "taskrouter_offline_activity_sid": offline_activity_sid,
        "runtime_domain": "https://example-flex-1234.twil.io",
        "messaging_service_instance_sid": messaging_service_sid,
        "chat_service_instance_sid": chat_service_sid,
        "flex_service_instance_sid": flex_service_sid,
        "flex_instance_sid": flex_instance_sid,
        "ui_language": "en", "ui_attributes": {}, "ui_dependencies": {}, "ui_version": "2.11.2",
        "service_version": "2.11.2", "call_recording_enabled": False,
        "call_recording_webhook_url": None, "crm_enabled": False, "crm_type": None,
        "crm_callback_url": None, "crm_fallback_url": None, "crm_attributes": {},
        "public_attributes": {}, "plugin_service_enabled": True,
        "plugin_service_attributes": {}, "integrations": [], "outbound_call_flows": {},
        "serverless_service_sids": [], "queue_stats_configuration": {},
        "notifications": {"enabled": True, "mode": "whenNotInFocus"},
        "markdown": {"enabled": False, "mode": "readOnly"},
        "url": f"{FLEX}/Configuration", "flex_insights_hr": {},
        "flex_insights_drilldown": False, "flex_url": "https://flex.twilio.com/example-flex-1234",
        "channel_configs": [], "debugger_integration": {}, "flex_ui_status_report": {},
        "agent_conv_end_methods": {}, "citrix_voice_vdi": {}, "offline_config": {},
    }


def account(sid: str, owner_sid: str, friendly_name: str, status: str, auth_token: str,
            created: str) -> Record:
    """An Account as GET /2010-04-01/Accounts.json lists it (its auth token included)."""
    base = f"/2010-04-01/Accounts/{sid}"
    return {
        "auth_token": auth_token, "date_created": created, "date_updated": created,
        "friendly_name": friendly_name, "owner_account_sid": owner_sid, "sid": sid,
        "status": status, "type": "Full", "uri": f"{base}.json",
        "subresource_uris": {"incoming_phone_numbers": f"{base}/IncomingPhoneNumbers.json",
                             "calls": f"{base}/Calls.json"},
    }
