"""``messaging`` v1 (Messaging Services and their sender pools) and v2 (WhatsApp senders)."""

from __future__ import annotations

from watchdog.simulator.calls import Call, Reply, listing, lookup, ok
from watchdog.simulator.errors import missing


def list_services(call: Call) -> Reply:
    """GET Messaging Services (key ``services``, PageSize max 1000)."""
    return listing(call, "services", list(call.world.store.messaging_services.values()), 1000)


def list_phone_numbers(call: Call) -> Reply:
    """GET a Messaging Service's phone numbers (key ``phone_numbers``)."""
    sid = call.params["ServiceSid"]
    lookup(call, call.world.store.messaging_services, sid)
    numbers = list(call.world.store.messaging_numbers[sid].values())
    return listing(call, "phone_numbers", numbers, 1000)


def list_senders(call: Call) -> Reply:
    """GET senders of one channel (``Channel`` required; only ``whatsapp`` ones exist here)."""
    channel = call.query.get("Channel")
    if not channel:
        raise missing("Channel")
    senders = [s for s in call.world.store.senders.values()
               if str(s["sender_id"]).startswith(f"{channel.lower()}:")]
    return listing(call, "senders", senders, 1000)


def fetch_sender(call: Call) -> Reply:
    """GET one sender."""
    return ok(lookup(call, call.world.store.senders, call.params["Sid"]))
