"""``flex-watchdog alert test``: send a test trigger to PagerDuty, then resolve it."""

from __future__ import annotations

import argparse

import pagerduty

from watchdog.alerts import events, routing
from watchdog.alerts.client import check_base_url, deliver, make_client
from watchdog.commands.common import settings_or_exit
from watchdog.errors import ConfigError, Verdict
from watchdog.model.times import iso, utcnow
from watchdog.settings import Settings
from watchdog.telemetry.redact import Redactor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("alert", help="PagerDuty alerting")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    test = actions.add_parser(
        "test", help="send a test event to PagerDuty and resolve it (checks the routing key)",
        description="Exit 0 when PagerDuty accepted both events, 1 when it did not, 2 when no "
                    "routing key is configured.")
    test.add_argument("--route", default=routing.DEFAULT,
                      help="default, severity:<critical|warning|info> or rule:<id>")
    test.add_argument("--severity", choices=("critical", "warning", "info"), default="info")
    test.set_defaults(func=run_test)


def run_test(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if routing.routing_key(settings, routing.DEFAULT) is None:
        raise ConfigError("config: pagerduty.routing_key: not set; set "
                          "FLEX_WATCHDOG_PAGERDUTY__ROUTING_KEY to page (paging is off)")
    key = routing.routing_key(settings, args.route)
    if key is None:
        raise ConfigError(f"config: no routing key configured for route {args.route!r}")
    check_base_url(settings.pagerduty)
    trigger = _test_event(settings, args.severity)
    client = make_client(key, settings.pagerduty)
    try:
        for action, event in (("trigger", trigger), ("resolve",
                                                     events.resolve_event(trigger["dedup_key"]))):
            if not _send(client, action, event, args.route, settings):
                return 1
    finally:
        client.close()
    return 0


def _test_event(settings: Settings, severity: str) -> events.Event:
    now = utcnow()
    source = settings.account_sid or events.CLIENT
    return {"event_action": "trigger",
            "dedup_key": f"{events.CLIENT}:{source}:alert-test:{now:%Y%m%dT%H%M%SZ}",
            "client": events.CLIENT,
            "payload": {"summary": "flex-watchdog test event (resolved right away)",
                        "source": source, "severity": severity, "timestamp": iso(now),
                        "class": "alert-test"}}


def _send(client: pagerduty.EventsApiV2Client, action: str, event: events.Event, route: str,
          settings: Settings) -> bool:
    payload = event.get("payload", {})
    print(f"{action}: dedup_key={event['dedup_key']} route={route} "
          f"url={settings.pagerduty.base_url}/v2/enqueue"
          + (f" severity={payload['severity']} summary={payload['summary']!r}" if payload else ""))
    outcome = deliver(client, action, event, Redactor.for_settings(settings))
    if outcome.verdict is Verdict.DONE:
        print("  -> accepted by PagerDuty (202)")
        return True
    print(f"  -> FAILED: {outcome.reason}: {outcome.detail}")
    return False
