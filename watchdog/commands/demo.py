"""``flex-watchdog demo``: the full tour, no credentials needed.

Starts the Twilio simulator in-process (world ``healthy-legacy``), runs the real daemon against
it with short intervals and the Monitor Events and Debugger feeds, prints the metrics URL, then
breaks the account the way the recovery guide describes, one thing at a time, shows findings
opening and clearing as they happen, repairs each breakage, and exits 0 when all cleared.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from watchdog.commands.terminal import Terminal, log_wrap
from watchdog.daemon.app import build_daemon
from watchdog.daemon.service import Daemon
from watchdog.demo.conversation_steps import conversation_steps
from watchdog.demo.steps import tour_steps
from watchdog.demo.tour import Console, FindingLog, Tour
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import utcnow
from watchdog.settings import Settings, load_settings
from watchdog.simulator import SimulatorServer, World, healthy_conversations, healthy_legacy
from watchdog.simulator.pagerduty_fake import FakePagerDuty
from watchdog.telemetry.logs import setup_logging
from watchdog.telemetry.metrics import family_interval

WORLDS: dict[str, tuple[Callable[[], World], Callable[[], list[Any]]]] = {
    "legacy": (healthy_legacy, tour_steps),
    "conversations": (healthy_conversations, conversation_steps),
}
SCHEDULE = {"numbers_seconds": 30, "flex_flows_seconds": 30, "services_seconds": 10,
            "taskrouter_seconds": 3, "studio_seconds": 3, "jitter_seconds": 0,
            "events_seconds": 0.5, "alerts_seconds": 0.5}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "demo", help="watch a simulated Flex account break and recover (no credentials needed)",
        description="Runs the daemon against the embedded Twilio simulator and breaks the "
                    "account the way Twilio's recovery guide describes. Takes under a minute.")
    parser.add_argument("--port", type=int, default=9464,
                        help="port for /metrics, /healthz and /readyz (default 9464; a busy "
                             "port falls back to a free one; 0 picks one)")
    parser.add_argument("--pace", type=float, default=1.0,
                        help="seconds to pause between phases, for reading (default 1)")
    parser.add_argument("--verbose", action="store_true", help="also show the daemon's log")
    parser.add_argument("--world", choices=tuple(WORLDS), default="legacy",
                        help="legacy: the recovery guide's tour (default); conversations: the "
                             "same story on a Flex Conversations account")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_logging("INFO" if args.verbose else "CRITICAL", wrap=log_wrap())
    if not args.verbose:  # polls held during a restore run late on purpose: not news here
        logging.getLogger("apscheduler.executors.default").setLevel(logging.CRITICAL)
    build, steps = WORLDS[args.world]
    world = build()
    console = Console(width=Terminal.of(sys.stdout).width)
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer(world) as server, \
            FakePagerDuty(cert_dir=tmp) as pagerduty, _trusting(pagerduty):
        settings = demo_settings(world, server.url, Path(tmp), free_or_any(args.port),
                                 pagerduty.base_url)
        log = FindingLog(console, {f: family_interval(settings, f) for f in FAMILIES})
        daemon = build_daemon(settings, on_heal=log.healed)
        sink = daemon.sink
        daemon.observer.on_cycle.append(log)
        daemon.start()
        try:
            _intro(console, world, daemon)
            if not daemon.observer.ready.wait(20):
                console.line("FAILED", "no complete snapshot within 20s", "critical")
                return 1
            console.line("ready", "first complete snapshot loaded and adopted as the baseline; "
                                  f"{log.open} findings")
            ok = Tour(daemon, world, console, log, args.pace).run(steps())
            if sink is not None:
                sink.send_pending(utcnow())  # the last resolves, before stopping
        finally:
            daemon.stop()
        _outro(console, daemon, ok, args.world == "legacy")
        _pages(console, pagerduty)
        return 0 if ok else 1


@contextmanager
def _trusting(pagerduty: FakePagerDuty) -> Iterator[None]:
    """Trust the fake PagerDuty's throwaway CA for this process only (the client honours it)."""
    saved = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(pagerduty.ca_file)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved


def _pages(console: Console, pagerduty: FakePagerDuty) -> None:
    rendered = pagerduty.render()
    console.say()
    console.say("  PagerDuty (a local fake; nothing left this machine): the events it received.")
    console.say("  Overwrites page at once; deletions page after 2 consecutive complete polls, so a "
                "deletion")
    console.say("  repaired sooner never paged.")
    for line in rendered.splitlines() or ["(none)"]:
        console.say("    " + line)


def demo_settings(world: World, base_url: str, state_dir: Path, port: int,
                  pagerduty_url: str | None = None) -> Settings:
    """Settings for the demo only: the user's FLEX_WATCHDOG_*/TWILIO_* environment is ignored
    (a real PagerDuty key or account must never see the demo's breakages)."""
    with _clean_environment():
        return load_settings(
            account_sid=world.account_sid, auth_token=world.auth_token,
            twilio_base_url=base_url, state_path=state_dir / "demo.db",
            shutdown_timeout_seconds=5, schedule=SCHEDULE,
            http={"host": "127.0.0.1", "port": port}, log={"level": "WARNING"},
            # the first breakage is healed by the daemon at once (zero grace: now)
            healing={"enabled": True, "grace_seconds": 0},
            pagerduty=({"routing_key": "demo" + "0" * 28, "base_url": pagerduty_url,
                        "send_interval_seconds": 0.5} if pagerduty_url else {}))


@contextmanager
def _clean_environment() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items()
             if k.startswith(("FLEX_WATCHDOG_", "TWILIO_", "SENTRY_"))}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


def free_or_any(port: int) -> int:
    """``port`` when it can be bound on loopback, else 0 (any free port)."""
    if port == 0:
        return 0
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


def _intro(console: Console, world: World, daemon: Daemon) -> None:
    assert daemon.http is not None  # the demo's daemon serves its own port
    s, url = daemon.settings.schedule, daemon.http.url
    console.say(console.paint("flex-watchdog demo", "bold") + ": the daemon watching a "
                "simulated Twilio Flex account (no credentials needed)")
    console.say()
    if world.conversations_numbers:
        console.say(f"  account   {world.account_sid} (simulated, healthy Flex Conversations)")
        console.say(f"            {len(world.flex_numbers)} Flex numbers with Conversations "
                    "addresses, a WhatsApp sender, TaskRouter, Studio, polled through the real "
                    "Twilio SDK")
    else:
        console.say(f"  account   {world.account_sid} (simulated, healthy legacy Flex)")
        console.say(f"            {len(world.flex_numbers)} Flex numbers, Chat, Proxy, "
                    "TaskRouter, Studio, polled through the real Twilio SDK")
    console.say(f"  metrics   {url}/metrics   (also /healthz and /readyz)")
    console.say(f"  polls     numbers and Flex Flows every {s.numbers_seconds:g}s, services "
                f"{s.services_seconds:g}s, TaskRouter {s.taskrouter_seconds:g}s, Studio "
                f"{s.studio_seconds:g}s")
    console.say(f"  signals   Monitor Events every {s.events_seconds:g}s, Debugger alerts "
                f"every {s.alerts_seconds:g}s: each refreshes its family at once")
    console.say()


def _outro(console: Console, daemon: Daemon, ok: bool, first_healed: bool = True) -> None:
    latency = list(daemon.metrics.detection_latency.collect())[0].samples
    count = next((s.value for s in latency if s.name.endswith("_count")), 0)
    total = next((s.value for s in latency if s.name.endswith("_sum")), 0)
    console.say()
    if count:
        console.say(f"  flex_watchdog_detection_latency_seconds: {int(count)} Monitor-event "
                    f"change(s), found in {total / count:.1f}s on average")
    done = ("Every breakage was detected and cleared: the first healed by the daemon, the "
            "others after the guide's repair." if first_healed else
            "Every breakage was detected and cleared after its repair.")
    console.say("  " + (done if ok else
                        "Some breakage was not detected or did not clear (see above)."))
    console.say("  Next: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, run `flex-watchdog check`, "
                "then")
    console.say("  `flex-watchdog run` (see README).")
    logging.getLogger(__name__).debug("demo finished: ok=%s", ok)
