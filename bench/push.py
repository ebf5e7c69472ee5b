"""Detection latency with Event Streams push: a Flex number's SMS webhook overwritten with a dead
URL, a customer texting it (Debugger error 11200, pushed as ``com.twilio.error-logs.error.logged``
to the sink ``flex-watchdog events setup`` made), to the daemon's ``finding opened`` line. The
Monitor Events and Debugger feeds are off, so what is faster than the scheduled poll is the push.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time

from twilio.rest import Client

from bench.daemonproc import READY, DaemonProcess, scaled_schedule
from bench.latency import RULE, Latency, flex_numbers
from bench.measure import BareHttpClient
from bench.simproc import SimProcess

SERVING = re.compile(r"POST /events/twilio on (http://\S+)")


def webhook_url(daemon: DaemonProcess) -> str:
    daemon.wait_for(SERVING.pattern, timeout=60)
    found = next(SERVING.search(text) for _, text in daemon.lines if SERVING.search(text))
    assert found is not None
    return f"{found.group(1)}/events/twilio"


def events_setup(daemon: DaemonProcess, url: str) -> str:
    """``flex-watchdog events setup --url URL`` as a user runs it; its output."""
    done = subprocess.run([sys.executable, "-m", "watchdog", "events", "setup", "--url", url],
                          env=daemon.env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"events setup exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


def push_latency(sim: SimProcess, changes: int = 20, scale: float = 1.0, spacing: float = 6.0,
                 seed: int = 11, offset: int = 0) -> Latency:
    """Each change a random 0..``spacing`` seconds after the last one was found, timed to its
    finding; the daemon's intervals are the shipped ones times ``scale`` (a push is not faster
    for polls run more often: it only waits more often for the one running)."""
    env = scaled_schedule(scale) | {"FLEX_WATCHDOG_EVENTS__MONITOR_ENABLED": "false",
                                    "FLEX_WATCHDOG_EVENTS__ALERTS_ENABLED": "false",
                                    "FLEX_WATCHDOG_EVENTS__WEBHOOK_ENABLED": "true"}
    targets = flex_numbers(sim, changes, offset)
    client = Client(sim.account_sid, sim.auth_token, http_client=BareHttpClient(sim.url))
    numbers = client.api.v2010.accounts(sim.account_sid).incoming_phone_numbers
    rng, seconds = random.Random(seed), []
    with DaemonProcess(sim, env) as daemon:
        daemon.wait_for(READY, timeout=300)
        events_setup(daemon, webhook_url(daemon))
        for sid in targets:
            time.sleep(rng.uniform(0, spacing))
            mark = daemon.mark()
            changed = time.monotonic()
            numbers(sid).update(sms_url="https://example.com/bench-dead-end")
            sim.alert(11200, sid)  # a customer texts the number; Twilio cannot reach the URL
            found = daemon.wait_for(f"finding opened: {RULE} {sid}", 300, mark)
            seconds.append(found - changed)
    return Latency("Event Streams push (Debugger 11200)", seconds)
