"""Baseline SID -> the SID that fills the same role in the account now.

Services and the workspace follow the Flex Configuration (System Checkup re-creates them under
new SIDs); workflows, task channels and task queues are matched by name inside the current Flex
workspace; numbers keep their SID, else (another account) the number with the same phone number;
flows, Flex Flows and address configurations keep their SID, else the one current resource
with the same name (or address). A baseline resource with no counterpart is *missing*: the
planner re-creates it when it can, and its references then read ``$NEW[<old SID>]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from watchdog.model.snapshot import Resource, Snapshot
from watchdog.model.topology import Topology
from watchdog.restore.plan import new_ref

RECREATABLE = ("studio_flow", "flex_flow", "address_configuration", "taskrouter_workflow",
               "taskrouter_task_channel")


@dataclass
class SidMap:
    base: Topology
    cur: Topology
    sids: dict[str, str] = field(default_factory=dict)  # old -> current (equal when kept)
    missing: dict[str, Resource] = field(default_factory=dict)  # old SID -> baseline resource
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    shown: list[dict[str, str]] = field(default_factory=list)  # every old != new mapping

    def resolve(self, old: Any) -> str | None:
        if not isinstance(old, str) or not old:
            return None
        if old in self.sids:
            return self.sids[old]
        return new_ref(old) if old in self.missing else None

    def remap_text(self, text: str) -> str:
        """Every baseline SID in ``text`` replaced by what holds its role now."""
        for old in sorted(set(self.sids) | set(self.missing), key=len, reverse=True):
            new = self.resolve(old)
            if new and new != old:
                text = text.replace(old, new)
        return text

    def remap(self, value: Any) -> Any:
        return json.loads(self.remap_text(json.dumps(value, sort_keys=True)))

    def _set(self, old: Resource, new: str | None, by: str) -> None:
        if new is None:
            return
        self.sids[old.sid] = new
        if new != old.sid:
            self.shown.append({"type": old.type, "name": old.name, "from": old.sid, "to": new,
                               "by": by})


def build(base: Snapshot, cur: Snapshot, base_topo: Topology, cur_topo: Topology) -> SidMap:
    m = SidMap(base_topo, cur_topo)
    _roles(m, base, cur)
    _queues(m, base, cur)
    _numbers(m, base, cur)
    for old in base.of_type("taskrouter_workflow") + base.of_type("taskrouter_task_channel"):
        if old.get("workspace_sid") == base_topo.workspace_sid:
            _in_workspace(m, old, cur)
    for type_, key in (("studio_flow", "friendly_name"), ("flex_flow", "friendly_name"),
                       ("address_configuration", "address")):
        for old in base.of_type(type_):
            if base_topo.is_watched(old):
                _by_name(m, old, cur, key)
    return m


def _roles(m: SidMap, base: Snapshot, cur: Snapshot) -> None:
    roles = (("chat_service", m.base.chat_service_sid, m.cur.chat_service_sid),
             ("taskrouter_workspace", m.base.workspace_sid, m.cur.workspace_sid),
             ("proxy_service", m.base.flex_proxy.sid if m.base.flex_proxy else None,
              m.cur.flex_proxy.sid if m.cur.flex_proxy else None))
    for type_, old_sid, new_sid in roles:
        old = base.get(type_, old_sid)
        if old is None:
            continue
        kept = cur.get(type_, old.sid)
        m._set(old, old.sid if kept else new_sid, "the Flex Configuration" if type_ != (
            "proxy_service") else "the Flex Proxy Service")
    if m.base.configuration is not None and m.cur.configuration is not None:
        m.sids.setdefault(m.base.configuration.sid, m.cur.configuration.sid)


def _queues(m: SidMap, base: Snapshot, cur: Snapshot) -> None:
    """The Flex target queue by its role in the Flex Configuration; every other baseline queue
    of the baseline's workspace by its friendly name in the current Flex workspace (one match:
    a re-created workspace's queues have new SIDs and the same names)."""
    key = "taskrouter_target_taskqueue_sid"
    old = m.base.configuration.get(key) if m.base.configuration else None
    new = m.cur.configuration.get(key) if m.cur.configuration else None
    if old and new and old != new:
        m.sids[str(old)] = str(new)
        m.shown.append({"type": "taskrouter_task_queue", "name": "Flex target queue",
                        "from": str(old), "to": str(new), "by": "the Flex Configuration"})
    workspace = m.cur.workspace_sid
    for queue in base.of_type("taskrouter_task_queue"):
        if queue.sid in m.sids or queue.get("workspace_sid") != m.base.workspace_sid:
            continue
        if cur.get(queue.type, queue.sid) is not None:
            m._set(queue, queue.sid, "sid")
            continue
        same = [r.sid for r in cur.of_type(queue.type) if r.get("workspace_sid") == workspace
                and r.get("friendly_name") == queue.get("friendly_name")]
        if len(same) == 1:
            m._set(queue, same[0], "friendly name")
        elif same:
            m.ambiguous[queue.sid] = sorted(same)


def _numbers(m: SidMap, base: Snapshot, cur: Snapshot) -> None:
    """A number keeps its SID; from another account's export (staging to prod) it is the one
    with the same phone number. A number is never bought or re-created: one with no
    counterpart is left out."""
    by_phone: dict[str, list[str]] = {}
    for number in cur.of_type("phone_number"):
        by_phone.setdefault(str(number.get("phone_number")), []).append(number.sid)
    for old in base.of_type("phone_number"):
        if cur.get(old.type, old.sid) is not None:
            continue
        same = by_phone.get(str(old.get("phone_number")), [])
        if len(same) == 1:
            m._set(old, same[0], "phone number")


def _in_workspace(m: SidMap, old: Resource, cur: Snapshot) -> None:
    workspace = m.cur.workspace_sid
    if cur.get(old.type, old.sid) is not None:
        m._set(old, old.sid, "sid")
        return
    key = "unique_name" if old.type == "taskrouter_task_channel" else "friendly_name"
    same = [r.sid for r in cur.of_type(old.type)
            if r.get("workspace_sid") == workspace and r.get(key) == old.get(key)]
    if len(same) == 1:
        m._set(old, same[0], key.replace("_", " "))
    elif not same and workspace:
        m.missing[old.sid] = old


def _by_name(m: SidMap, old: Resource, cur: Snapshot, key: str) -> None:
    if cur.get(old.type, old.sid) is not None:
        m._set(old, old.sid, "sid")
        return
    same = [r.sid for r in cur.of_type(old.type) if r.get(key) == old.get(key)
            and (old.type != "address_configuration" or r.get("type") == old.get("type"))]
    if len(same) == 1:
        m._set(old, same[0], key.replace("_", " "))
    elif same:
        m.ambiguous[old.sid] = sorted(same)
    else:
        m.missing[old.sid] = old
