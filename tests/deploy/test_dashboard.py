"""grafana/flex-watchdog.json: structure, metrics contract, every query run by real Prometheus."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import prom as ph

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_PATH = ROOT / "grafana" / "flex-watchdog.json"
RUNBOOK_BASE = "https://github.com/flex-watchdog/flex-watchdog/blob/main/docs/rules.md"
ACCOUNT = "prod-us"
METRIC_RE = re.compile(r"\b(flex_watchdog_[a-z0-9_]+|up)\b(?!\s*\()")
# Grafana's built-in variables, as Grafana would substitute them for a 1 h range.
BUILTINS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def load_dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD_PATH.read_text())


def query_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def all_targets(dashboard: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for panel in query_panels(dashboard):
        for target in panel.get("targets", []):
            yield panel, target


def substitute(expr: str, account: str = ".*") -> str:
    """The query Grafana would send: dashboard and built-in variables replaced."""
    for name, value in BUILTINS.items():
        expr = expr.replace(name, value)
    expr = expr.replace("${account}", account).replace("$account", account)
    leftover = re.findall(r"\$\{?[A-Za-z_]\w*", expr)
    assert not leftover, f"unknown variable(s) {leftover} in {expr}"
    return expr


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


DASHBOARD = load_dashboard()
TARGETS = list(all_targets(DASHBOARD))
TARGET_IDS = [f"{p['title']}/{t['refId']}" for p, t in TARGETS]


# --- structure -------------------------------------------------------------------------------

def test_identity_and_schema_version() -> None:
    assert DASHBOARD["uid"] == "flex-watchdog"
    assert len(DASHBOARD["uid"]) <= 40
    assert DASHBOARD["title"] == "flex-watchdog"
    assert DASHBOARD["schemaVersion"] >= 39
    assert DASHBOARD.get("id") is None, "a provisioned dashboard must not carry a database id"
    assert "__inputs" not in DASHBOARD, "exported-for-sharing dashboards hard-code datasources"


def test_template_variables() -> None:
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    datasource = variables["datasource"]
    assert datasource["type"] == "datasource" and datasource["query"] == "prometheus"
    account = variables["account"]
    assert account["type"] == "query"
    assert account["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert account["definition"] == "label_values(flex_watchdog_build_info, account)"
    assert account["query"]["query"] == account["definition"]
    assert account["includeAll"] and account["allValue"] == ".*"
    assert variables["runbook_base"]["query"] == RUNBOOK_BASE


def test_no_hard_coded_datasource_uid() -> None:
    for key, value in walk(DASHBOARD):
        if key != "datasource" or not isinstance(value, dict):
            continue
        if value.get("type") == "grafana":  # the built-in annotation source
            assert value["uid"] == "-- Grafana --"
            continue
        assert value == {"type": "prometheus", "uid": "${datasource}"}, value
    text = DASHBOARD_PATH.read_text()
    assert "${DS_" not in text


def test_every_panel_has_queries() -> None:
    panels = query_panels(DASHBOARD)
    assert len({p["id"] for p in DASHBOARD["panels"]}) == len(DASHBOARD["panels"])
    for panel in panels:
        assert panel.get("title") and panel.get("description"), panel.get("title")
        targets = panel.get("targets")
        assert targets, f"panel {panel['title']!r} has no targets"
        assert len({t["refId"] for t in targets}) == len(targets)
        for target in targets:
            assert target.get("expr", "").strip(), f"{panel['title']}/{target['refId']}"
            assert "$account" in target["expr"], f"{panel['title']}: not filtered by account"


def test_layout_fits_the_grid_without_overlap() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in DASHBOARD["panels"]:
        pos = panel["gridPos"]
        assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps at {(x, y)}"
                cells.add((x, y))


def test_metrics_are_from_the_contract_and_all_are_shown() -> None:
    used: set[str] = set()
    for panel, target in TARGETS:
        for name in METRIC_RE.findall(target["expr"]):
            if name == "up":
                continue
            metric = ph.contract_metric(name)
            assert metric, f"{panel['title']}: {name} is not in the metrics contract"
            kind = ph.CONTRACT_METRICS[metric][0]
            if kind == "histogram":
                assert name != metric, f"{panel['title']}: use {name}_bucket for a histogram"
            used.add(metric)
    missing = set(ph.CONTRACT_METRICS) - used
    assert not missing, f"contract metrics not on the dashboard: {missing}"


def test_grouping_labels_and_label_values_exist() -> None:
    known = set(ph.TARGET_LABELS) | {"le"}
    for labels in ph.CONTRACT_METRICS.values():
        known |= set(labels[1])
    for panel, target in TARGETS:
        expr = target["expr"]
        for clause in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
            for label in filter(None, (s.strip() for s in clause.split(","))):
                assert label in known, f"{panel['title']}: unknown label {label!r}"
        for label, value in re.findall(r'\b(\w+)="([^"]*)"', expr):
            if label in ph.CONTRACT_LABEL_VALUES:
                assert value in ph.CONTRACT_LABEL_VALUES[label], f"{panel['title']}: {value}"


def test_findings_table_links_each_rule_to_its_runbook() -> None:
    table = next(p for p in query_panels(DASHBOARD) if p["title"] == "Open findings by rule")
    assert "flex_watchdog_findings" in table["targets"][0]["expr"]
    assert "runbook_anchor" in table["targets"][0]["expr"]
    links = [prop["value"] for o in table["fieldConfig"]["overrides"]
             if o["matcher"]["options"] == "rule"
             for prop in o["properties"] if prop["id"] == "links"]
    assert links == [[{"title": "Runbook for ${__value.raw}",
                       "url": "${runbook_base}#${__data.fields.runbook_anchor}",
                       "targetBlank": True}]]


def test_the_top_row_asks_whether_customers_reach_an_agent() -> None:
    panels = DASHBOARD["panels"]
    top = min(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    assert top["type"] == "row" and top["title"] == "Can customers reach an agent?"
    row = [p for p in panels if p["type"] != "row" and p["gridPos"]["y"] < 8]
    exprs = {p["title"]: (p["type"], p["targets"][0]["expr"]) for p in row}
    assert exprs["Entry points that reach Flex, by channel"] == (
        "bargauge", 'sum by (channel) (flex_watchdog_entry_points{account=~"$account", '
                    'state="ok"})')
    assert exprs["Entry points cut off"] == (
        "stat", 'sum(flex_watchdog_entry_points{account=~"$account", state="broken"}) '
                'or vector(0)')
    kind, history = exprs["Entry points cut off over time"]
    assert kind == "timeseries" and "by (channel)" in history and 'state="broken"' in history
    rows = [p for p in panels if p["type"] == "row"]
    assert all(p["gridPos"]["y"] > 1 for p in rows[1:]), "every other row comes after it"


# --- real Prometheus -------------------------------------------------------------------------

def synthetic_scrape(n: int, now: float) -> str:
    """Every contract metric with plausible labels; counters are proportional to ``n``."""
    lines: list[str] = []

    def add(name: str, value: float, **labels: str) -> None:
        rendered = ",".join(f'{k}="{v}"' for k, v in labels.items())
        lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")

    def histogram(name: str, **labels: str) -> None:
        for i, le in enumerate(("0.1", "1", "10", "+Inf")):
            add(f"{name}_bucket", n * (i + 1), le=le, **labels)
        add(f"{name}_sum", n * 2.5, **labels)
        add(f"{name}_count", n * 4, **labels)

    add("flex_watchdog_build_info", 1, version="0.1.0")
    add("flex_watchdog_cycle_last_success_timestamp_seconds", now - 20)
    histogram("flex_watchdog_detection_latency_seconds")
    for family in sorted(ph.CONTRACT_LABEL_VALUES["family"]):
        add("flex_watchdog_family_up", 0 if family == "proxy" else 1, family=family)
        add("flex_watchdog_family_interval_seconds", 60, family=family)
        add("flex_watchdog_poll_last_success_timestamp_seconds", now - 30, family=family)
        add("flex_watchdog_poll_errors_total", n, family=family, reason="http_503")
        histogram("flex_watchdog_poll_duration_seconds", family=family)
    for rule, severity in (("numbers.message-webhook-overwritten", "critical"),
                           ("studio.flow-unpublished", "warning")):
        add("flex_watchdog_findings", 2, rule=rule, severity=severity)
        add("flex_watchdog_rule_enabled", 1, rule=rule)
        add("flex_watchdog_rule_autoheal_enabled", 0, rule=rule)
        for outcome in sorted(ph.CONTRACT_LABEL_VALUES["outcome"]):
            add("flex_watchdog_heals_total", n, rule=rule, outcome=outcome)
    for product, code in (("api", "200"), ("studio", "200"), ("studio", "503")):
        add("flex_watchdog_twilio_requests_total", n * 10, product=product, method="GET",
            code=code)
    for product in ("api", "studio"):
        histogram("flex_watchdog_twilio_request_duration_seconds", product=product)
    for action in sorted(ph.CONTRACT_LABEL_VALUES["action"]):
        add("flex_watchdog_alerts_total", n, sink="pagerduty", action=action)
    add("flex_watchdog_alert_outbox_depth", 3, sink="pagerduty")
    add("flex_watchdog_events_received_total", n, source="monitor")
    add("flex_watchdog_resources", 12, type="incoming_phone_number")
    for channel in sorted(ph.CONTRACT_LABEL_VALUES["channel"]):
        for state in sorted(ph.CONTRACT_LABEL_VALUES["state"]):
            add("flex_watchdog_entry_points", 3 if state == "broken" and channel == "sms" else 0
                if state != "ok" else 500, channel=channel, state=state)
    return "\n".join(lines) + "\n"


def synthetic_exposition() -> Iterator[str]:
    """One exposition per scrape, counters growing by one step each time."""
    for n in itertools.count(1):
        yield synthetic_scrape(n, time.time())


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ph.Prometheus]:
    ph.require_binary("prometheus")
    scrapes = synthetic_exposition()
    with ph.serve_metrics(lambda: next(scrapes)) as target, ph.run_prometheus(
            tmp_path_factory.mktemp("prometheus"), {"flex-watchdog": [target]},
            target_labels={"account": ACCOUNT}) as prom:
        prom.wait_for_scrapes("flex-watchdog", samples=2)
        yield prom


@pytest.mark.slow
@pytest.mark.parametrize(("panel", "target"), TARGETS, ids=TARGET_IDS)
def test_query_runs_and_returns_data(prometheus: ph.Prometheus, panel: dict[str, Any],
                                     target: dict[str, Any]) -> None:
    for account in (".*", ACCOUNT):
        result = prometheus.query(substitute(target["expr"], account))
        assert result, f"{panel['title']}: no data for account={account}"
        for legend_label in re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")):
            for series in result:
                assert legend_label in series["metric"], f"{panel['title']}: {legend_label}"


@pytest.mark.slow
def test_query_on_unknown_account_is_empty(prometheus: ph.Prometheus) -> None:
    expr = substitute('sum by (rule) (flex_watchdog_findings{account=~"$account"})', "nope")
    assert prometheus.query(expr) == []


@pytest.mark.slow
def test_account_variable_lists_the_scrape_label(prometheus: ph.Prometheus) -> None:
    assert prometheus.label_values("account", "flex_watchdog_build_info") == [ACCOUNT]


@pytest.mark.slow
def test_findings_table_computes_runbook_anchors(prometheus: ph.Prometheus) -> None:
    table = next(p for p in query_panels(DASHBOARD) if p["title"] == "Open findings by rule")
    result = prometheus.query(substitute(table["targets"][0]["expr"]))
    anchors = {s["metric"]["rule"]: s["metric"]["runbook_anchor"] for s in result}
    assert anchors == {"numbers.message-webhook-overwritten": "numbers-message-webhook-overwritten",
                       "studio.flow-unpublished": "studio-flow-unpublished"}


@pytest.mark.slow
def test_parse_errors_are_reported(prometheus: ph.Prometheus) -> None:
    with pytest.raises(ph.PromQueryError, match="parse error"):
        prometheus.query("sum by (rule (flex_watchdog_findings)")
