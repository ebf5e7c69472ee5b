"""``flex-watchdog maintenance start --for 2h --reason TEXT | end | list``.

During a window findings still open and show in ``check``, but no page starts and nothing heals;
when it ends, whatever is still broken pages once. Windows in the config file (``maintenance:``,
one-off or recurring) are listed too; ``end`` ends the windows started here.
"""

from __future__ import annotations

import argparse
import getpass
import logging
from datetime import timedelta

from watchdog.commands.common import account_or_exit, add_account_argument, tell_daemon
from watchdog.controls import windows
from watchdog.errors import ConfigError
from watchdog.model.times import human, iso, parse_duration, utcnow
from watchdog.store.store import StateStore

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("maintenance", help="hold pages and heals during planned work",
                            description="Findings still open and show; no page starts and "
                                        "nothing heals until the window ends.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="open a window now, for a while")
    start.add_argument("--for", dest="duration", required=True, metavar="DURATION",
                       help="e.g. 2h, 90m")
    start.add_argument("--reason", required=True, help="what the work is")
    start.add_argument("--by", help="who (default: the login name)")
    add_account_argument(start)
    start.set_defaults(func=run_start)
    end = actions.add_parser("end", help="end the windows started with `maintenance start`")
    add_account_argument(end)
    end.set_defaults(func=run_end)
    listed = actions.add_parser("list", help="windows open now (config file and command line)")
    add_account_argument(listed)
    listed.set_defaults(func=run_list)


def run_start(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    if not args.reason.strip():
        raise ConfigError("maintenance: --reason: required (say what the work is)")
    length = parse_duration(args.duration, "maintenance: --for")
    longest = timedelta(seconds=settings.silences.max_duration_seconds)
    if length > longest:
        raise ConfigError(f"maintenance: --for: longer than silences.max_duration_seconds "
                          f"({human(longest)})")
    now = utcnow()
    window = windows.start(StateStore(settings.state_path), reason=args.reason.strip(),
                           by=args.by or _login(), now=now, ends_at=now + length)
    log.info("maintenance window %d started until %s: %s", window.id, iso(window.ends_at),
             window.reason)
    print(f"Maintenance window {window.id} open until {iso(window.ends_at)}: {window.reason}")
    print("Findings still show in `check`; no page starts and nothing heals until it ends "
          "(`flex-watchdog maintenance end` ends it now).")
    tell_daemon(settings)
    return 0


def run_end(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    ended = windows.end(StateStore(settings.state_path), utcnow())
    if not ended:
        print("No maintenance window started with `maintenance start` is open.")
    for window in ended:
        log.info("maintenance window %d ended", window.id)
        print(f"Maintenance window {window.id} ended ({window.reason}): what is still broken "
              "pages on the next poll.")
    config = [w for w in windows.open_windows(settings, StateStore(settings.state_path),
                                              utcnow()) if w.id is None]
    for window in config:
        print(f"Still open from the config file: {window.describe()}")
    if ended:
        tell_daemon(settings)
    return 0


def run_list(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    found = windows.open_windows(settings, StateStore(settings.state_path), utcnow())
    if not found:
        print("No maintenance window is open.")
    for window in found:
        scope = ", ".join(sorted(window.rules)) or "every rule"
        heal = "heals run" if window.heal else "nothing heals"
        print(f"{window.describe()} ({scope}; {heal})")
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container without a passwd entry
        return "unknown"
