"""Messaging Services and WhatsApp senders in front of Flex Conversations addresses."""

from __future__ import annotations

from collections.abc import Iterator

from watchdog.model.addresses import address_type
from watchdog.model.snapshot import thaw
from watchdog.model.urls import blank
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import conversations_numbers
from watchdog.rules.number_checks import NUMBER_FAMILIES
from watchdog.rules.registry import Hit, rule

ONLINE = ("ONLINE", "ONLINE:UPDATING")  # updating the profile keeps the sender online


@rule("messaging.service-intercepts-conversations", severity="warning",
      families=(*NUMBER_FAMILIES, "messaging"), kind="other", stack="conversations")
def service_intercepts_conversations(ctx: RuleContext) -> Iterator[Hit]:
    """A Flex Conversations number sits in a Messaging Service that sends its messages elsewhere.

    **Why it matters.** A number in a Messaging Service's sender pool takes its inbound
    handling from the service. With `inbound_request_url` set and
    `use_inbound_webhook_on_number` false, messages go to that URL (a Zapier hook, an old bot)
    instead of the number's own settings, so the Conversations address may never see them. What
    the API cannot show: the Console's Integration choice "Autocreate a Conversation" (and the
    "Handle Inbound Messages with Conversations" lock) has no field in the Messaging Service
    resource; if you chose it on purpose, this finding is a false alarm to disable for the
    service's numbers.

    **Fix by hand.** Flex's default setup wants no Messaging Service on the number: Console →
    Messaging → Services → the service → Sender Pool → remove the number, or
    `DELETE https://messaging.twilio.com/v1/Services/{MG}/PhoneNumbers/{PN}`. Or, for the
    advanced setup, Console → the service → Integration → "Autocreate a Conversation".

    **Heal.** None: membership and the service's integration are human decisions.
    """
    services = {s.sid: s for s in ctx.snapshot.of_type("messaging_service")}
    pools = {n.sid: n for n in ctx.snapshot.of_type("messaging_phone_number")}
    for number in conversations_numbers(ctx):
        if number.from_baseline or number.sid not in pools:
            continue
        service = services.get(str(pools[number.sid].get("service_sid")))
        if service is None or blank(service.get("inbound_request_url")) \
                or service.get("use_inbound_webhook_on_number") is not False:
            continue
        yield Hit("phone_number", number.sid,
                  f"{number.phone} ({number.sid}) is in Messaging Service "
                  f"\"{service.name}\" ({service.sid}), whose inbound messages go to "
                  f"{service.get('inbound_request_url')}",
                  number.details(messaging_service_sid=service.sid,
                                 inbound_request_url=service.get("inbound_request_url")))


@rule("whatsapp.sender-offline", severity="critical", families=("conversations", "whatsapp"),
      kind="other", stack="conversations")
def sender_offline(ctx: RuleContext) -> Iterator[Hit]:
    """The WhatsApp sender of a Flex Conversations address is not online.

    **Why it matters.** A sender that is not `ONLINE` (`OFFLINE` after a Meta quality or
    policy decision, `PENDING_VERIFICATION`, `DRAFT`...) neither receives nor sends WhatsApp
    messages: the address's customers reach nobody. `details.offline_reasons` carries what
    Twilio reports. `ONLINE:UPDATING` (a profile update) counts as online.

    **Fix by hand.** Console → Messaging → Senders → WhatsApp senders → the sender: follow the
    offline reason (quality rating, display name, business verification in Meta Business
    Manager). `GET https://messaging.twilio.com/v2/Channels/Senders/{XE}` shows the status and
    `offline_reasons`.

    **Heal.** None: a sender's status is Meta's and Twilio's to change.
    """
    senders = {str(s.get("sender_id") or "").lower(): s
               for s in ctx.snapshot.of_type("whatsapp_sender")}
    seen: set[str] = set()
    for address in ctx.snapshot.of_type("address_configuration"):
        sender = senders.get(str(address.get("address") or "").lower())
        if address_type(address) != "whatsapp" or sender is None or sender.sid in seen:
            continue
        seen.add(sender.sid)
        status = str(sender.get("status") or "")
        if status.upper() in ONLINE:
            continue
        reasons = thaw(sender.get("offline_reasons")) or []
        text = "; ".join(str(r.get("message") or r.get("code")) for r in reasons
                         if isinstance(r, dict))
        yield Hit("whatsapp_sender", sender.sid,
                  f"WhatsApp sender {sender.get('sender_id')} ({sender.sid}) of address "
                  f"{address.sid} is {status or 'without a status'}"
                  + (f": {text}" if text else ""),
                  {"status": status, "offline_reasons": reasons, "address_configuration":
                   address.sid, "stack": "conversations"})
