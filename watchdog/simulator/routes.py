"""The route table: (product, path template as in the OpenAPI specs) -> handler per method."""

from __future__ import annotations

import re
from dataclasses import dataclass

from watchdog.simulator.calls import Handler
from watchdog.simulator.endpoints import api as api
from watchdog.simulator.endpoints import conversations as conv
from watchdog.simulator.endpoints import conversations_services as cs
from watchdog.simulator.endpoints import events as ev
from watchdog.simulator.endpoints import flex as flex
from watchdog.simulator.endpoints import messaging as messaging
from watchdog.simulator.endpoints import proxy as proxy
from watchdog.simulator.endpoints import studio as studio
from watchdog.simulator.endpoints import taskrouter as tr


@dataclass(frozen=True)
class Route:
    """One resource: ``template`` is the OAI path key, e.g. ``/v1/FlexFlows/{Sid}``."""

    product: str
    template: str
    handlers: dict[str, Handler]
    pattern: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(f"(?P<{part[1:-1]}>[^/]+?)" if part.startswith("{") else re.escape(part)
                    for part in parts)
    return re.compile(f"^{regex}$")


def _route(product: str, template: str, **handlers: Handler) -> Route:
    return Route(product, template, handlers, _compile(template))


NUMBERS = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers"
WS = "/v1/Workspaces/{WorkspaceSid}"
PROXY_POOL = "/v1/Services/{ServiceSid}/PhoneNumbers"
CONV_SERVICE = "/v1/Services/{ChatServiceSid}"
SUBSCRIBED = "/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents"

