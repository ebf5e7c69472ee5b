"""``flex-watchdog migration [--format json]``: readiness for the move to Flex Conversations.

Each entry point still on Programmable Chat for Flex (a Flex Flow, or a legacy number that lost
it), what it needs first, the blockers Twilio documents, and the order of the steps. Reads
Twilio, records nothing. Exit 0 nothing left to migrate, 1 entry points left, 2 bad config or
credentials, 3 something could not be read.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from watchdog.commands.common import account_or_exit, add_account_argument, open_watcher, unread
from watchdog.model.migration import END_OF_LIFE, STEPS, EntryPoint, legacy_entry_points
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import utcnow
from watchdog.model.topology import Topology

# The shape of ``migration --format json``, published as docs/schemas/migration.json. Raised
# when a field changes meaning or goes away; new fields may appear without it.
SCHEMA_VERSION = 1
NEEDED = ("configuration", "flex_flows", "proxy", "numbers", "conversations",
          "conversations_services", "taskrouter", "studio")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("migration", help="what is left to move to Flex Conversations",
                            description="Exit 0 nothing left to migrate, 1 entry points left, "
                                        "2 bad config or credentials, 3 could not read it all.")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_account_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    watcher = open_watcher(settings)
    snapshot = watcher.fetch([f for f in FAMILIES if f in NEEDED], utcnow())
    missing = unread(s for f, s in snapshot.families.items() if f in NEEDED)
    points = legacy_entry_points(Topology(snapshot, settings.flex)) if missing is None else []
    if args.format == "json":
        print(json.dumps(to_json(points, missing), indent=2))
    else:
        print(render(points, missing))
    if missing is not None:
        return 3
    return 1 if points else 0


def _point(point: EntryPoint) -> dict[str, Any]:
    return {"resource_type": point.resource_type, "sid": point.sid, "channel": point.channel,
            "contact": point.contact, "studio_flow_sid": point.flow_sid,
            "needs": list(point.needs), "blockers": list(point.blockers)}


def to_json(points: list[EntryPoint], missing: str | None) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "end_of_life": END_OF_LIFE,
            "entry_points": [_point(p) for p in points], "steps": list(STEPS),
            "ready": missing is None and not points, "unknown": missing}


def render(points: list[EntryPoint], missing: str | None) -> str:
    if missing is not None:
        return f"{missing}\nNothing is judged on a partial read."
    if not points:
        return "Nothing left on Programmable Chat for Flex: every entry point is on Flex " \
               "Conversations."
    lines = [f"{len(points)} entry point{'s' if len(points) != 1 else ''} still on Programmable "
             f"Chat for Flex, which reached end of life on {END_OF_LIFE}:", ""]
    for point in points:
        what = point.contact or point.channel
        lines.append(f"  {point.resource_type} {point.sid}: {point.channel} {what}")
        lines += [f"    needs: {need}" for need in point.needs]
        lines += [f"    blocker: {blocker}" for blocker in point.blockers]
        if not point.needs and not point.blockers:
            lines.append("    ready: remove the Flex Flow and create the address (steps below)")
    lines += ["", "Steps, per entry point (Twilio's migration guide):"]
    lines += [f"  {n}. {step}" for n, step in enumerate(STEPS, start=1)]
    return "\n".join(lines)
