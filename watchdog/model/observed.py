"""What a finding was seen on: a digest of the resources it is about, to tell a repair from a
change on our side.

A finding clears when its rule runs without it. That also happens when nothing in the account
moved: the baseline was adopted or accepted, or the rule was configured differently. Such a clear
would resolve the incident with nothing fixed, so the cycle holds it (``Watcher``): a finding
clears only once the resources it is about look different from when it was last seen broken,
or its resource is gone.

The digest covers the finding's resource, every resource that a SID in its details names (a
deleted flow it points at, the queue a workflow lacks), each under every type that carries
that SID (a number's Proxy and Messaging pool entries), and the account-wide configurations that
rules read for many resources (the Flex and the Conversations configuration).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

from watchdog.model.snapshot import RESOURCE_FAMILY, Snapshot

_SID = re.compile(r"\b[A-Z]{2}[0-9a-f]{32}\b")
_SHARED = ("flex_configuration", "conversations_configuration")
# Rules whose subject is not the account: the difference to the baseline, the configuration,
# the healer's own breakers. An accepted baseline, a changed setting or a `heal reset` is exactly
# what clears them.
_UNGUARDED = ("baseline.", "config.", "heal.")
# What the cycle adds to a rule's details after it ran (evidence, controls, impact, this hold)
_MARKS = frozenset({"evidence", "silence", "maintenance", "held", "impact"})


def guarded(rule: str) -> bool:
    return not rule.startswith(_UNGUARDED)


def _sids(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from _SID.findall(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _sids(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _sids(item)


def present(snapshot: Snapshot, resource_type: str, resource_sid: str) -> bool:
    """The finding's own resource is in this snapshot (its family read completely)."""
    return snapshot.get(resource_type, resource_sid) is not None


def observed(snapshot: Snapshot, resource_sid: str, details: Mapping[str, Any]) -> str:
    """A digest of what the finding is about as this snapshot has it (absent SIDs count)."""
    own = {k: v for k, v in details.items() if k not in _MARKS}
    sids = {resource_sid, *_sids(own)}
    parts = []
    for sid in sorted(sids):
        found = [f"{t}:{r.fingerprint}" for t in RESOURCE_FAMILY
                 if (r := snapshot.get(t, sid)) is not None]
        parts.append(f"{sid}={','.join(found) or '-'}")
    for type_ in _SHARED:
        parts.append(f"{type_}={','.join(r.fingerprint for r in snapshot.of_type(type_))}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
