"""``flex-watchdog export DIR [--current]``: the baseline's Flex plumbing (or, with
``--current``, the account's now) as plain files a team can commit and review."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from watchdog.commands import progress
from watchdog.commands.common import account_or_exit, add_account_argument, open_watcher, unread
from watchdog.model.snapshot import FAMILIES
from watchdog.model.times import utcnow
from watchdog.restore.exported import export
from watchdog.telemetry.redact import Redactor

DESCRIPTION = ("Write the baseline's Flex plumbing (or, with --current, the account's now) as "
               "plain files a team can commit and review: one JSON file per resource, Studio "
               "definitions as importable flow files, manifest.json. See docs/recovery.md.")
EPILOG = ("Exit codes: 0 written; 2 bad config, or no baseline yet; 3 (--current) some family "
          "could not be read, nothing written.")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("export", help="write the Flex plumbing as files to keep in git",
                            epilog=EPILOG, description=DESCRIPTION)
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument("--current", action="store_true",
                        help="export the account as it is now instead of the baseline")
    add_account_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = account_or_exit(args)
    watcher = open_watcher(settings)
    now = utcnow()
    if args.current:
        with progress.shown("export", quiet=False):
            snapshot = watcher.fetch(FAMILIES, now)
        failed = unread(snapshot.families.values())
        if failed:
            print(f"{failed}: nothing exported", file=sys.stderr)
            return 3
        source = "current"
    else:
        baseline = watcher.store.baseline(watcher.account_sid)
        if baseline is None:
            print("export: no baseline yet: run `flex-watchdog baseline accept`, or export "
                  "--current", file=sys.stderr)
            return 2
        snapshot, source = baseline, "baseline"
    manifest = export(snapshot, args.directory, now, source, settings.flex,
                      Redactor.for_settings(settings))
    print(f"Exported {len(manifest['resources'])} resource(s) of {manifest['account_sid']} "
          f"({source}) to {args.directory}: {len(manifest['files'])} file(s) and manifest.json")
    return 0
