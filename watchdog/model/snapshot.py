"""Frozen snapshot of an account: per family, complete (every page read) or failed.

A resource keeps its *essence* (the fields that matter: no ``date_updated``, ``url``, ``links``)
and a fingerprint (sha256 of canonical JSON). ``meta`` holds what is useful but not state
(revision numbers, dates) and never enters the fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from watchdog.errors import FetchReason


class Family(StrEnum):
    """A group of resources fetched together, complete or not at all (the metrics' ``family``)."""

    CONFIGURATION = "configuration"
    FLEX_FLOWS = "flex_flows"
    CHAT = "chat"
    PROXY = "proxy"
    TASKROUTER = "taskrouter"
    STUDIO = "studio"
    NUMBERS = "numbers"
    CONVERSATIONS = "conversations"
    CONVERSATIONS_SERVICES = "conversations_services"
    MESSAGING = "messaging"
    WHATSAPP = "whatsapp"
    CONVERSATIONS_LIVE = "conversations_live"


FAMILIES: tuple[Family, ...] = tuple(Family)
# Live state, not configuration: never part of the baseline's judgement.
LIVE_FAMILIES: tuple[Family, ...] = (Family.CONVERSATIONS_LIVE,)
Status = Literal["complete", "failed"]

# resource type -> family it is fetched with
RESOURCE_FAMILY: dict[str, Family] = {
    "flex_configuration": Family.CONFIGURATION,
    "flex_flow": Family.FLEX_FLOWS,
    "chat_service": Family.CHAT,
    "proxy_service": Family.PROXY,
    "proxy_phone_number": Family.PROXY,
    "taskrouter_workspace": Family.TASKROUTER,
    "taskrouter_workflow": Family.TASKROUTER,
    "taskrouter_task_channel": Family.TASKROUTER,
    "taskrouter_task_queue": Family.TASKROUTER,
    "studio_flow": Family.STUDIO,
    "phone_number": Family.NUMBERS,
    "address_configuration": Family.CONVERSATIONS,
    "conversations_configuration": Family.CONVERSATIONS_SERVICES,
    "conversations_webhooks": Family.CONVERSATIONS_SERVICES,
    "conversations_service": Family.CONVERSATIONS_SERVICES,
    "conversations_service_configuration": Family.CONVERSATIONS_SERVICES,
    "conversations_service_webhooks": Family.CONVERSATIONS_SERVICES,
    "conversations_role": Family.CONVERSATIONS_SERVICES,
    "messaging_service": Family.MESSAGING,
    "messaging_phone_number": Family.MESSAGING,
    "whatsapp_sender": Family.WHATSAPP,
    "conversation": Family.CONVERSATIONS_LIVE,
    "taskrouter_task": Family.CONVERSATIONS_LIVE,
}


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def fingerprint(essence: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(essence).encode()).hexdigest()


_SCALARS = frozenset({str, int, float, bool, type(None)})
EMPTY_META: Mapping[str, Any] = MappingProxyType({})


def _freeze(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A plain JSON-able copy of a frozen value."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def _plain_and_frozen(essence: Mapping[str, Any]) -> tuple[Any, Mapping[str, Any]]:
    if type(essence) is dict and _SCALARS.issuperset(map(type, essence.values())):
        plain = dict(essence)  # flat (a phone number): one copy, frozen as it is
        return plain, MappingProxyType(plain)
    plain = thaw(essence)
    return plain, _freeze(plain)


@dataclass(frozen=True)
class Resource:
    type: str
    sid: str
    essence: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    @classmethod
    def make(cls, type_: str, sid: str, essence: Mapping[str, Any],
             meta: Mapping[str, Any] | None = None) -> Resource:
        plain, frozen = _plain_and_frozen(essence)
        return cls(type_, sid, frozen, _freeze(meta) if meta else EMPTY_META, fingerprint(plain))

    @classmethod
    def stored(cls, type_: str, sid: str, essence: Mapping[str, Any], meta: Mapping[str, Any],
               fingerprint_: str, owned: bool = False) -> Resource:
        """A resource as the state store wrote it, with the fingerprint it computed then.
        ``owned``: ``essence`` is plain JSON nobody else holds: a flat one is frozen uncopied,
        a nested one without a plain copy first."""
        if not owned:
            frozen = _plain_and_frozen(essence)[1]
        elif type(essence) is dict and _SCALARS.issuperset(map(type, essence.values())):
            frozen = MappingProxyType(essence)
        else:
            frozen = _freeze(essence)
        return cls(type_, sid, frozen, _freeze(meta) if meta else EMPTY_META, fingerprint_)

    @property
    def family(self) -> str:
        return RESOURCE_FAMILY[self.type]

    def get(self, key: str, default: Any = None) -> Any:
        return self.essence.get(key, default)

    @property
    def name(self) -> str:
        """A human label: friendly name, unique name or phone number, else the SID."""
        for key in ("phone_number", "friendly_name", "unique_name", "address", "sender_id"):
            if self.essence.get(key):
                return str(self.essence[key])
        return self.sid


@dataclass(frozen=True)
class FamilyState:
    family: str
    status: Status
    resources: tuple[Resource, ...] = ()
    error: str | None = None
    reason: FetchReason | None = None
    fetched_at: datetime | None = None
    duration_seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.status == "complete"


@dataclass(frozen=True)
class Snapshot:
    account_sid: str
    taken_at: datetime
    families: Mapping[str, FamilyState]

    def complete(self, *families: str) -> bool:
        return all(f in self.families and self.families[f].complete for f in families)

    def unknown(self) -> list[FamilyState]:
        return [s for s in self.families.values() if not s.complete]

    def resources(self, type_: str | None = None) -> Iterator[Resource]:
        if type_ is not None:
            yield from self._by_type.get(type_, ())
            return
        for state in self.families.values():
            if state.complete:
                yield from state.resources

    @cached_property
    def _by_type(self) -> dict[str, list[Resource]]:
        """type -> resources of the complete families, in family order: rules ask by type a lot."""
        index: dict[str, list[Resource]] = {}
        for resource in self.resources():
            index.setdefault(resource.type, []).append(resource)
        return index

    def of_type(self, type_: str) -> list[Resource]:
        return list(self._by_type.get(type_, ()))

    def get(self, type_: str, sid: str | None) -> Resource | None:
        if not sid:
            return None
        return self._index.get((type_, sid))

    @cached_property
    def _index(self) -> dict[tuple[str, str], Resource]:
        """(type, sid) -> resource of the complete families: ``get`` is O(1), rules call it a lot."""
        index: dict[tuple[str, str], Resource] = {}
        for resource in self.resources():
            index.setdefault((resource.type, resource.sid), resource)
        return index
