"""``proxy`` v1: Services and their phone-number pools.

Proxy list descriptions say "A maximum of 100 records will be returned per page", so PageSize is
accepted up to the OAI maximum of 1000 and pages are clamped to 100 records.
"""

from __future__ import annotations

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
    ok,
    text,
)
from watchdog.simulator.endpoints.api import sid_of
from watchdog.simulator.endpoints.flex import one_of
from watchdog.simulator.errors import bad_request
from watchdog.simulator.records import Record

PROXY_PAGE = 100
SERVICE_FIELDS: dict[str, Converter] = {
    "UniqueName": text, "DefaultTtl": integer, "CallbackUrl": text,
    "GeoMatchLevel": one_of("area-code", "overlay", "radius", "country"),
    "NumberSelectionBehavior": one_of("avoid-sticky", "prefer-sticky"),
    "InterceptCallbackUrl": text, "OutOfSessionCallbackUrl": text,
    "ChatInstanceSid": sid_of("IS"),
}


def list_services(call: Call) -> Reply:
    """GET list."""
    services = list(call.world.store.proxy_services.values())
    return listing(call, "services", services, clamp=PROXY_PAGE)


def create_service(call: Call) -> Reply:
    """POST list: ``UniqueName`` required."""
    world = call.world
    changes = form_changes(call, SERVICE_FIELDS)
    sid = world.add_proxy_service(call.required("UniqueName"), changes.get("chat_instance_sid"))
    return ok(apply(world.store.proxy_services[sid], changes, world.stamp()), 201)


def _service(call: Call, name: str = "Sid") -> Record:
    return lookup(call, call.world.store.proxy_services, call.params[name])


def fetch_service(call: Call) -> Reply:
    """GET one service."""
    return ok(_service(call))


def update_service(call: Call) -> Reply:
    """POST: any service field, e.g. ``ChatInstanceSid``."""
    return ok(apply(_service(call), form_changes(call, SERVICE_FIELDS), call.world.stamp()))


def delete_service(call: Call) -> Reply:
    """DELETE the service and its pool."""
    _service(call)
    call.world.delete(call.params["Sid"], source="api")
    return Reply(204)


def list_numbers(call: Call) -> Reply:
    """GET the pool."""
    _service(call, "ServiceSid")
    pool = list(call.world.store.proxy_pools[call.params["ServiceSid"]].values())
    return listing(call, "phone_numbers", pool, clamp=PROXY_PAGE)


def add_number(call: Call) -> Reply:
    """POST the pool: ``Sid`` (PN) or ``PhoneNumber`` (E.164) of an IncomingPhoneNumber."""
    service_sid = _service(call, "ServiceSid")["sid"]
    world = call.world
    number_sid = call.text("Sid")
    if not number_sid and call.text("PhoneNumber"):
        number_sid = world.number_by_e164(call.text("PhoneNumber") or "")
        if number_sid is None:
            raise bad_request(f"Phone Number {call.text('PhoneNumber')} is not in this account")
    if not number_sid:
        raise bad_request("Either Sid or PhoneNumber must be specified")
    if number_sid not in world.store.numbers:
        raise bad_request(f"Phone Number {number_sid} is not in this account")
    reserved = boolean("IsReserved", call.form["IsReserved"]) if call.has("IsReserved") else False
    return ok(world.add_to_proxy_pool(service_sid, number_sid, reserved), 201)


def _pool_entry(call: Call) -> Record:
    _service(call, "ServiceSid")
    return lookup(call, call.world.store.proxy_pools[call.params["ServiceSid"]],
                  call.params["Sid"])


def fetch_number(call: Call) -> Reply:
    """GET one pool entry."""
    return ok(_pool_entry(call))


def update_number(call: Call) -> Reply:
    """POST: only ``IsReserved`` can change."""
    entry = _pool_entry(call)
    changes = form_changes(call, {"IsReserved": boolean})
    return ok(apply(entry, changes, call.world.stamp()))


def delete_number(call: Call) -> Reply:
    """DELETE: remove the number from the pool (the number itself stays)."""
    _pool_entry(call)
    call.world.remove_from_proxy(call.params["Sid"], call.params["ServiceSid"])
    return Reply(204)
