"""``flex-watchdog run``: the daemon (scheduled and event-driven polls, /metrics, probes)."""

from __future__ import annotations

import argparse
import logging

from watchdog.commands.common import account_or_exit
from watchdog.commands.startup import config_warnings
from watchdog.commands.terminal import log_wrap
from watchdog.daemon.app import build_daemon
from watchdog.errors import ConfigError
from watchdog.telemetry.logs import setup_logging
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
    settings = account_or_exit()
    setup_logging(settings.log.level, settings.log.format, Redactor.for_settings(settings),
                  wrap=log_wrap())
    for warning in config_warnings(settings):
        log.warning("%s", warning)
    init_sentry(settings)
    daemon = build_daemon(settings)
    try:
        return daemon.run_until_signal()
    except OSError as exc:
        raise ConfigError(f"config: http.port: cannot listen on {settings.http.host}:"
                          f"{settings.http.port} ({exc.strerror or exc})") from None

