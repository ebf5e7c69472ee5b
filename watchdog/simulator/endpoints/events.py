"""``events`` v1 (Event Streams): the type catalogue, sinks with their test, subscriptions and
their subscribed events. A sink test and the events of a subscription are delivered to the
webhook sink after the request (``WorldState.deliver``)."""

from __future__ import annotations

import json
from typing import Any

from watchdog.simulator.calls import Call, Reply, apply, listing, lookup, ok
from watchdog.simulator.errors import bad_request
from watchdog.simulator.records import Record

SINK_TYPES = ("kinesis", "webhook", "segment", "email")


def list_types(call: Call) -> Reply:
    """GET the event types this account may subscribe to (key ``types``)."""
    return listing(call, "types", call.world.streams.types, 1000)


def list_sinks(call: Call) -> Reply:
    """GET sinks (key ``sinks``)."""
    return listing(call, "sinks", list(call.world.streams.sinks.values()), 1000)


def create_sink(call: Call) -> Reply:
    """POST ``Description``, ``SinkType`` and ``SinkConfiguration`` (JSON) required; a webhook
    sink needs ``destination`` and ``method``."""
    description, sink_type = call.required("Description"), call.required("SinkType")
    if sink_type not in SINK_TYPES:
        raise bad_request(f"Invalid SinkType: {sink_type!r}")
    configuration = _json_object(call.required("SinkConfiguration"), "SinkConfiguration")
    if sink_type == "webhook":
        for key in ("destination", "method"):
            if not isinstance(configuration.get(key), str) or not configuration[key]:
                raise bad_request(f"Invalid SinkConfiguration: webhook sinks need {key!r}")
    sink = call.world.streams.add_sink(description, configuration, sink_type, call.world.stamp())
    return ok(sink, 201)


def _sink(call: Call) -> Record:
    return lookup(call, call.world.streams.sinks, call.params["Sid"])


def fetch_sink(call: Call) -> Reply:
    return ok(_sink(call))


def update_sink(call: Call) -> Reply:
    """POST ``Description`` (the only thing a sink lets change)."""
    sink = _sink(call)
    return ok(apply(sink, {"description": call.required("Description")}, call.world.stamp()))


def delete_sink(call: Call) -> Reply:
    _sink(call)
    del call.world.streams.sinks[call.params["Sid"]]
    return Reply(204)


def run_sink_test(call: Call) -> Reply:
    """POST: a test event goes to the sink (after this answer is decided)."""
    _sink(call)
    call.world.streams.test(call.params["Sid"], call.world.stamp())
    return ok({"result": "submitted"}, 201)


def validate_sink(call: Call) -> Reply:
    """POST ``TestId``: always ``valid`` (sinks are active from the start)."""
    _sink(call)
    call.required("TestId")
    return ok({"result": "valid"}, 201)


def list_subscriptions(call: Call) -> Reply:
    """GET subscriptions, optionally of one ``SinkSid``."""
    sink = call.query.get("SinkSid")
    items = [s for s in call.world.streams.subscriptions.values()
             if not sink or s["sink_sid"] == sink]
    return listing(call, "subscriptions", items, 1000)


def create_subscription(call: Call) -> Reply:
    """POST ``Description``, ``SinkSid`` and ``Types`` (each ``{"type", "schema_version"}``)."""
    description, sink_sid = call.required("Description"), call.required("SinkSid")
    streams = call.world.streams
    if sink_sid not in streams.sinks:
        raise bad_request(f"Invalid SinkSid: {sink_sid} is not a sink of this account")
    types = [_type_of(_json_object(text, "Types"), call) for text in call.form.get("Types", [])]
    if not types:
        raise bad_request("Missing required parameter Types in the post body")
    return ok(streams.add_subscription(description, sink_sid, types, call.world.stamp()), 201)


def _type_of(entry: dict[str, Any], call: Call) -> tuple[str, int]:
    kind, version = entry.get("type"), entry.get("schema_version", 1)
    if not isinstance(kind, str) or not call.world.streams.known_type(kind):
        raise bad_request(f"Invalid Types: {kind!r} is not an event type")
    if not isinstance(version, int):
        raise bad_request(f"Invalid Types: schema_version {version!r} is not an integer")
    return kind, version


def _subscription(call: Call, name: str = "Sid") -> Record:
    return lookup(call, call.world.streams.subscriptions, call.params[name])


def fetch_subscription(call: Call) -> Reply:
    return ok(_subscription(call))


def update_subscription(call: Call) -> Reply:
    subscription = _subscription(call)
    changes = {"description": call.text("Description")} if call.has("Description") else {}
    return ok(apply(subscription, changes, call.world.stamp()))


def delete_subscription(call: Call) -> Reply:
    _subscription(call)
    call.world.streams.delete_subscription(call.params["Sid"])
    return Reply(204)


def list_subscribed(call: Call) -> Reply:
    """GET a subscription's event types (key ``types``)."""
    subscription = _subscription(call, "SubscriptionSid")
    items = list(call.world.streams.subscribed[subscription["sid"]].values())
    return listing(call, "types", items, 1000)


def add_subscribed(call: Call) -> Reply:
    """POST ``Type`` (and ``SchemaVersion``) to a subscription."""
    subscription = _subscription(call, "SubscriptionSid")
    version = call.text("SchemaVersion") or "1"
    if not version.isdigit():
        raise bad_request(f"Invalid SchemaVersion: {version!r}")
    kind, number = _type_of({"type": call.required("Type"), "schema_version": int(version)}, call)
    return ok(call.world.streams.subscribe(subscription["sid"], kind, number), 201)


def delete_subscribed(call: Call) -> Reply:
    subscription = _subscription(call, "SubscriptionSid")
    events = call.world.streams.subscribed[subscription["sid"]]
    if call.params["Type"] not in events:
        raise call.not_found()
    del events[call.params["Type"]]
    return Reply(204)


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_request(f"Invalid {name}: not JSON") from None
    if not isinstance(value, dict):
        raise bad_request(f"Invalid {name}: not a JSON object")
    return value
