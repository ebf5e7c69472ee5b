"""``studio`` v2: Flows and their Revisions."""

from __future__ import annotations

from watchdog.simulator import studio
from watchdog.simulator.calls import Call, Reply, listing, lookup, ok
from watchdog.simulator.endpoints.api import sid_of
from watchdog.simulator.records import Record


def _flow(call: Call) -> Record:
    return lookup(call, call.world.store.flows, call.params["Sid"])


def list_flows(call: Call) -> Reply:
    """GET list: items carry no definition (``definition``/``valid``/... are null)."""
    items = [studio.list_view(flow) for flow in call.world.store.flows.values()]
    return listing(call, "flows", items)


def create_flow(call: Call) -> Reply:
    """POST list: ``FriendlyName``, ``Status``, ``Definition`` (JSON string) required."""
    name, status = call.required("FriendlyName"), call.required("Status")
    definition = studio.parse_definition(call.required("Definition"))
    world = call.world
    sid = world.add_flow(name, definition, status, call.text("CommitMessage"))
    return ok(world.store.flows[sid], 201)


def fetch_flow(call: Call) -> Reply:
    """GET one flow with the definition of its latest revision."""
    return ok(_flow(call))


def update_flow(call: Call) -> Reply:
    """POST: ``Status`` required; every update saves a new revision."""
    _flow(call)
    status = call.required("Status")
    text = call.text("Definition")
    definition = studio.parse_definition(text) if text else None
    # AuthorSid is sent by SDK 9.13 (``author_sid=``) though the OAI spec does not list it.
    author = sid_of("US")("AuthorSid", call.form["AuthorSid"]) if call.has("AuthorSid") else None
    flow = call.world.revise_flow(call.params["Sid"], status=status, definition=definition,
                                  friendly_name=call.text("FriendlyName"),
                                  commit_message=call.text("CommitMessage"), author_sid=author)
    return ok(flow)


def delete_flow(call: Call) -> Reply:
    """DELETE the flow and its revisions."""
    _flow(call)
    call.world.delete(call.params["Sid"], source="api")
    return Reply(204)


def list_revisions(call: Call) -> Reply:
    """GET revisions, newest first, without definitions."""
    _flow(call)
    revisions = call.world.store.revisions[call.params["Sid"]]
    return listing(call, "revisions", [studio.revision_list_view(rev)
                                       for rev in reversed(revisions)], cursor="revision")


def fetch_revision(call: Call) -> Reply:
    """GET revision ``N``, ``LatestRevision`` or ``LatestPublished`` (404 if never published)."""
    _flow(call)
    revision = studio.find_revision(call.world.store.revisions[call.params["Sid"]],
                                    call.params["Revision"])
    if revision is None:
        raise call.not_found()
    return ok(revision)
