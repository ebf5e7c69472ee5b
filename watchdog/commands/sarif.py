"""SARIF 2.1.0 for ``lint-flow --format sarif``: what GitHub and GitLab code scanning read.

One run, one result per finding: the rule ID, the level from the severity, the file and the line
of the widget's ``"name"`` in it, and the widget as a logical location. The rules the results use
are described in the tool's driver with their runbook, so the pull request shows how to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from watchdog import __version__
from watchdog.model.findings import Finding
from watchdog.rules.registry import all_rules

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"critical": "error", "warning": "warning", "info": "note"}
_NAME = re.compile(r'"name"\s*:\s*("(?:[^"\\]|\\.)*")')


@dataclass(frozen=True)
class Linted:
    """One input and what lint-flow found in it."""

    source: str  # the path as given, or "<stdin>"
    text: str
    findings: list[Finding]


def widget_positions(text: str) -> dict[str, tuple[int, int]]:
    """Line and column (1-based) of each ``"name": "<widget>"`` in the JSON text, first wins."""
    found: dict[str, tuple[int, int]] = {}
    for match in _NAME.finditer(text):
        try:
            name = json.loads(match[1])
        except ValueError:
            continue
        if isinstance(name, str) and name not in found:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            found[name] = (line, column)
    return found


def artifact(source: str) -> dict[str, str]:
    if source == "<stdin>":
        return {"uri": "stdin"}
    path = PurePath(source)
    if path.is_absolute():
        return {"uri": Path(source).as_uri()}
    return {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"}


def render(linted: list[Linted], runbook_base: str) -> dict[str, Any]:
    used = sorted({f.rule for item in linted for f in item.findings})
    index = {rule_id: n for n, rule_id in enumerate(used)}
    results = []
    for item in linted:
        positions = widget_positions(item.text)
        for finding in item.findings:
            results.append(_result(finding, item.source, positions, index))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "flex-watchdog", "version": __version__,
                "informationUri": runbook_base, "rules": [_rule(r, runbook_base) for r in used]}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
            "results": results,
        }],
    }


def _rule(rule_id: str, runbook_base: str) -> dict[str, Any]:
    rule = all_rules()[rule_id]
    return {"id": rule.id, "name": rule.anchor,
            "shortDescription": {"text": rule.title},
            "helpUri": f"{runbook_base}#{rule.anchor}",
            "help": {"text": rule.runbook, "markdown": rule.runbook},
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"tags": list(rule.families)}}


def _result(finding: Finding, source: str, positions: dict[str, tuple[int, int]],
            index: dict[str, int]) -> dict[str, Any]:
    widget = finding.resource_sid
    physical: dict[str, Any] = {"artifactLocation": artifact(source)}
    if widget in positions:
        line, column = positions[widget]
        physical["region"] = {"startLine": line, "startColumn": column}
    return {
        "ruleId": finding.rule, "ruleIndex": index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": finding.summary},
        "locations": [{"physicalLocation": physical,
                       "logicalLocations": [{"name": widget, "kind": "member",
                                             "fullyQualifiedName": f"states/{widget}"}]}],
        "partialFingerprints": {"flexWatchdogFinding/v1": finding.id},
    }
