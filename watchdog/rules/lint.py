"""``lint-flow``: check a Studio flow export (a JSON file kept in git) before it is deployed.

Offline, every ``send-to-flex`` widget needs a workflow (``WW...``) and a task channel
(``TC...``), and must not override ``channelSid``. Template files are accepted: a value that is
wholly a placeholder (``${CHAT_CHANNEL_SID}``, ``<FLEX_WORKFLOW_SID>``) is filled in at deploy
time, and its name hints at the channel kind (a ``VOICE`` placeholder on a message trigger is
reported). With a ``snapshot`` of the account, the workflow and channel must exist in the Flex
workspace, the channel's ``unique_name`` must suit the triggers, and placeholders are errors.
Findings use the ``studio.*`` rule IDs; input that is not a v2 flow raises ``FlowDefError``.
"""

from __future__ import annotations

from typing import Any

from watchdog.errors import ConfigError
from watchdog.model.findings import Finding, sort_key
from watchdog.model.flowdef import FlowDefError, parse
from watchdog.model.snapshot import Snapshot
from watchdog.model.topology import Topology
from watchdog.rules.registry import all_rules
from watchdog.rules.send_to_flex import Problem, Workspace, check_widget
from watchdog.settings import Settings

__all__ = ["FlowDefError", "lint_file", "lint_flow", "RESOURCE_TYPE"]
RESOURCE_TYPE = "send_to_flex_widget"


def lint_flow(definition: Any, *, snapshot: Snapshot | None = None, settings: Settings,
              source: str | None = None) -> list[Finding]:
    """Findings for the flow ``definition`` (a dict or JSON text); sorted like ``check``.

    ``snapshot`` (from a poll with credentials) enables the checks against the live workspace;
    it needs the ``configuration`` and ``taskrouter`` families complete, else the offline checks
    run. ``source`` (e.g. the file name) is copied into each finding's details.
    """
    flow = parse(definition)
    workspace = _workspace(snapshot, settings)
    problems = [p for widget in flow.send_to_flex for p in check_widget(widget, workspace)]
    findings = [f for p in problems if (f := _finding(p, settings, source, workspace)) is not None]
    return sorted(findings, key=sort_key)


def lint_file(text: str, *, snapshot: Snapshot | None = None, settings: Settings,
              source: str | None = None) -> list[Finding]:
    """``lint_flow`` for the CLI: input that is not a v2 flow is a ``ConfigError`` (exit 2)."""
    try:
        return lint_flow(text, snapshot=snapshot, settings=settings, source=source)
    except FlowDefError as exc:
        raise ConfigError(f"lint-flow: {source + ': ' if source else ''}{exc}") from None


def _workspace(snapshot: Snapshot | None, settings: Settings) -> Workspace | None:
    if snapshot is None or not snapshot.complete("configuration", "taskrouter"):
        return None
    return Workspace.of(Topology(snapshot, settings.flex))


def _finding(problem: Problem, settings: Settings, source: str | None,
             workspace: Workspace | None) -> Finding | None:
    rule = all_rules()[problem.rule]
    config = settings.rule(rule.id)
    if not config.enabled:
        return None
    details = problem.to_json() | {"source": source, "checked": "live" if workspace else "offline"}
    if workspace is not None:
        details["workspace_sid"] = workspace.sid
    where = f"{source}: " if source else ""
    summary = f"{where}Send to Flex widget {problem.widget!r}: {problem.field} {problem.reason}"
    return Finding(rule=rule.id, severity=config.severity or rule.severity,
                   resource_type=RESOURCE_TYPE, resource_sid=problem.widget, summary=summary,
                   details=details, runbook=rule.runbook, healable=False)
