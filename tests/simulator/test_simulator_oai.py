"""Every simulator response validates against the twilio-oai response schema of its operation.

The specs are read from ``$FLEX_WATCHDOG_OAI_DIR`` or ``<repo>/../shared/reference/oai``; without
them the module is skipped (failed when ``CI=true``). Beyond the schema, resource objects must
carry exactly the properties the schema declares: no invented field, none missing.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from jsonschema import Draft7Validator, FormatChecker

from watchdog.simulator import SimulatorServer, World, healthy_legacy, mixed
from watchdog.simulator.studio import chat_flow

REPO = Path(__file__).resolve().parents[2]
SPEC_FILES = {
    "api": "twilio_api_v2010.json", "flex-api": "twilio_flex_v1.json",
    "chat": "twilio_chat_v2.json", "proxy": "twilio_proxy_v1.json",
    "taskrouter": "twilio_taskrouter_v1.json", "studio": "twilio_studio_v2.json",
    "conversations": "twilio_conversations_v1.json", "monitor": "twilio_monitor_v1.json",
    "messaging": ("twilio_messaging_v1.json", "twilio_messaging_v2.json"),
    "events": "twilio_events_v1.json",
}


def spec_dir() -> Path:
    configured = os.environ.get("FLEX_WATCHDOG_OAI_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "reference" / "oai"


if not spec_dir().is_dir():
    reason = f"twilio-oai specs not found in {spec_dir()} (set FLEX_WATCHDOG_OAI_DIR)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


# -- OpenAPI 3.0 -> JSON Schema ------------------------------------------------------------------
def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema ``null`` in ``type`` (and ``enum``)."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable(value) for key, value in node.items()}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def load_spec(product: str) -> dict[str, Any]:
    files = SPEC_FILES[product]
    spec: dict[str, Any] = {"paths": {}, "components": {"schemas": {}}}
    for name in (files,) if isinstance(files, str) else files:  # one host, two API versions
        part = json.loads((spec_dir() / name).read_text())
        spec["paths"].update(part["paths"])
        spec["components"]["schemas"].update(part["components"]["schemas"])
    spec = _nullable(spec)
    if product == "monitor":
        # The Event schema pins actor_sid to ``^US…`` while its own description says it "can be
        # either a User ID (US…) or an Account SID (AC…)"; API-made changes carry the AC.
        actor = spec["components"]["schemas"]["monitor.v1.event"]["properties"]["actor_sid"]
        actor["pattern"] = "^(US|AC)[0-9a-fA-F]{32}$"
    return spec


FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _iso(value: object) -> bool:
    return not isinstance(value, str) or bool(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value))


@FORMATS.checks("date-time-rfc-2822")
def _rfc2822(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000", value)) and (
        parsedate_to_datetime(value) is not None)


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    # "" is how Twilio writes an unset URL (its own examples); 2010 page URIs are relative.
    if not isinstance(value, str) or value == "" or value.startswith("/"):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@FORMATS.checks("phone-number")
def _e164(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"\+[1-9]\d{1,14}", value))


@FORMATS.checks("uri-map")
def _uri_map(value: object) -> bool:
    return not isinstance(value, dict) or all(_uri(url) and url for url in value.values())


def response_schema(product: str, template: str, method: str, status: int) -> dict[str, Any]:
    spec = load_spec(product)
    operation = spec["paths"][template][method.lower()]
    assert str(status) in operation["responses"], (
        f"{method} {template} answered {status}; the spec documents "
        f"{sorted(operation['responses'])}")
    content = operation["responses"][str(status)].get("content")
    return content["application/json"]["schema"] if content else {}


def resolve(product: str, schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = load_spec(product)["components"]["schemas"][name]
    return schema


def exact_properties(product: str, schema: dict[str, Any], value: Any, where: str) -> None:
    """Resource objects (component schemas) carry exactly the declared properties."""
    if "$ref" in schema and isinstance(value, dict):
        resolved = resolve(product, schema)
        declared = set(resolved.get("properties", {}))
        assert set(value) == declared, (
            f"{where}: extra {sorted(set(value) - declared)}, "
            f"missing {sorted(declared - set(value))}")
        schema = resolved
    for key, sub in schema.get("properties", {}).items():
        if isinstance(value, dict) and key in value:
            exact_properties(product, sub, value[key], f"{where}.{key}")
    if schema.get("type") in ("array", ["array", "null"]) and isinstance(value, list):
        for index, item in enumerate(value):
            exact_properties(product, schema.get("items", {}), item, f"{where}[{index}]")


def validate(product: str, template: str, method: str, status: int, body: Any) -> None:
    schema = response_schema(product, template, method, status)
    if not schema:
        assert body is None, f"{method} {template}: the spec documents no body"
        return
    document = {**copy.deepcopy(schema), "components": load_spec(product)["components"]}
    errors = sorted(Draft7Validator(document, format_checker=FORMATS).iter_errors(body),
                    key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    exact_properties(product, schema, body, f"{method} {template}")


# -- the cases ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One request: ``build(world)`` returns (path on Twilio's host, form data or None)."""

    product: str
    template: str
    method: str
    status: int
    build: Callable[[World], tuple[str, dict[str, Any] | None]]


