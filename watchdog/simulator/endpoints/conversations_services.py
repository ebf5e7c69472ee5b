"""``conversations`` v1: the account's Configuration and webhooks, and a service's
Configuration, webhooks and roles."""

from __future__ import annotations

from watchdog.simulator.calls import Call, Reply, listing, lookup, ok, strings
from watchdog.simulator.errors import missing
from watchdog.simulator.records import Record


def _configuration(call: Call) -> Record:
    config = call.world.store.conversations_configuration
    if config is None:
        raise call.not_found()
    return config


def fetch_configuration(call: Call) -> Reply:
    """GET the account's Conversations Configuration (default service, timers)."""
    return ok(_configuration(call))


def fetch_account_webhooks(call: Call) -> Reply:
    """GET ``/v1/Configuration/Webhooks`` (pre/post URL, method, filters, target)."""
    _configuration(call)
    return ok(call.world.store.conversations_webhooks)


def _service(call: Call) -> str:
    sid = call.params["ChatServiceSid"]
    lookup(call, call.world.store.conversations_services, sid)
    return sid


def fetch_service_configuration(call: Call) -> Reply:
    """GET a service's Configuration (default roles, reachability)."""
    return ok(call.world.store.service_configurations[_service(call)])


def fetch_service_webhooks(call: Call) -> Reply:
    """GET a service's webhook configuration."""
    return ok(call.world.store.service_webhooks[_service(call)])


def list_roles(call: Call) -> Reply:
    """GET a service's roles (key ``roles``, PageSize max 50)."""
    roles = list(call.world.store.roles[_service(call)].values())
    return listing(call, "roles", roles, 50)


def fetch_role(call: Call) -> Reply:
    """GET one role."""
    return ok(lookup(call, call.world.store.roles[_service(call)], call.params["Sid"]))


def update_role(call: Call) -> Reply:
    """POST ``Permission`` (repeated, required): the role's whole permission list."""
    role = lookup(call, call.world.store.roles[_service(call)], call.params["Sid"])
    if not call.form.get("Permission"):
        raise missing("Permission")
    role["permissions"] = strings("Permission", call.form["Permission"])
    role["date_updated"] = call.world.stamp()
    return ok(role)


def list_conversations(call: Call) -> Reply:
    """GET a service's conversations (key ``conversations``, PageSize max 100); filter
    ``State``."""
    service = _service(call)
    state = call.query.get("State")
    items = [c for c in call.world.store.conversations.get(service, {}).values()
             if not state or c["state"] == state]
    return listing(call, "conversations", items, 100)
