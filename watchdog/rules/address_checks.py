"""The logic of the conversations.address-* rules: each address configuration against the
numbers, WhatsApp senders, Studio flows and Conversations services it depends on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from watchdog.model.addresses import (
    CREATION_TYPES,
    address_type,
    auto_creation,
    creation_type,
    enabled,
)
from watchdog.model.findings import Severity
from watchdog.model.snapshot import Resource, Snapshot, thaw
from watchdog.rules.context import RuleContext
from watchdog.rules.helpers import affected, flow_label
from watchdog.rules.registry import Hit

ADDRESS_FAMILIES = ("conversations", "numbers", "whatsapp")
# Address types whose `address` is a phone number or a WhatsApp sender on this account.
ON_ACCOUNT = ("sms", "whatsapp")


def _label(address: Resource) -> str:
    return f"Conversations address {address.get('address')} ({address.sid})"


def _details(address: Resource, **extra: Any) -> dict[str, Any]:
    return {"address": address.get("address"), "type": address_type(address),
            "stack": "conversations", **extra}


def holder(snapshot: Snapshot, address: Resource) -> Resource | None:
    """The phone number or WhatsApp sender an ``sms``/``whatsapp`` address routes, if here."""
    value = str(address.get("address") or "")
    if address_type(address) == "sms":
        return next((n for n in snapshot.of_type("phone_number")
                     if n.get("phone_number") == value), None)
    if address_type(address) == "whatsapp":
        return next((s for s in snapshot.of_type("whatsapp_sender")
                     if str(s.get("sender_id") or "").lower() == value.lower()), None)
    return None


def missing_hits(ctx: RuleContext) -> Iterator[Hit]:
    if ctx.baseline is None:
        return
    now = {(address_type(a), str(a.get("address"))) for a in ctx.snapshot.of_type(
        "address_configuration")}
    for old in ctx.baseline.of_type("address_configuration"):
        if ctx.snapshot.get("address_configuration", old.sid) is not None:
            continue
        if (address_type(old), str(old.get("address"))) in now:
            continue  # recreated under a new SID: routing is back
        kind = address_type(old)
        if kind in ON_ACCOUNT and holder(ctx.snapshot, old) is None:
            continue  # the number or sender went with it: ordinary drift
        yield Hit("address_configuration", old.sid,
                  f"{_label(old)} was deleted; its {kind or 'address'} no longer creates Flex "
                  "conversations", _details(old, last_known=thaw(old.essence)))


def autocreation_disabled_hits(ctx: RuleContext) -> Iterator[Hit]:
    for address in ctx.snapshot.of_type("address_configuration"):
        if auto_creation(address).get("enabled") is not False:
            continue
        old = ctx.baseline.get("address_configuration", address.sid) if ctx.baseline else None
        was_on = old is not None and enabled(old)
        yield Hit("address_configuration", address.sid,
                  f"{_label(address)} has auto-creation disabled: inbound messages create no "
                  "conversation" + (" (the baseline had it enabled)" if was_on else ""),
                  _details(address, baseline_enabled=was_on if old is not None else None),
                  severity=Severity.CRITICAL if was_on else Severity.WARNING)


def integration_problem(address: Resource) -> tuple[str, int] | None:
    """What makes an enabled address's auto-creation invalid, with Twilio's error code."""
    auto, kind = auto_creation(address), creation_type(address)
    if not kind:
        return "auto_creation.type is not set", 45760
    if kind not in CREATION_TYPES:
        return f"auto_creation.type {auto.get('type')!r} is not webhook, studio or default", 45762
    if kind == "studio" and not auto.get("studio_flow_sid"):
        return "auto_creation.type is studio but studio_flow_sid is not set", 45763
    if kind == "webhook" and not auto.get("webhook_url"):
        return "auto_creation.type is webhook but webhook_url is not set", 45764
    return None


def integration_invalid_hits(ctx: RuleContext) -> Iterator[Hit]:
    for address in ctx.snapshot.of_type("address_configuration"):
        if not enabled(address):
            continue  # conversations.address-autocreation-disabled
        problem = integration_problem(address)
        if problem is not None:
            text, code = problem
            yield Hit("address_configuration", address.sid,
                      f"{_label(address)}: {text} (Twilio error {code})",
                      _details(address, error_code=code,
                               auto_creation=thaw(auto_creation(address))))


def studio_flow_missing_hits(ctx: RuleContext) -> Iterator[Hit]:
    flows = ctx.topology.flows
    for address in ctx.snapshot.of_type("address_configuration"):
        sid = auto_creation(address).get("studio_flow_sid")
        if creation_type(address) != "studio" or not enabled(address) or not sid:
            continue  # not set at all: conversations.address-integration-invalid
        if sid in flows:
            continue
        yield Hit("address_configuration", address.sid,
                  f"{_label(address)} starts Studio flow {flow_label(ctx, str(sid))}, which no "
                  "longer exists",
                  _details(address, flow_sid=sid, affected=affected("studio_flow", [sid])))


def replaced_default(ctx: RuleContext) -> str | None:
    """The baseline's default Conversations service, when it no longer exists and another
    existing service is the default now (deleted, then a new one made the default)."""
    base, now = ctx.baseline_topology, ctx.topology.default_service_sid
    old = base.default_service_sid if base is not None else None
    if not old or not now or old == now or ctx.snapshot.get("conversations_service", old) \
            or not ctx.snapshot.get("conversations_service", now):
        return None
    return old


def naming(ctx: RuleContext, service_sid: str) -> list[Resource]:
    """The addresses whose auto-creation names this Conversations service."""
    return [a for a in ctx.snapshot.of_type("address_configuration")
            if auto_creation(a).get("conversation_service_sid") == service_sid]


def service_missing_hits(ctx: RuleContext) -> Iterator[Hit]:
    default, replaced = ctx.topology.default_service_sid, replaced_default(ctx)
    groups: dict[str, list[Resource]] = {}
    for address in ctx.snapshot.of_type("address_configuration"):
        sid = auto_creation(address).get("conversation_service_sid")
        if not sid or sid == default or ctx.snapshot.get("conversations_service", str(sid)):
            continue  # the default service gone is conversations.default-service-missing
        if sid == replaced:
            continue  # the old default: conversations.default-service-changed names them
        groups.setdefault(str(sid), []).append(address)
    for sid, addresses in sorted(groups.items()):  # one cause (the service), one finding
        labels = ", ".join(str(a.get("address")) for a in addresses[:5]) + (
            " ..." if len(addresses) > 5 else "")
        yield Hit("conversations_service", sid,
                  f"{len(addresses)} Conversations address(es) ({labels}) create conversations "
                  f"in Conversations service {sid}, which does not exist",
                  {"conversation_service_sid": sid, "stack": "conversations",
                   "addresses": [{"sid": a.sid, "address": a.get("address"),
                                  "type": address_type(a)} for a in addresses],
                   "affected": affected("address_configuration", [a.sid for a in addresses])})


def orphaned_hits(ctx: RuleContext) -> Iterator[Hit]:
    base = ctx.baseline
    for address in ctx.snapshot.of_type("address_configuration"):
        kind = address_type(address)
        if kind not in ON_ACCOUNT or holder(ctx.snapshot, address) is not None:
            continue
        gone = holder(base, address) if base is not None else None
        what = "phone number" if kind == "sms" else "WhatsApp sender"
        yield Hit("address_configuration", address.sid,
                  f"{_label(address)}: its {what} is no longer on the account",
                  _details(address, affected=affected(gone.type, [gone.sid]) if gone else []))