def _numbers(world: World) -> str:
    return f"/2010-04-01/Accounts/{world.account_sid}/IncomingPhoneNumbers"


_SPARE = itertools.count(1)


def _spare_number(world: World) -> str:
    return world.add_number(f"+1555999{next(_SPARE):04d}")


def _flow_definition(world: World) -> str:
    return json.dumps(chat_flow(world.workflow_sid or "", world.task_channels["chat"], "test"))


def _intercepting_service(world: World) -> str:
    """A Messaging Service holding a number, its inbound sent to a URL of its own."""
    sid = world.add_messaging_service("Zapier", inbound_request_url="https://example.com/in",
                                      use_inbound_webhook_on_number=False)
    world.add_to_messaging_service(sid, world.conversations_numbers[0])
    return sid


def _conversation(world: World) -> str:
    """The default service, holding an active conversation that an open task serves."""
    service = world.conversations_service_sid or ""
    conversation = world.add_conversation(service, created="2026-11-20T12:00:00Z")
    world.add_task(world.workspace_sid or "", {"conversationSid": conversation},
                   workflow_sid=world.workflow_sid, queue_sid=world.taskqueue_sid,
                   channel_sid=world.task_channels["chat"])
    return service


def _offline_sender(world: World) -> str:
    sid = world.add_sender("whatsapp:+15550009191", status="OFFLINE")
    world.store.senders[sid]["offline_reasons"] = [
        {"code": "63112", "message": "The sender was disabled by Meta",
         "more_info": "https://www.twilio.com/docs/errors/63112"}]
    return sid


def _sink(world: World) -> str:
    """A webhook sink nobody listens on (its test delivery fails quietly)."""
    config = {"destination": "http://127.0.0.1:9/events/twilio", "method": "POST",
              "batch_events": False}
    with world.lock:
        return str(world.streams.add_sink("test", config, "webhook", world.stamp())["sid"])


def _subscription(world: World) -> str:
    with world.lock:
        created = world.streams.add_subscription(
            "test", _sink(world), [("com.twilio.error-logs.error.logged", 1)], world.stamp())
    return str(created["sid"])


SUBSCRIBED = "/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents"
ERROR_TYPE = json.dumps({"type": "com.twilio.error-logs.error.logged", "schema_version": 1})


def _ws(world: World) -> str:
    return f"/v1/Workspaces/{world.workspace_sid}"


