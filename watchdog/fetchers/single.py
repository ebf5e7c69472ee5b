"""One resource read alone, for a change signal that names it (a Monitor event's resource SID).

``read_one`` gives the resource as its family's fetcher would have built it, or ``None`` when
Twilio answers 404. A 404 proves nothing on its own (a read can race a re-creation, or hit a
replica that lags): the caller asks for a complete poll of the family, the only read that may
call a resource gone. Anything else that fails (429, 5xx, timeout, a body cut short) raises a
``FetchError``: an error for that read only, the previous snapshot stands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from twilio.base.exceptions import TwilioRestException

from watchdog.errors import FetchError
from watchdog.fetchers.common import classify_error, make, record
from watchdog.fetchers.context import FetchContext
from watchdog.fetchers.flex import FLOW_FIELDS
from watchdog.fetchers.numbers import _number
from watchdog.fetchers.services import ADDRESS_FIELDS
from watchdog.fetchers.studio import fetch_flow
from watchdog.fetchers.taskrouter import CHANNEL_FIELDS, WORKFLOW_FIELDS
from watchdog.model.snapshot import RESOURCE_FAMILY, FamilyState, Resource, Snapshot

log = logging.getLogger(__name__)

# resource type -> how to read one (given the SID and the copy the snapshot holds, if any)
Reader = Callable[[FetchContext, str, Resource | None], Resource | None]

# SID prefix -> resource type, for a resource the snapshot does not hold yet (created since).
# TaskRouter items need their workspace, so only those already in the snapshot are read alone.
PREFIX_TYPES = {"PN": "phone_number", "FW": "studio_flow", "FO": "flex_flow",
                "IG": "address_configuration"}


def _read_number(ctx: FetchContext, sid: str, known: Resource | None) -> Resource:
    return _number(ctx.client.api.v2010.accounts(ctx.account_sid).incoming_phone_numbers(sid)
                   .fetch())


def _read_flow(ctx: FetchContext, sid: str, known: Resource | None) -> Resource:
    return fetch_flow(ctx, sid)


def _read_flex_flow(ctx: FetchContext, sid: str, known: Resource | None) -> Resource:
    return make("flex_flow", record(ctx.client.flex_api.v1.flex_flow(sid).fetch(), FLOW_FIELDS),
                FLOW_FIELDS)


def _read_address(ctx: FetchContext, sid: str, known: Resource | None) -> Resource:
    instance = ctx.client.conversations.v1.address_configurations(sid).fetch()
    return make("address_configuration", record(instance), ADDRESS_FIELDS)


def _read_workflow(ctx: FetchContext, sid: str, known: Resource | None) -> Resource | None:
    workspace = known.get("workspace_sid") if known else None
    if not workspace:
        return None
    instance = ctx.client.taskrouter.v1.workspaces(workspace).workflows(sid).fetch()
    return make("taskrouter_workflow", record(instance) | {"workspace_sid": workspace},
                WORKFLOW_FIELDS)


def _read_channel(ctx: FetchContext, sid: str, known: Resource | None) -> Resource | None:
    workspace = known.get("workspace_sid") if known else None
    if not workspace:
        return None
    instance = ctx.client.taskrouter.v1.workspaces(workspace).task_channels(sid).fetch()
    return make("taskrouter_task_channel", record(instance) | {"workspace_sid": workspace},
                CHANNEL_FIELDS)


READERS: dict[str, Reader] = {
    "phone_number": _read_number,
    "studio_flow": _read_flow,
    "flex_flow": _read_flex_flow,
    "address_configuration": _read_address,
    "taskrouter_workflow": _read_workflow,
    "taskrouter_task_channel": _read_channel,
}


def readable_type(sid: str, known: Resource | None) -> str | None:
    """The type to read ``sid`` as, alone; None when only its family's poll can read it."""
    type_ = known.type if known else PREFIX_TYPES.get(sid[:2])
    return type_ if type_ in READERS else None


