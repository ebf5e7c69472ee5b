"""Reading a TaskRouter workflow's ``configuration``: the task queues it routes to.

A workflow's configuration is a JSON document (a string in the API): ``task_routing.filters``
each with ``targets`` naming a ``queue`` by SID, and ``task_routing.default_filter.queue`` for
what no filter matches (https://www.twilio.com/docs/taskrouter/workflow-configuration).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from watchdog.model.snapshot import Resource


def configuration(workflow: Resource) -> Mapping[str, Any] | None:
    """The parsed configuration, or None when it is missing or not a JSON object."""
    value = workflow.get("configuration")
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def routed_queues(workflow: Resource) -> tuple[str, ...]:
    """Every queue SID the workflow routes to, filters first then the default, once each."""
    config = configuration(workflow)
    routing = config.get("task_routing") if config else None
    if not isinstance(routing, Mapping):
        return ()
    found: list[object] = []
    for item in _list(routing.get("filters")):
        for target in _list(item.get("targets") if isinstance(item, Mapping) else None):
            found.append(target.get("queue") if isinstance(target, Mapping) else None)
    default = routing.get("default_filter")
    found.append(default.get("queue") if isinstance(default, Mapping) else None)
    return tuple(dict.fromkeys(q for q in found if isinstance(q, str) and q.startswith("WQ")))


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []
