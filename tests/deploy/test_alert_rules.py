"""deploy/prometheus/flex-watchdog-rules.yaml and deploy/alertmanager/example.yaml.

promtool checks and unit-tests the rules (tests/deploy/promtool/*.yaml); amtool checks the Alertmanager
example and proves its routing: findings never page through Alertmanager while the daemon pages
them directly, the watchdog's own health always does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy import prom as ph

ROOT = Path(__file__).resolve().parents[2]
RULES_PATH = ROOT / "deploy" / "prometheus" / "flex-watchdog-rules.yaml"
PROMTOOL_TESTS = sorted((ROOT / "tests" / "deploy" / "promtool").glob("*.yaml"))
ALERTMANAGER_EXAMPLE = ROOT / "deploy" / "alertmanager" / "example.yaml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
DOCS_BASE = "https://github.com/flex-watchdog/flex-watchdog/blob/main/docs"
EXPECTED_ALERTS = {
    "FlexWatchdogDown", "FlexWatchdogStale", "FlexWatchdogFamilyUnknown",
    "FlexWatchdogTwilioErrors", "FlexWatchdogPagingFailing", "FlexWatchdogCriticalFinding",
    "FlexWatchdogEntryPointsBroken",
}
# Broken plumbing, which the daemon pages itself: silent in the Alertmanager example.
FINDING_ALERTS = {"FlexWatchdogCriticalFinding", "FlexWatchdogEntryPointsBroken"}
# Runbooks that are sections of docs/deploy.md (the finding alert links the rule's own).
DEPLOY_RUNBOOKS = EXPECTED_ALERTS - {"FlexWatchdogCriticalFinding"}


def load_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES_PATH.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


RULES = load_rules()
ALERTS = {rule["alert"]: rule for rule in RULES if "alert" in rule}


def test_the_expected_alerts_exist() -> None:
    assert set(ALERTS) == EXPECTED_ALERTS
    assert len(ALERTS) == len(RULES), "duplicate alert names or recording rules"


@pytest.mark.parametrize("name", sorted(EXPECTED_ALERTS))
def test_alert_follows_mixin_conventions(name: str) -> None:
    rule = ALERTS[name]
    assert re.fullmatch(r"FlexWatchdog(?:[A-Z][a-z0-9]+)+", name)
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    assert re.fullmatch(r"\d+m", rule["for"]), "every alert waits before firing"
    annotations = rule["annotations"]
    assert set(annotations) >= {"summary", "description", "runbook_url"}
    assert "{{" not in annotations["summary"] and annotations["summary"].endswith(".")
    assert "{{" in annotations["description"], "the description names what is affected"
    assert annotations["runbook_url"].startswith(DOCS_BASE + "/")


@pytest.mark.parametrize("name", sorted(DEPLOY_RUNBOOKS))
def test_health_alert_runbook_is_a_section_of_the_deploy_doc(name: str) -> None:
    url = ALERTS[name]["annotations"]["runbook_url"]
    assert url == f"{DOCS_BASE}/deploy.md#{name.lower()}"
    headings = re.findall(r"^#+\s+(.+?)\s*$", DEPLOY_DOC.read_text(), flags=re.MULTILINE)
    assert name in headings, f"docs/deploy.md needs a '### {name}' section"


def test_finding_alert_links_the_rule_runbook() -> None:
    url = ALERTS["FlexWatchdogCriticalFinding"]["annotations"]["runbook_url"]
    assert url == DOCS_BASE + '/rules.md#{{ $labels.rule | reReplaceAll "\\\\." "-" }}'


def test_expressions_use_only_contract_metrics() -> None:
    for name, rule in ALERTS.items():
        for metric in re.findall(r"\b(flex_watchdog_[a-z0-9_]+)", rule["expr"]):
            assert ph.contract_metric(metric), f"{name}: {metric} is not in the metrics contract"


def test_staleness_needs_no_constant_interval() -> None:
    expr = ALERTS["FlexWatchdogStale"]["expr"]
    assert "flex_watchdog_family_interval_seconds" in expr
    assert "flex_watchdog_family_up == 0" in expr, "failing families belong to FamilyUnknown"


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in PROMTOOL_TESTS:
        spec = yaml.safe_load(path.read_text())
        for case in spec["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert firing >= EXPECTED_ALERTS, f"no firing test: {EXPECTED_ALERTS - firing}"
    assert quiet >= EXPECTED_ALERTS, f"no quiet test: {EXPECTED_ALERTS - quiet}"


def test_promtool_check_rules() -> None:
    promtool = ph.require_binary("promtool")
    result = ph.run_tool([promtool, "check", "rules", RULES_PATH])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULES)} rules found" in result.stdout


@pytest.mark.parametrize("path", PROMTOOL_TESTS, ids=[p.name for p in PROMTOOL_TESTS])
def test_promtool_unit_tests(path: Path) -> None:
    promtool = ph.require_binary("promtool")
    result = ph.run_tool([promtool, "test", "rules", path.name], cwd=path.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_catch_a_broken_rule(tmp_path: Path) -> None:
    """The unit tests bite: loosen one threshold and they must fail."""
    promtool = ph.require_binary("promtool")
    broken = RULES_PATH.read_text().replace(") > 0.1", ") > 0.5")
    assert broken != RULES_PATH.read_text()
    (tmp_path / "rules.yaml").write_text(broken)
    spec = yaml.safe_load(PROMTOOL_TESTS[0].read_text())
    spec["rule_files"] = ["rules.yaml"]
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    result = ph.run_tool([promtool, "test", "rules", "test.yaml"], cwd=tmp_path)
    assert result.returncode != 0
    assert "FlexWatchdogTwilioErrors" in result.stdout + result.stderr


# --- Alertmanager example --------------------------------------------------------------------

def test_alertmanager_example_passes_amtool() -> None:
    amtool = ph.require_binary("amtool")
    result = ph.run_tool([amtool, "check-config", ALERTMANAGER_EXAMPLE])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_alertmanager_example_groups_one_incident_per_rule_and_account() -> None:
    config = yaml.safe_load(ALERTMANAGER_EXAMPLE.read_text())
    assert set(config["route"]["group_by"]) == {"alertname", "rule", "account"}
    pagerduty = [c for r in config["receivers"] for c in r.get("pagerduty_configs", [])]
    assert pagerduty and all(c.get("send_resolved", True) for c in pagerduty)
    assert all("routing_key_file" in c or "routing_key" in c for c in pagerduty)


@pytest.mark.parametrize("name", sorted(EXPECTED_ALERTS))
def test_alertmanager_example_routes_each_alert_once(name: str) -> None:
    amtool = ph.require_binary("amtool")
    labels = [f"alertname={name}", f"severity={ALERTS[name]['labels']['severity']}",
              "account=prod-us", "rule=numbers.message-webhook-overwritten"]
    result = ph.run_tool([amtool, "config", "routes", "test",
                          f"--config.file={ALERTMANAGER_EXAMPLE}", *labels])
    assert result.returncode == 0, result.stdout + result.stderr
    receivers = result.stdout.split()
    expected = "blackhole" if name in FINDING_ALERTS else "flex-watchdog-pagerduty"
    assert receivers == [expected], "findings are paged by the daemon; health via Alertmanager"


def test_the_chart_can_leave_out_every_alert() -> None:
    schema = json.loads((ROOT / "deploy" / "helm" / "flex-watchdog" / "values.schema.json")
                        .read_text())
    names = schema["properties"]["prometheusRule"]["properties"]["excludeAlerts"]["items"]["enum"]
    assert set(names) == EXPECTED_ALERTS
