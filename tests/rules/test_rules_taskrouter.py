"""taskrouter.workflow-queue-missing on snapshots: filters and the default, the Flex workspace
only, and never on a TaskRouter family that could not be read."""

from __future__ import annotations

import json

from tests.rules.snapshots import evaluate, fired, legacy, sid
from watchdog.model.snapshot import Resource
from watchdog.model.workflows import routed_queues

RULE = "taskrouter.workflow-queue-missing"


def _route(acc, filters: list[str], default: str | None) -> None:
    config = {"task_routing": {
        "filters": [{"filter_friendly_name": f"f{i}", "expression": "1==1",
                     "targets": [{"queue": q, "timeout": 30}]} for i, q in enumerate(filters)],
        **({"default_filter": {"queue": default}} if default else {})}}
    acc.set("taskrouter_workflow", acc.ww, configuration=json.dumps(config))


def test_a_healthy_workspace_has_no_finding():
    assert fired(evaluate(legacy()), RULE) == []


def test_a_deleted_default_queue_is_critical_on_the_workflow():
    acc = legacy()
    acc.drop("taskrouter_task_queue", acc.wq)
    [finding] = [f for f in evaluate(acc) if f.rule == RULE]
    assert (finding.resource_type, finding.resource_sid) == ("taskrouter_workflow", acc.ww)
    assert finding.severity == "critical"
    assert finding.details["missing_queues"] == [acc.wq]
    assert finding.details["affected"] == [{"type": "taskrouter_task_queue", "sid": acc.wq}]


def test_a_filter_target_that_is_gone_is_found_too():
    acc = legacy()
    spanish = sid("WQ", 2)
    _route(acc, [spanish], acc.wq)
    [finding] = [f for f in evaluate(acc) if f.rule == RULE]
    assert finding.details["missing_queues"] == [spanish]


def test_a_queue_of_another_workspace_does_not_count():
    acc = legacy()
    other = acc.add("taskrouter_task_queue", sid("WQ", 3), friendly_name="Everyone",
                    workspace_sid=sid("WS", 2), target_workers="1==1")
    _route(acc, [other], acc.wq)
    assert fired(evaluate(acc), RULE) == [(RULE, acc.ww)]


def test_no_finding_when_taskrouter_could_not_be_read():
    acc = legacy()
    acc.drop("taskrouter_task_queue", acc.wq)
    assert fired(evaluate(acc.fail("taskrouter")), RULE) == []


def test_no_finding_when_the_workspace_itself_is_gone():
    acc = legacy()
    acc.drop("taskrouter_workspace", acc.ws)
    acc.drop("taskrouter_task_queue", acc.wq)
    assert fired(evaluate(acc), RULE) == []


def test_routed_queues_reads_filters_then_the_default_once_each():
    q1, q2 = sid("WQ", 1), sid("WQ", 2)
    config = {"task_routing": {"filters": [
        {"targets": [{"queue": q2}, {"queue": q1}, {"expression": "no queue"}]},
        "not a filter", {"targets": "not a list"}], "default_filter": {"queue": q1}}}
    workflow = Resource.make("taskrouter_workflow", sid("WW", 1),
                             {"configuration": json.dumps(config)})
    assert routed_queues(workflow) == (q2, q1)
    for bad in ("not json", None, "[]", json.dumps({"task_routing": []})):
        assert routed_queues(Resource.make("taskrouter_workflow", "WW1",
                                           {"configuration": bad})) == ()
