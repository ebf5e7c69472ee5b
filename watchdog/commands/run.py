"""``flex-watchdog run``: the daemon (scheduled and event-driven polls, /metrics, probes)."""

from __future__ import annotations

import argparse
import logging

from watchdog.accounts import fleet
from watchdog.commands.common import settings_or_exit
from watchdog.commands.startup import config_warnings
from watchdog.commands.terminal import log_wrap
from watchdog.daemon.app import build_daemon, build_fleet
from watchdog.daemon.fleet import Fleet
from watchdog.daemon.service import Daemon
from watchdog.errors import ConfigError
from watchdog.telemetry.logs import setup_logging
from watchdog.telemetry.metrics import Metrics
from watchdog.telemetry.redact import Redactor
from watchdog.telemetry.sentry import init_sentry

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run", help="run the daemon: poll on a schedule and on change events, serve /metrics",
        description="Runs until SIGTERM or SIGINT (graceful, within shutdown_timeout_seconds; a "
                    "second signal exits at once). Serves /metrics, /healthz, /readyz and, when "
                    "enabled, POST /events/twilio on FLEX_WATCHDOG_HTTP__PORT (default 9464).")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    process = settings_or_exit()
    accounts = fleet(process)
    setup_logging(process.log.level, process.log.format, Redactor.for_settings(process),
                  wrap=log_wrap())
    for account in accounts:
        for warning in config_warnings(account.settings):
            log.warning("%s%s", f"account {account.name}: " if len(accounts) > 1 else "",
                        warning)
    settings = accounts[0].settings if len(accounts) == 1 else process
    init_sentry(settings)
    if len(accounts) == 1 and process.subaccounts is None and process.shard.count == 1:
        runner: Daemon | Fleet = build_daemon(
            settings, metrics=Metrics(account=accounts[0].name))
    else:
        runner = build_fleet(process, accounts)
    try:
        return runner.run_until_signal()
    except OSError as exc:
        raise ConfigError(f"config: http.port: cannot listen on {settings.http.host}:"
                          f"{settings.http.port} ({exc.strerror or exc})") from None