ROUTES: tuple[Route, ...] = (
    _route("api", "/2010-04-01/Accounts.json", GET=api.list_accounts),
    _route("api", f"{NUMBERS}.json", GET=api.list_numbers),
    _route("api", f"{NUMBERS}/{{Sid}}.json", GET=api.fetch_number, POST=api.update_number,
           DELETE=api.delete_number),
    _route("flex-api", "/v1/Configuration", GET=flex.fetch_configuration,
           POST=flex.update_configuration),
    _route("flex-api", "/v1/FlexFlows", GET=flex.list_flex_flows, POST=flex.create_flex_flow),
    _route("flex-api", "/v1/FlexFlows/{Sid}", GET=flex.fetch_flex_flow,
           POST=flex.update_flex_flow, DELETE=flex.delete_flex_flow),
    _route("chat", "/v2/Services", GET=flex.list_chat_services, POST=flex.create_chat_service),
    _route("chat", "/v2/Services/{Sid}", GET=flex.fetch_chat_service,
           POST=flex.update_chat_service, DELETE=flex.delete_chat_service),
    _route("proxy", "/v1/Services", GET=proxy.list_services, POST=proxy.create_service),
    _route("proxy", "/v1/Services/{Sid}", GET=proxy.fetch_service, POST=proxy.update_service,
           DELETE=proxy.delete_service),
    _route("proxy", PROXY_POOL, GET=proxy.list_numbers, POST=proxy.add_number),
    _route("proxy", f"{PROXY_POOL}/{{Sid}}", GET=proxy.fetch_number, POST=proxy.update_number,
           DELETE=proxy.delete_number),
    _route("taskrouter", "/v1/Workspaces", GET=tr.list_workspaces, POST=tr.create_workspace),
    _route("taskrouter", "/v1/Workspaces/{Sid}", GET=tr.fetch_workspace,
           POST=tr.update_workspace, DELETE=tr.delete_workspace),
    _route("taskrouter", f"{WS}/Workflows", GET=tr.list_workflows, POST=tr.create_workflow),
    _route("taskrouter", f"{WS}/Workflows/{{Sid}}", GET=tr.fetch_workflow,
           POST=tr.update_workflow, DELETE=tr.delete_workflow),
    _route("taskrouter", f"{WS}/TaskChannels", GET=tr.list_channels, POST=tr.create_channel),
    _route("taskrouter", f"{WS}/TaskChannels/{{Sid}}", GET=tr.fetch_channel,
           POST=tr.update_channel, DELETE=tr.delete_channel),
    _route("taskrouter", f"{WS}/TaskQueues", GET=tr.list_queues),
    _route("taskrouter", f"{WS}/TaskQueues/{{Sid}}", GET=tr.fetch_queue, DELETE=tr.delete_queue),
    _route("studio", "/v2/Flows", GET=studio.list_flows, POST=studio.create_flow),
    _route("studio", "/v2/Flows/{Sid}", GET=studio.fetch_flow, POST=studio.update_flow,
           DELETE=studio.delete_flow),
    _route("studio", "/v2/Flows/{Sid}/Revisions", GET=studio.list_revisions),
    _route("studio", "/v2/Flows/{Sid}/Revisions/{Revision}", GET=studio.fetch_revision),
    _route("conversations", "/v1/Configuration/Addresses", GET=conv.list_addresses,
           POST=conv.create_address),
    _route("conversations", "/v1/Configuration/Addresses/{Sid}", GET=conv.fetch_address,
           POST=conv.update_address, DELETE=conv.delete_address),
    _route("conversations", "/v1/Services", GET=conv.list_services, POST=conv.create_service),
    _route("conversations", "/v1/Services/{Sid}", GET=conv.fetch_service,
           DELETE=conv.delete_service),
    _route("conversations", "/v1/Configuration", GET=cs.fetch_configuration),
    _route("conversations", "/v1/Configuration/Webhooks", GET=cs.fetch_account_webhooks),
    _route("conversations", f"{CONV_SERVICE}/Configuration", GET=cs.fetch_service_configuration),
    _route("conversations", f"{CONV_SERVICE}/Configuration/Webhooks",
           GET=cs.fetch_service_webhooks),
    _route("conversations", f"{CONV_SERVICE}/Roles", GET=cs.list_roles),
    _route("conversations", f"{CONV_SERVICE}/Conversations", GET=cs.list_conversations),
    _route("taskrouter", f"{WS}/Tasks", GET=tr.list_tasks),
    _route("conversations", f"{CONV_SERVICE}/Roles/{{Sid}}", GET=cs.fetch_role,
           POST=cs.update_role),
    _route("messaging", "/v1/Services", GET=messaging.list_services),
    _route("messaging", "/v1/Services/{ServiceSid}/PhoneNumbers",
           GET=messaging.list_phone_numbers),
    _route("messaging", "/v2/Channels/Senders", GET=messaging.list_senders),
    _route("messaging", "/v2/Channels/Senders/{Sid}", GET=messaging.fetch_sender),
    _route("monitor", "/v1/Events", GET=conv.list_events),
    _route("monitor", "/v1/Events/{Sid}", GET=conv.fetch_event),
    _route("monitor", "/v1/Alerts", GET=conv.list_alerts),
    _route("monitor", "/v1/Alerts/{Sid}", GET=conv.fetch_alert),
    _route("events", "/v1/Types", GET=ev.list_types),
    _route("events", "/v1/Sinks", GET=ev.list_sinks, POST=ev.create_sink),
    _route("events", "/v1/Sinks/{Sid}", GET=ev.fetch_sink, POST=ev.update_sink,
           DELETE=ev.delete_sink),
    _route("events", "/v1/Sinks/{Sid}/Test", POST=ev.run_sink_test),
    _route("events", "/v1/Sinks/{Sid}/Validate", POST=ev.validate_sink),
    _route("events", "/v1/Subscriptions", GET=ev.list_subscriptions,
           POST=ev.create_subscription),
    _route("events", "/v1/Subscriptions/{Sid}", GET=ev.fetch_subscription,
           POST=ev.update_subscription, DELETE=ev.delete_subscription),
    _route("events", SUBSCRIBED, GET=ev.list_subscribed, POST=ev.add_subscribed),
    _route("events", f"{SUBSCRIBED}/{{Type}}", DELETE=ev.delete_subscribed),
)
PRODUCTS = frozenset(route.product for route in ROUTES)


def find(product: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``path`` on ``product`` and its path parameters, or None."""
    for route in ROUTES:
        if route.product == product:
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
    return None
