"""``flex-api`` (Configuration, Flex Flows) and ``chat`` (v2 Services) endpoints."""

from __future__ import annotations

from typing import Any

from watchdog.simulator.calls import (
    Call,
    Converter,
    Reply,
    apply,
    boolean,
    form_changes,
    integer,
    listing,
    lookup,
    matches,
    ok,
    strings,
    text,
)
from watchdog.simulator.endpoints.api import sid_of
from watchdog.simulator.errors import bad_request, missing


def one_of(*allowed: str) -> Converter:
    """An enum parameter."""

    def convert(name: str, values: list[str]) -> str:
        if values[0] not in allowed:
            raise bad_request(f"Invalid {name}: {values[0]!r} is not one of {', '.join(allowed)}")
        return values[0]

    return convert


# -- Flex Configuration ------------------------------------------------------------------------
def fetch_configuration(call: Call) -> Reply:
    """GET the singleton (404 when the account has no Flex)."""
    config = call.world.store.configuration
    if config is None:
        raise call.not_found()
    return ok(config)


def update_configuration(call: Call) -> Reply:
    """POST a JSON object (Twilio's only JSON-bodied write): known top-level keys replace
    fields; ``account_sid`` and unknown keys are ignored."""
    config = call.world.store.configuration
    if config is None:
        raise call.not_found()
    if not isinstance(call.json_body, dict):
        raise bad_request("Expected a JSON object body")
    changes = {key: value for key, value in call.json_body.items()
               if key in config and key != "account_sid"}
    return ok(call.world.set_configuration(**changes))


# -- Flex Flows ------------------------------------------------------------------------------
FLEX_FLOW_FIELDS: dict[str, Converter] = {
    "FriendlyName": text, "ChatServiceSid": sid_of("IS"),
    "ChannelType": one_of("web", "sms", "facebook", "whatsapp", "line", "custom"),
    "ContactIdentity": text, "Enabled": boolean,
    "IntegrationType": one_of("studio", "external", "task"),
    "Integration.FlowSid": sid_of("FW"), "Integration.Url": text,
    "Integration.WorkspaceSid": sid_of("WS"), "Integration.WorkflowSid": sid_of("WW"),
    "Integration.Channel": text, "Integration.Timeout": integer, "Integration.Priority": integer,
    "Integration.CreationOnMessage": boolean, "Integration.RetryCount": integer,
    "LongLived": boolean, "JanitorEnabled": boolean,
}
INTEGRATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "studio": {"retry_count": 3},
    "task": {"channel": "default", "timeout": 86400, "priority": 0},
    "external": {},
}


def _integration(kind: str, given: dict[str, Any]) -> dict[str, Any]:
    if kind == "studio" and not given.get("flow_sid"):
        raise missing("Integration.FlowSid")
    return {**INTEGRATION_DEFAULTS[kind], **given}


def list_flex_flows(call: Call) -> Reply:
    """GET list; filter ``FriendlyName``."""
    flows = call.world.store.flex_flows.values()
    items = [flow for flow in flows if matches(flow, call, {"FriendlyName": "friendly_name"})]
    return listing(call, "flex_flows", items)


def create_flex_flow(call: Call) -> Reply:
    """POST list: requires ``FriendlyName``, ``ChatServiceSid``, ``ChannelType``."""
    for name in ("FriendlyName", "ChatServiceSid", "ChannelType"):
        call.required(name)
    changes = form_changes(call, FLEX_FLOW_FIELDS)
    kind = changes.pop("integration_type", "studio")
    world = call.world
    sid = world.add_flex_flow(
        changes.pop("friendly_name"), changes.pop("chat_service_sid"),
        changes.pop("channel_type"), integration_type=kind,
        integration=_integration(kind, changes.pop("integration", {})))
    return ok(apply(world.store.flex_flows[sid], changes, world.stamp()), 201)


def fetch_flex_flow(call: Call) -> Reply:
    """GET one Flex Flow."""
    return ok(lookup(call, call.world.store.flex_flows, call.params["Sid"]))


def update_flex_flow(call: Call) -> Reply:
    """POST: any field; ``Integration.*`` merge into ``integration`` (a new
    ``IntegrationType`` starts a fresh one)."""
    flow = lookup(call, call.world.store.flex_flows, call.params["Sid"])
    changes = form_changes(call, FLEX_FLOW_FIELDS)
    kind = changes.get("integration_type")
    if kind and kind != flow["integration_type"]:
        changes["integration"] = _integration(kind, changes.get("integration", {}))
        flow["integration"] = {}
    return ok(apply(flow, changes, call.world.stamp()))


def delete_flex_flow(call: Call) -> Reply:
    """DELETE one Flex Flow."""
    lookup(call, call.world.store.flex_flows, call.params["Sid"])
    call.world.delete(call.params["Sid"], source="api")
    return Reply(204)


# -- Programmable Chat v2 Services -----------------------------------------------------------
CHAT_FIELDS: dict[str, Converter] = {
    "FriendlyName": text, "DefaultServiceRoleSid": sid_of("RL"),
    "DefaultChannelRoleSid": sid_of("RL"), "DefaultChannelCreatorRoleSid": sid_of("RL"),
    "ReadStatusEnabled": boolean, "ReachabilityEnabled": boolean,
    "TypingIndicatorTimeout": integer, "ConsumptionReportInterval": integer,
    "PreWebhookUrl": text, "PostWebhookUrl": text, "WebhookMethod": text,
    "WebhookFilters": strings, "PreWebhookRetryCount": integer,
    "PostWebhookRetryCount": integer, "Limits.ChannelMembers": integer,
    "Limits.UserChannels": integer, "Media.CompatibilityMessage": text,
}


def list_chat_services(call: Call) -> Reply:
    """GET list (PageSize max 100)."""
    return listing(call, "services", list(call.world.store.chat_services.values()), 100)


def create_chat_service(call: Call) -> Reply:
    """POST list: ``FriendlyName`` required."""
    world = call.world
    sid = world.add_chat_service(call.required("FriendlyName"))
    return ok(world.store.chat_services[sid], 201)


def fetch_chat_service(call: Call) -> Reply:
    """GET one chat service."""
    return ok(lookup(call, call.world.store.chat_services, call.params["Sid"]))


def update_chat_service(call: Call) -> Reply:
    """POST: webhooks, limits, roles..."""
    service = lookup(call, call.world.store.chat_services, call.params["Sid"])
    return ok(apply(service, form_changes(call, CHAT_FIELDS), call.world.stamp()))


def delete_chat_service(call: Call) -> Reply:
    """DELETE: references to it (Flex Flows, Proxy, Configuration) are left dangling."""
    lookup(call, call.world.store.chat_services, call.params["Sid"])
    call.world.store.chat_services.pop(call.params["Sid"])
    return Reply(204)
