"""Test helpers for the Prometheus tool chain: promtool, amtool and a real ``prometheus`` server.

Binaries come from the Debian packages ``prometheus`` and ``prometheus-alertmanager``. A test that
needs one calls :func:`require_binary`, which skips with the install hint, or fails under
``CI=true`` where the CI script installs them.

The server helpers are meant to be reused by any test that wants PromQL evaluated for real, e.g.
scraping a running daemon::

    with run_prometheus(tmp_path, {"flex-watchdog": ["127.0.0.1:9464"]}) as prom:
        prom.wait_for_scrapes("flex-watchdog", samples=2)
        assert prom.query('flex_watchdog_build_info')
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

INSTALL_HINT = "apt-get install prometheus prometheus-alertmanager"

# The daemon's metrics contract: name -> (type, labels). The dashboard, the alert rules and any
# scrape of a real daemon are checked against it. Every series names its account (the fleet's
# name for it, ``default`` for the TWILIO_* account); job and instance come from the scrape.
CONTRACT_METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "flex_watchdog_findings": ("gauge", ("account", "rule", "severity")),
    "flex_watchdog_rule_enabled": ("gauge", ("account", "rule")),
    "flex_watchdog_rule_autoheal_enabled": ("gauge", ("account", "rule")),
    "flex_watchdog_family_up": ("gauge", ("account", "family")),
    "flex_watchdog_poll_duration_seconds": ("histogram", ("account", "family")),
    "flex_watchdog_poll_last_success_timestamp_seconds": ("gauge", ("account", "family")),
    "flex_watchdog_poll_errors_total": ("counter", ("account", "family", "reason")),
    "flex_watchdog_resources": ("gauge", ("account", "type")),
    "flex_watchdog_twilio_requests_total": ("counter", ("account", "product", "method", "code")),
    "flex_watchdog_twilio_request_duration_seconds": ("histogram", ("account", "product")),
    "flex_watchdog_events_received_total": ("counter", ("account", "source")),
    "flex_watchdog_detection_latency_seconds": ("histogram", ("account",)),
    "flex_watchdog_cycle_last_success_timestamp_seconds": ("gauge", ("account",)),
    "flex_watchdog_build_info": ("gauge", ("account", "version")),
    "flex_watchdog_heals_total": ("counter", ("account", "rule", "outcome")),
    "flex_watchdog_alerts_total": ("counter", ("account", "sink", "action")),
    "flex_watchdog_alert_outbox_depth": ("gauge", ("account", "sink")),
    "flex_watchdog_family_interval_seconds": ("gauge", ("account", "family")),
    "flex_watchdog_entry_points": ("gauge", ("account", "channel", "state")),
}
CONTRACT_LABEL_VALUES: dict[str, frozenset[str]] = {
    "family": frozenset({"configuration", "flex_flows", "chat", "proxy", "taskrouter", "studio",
                         "numbers", "conversations", "conversations_services", "messaging",
                         "whatsapp", "conversations_live"}),
    "severity": frozenset({"critical", "warning", "info"}),
    "outcome": frozenset({"applied", "dry_run", "refused", "failed", "noop"}),
    "action": frozenset({"trigger", "resolve", "change", "error"}),
    "channel": frozenset({"voice", "sms", "whatsapp", "chat", "web"}),
    "state": frozenset({"ok", "broken", "unknown"}),
}
TARGET_LABELS = frozenset({"job", "instance", "account"})
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def contract_metric(series_name: str) -> str | None:
    """The contract metric a series name belongs to (histogram suffixes resolved), or None."""
    if series_name in CONTRACT_METRICS:
        return series_name
    for suffix in HISTOGRAM_SUFFIXES:
        base = series_name.removesuffix(suffix)
        if base != series_name and CONTRACT_METRICS.get(base, ("",))[0] == "histogram":
            return base
    return None


def require_binary(name: str) -> str:
    """Path of ``name`` on PATH; skip the test when absent, fail instead when CI=true."""
    path = shutil.which(name)
    if path:
        return path
    reason = f"{name} not found on PATH (install it with: {INSTALL_HINT})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires it")
    pytest.skip(reason)


def run_tool(args: Sequence[str | Path], *, cwd: Path | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; the caller asserts on returncode and output."""
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PromQueryError(AssertionError):
    """Prometheus answered a query with status "error" (e.g. a PromQL parse error)."""


