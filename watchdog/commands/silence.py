"""``flex-watchdog silence add|list|remove|expire``: silences kept in the state file.

A silenced finding still shows in ``check`` (and ``details.silence`` in JSON); it does not page
and it is not healed. Every silence ends: ``--for`` or ``--until`` is required, and the longest
is ``silences.max_duration_seconds`` (30 days unless configured).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging

from watchdog.commands.common import account_or_exit, add_account_argument, tell_daemon
from watchdog.controls import silences
from watchdog.controls.marks import ignore_mark
from watchdog.errors import ConfigError
from watchdog.model.times import iso, parse_duration, parse_time, utcnow
from watchdog.rules.registry import all_rules
from watchdog.store.store import StateStore

log = logging.getLogger(__name__)
EPILOG = "Exit codes: 0 done; 1 no silence with that ID; 2 bad input or config."


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("silence", help="stop paging and healing a finding for a while",
                            description=__doc__.splitlines()[2].strip() if __doc__ else None,
                            epilog=EPILOG)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="silence a rule (optionally one resource) until a time",
                             epilog=EPILOG)
    add.add_argument("--rule", required=True, help="the rule ID (see `flex-watchdog rules`)")
    add.add_argument("--resource", help="one resource SID (default: every resource of the rule)")
    add.add_argument("--for", dest="duration", metavar="DURATION", help="e.g. 4h, 30m, 2d")
    add.add_argument("--until", metavar="TIME", help="RFC 3339, e.g. 2026-12-24T08:00Z")
    add.add_argument("--reason", required=True, help="why (shown with the finding)")
    add.add_argument("--by", help="who (default: the login name)")
    add_account_argument(add)
    add.set_defaults(func=run_add)
    listed = actions.add_parser("list", help="silences and config ignores, newest first")
    listed.add_argument("--format", choices=("table", "json"), default="table")
    add_account_argument(listed)
    listed.set_defaults(func=run_list)
    for name, text in (("remove", "delete a silence"), ("expire", "end a silence now (kept "
                                                                    "in the list)")):
        action = actions.add_parser(name, help=text, epilog=EPILOG)
        action.add_argument("id", type=int, help="the silence's ID (see `silence list`)")
        add_account_argument(action)
        action.set_defaults(func=run_remove if name == "remove" else run_expire)


def run_add(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    if args.rule not in all_rules():
        raise ConfigError(f"silence: --rule: unknown rule {args.rule!r} (see `flex-watchdog rules`)")
    if bool(args.duration) == bool(args.until):
        raise ConfigError("silence: an expiry is required: give --for DURATION or --until TIME "
                          "(one of them)")
    now = utcnow()
    ends = (now + parse_duration(args.duration, "silence: --for") if args.duration
            else parse_time(args.until, "silence: --until"))
    store = StateStore(settings.state_path)
    made = silences.add(store, settings, rule=args.rule, resource_sid=args.resource,
                        reason=args.reason, by=args.by or _login(), now=now, ends_at=ends)
    log.info("silence %d added: %s %s until %s by %s: %s", made.id, made.rule,
             made.resource_sid or "*", iso(made.ends_at), made.created_by, made.reason)
    print(f"Silence {made.id} added: {made.rule} {made.resource_sid or '(every resource)'} until "
          f"{iso(made.ends_at)}, by {made.created_by}: {made.reason}")
    print("It shows in `check`, does not page and is not healed until then.")
    tell_daemon(settings)
    return 0


def run_list(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    now = utcnow()
    rows = [{"id": s.id, "rule": s.rule, "resource": s.resource_sid, "until": iso(s.ends_at),
             "by": s.created_by, "reason": s.reason, "created_at": iso(s.created_at),
             "state": "active" if s.active(now) else "expired", "source": "silence"}
            for s in silences.listed(StateStore(settings.state_path))]
    for entry in settings.ignore:
        mark = ignore_mark(entry)
        state = "expired" if entry.expires is not None and entry.expires <= now else "active"
        rows.append({"id": None, "rule": entry.rule, "resource": entry.resource,
                     "until": mark["until"], "by": "config", "reason": entry.reason,
                     "created_at": None, "state": state, "source": "config"})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No silences and no config ignores.")
        return 0
    for row in rows:
        ident = f"#{row['id']}" if row["id"] is not None else "config"
        until = row["until"] or "no expiry"
        print(f"{ident:<7} {row['state']:<8} {row['rule']}  {row['resource'] or '*'}  until "
              f"{until}  by {row['by']}: {row['reason']}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    found = silences.remove(StateStore(settings.state_path), args.id)
    if found is None:
        print(f"No silence {args.id}: nothing removed (see `flex-watchdog silence list`).")
        return 1
    log.info("silence %d removed", found.id)
    print(f"Silence {found.id} removed ({found.rule} {found.resource_sid or '*'}): it pages and "
          "heals again from the next poll.")
    tell_daemon(settings)
    return 0


def run_expire(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    now = utcnow()
    found = silences.expire(StateStore(settings.state_path), args.id, now)
    if found is None:
        print(f"No silence {args.id}: nothing expired (see `flex-watchdog silence list`).")
        return 1
    log.info("silence %d expired at %s", found.id, iso(found.ends_at))
    print(f"Silence {found.id} expired at {iso(found.ends_at)} ({found.rule} "
          f"{found.resource_sid or '*'}): it pages and heals again from the next poll.")
    tell_daemon(settings)
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container without a passwd entry
        return "unknown"
