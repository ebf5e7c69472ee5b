"""The healer registry: one healer per rule ID, and what the phone-number healers share.

A healer turns a finding into changes (or refusals) computed from the view, never from the
finding alone: the rule's ``details`` are cross-checked against the snapshot. It knows how to
read the resource's current values and how to write the change through the SDK. It never
creates or deletes services, workspaces, flows or numbers.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any, ClassVar

from twilio.rest import Client

from watchdog.healing.model import Change, HealView, Refusal
from watchdog.model.findings import Finding
from watchdog.model.snapshot import Resource
from watchdog.model.topology import Stack
from watchdog.model.urls import blank

MODULES = ("numbers", "flex", "conversations")
NUMBER_FIELDS = ("sms_url", "sms_method", "sms_application_sid", "voice_url", "voice_method",
                 "voice_application_sid", "trunk_sid")


class Healer:
    """Base class; subclasses set the class attributes and implement ``plan``/``read``/``write``."""

    rule: ClassVar[str]
    families: ClassVar[tuple[str, ...]]  # every family the plan reads: all must be fresh
    resource_type: ClassVar[str]

    def targets(self, finding: Finding) -> list[str]:
        """The resources one finding asks to heal (default: the finding's own resource)."""
        return [finding.resource_sid]

    def population(self, view: HealView) -> set[str]:
        """Every resource this rule watches: the denominator of the broken fraction."""
        raise NotImplementedError

    def plan(self, finding: Finding, view: HealView) -> list[Change | Refusal]:
        raise NotImplementedError

    def read(self, client: Client, account_sid: str, change: Change) -> dict[str, Any]:
        """The resource's current values of ``change.before`` and ``change.desired`` fields."""
        raise NotImplementedError

    def write(self, client: Client, account_sid: str, change: Change) -> None:
        raise NotImplementedError


HEALERS: dict[str, Healer] = {}


def register(cls: type[Healer]) -> type[Healer]:
    if cls.rule in HEALERS:
        raise ValueError(f"healer for {cls.rule!r} registered twice")
    HEALERS[cls.rule] = cls()
    return cls


def all_healers() -> dict[str, Healer]:
    for name in MODULES:
        importlib.import_module(f"watchdog.healing.{name}")
    return dict(sorted(HEALERS.items()))


# -- phone numbers ------------------------------------------------------------------------------

def number_url(account_sid: str, sid: str) -> str:
    return (f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}"
            f"/IncomingPhoneNumbers/{sid}.json")


def number_label(number: Resource | None, sid: str) -> str:
    phone = number.get("phone_number") if number is not None else None
    return f"{phone} ({sid})" if phone else sid


def pick(values: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The named fields, with Twilio's ``""`` and ``null`` both read as None."""
    return {k: None if blank(values.get(k)) else values.get(k) for k in keys}


def read_number(client: Client, account_sid: str, sid: str, keys: Iterable[str]) -> dict[str, Any]:
    instance = client.api.v2010.accounts(account_sid).incoming_phone_numbers(sid).fetch()
    return pick({k: getattr(instance, k, None) for k in NUMBER_FIELDS}, keys)


def update_number(client: Client, account_sid: str, sid: str, **fields: str) -> None:
    client.api.v2010.accounts(account_sid).incoming_phone_numbers(sid).update(**fields)


def legacy_refusal(view: HealView, number: Resource) -> str | None:
    """Why ``number`` is not *positively* legacy Flex: a Flex Flow has it as contact identity
    and no Conversations address configuration has it. None when it is."""
    phone = str(number.get("phone_number"))
    topo = view.topology
    if phone in topo.addresses_by_number:
        return (f"{phone} has a Flex Conversations address configuration: never pointed at the "
                "Flex Proxy Service")
    if phone not in topo.flex_flows_by_identity:
        return f"no Flex Flow has {phone} as contact identity: not positively legacy Flex"
    return None


def legacy_population(view: HealView) -> set[str]:
    return {sid for sid, stack in view.topology.stacks.items() if stack in (Stack.LEGACY, Stack.BOTH)}