@dataclass
class Prometheus:
    """A running prometheus server on loopback."""

    url: str
    process: subprocess.Popen[bytes]
    workdir: Path

    def api(self, path: str, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> Any:
        """GET /api/v1/<path>; return ``data`` or raise PromQueryError with Prometheus' error."""
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as exc:  # 400/422 carry a JSON error body
            body = json.load(exc)
        if body.get("status") != "success":
            raise PromQueryError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """Instant query; the list of ``{"metric": ..., "value": [ts, "v"]}`` results."""
        params = {"query": expr}
        if at is not None:
            params["time"] = str(at)
        data = self.api("query", params)
        result = data["result"]
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": result}]
        return list(result)

    def label_values(self, label: str, match: str) -> list[str]:
        """What Grafana's ``label_values(<match>, <label>)`` offers."""
        return list(self.api(f"label/{label}/values", [("match[]", match)]))

    def wait_for_scrapes(self, job: str, samples: int = 2, timeout: float = 20) -> None:
        """Block until ``job`` has been scraped successfully ``samples`` times in a row."""
        expr = f'count_over_time(up{{job="{job}"}}[5m]) >= {samples} and up{{job="{job}"}} == 1'
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(expr):
                return
            time.sleep(0.2)
        targets = self.api("targets", {"state": "active"})["activeTargets"]
        errors = {t["scrapeUrl"]: t.get("lastError") for t in targets}
        raise AssertionError(f"job {job!r} not scraped {samples}x in {timeout}s: {errors}")


def prometheus_config(scrape_jobs: Mapping[str, Sequence[str]] | None = None, *,
                      scrape_interval: str = "1s",
                      target_labels: Mapping[str, str] | None = None,
                      rule_files: Sequence[Path] = ()) -> dict[str, Any]:
    """A prometheus.yml: one static job per entry of ``scrape_jobs`` (job -> host:port list)."""
    static: dict[str, Any] = {}
    if target_labels:
        static["labels"] = dict(target_labels)
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {"job_name": job, "scrape_interval": scrape_interval,
             "scrape_timeout": scrape_interval, "metrics_path": "/metrics",
             "static_configs": [{"targets": list(targets), **static}]}
            for job, targets in (scrape_jobs or {}).items()
        ],
    }


@contextmanager
def run_prometheus(workdir: Path, scrape_jobs: Mapping[str, Sequence[str]] | None = None, *,
                   scrape_interval: str = "1s", target_labels: Mapping[str, str] | None = None,
                   rule_files: Sequence[Path] = (), timeout: float = 20) -> Iterator[Prometheus]:
    """Start the real prometheus binary on a free loopback port with a temporary TSDB."""
    binary = require_binary("prometheus")
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(
        scrape_jobs, scrape_interval=scrape_interval, target_labels=target_labels,
        rule_files=rule_files)))
    port = free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
         "--storage.tsdb.retention.time=1h"],
        stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    prom = Prometheus(f"http://127.0.0.1:{port}", process, workdir)
    try:
        _wait_ready(prom, timeout)
        yield prom
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(prom: Prometheus, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if prom.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{prom.url}/-/ready", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    output = (prom.workdir / "prometheus.log").read_text(errors="replace")[-2000:]
    raise AssertionError(f"prometheus did not become ready (exit {prom.process.poll()}):\n{output}")


@contextmanager
def serve_metrics(render: Callable[[], str]) -> Iterator[str]:
    """Serve ``render()`` as a Prometheus text exposition at /metrics; yields ``host:port``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