CASES = [
    Case("api", "/2010-04-01/Accounts.json", "GET", 200,
         lambda w: ("/2010-04-01/Accounts.json?PageSize=2", None)),
    Case("api", "/2010-04-01/Accounts.json", "GET", 200,
         lambda w: ("/2010-04-01/Accounts.json?Status=suspended", None)),
    Case("api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", "GET", 200,
         lambda w: (f"{_numbers(w)}.json?PageSize=2", None)),
    Case("api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json", "GET", 200,
         lambda w: (f"{_numbers(w)}.json?PhoneNumber=555&PageSize=2&Page=1&PageToken=PA"
                    f"{w.flex_numbers[1]}", None)),
    Case("api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", "GET", 200,
         lambda w: (f"{_numbers(w)}/{w.flex_numbers[0]}.json", None)),
    Case("api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", "POST", 200,
         lambda w: (f"{_numbers(w)}/{w.other_numbers[0]}.json",
                    {"SmsUrl": "https://example.com/new", "SmsMethod": "get",
                     "VoiceApplicationSid": "", "TrunkSid": ""})),
    Case("api", "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", "DELETE",
         204, lambda w: (f"{_numbers(w)}/{_spare_number(w)}.json", None)),
    Case("flex-api", "/v1/Configuration", "GET", 200, lambda w: ("/v1/Configuration", None)),
    Case("flex-api", "/v1/FlexFlows", "GET", 200, lambda w: ("/v1/FlexFlows?PageSize=2", None)),
    Case("flex-api", "/v1/FlexFlows", "POST", 201, lambda w: ("/v1/FlexFlows", {
        "FriendlyName": "New", "ChatServiceSid": w.chat_service_sid, "ChannelType": "sms",
        "ContactIdentity": "+15550009999", "Integration.FlowSid": w.flows["Messaging Flow"],
        "Enabled": "true"})),
    Case("flex-api", "/v1/FlexFlows/{Sid}", "GET", 200,
         lambda w: (f"/v1/FlexFlows/{w.webchat_flex_flow_sid}", None)),
    Case("flex-api", "/v1/FlexFlows/{Sid}", "POST", 200,
         lambda w: (f"/v1/FlexFlows/{w.webchat_flex_flow_sid}",
                    {"Integration.RetryCount": "1", "JanitorEnabled": "false"})),
    Case("flex-api", "/v1/FlexFlows/{Sid}", "DELETE", 204, lambda w: (
        f"/v1/FlexFlows/{w.add_flex_flow('tmp', w.chat_service_sid or '', 'web')}", None)),
    Case("chat", "/v2/Services", "GET", 200, lambda w: ("/v2/Services", None)),
    Case("chat", "/v2/Services", "POST", 201, lambda w: ("/v2/Services", {"FriendlyName": "x"})),
    Case("chat", "/v2/Services/{Sid}", "GET", 200,
         lambda w: (f"/v2/Services/{w.chat_service_sid}", None)),
    Case("chat", "/v2/Services/{Sid}", "POST", 200,
         lambda w: (f"/v2/Services/{w.chat_service_sid}",
                    {"PostWebhookUrl": "https://example.com/post",
                     "WebhookFilters": ["onMessageSent", "onChannelAdded"]})),
    Case("chat", "/v2/Services/{Sid}", "DELETE", 204,
         lambda w: (f"/v2/Services/{w.add_chat_service('tmp')}", None)),
    Case("proxy", "/v1/Services", "GET", 200, lambda w: ("/v1/Services", None)),
    Case("proxy", "/v1/Services", "POST", 201, lambda w: ("/v1/Services", {"UniqueName": "x"})),
    Case("proxy", "/v1/Services/{Sid}", "GET", 200,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}", None)),
    Case("proxy", "/v1/Services/{Sid}", "POST", 200,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}", {"DefaultTtl": "60"})),
    Case("proxy", "/v1/Services/{Sid}", "DELETE", 204,
         lambda w: (f"/v1/Services/{w.add_proxy_service('tmp', None)}", None)),
    Case("proxy", "/v1/Services/{ServiceSid}/PhoneNumbers", "GET", 200,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}/PhoneNumbers", None)),
    Case("proxy", "/v1/Services/{ServiceSid}/PhoneNumbers", "POST", 201,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}/PhoneNumbers",
                    {"Sid": _spare_number(w), "IsReserved": "true"})),
    Case("proxy", "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "GET", 200,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}/PhoneNumbers/{w.legacy_numbers[0]}",
                    None)),
    Case("proxy", "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "POST", 200,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}/PhoneNumbers/{w.legacy_numbers[0]}",
                    {"IsReserved": "false"})),
    Case("proxy", "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "DELETE", 204,
         lambda w: (f"/v1/Services/{w.flex_proxy_sid}/PhoneNumbers/{w.legacy_numbers[1]}",
                    None)),
    Case("taskrouter", "/v1/Workspaces", "GET", 200, lambda w: ("/v1/Workspaces", None)),
    Case("taskrouter", "/v1/Workspaces", "POST", 201,
         lambda w: ("/v1/Workspaces", {"FriendlyName": "x", "PrioritizeQueueOrder": "LIFO"})),
    Case("taskrouter", "/v1/Workspaces/{Sid}", "GET", 200, lambda w: (_ws(w), None)),
    Case("taskrouter", "/v1/Workspaces/{Sid}", "POST", 200,
         lambda w: (_ws(w), {"EventCallbackUrl": "https://example.com/events"})),
    Case("taskrouter", "/v1/Workspaces/{Sid}", "DELETE", 204,
         lambda w: (f"/v1/Workspaces/{w.add_workspace('tmp')}", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/Workflows", "GET", 200,
         lambda w: (f"{_ws(w)}/Workflows", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/Workflows", "POST", 201,
         lambda w: (f"{_ws(w)}/Workflows", {"FriendlyName": "x", "Configuration": "{}"})),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}", "GET", 200,
         lambda w: (f"{_ws(w)}/Workflows/{w.workflow_sid}", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}", "POST", 200,
         lambda w: (f"{_ws(w)}/Workflows/{w.workflow_sid}", {"TaskReservationTimeout": "60"})),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}", "DELETE", 204,
         lambda w: (f"{_ws(w)}/Workflows/{w.add_workflow(w.workspace_sid or '', 't', '{}')}",
                    None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskChannels", "GET", 200,
         lambda w: (f"{_ws(w)}/TaskChannels", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskChannels", "POST", 201,
         lambda w: (f"{_ws(w)}/TaskChannels", {"FriendlyName": "Fax", "UniqueName": "fax"})),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}", "GET", 200,
         lambda w: (f"{_ws(w)}/TaskChannels/voice", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}", "POST", 200,
         lambda w: (f"{_ws(w)}/TaskChannels/{w.task_channels['sms']}",
                    {"ChannelOptimizedRouting": "false"})),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}", "DELETE", 204,
         lambda w: (f"{_ws(w)}/TaskChannels/{w.task_channels['video']}", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskQueues", "GET", 200,
         lambda w: (f"{_ws(w)}/TaskQueues?PageSize=1000", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskQueues", "GET", 200,
         lambda w: (f"{_ws(w)}/TaskQueues?FriendlyName=Everyone", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}", "GET", 200,
         lambda w: (f"{_ws(w)}/TaskQueues/{w.taskqueue_sid}", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}", "DELETE", 204,
         lambda w: (f"{_ws(w)}/TaskQueues/{w.add_task_queue(w.workspace_sid or '', 'tmp')}",
                    None)),
    Case("studio", "/v2/Flows", "GET", 200, lambda w: ("/v2/Flows", None)),
    Case("studio", "/v2/Flows", "POST", 201, lambda w: ("/v2/Flows", {
        "FriendlyName": "New", "Status": "draft", "Definition": _flow_definition(w)})),
    Case("studio", "/v2/Flows/{Sid}", "GET", 200,
         lambda w: (f"/v2/Flows/{w.flows['Voice IVR']}", None)),
    Case("studio", "/v2/Flows/{Sid}", "POST", 200,
         lambda w: (f"/v2/Flows/{w.flows['Webchat Flow']}",
                    {"Status": "draft", "CommitMessage": "wip",
                     "Definition": _flow_definition(w)})),
    Case("studio", "/v2/Flows/{Sid}", "DELETE", 204, lambda w: (
        f"/v2/Flows/{w.add_flow('tmp', json.loads(_flow_definition(w)))}", None)),
    Case("studio", "/v2/Flows/{Sid}/Revisions", "GET", 200,
         lambda w: (f"/v2/Flows/{w.flows['Voice IVR']}/Revisions", None)),
    *[Case("studio", "/v2/Flows/{Sid}/Revisions/{Revision}", "GET", 200,
           lambda w, which=which: (f"/v2/Flows/{w.flows['Voice IVR']}/Revisions/{which}", None))
      for which in ("1", "LatestPublished", "LatestRevision")],
    Case("conversations", "/v1/Configuration/Addresses", "GET", 200,
         lambda w: ("/v1/Configuration/Addresses?Type=sms", None)),
    Case("conversations", "/v1/Configuration/Addresses", "POST", 201,
         lambda w: ("/v1/Configuration/Addresses", {
             "Type": "whatsapp", "Address": "whatsapp:+15550007777",
             "AutoCreation.Enabled": "true", "AutoCreation.Type": "webhook",
             "AutoCreation.WebhookUrl": "https://example.com/hook",
             "AutoCreation.WebhookFilters": ["onMessageAdded"]})),
    Case("conversations", "/v1/Configuration/Addresses/{Sid}", "GET", 200,
         lambda w: (f"/v1/Configuration/Addresses/{w.address_configs[w.conversations_numbers[0]]}",
                    None)),
    Case("conversations", "/v1/Configuration/Addresses/{Sid}", "POST", 200,
         lambda w: (f"/v1/Configuration/Addresses/{w.address_configs[w.conversations_numbers[0]]}",
                    {"AutoCreation.StudioRetryCount": "1"})),
    Case("conversations", "/v1/Configuration/Addresses/{Sid}", "DELETE", 204,
         lambda w: (f"/v1/Configuration/Addresses/{w.add_address('sms', '+15550001111')}", None)),
    Case("conversations", "/v1/Services", "GET", 200, lambda w: ("/v1/Services", None)),
    Case("conversations", "/v1/Services", "POST", 201,
         lambda w: ("/v1/Services", {"FriendlyName": "x"})),
    Case("conversations", "/v1/Services/{Sid}", "GET", 200,
         lambda w: (f"/v1/Services/{w.conversations_service_sid}", None)),
    Case("conversations", "/v1/Services/{Sid}", "DELETE", 204,
         lambda w: (f"/v1/Services/{w.add_conversations_service('tmp')}", None)),
    Case("conversations", "/v1/Configuration", "GET", 200, lambda w: ("/v1/Configuration", None)),
    Case("conversations", "/v1/Configuration/Webhooks", "GET", 200,
         lambda w: ("/v1/Configuration/Webhooks", None)),
    Case("conversations", "/v1/Services/{ChatServiceSid}/Configuration", "GET", 200,
         lambda w: (f"/v1/Services/{w.conversations_service_sid}/Configuration", None)),
    Case("conversations", "/v1/Services/{ChatServiceSid}/Configuration/Webhooks", "GET", 200,
         lambda w: (f"/v1/Services/{w.conversations_service_sid}/Configuration/Webhooks", None)),
    Case("conversations", "/v1/Services/{ChatServiceSid}/Roles", "GET", 200,
         lambda w: (f"/v1/Services/{w.conversations_service_sid}/Roles?PageSize=50", None)),
    Case("conversations", "/v1/Services/{ChatServiceSid}/Roles/{Sid}", "GET", 200,
         lambda w: (f"/v1/Services/{w.conversations_service_sid}/Roles/"
                    f"{w.role_sid(w.conversations_service_sid or '', 'agent')}", None)),
    Case("conversations", "/v1/Services/{ChatServiceSid}/Roles/{Sid}", "POST", 200,
         lambda w: (f"/v1/Services/{w.conversations_service_sid}/Roles/"
                    f"{w.role_sid(w.conversations_service_sid or '', 'supervisor')}",
                    {"Permission": ["createConversation", "joinConversation"]})),
    Case("conversations", "/v1/Services/{ChatServiceSid}/Conversations", "GET", 200,
         lambda w: (f"/v1/Services/{_conversation(w)}/Conversations?State=active", None)),
    Case("taskrouter", "/v1/Workspaces/{WorkspaceSid}/Tasks", "GET", 200,
         lambda w: (f"{_ws(w)}/Tasks?AssignmentStatus=assigned&AssignmentStatus=pending",
                    None)),
    Case("messaging", "/v1/Services", "GET", 200, lambda w: ("/v1/Services", None)),
    Case("messaging", "/v1/Services/{ServiceSid}/PhoneNumbers", "GET", 200,
         lambda w: (f"/v1/Services/{_intercepting_service(w)}/PhoneNumbers", None)),
    Case("messaging", "/v2/Channels/Senders", "GET", 200,
         lambda w: ("/v2/Channels/Senders?Channel=whatsapp", None)),
    Case("messaging", "/v2/Channels/Senders/{Sid}", "GET", 200,
         lambda w: (f"/v2/Channels/Senders/{_offline_sender(w)}", None)),
    Case("monitor", "/v1/Events", "GET", 200,
         lambda w: (f"/v1/Events?ResourceSid={w.other_numbers[0]}", None)),
    Case("monitor", "/v1/Events", "GET", 200, lambda w: ("/v1/Events", None)),
    Case("monitor", "/v1/Alerts", "GET", 200, lambda w: ("/v1/Alerts?LogLevel=error", None)),
    Case("events", "/v1/Types", "GET", 200, lambda w: ("/v1/Types?PageSize=50", None)),
    Case("events", "/v1/Sinks", "GET", 200, lambda w: (f"/v1/Sinks?x={_sink(w)}", None)),
    Case("events", "/v1/Sinks", "POST", 201, lambda w: ("/v1/Sinks", {
        "Description": "flex-watchdog", "SinkType": "webhook",
        "SinkConfiguration": json.dumps({"destination": "https://example.com/events/twilio",
                                         "method": "POST", "batch_events": True})})),
    Case("events", "/v1/Sinks/{Sid}", "GET", 200, lambda w: (f"/v1/Sinks/{_sink(w)}", None)),
    Case("events", "/v1/Sinks/{Sid}", "POST", 200,
         lambda w: (f"/v1/Sinks/{_sink(w)}", {"Description": "renamed"})),
    Case("events", "/v1/Sinks/{Sid}", "DELETE", 204, lambda w: (f"/v1/Sinks/{_sink(w)}", None)),
    Case("events", "/v1/Sinks/{Sid}/Test", "POST", 201,
         lambda w: (f"/v1/Sinks/{_sink(w)}/Test", {})),
    Case("events", "/v1/Sinks/{Sid}/Validate", "POST", 201,
         lambda w: (f"/v1/Sinks/{_sink(w)}/Validate", {"TestId": "TE" + "0" * 32})),
    Case("events", "/v1/Subscriptions", "GET", 200,
         lambda w: (f"/v1/Subscriptions?x={_subscription(w)}", None)),
    Case("events", "/v1/Subscriptions", "POST", 201, lambda w: ("/v1/Subscriptions", {
        "Description": "flex-watchdog", "SinkSid": _sink(w), "Types": [ERROR_TYPE]})),
    Case("events", "/v1/Subscriptions/{Sid}", "GET", 200,
         lambda w: (f"/v1/Subscriptions/{_subscription(w)}", None)),
    Case("events", "/v1/Subscriptions/{Sid}", "POST", 200,
         lambda w: (f"/v1/Subscriptions/{_subscription(w)}", {"Description": "renamed"})),
    Case("events", "/v1/Subscriptions/{Sid}", "DELETE", 204,
         lambda w: (f"/v1/Subscriptions/{_subscription(w)}", None)),
    Case("events", SUBSCRIBED, "GET", 200,
         lambda w: (SUBSCRIBED.replace("{SubscriptionSid}", _subscription(w)), None)),
    Case("events", SUBSCRIBED, "POST", 201,
         lambda w: (SUBSCRIBED.replace("{SubscriptionSid}", _subscription(w)),
                    {"Type": "com.twilio.taskrouter.task.canceled", "SchemaVersion": "1"})),
    Case("events", f"{SUBSCRIBED}/{{Type}}", "DELETE", 204,
         lambda w: (SUBSCRIBED.replace("{SubscriptionSid}", _subscription(w))
                    + "/com.twilio.error-logs.error.logged", None)),
]


