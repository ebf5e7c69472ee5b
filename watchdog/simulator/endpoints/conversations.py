"""``conversations`` v1 (address configurations, services) and ``monitor`` v1 (events, alerts)."""

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
from watchdog.simulator.endpoints.flex import one_of
from watchdog.simulator.monitor import filter_alerts, filter_events

ADDRESS_FIELDS: dict[str, Converter] = {
    "FriendlyName": text, "AutoCreation.Enabled": boolean,
    "AutoCreation.Type": one_of("webhook", "studio", "default"),
    "AutoCreation.ConversationServiceSid": sid_of("IS"), "AutoCreation.WebhookUrl": text,
    "AutoCreation.WebhookMethod": text, "AutoCreation.WebhookFilters": strings,
    "AutoCreation.StudioFlowSid": sid_of("FW"), "AutoCreation.StudioRetryCount": integer,
}
ADDRESS_TYPES = ("sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat")


def list_addresses(call: Call) -> Reply:
    """GET list (key ``address_configurations``, PageSize max 50); filter ``Type``."""
    items = [address for address in call.world.store.addresses.values()
             if matches(address, call, {"Type": "type"})]
    return listing(call, "address_configurations", items, 50)


def create_address(call: Call) -> Reply:
    """POST list: ``Type`` and ``Address`` required."""
    kind = one_of(*ADDRESS_TYPES)("Type", [call.required("Type")])
    changes: dict[str, Any] = form_changes(call, ADDRESS_FIELDS)
    world = call.world
    sid = world.add_address(kind, call.required("Address"),
                            auto_creation=changes.pop("auto_creation", None),
                            friendly_name=changes.pop("friendly_name", None),
                            address_country=call.text("AddressCountry"))
    return ok(world.store.addresses[sid], 201)


def fetch_address(call: Call) -> Reply:
    """GET one address configuration."""
    return ok(lookup(call, call.world.store.addresses, call.params["Sid"]))


def update_address(call: Call) -> Reply:
    """POST: ``FriendlyName`` and ``AutoCreation.*`` (merged into ``auto_creation``)."""
    address = lookup(call, call.world.store.addresses, call.params["Sid"])
    return ok(apply(address, form_changes(call, ADDRESS_FIELDS), call.world.stamp()))


def delete_address(call: Call) -> Reply:
    """DELETE one address configuration."""
    lookup(call, call.world.store.addresses, call.params["Sid"])
    call.world.store.addresses.pop(call.params["Sid"])
    return Reply(204)


def list_services(call: Call) -> Reply:
    """GET Conversations services (PageSize max 100)."""
    services = list(call.world.store.conversations_services.values())
    return listing(call, "services", services, 100)


def create_service(call: Call) -> Reply:
    """POST list: ``FriendlyName`` required."""
    world = call.world
    sid = world.add_conversations_service(call.required("FriendlyName"))
    return ok(world.store.conversations_services[sid], 201)


def fetch_service(call: Call) -> Reply:
    """GET one Conversations service."""
    return ok(lookup(call, call.world.store.conversations_services, call.params["Sid"]))


def delete_service(call: Call) -> Reply:
    """DELETE one Conversations service."""
    lookup(call, call.world.store.conversations_services, call.params["Sid"])
    call.world.store.conversations_services.pop(call.params["Sid"])
    return Reply(204)


# -- Monitor -----------------------------------------------------------------------------------
def list_events(call: Call) -> Reply:
    """GET events, newest first; filters ``StartDate``, ``EndDate``, ``ResourceSid``,
    ``EventType``, ``ActorSid``, ``SourceIpAddress``."""
    return listing(call, "events", filter_events(call.world.store.events, call.query))


def fetch_event(call: Call) -> Reply:
    """GET one event."""
    events = {event["sid"]: event for event in call.world.store.events}
    return ok(lookup(call, events, call.params["Sid"]))


def list_alerts(call: Call) -> Reply:
    """GET Debugger alerts, newest first; filters ``StartDate``, ``EndDate``, ``LogLevel``."""
    return listing(call, "alerts", filter_alerts(call.world.store.alerts, call.query))


ALERT_DETAILS = ("request_variables", "request_headers", "response_body", "response_headers")


def fetch_alert(call: Call) -> Reply:
    """GET one alert, with the request/response details only a fetch returns."""
    alerts = {alert["sid"]: alert for alert in call.world.store.alerts}
    alert = lookup(call, alerts, call.params["Sid"])
    return ok({**{name: None for name in ALERT_DETAILS}, **alert})
