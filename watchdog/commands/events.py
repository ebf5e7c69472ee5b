"""``flex-watchdog events setup --url https://HOST/events/twilio``: one Event Streams webhook
sink to the daemon and one subscription to the types that matter here, then the sink test.

``--plan`` prints what would change and writes nothing; ``--remove`` deletes our sink and
subscription only. A second run changes nothing. Exit 0 done (and the daemon received the sink
test), 1 the daemon did not say it received the test, 2 bad usage or config, 3 Twilio could not
be read or refused a write.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from twilio.rest import Client

from watchdog.commands.common import settings_or_exit
from watchdog.commands.events_plan import Plan, plan_remove, plan_setup, url_problem
from watchdog.errors import ConfigError, CredentialsRejected
from watchdog.fetchers.common import classify_error
from watchdog.twilio_api import connect

EPILOG = ("Exit codes: 0 done, and the daemon received the sink test; 1 the daemon did not say "
          "it received it; 2 bad usage or config; 3 Twilio could not be read or refused a "
          "write. See docs/operations.md (Event Streams).")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("events", help="set up Twilio Event Streams to push to the daemon",
                            description=__doc__, epilog=EPILOG)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    setup = actions.add_parser("setup", help="create or update the sink and subscription",
                               epilog=EPILOG)
    setup.add_argument("--url", required=True,
                       help="the daemon's public webhook, https://HOST/events/twilio")
    setup.add_argument("--plan", action="store_true", help="print what would change, write nothing")
    setup.add_argument("--remove", action="store_true",
                       help="delete our sink and subscription (nothing else)")
    setup.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                       help="how long to wait for the daemon to receive the sink test (10)")
    setup.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    problem = url_problem(args.url)
    if problem:
        raise ConfigError(f"events setup: --url: {problem}")
    if args.wait < 0:
        raise ConfigError(f"events setup: --wait: expected seconds >= 0, got {args.wait:g}")
    settings = settings_or_exit()
    access = connect(settings)
    try:
        plan = plan_remove(access.client) if args.remove else plan_setup(access.client, args.url)
        report(plan, args)
        if args.plan:
            return 0
        for step in plan.steps:
            step.run()
            print(f"events setup: done: {step.text}")
    except Exception as exc:
        return twilio_failed(exc, access.account_sid)
    print(f"events setup: {len(plan.steps)} change(s)")
    if args.remove or plan.sink_sid is None:
        return 0
    return sink_test(access.client, plan.sink_sid, args.url, args.wait)


def report(plan: Plan, args: argparse.Namespace) -> None:
    if not args.remove:
        print(f"events setup: subscribing to {len(plan.types)} event type(s): "
              + ", ".join(plan.types))
        if plan.unavailable:
            print("events setup: not offered by this account's Event Streams (GET /v1/Types), "
                  "left out: " + ", ".join(plan.unavailable))
    if not plan.steps:
        print("events setup: nothing to change")
    for step in plan.steps:
        print(f"events setup: {'would ' if args.plan else ''}{step.text}")


def twilio_failed(exc: Exception, account_sid: str) -> int:
    error = classify_error(exc, account_sid)
    if isinstance(error, CredentialsRejected):
        raise error
    print(f"events setup: Twilio Event Streams: {str(error).splitlines()[0]}; nothing more "
          "changed", file=sys.stderr)
    return 3


def sink_test(client: Client, sink_sid: str, url: str, wait: float,
              pause: Callable[[float], object] | None = None) -> int:
    """Run ``POST /v1/Sinks/{DG}/Test`` and wait for the daemon to count one more test."""
    pause = pause or threading.Event().wait
    before = daemon_tests(url)
    try:
        client.events.v1.sinks(sink_sid).sink_test.create()
    except Exception as exc:
        return twilio_failed(exc, "")
    if before is None:
        print(f"events setup: sink test sent; the daemon's status at GET {url} could not be "
              "read, so whether it arrived is unknown (see flex_watchdog_events_received_total)")
        return 1
    deadline = time.monotonic() + wait
    while True:
        now = daemon_tests(url)
        if now is not None and now > before:
            print(f"events setup: sink test received by the daemon ({now} so far)")
            return 0
        if time.monotonic() >= deadline:
            print(f"events setup: sink test sent; the daemon at {url} did not receive it within "
                  f"{wait:g} s (is events.webhook_enabled on, and the URL reaching it?)")
            return 1
        pause(0.2)


def daemon_tests(url: str) -> int | None:
    """How many sink tests the daemon says it received (``GET`` on its webhook URL)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            count = json.loads(response.read()).get("sink_tests")
    except (OSError, ValueError, AttributeError):
        return None
    return count if isinstance(count, int) else None