def read_one(ctx: FetchContext, type_: str, sid: str, known: Resource | None) -> Resource | None:
    """The resource now, or None on a 404; raises FetchError on any other failure."""
    try:
        resource = READERS[type_](ctx, sid, known)
    except TwilioRestException as exc:
        if exc.status == 404:
            return None
        raise classify_error(exc, ctx.account_sid) from None
    except Exception as exc:  # network, timeout, a body cut short: one reason, never a deletion
        raise classify_error(exc, ctx.account_sid) from None
    if resource is None:
        return None
    if resource.sid != sid or resource.type != type_:
        raise classify_error(ValueError(f"asked for {type_} {sid}, got {resource.type} "
                                        f"{resource.sid}"), ctx.account_sid)
    return resource


def find(snapshot: Snapshot | None, sid: str) -> Resource | None:
    """The resource of a type read alone with this SID, in the snapshot's complete families (a
    Proxy pool entry shares its number's PN SID: the number is the one events name)."""
    if snapshot is None:
        return None
    types = (PREFIX_TYPES[sid[:2]],) if sid[:2] in PREFIX_TYPES else tuple(READERS)
    return next((r for t in types if (r := snapshot.get(t, sid)) is not None), None)


def family_of(snapshot: Snapshot | None, sid: str) -> str | None:
    """The family a resource read alone belongs to."""
    type_ = readable_type(sid, find(snapshot, sid))
    return RESOURCE_FAMILY[type_] if type_ else None


def readable(snapshot: Snapshot | None, sid: str) -> bool:
    """Whether ``sid`` can be read alone against this snapshot: a type with a single-item read
    and a family read completely before (else only the family's poll can judge it)."""
    type_ = readable_type(sid, find(snapshot, sid))
    return snapshot is not None and type_ is not None and snapshot.complete(RESOURCE_FAMILY[type_])


@dataclass
class ReadOutcome:
    """What reading some resources alone gave."""

    states: dict[str, FamilyState] = field(default_factory=dict)  # families, those replaced
    read_at: dict[str, datetime] = field(default_factory=dict)  # SID -> when it was read
    families: set[str] = field(default_factory=set)  # to poll completely (404, not readable)
    failed: dict[str, str] = field(default_factory=dict)  # SID -> reason; the snapshot stands


def read_resources(ctx: FetchContext, latest: Snapshot | None, sids: Iterable[str],
                   now: datetime) -> ReadOutcome:
    out = ReadOutcome()
    replaced: dict[str, dict[str, Resource]] = {}
    for sid in sorted(set(sids)):
        known = find(latest, sid)
        type_ = readable_type(sid, known)
        if type_ is None or latest is None or not latest.complete(RESOURCE_FAMILY[type_]):
            out.families |= {RESOURCE_FAMILY[type_]} if type_ else (
                {known.family} if known else set())
            continue
        family: str = RESOURCE_FAMILY[type_]
        try:
            resource = read_one(ctx, type_, sid, known)
        except FetchError as exc:
            log.warning("reading %s %s alone failed (%s): %s; the last snapshot stands",
                        type_, sid, exc.reason, str(exc).splitlines()[0][:120])
            out.failed[sid] = str(exc.reason)
            continue
        if resource is None:
            log.info("%s %s not found when read alone: %s is polled in full to confirm",
                     type_, sid, family)
            out.families.add(family)
            continue
        if known is not None and (known.fingerprint, known.meta) == (resource.fingerprint,
                                                                     resource.meta):
            continue  # the same as the snapshot holds: nothing to judge again
        replaced.setdefault(family, {})[sid] = resource
        out.read_at[sid] = now
    for name, items in replaced.items():
        if latest is not None and name not in out.families:  # else its complete poll is next
            out.states[name] = with_resources(latest.families[name], items)
    return out


def with_resources(state: FamilyState, items: dict[str, Resource]) -> FamilyState:
    """The family with these resources in place of the ones of the same SID (or added); its
    ``fetched_at`` stays that of its last complete read."""
    left = dict(items)
    kept = tuple(left.pop(r.sid, r) for r in state.resources)
    return replace(state, resources=kept + tuple(left.values()))


def read_now(snapshot: Snapshot, read: Mapping[str, FamilyState],
             read_at: Mapping[str, datetime]) -> Snapshot:
    """What was read now: the resources read alone and the families read completely. Only
    their references can be fresher than what they point at; the others were judged before."""
    families = {}
    for name, state in read.items():
        alone = tuple(r for r in state.resources if r.sid in read_at)
        families[name] = replace(state, resources=alone) if alone else state
    return Snapshot(snapshot.account_sid, snapshot.taken_at, families)