def _case_id(case: Case) -> str:
    return f"{case.method} {case.product}{case.template}"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    world = mixed()
    world.add_subaccount(healthy_legacy(7), "client-acme")
    world.add_subaccount(healthy_legacy(8), "client-gone", status="suspended")
    # Something for every read: a phone-number event (console and API), a Debugger alert.
    world.set_number(world.other_numbers[0], sms_url="https://example.com/changed")
    world.set_number(world.other_numbers[0], source="api", voice_url="https://example.com/v")
    world.add_alert(80620, resource_sid=world.legacy_numbers[0],
                    alert_text="Chat Configured Proxy Identifier Not Found",
                    request_url="https://webhooks.twilio.com/x", request_method="POST")
    with SimulatorServer(world) as running:
        yield running


def _call(server: SimulatorServer, case: Case) -> requests.Response:
    world = server.world
    path, data = case.build(world)
    return requests.request(case.method, f"{server.url}/{case.product}{path}", data=data,
                            auth=(world.account_sid, world.auth_token), timeout=10)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_response_matches_spec(server: SimulatorServer, case: Case) -> None:
    response = _call(server, case)
    assert response.status_code == case.status, response.text
    body = response.json() if response.content else None
    validate(case.product, case.template, case.method, response.status_code, body)


def test_single_event_and_alert_match_spec(server: SimulatorServer) -> None:
    world = server.world
    auth = (world.account_sid, world.auth_token)
    event = world.events()[-1]
    alert = world.store.alerts[-1]
    for template, sid in (("/v1/Events/{Sid}", event["sid"]), ("/v1/Alerts/{Sid}", alert["sid"])):
        response = requests.get(f"{server.url}/monitor{template.replace('{Sid}', sid)}",
                                auth=auth, timeout=10)
        assert response.status_code == 200
        validate("monitor", template, "GET", 200, response.json())


def test_configuration_json_update_matches_spec(server: SimulatorServer) -> None:
    world = server.world
    response = requests.post(f"{server.url}/flex-api/v1/Configuration",
                             json={"account_sid": world.account_sid, "ui_language": "es"},
                             auth=(world.account_sid, world.auth_token), timeout=10)
    assert response.status_code == 200
    assert response.json()["ui_language"] == "es"
    validate("flex-api", "/v1/Configuration", "POST", 200, response.json())


def test_every_route_is_covered_by_a_case() -> None:
    from watchdog.simulator.routes import ROUTES

    covered = {(case.product, case.template, case.method) for case in CASES}
    covered |= {("monitor", "/v1/Events/{Sid}", "GET"), ("monitor", "/v1/Alerts/{Sid}", "GET"),
                ("flex-api", "/v1/Configuration", "POST")}
    served = {(route.product, route.template, method)
              for route in ROUTES for method in route.handlers}
    assert served <= covered, sorted(served - covered)
    for product, template, method in served:
        assert method.lower() in load_spec(product)["paths"][template], (product, template)
