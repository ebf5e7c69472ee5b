"""``flex-watchdog config show``: the effective configuration, secrets masked."""

from __future__ import annotations

import argparse

import yaml

from watchdog.commands.common import settings_or_exit
from watchdog.settings import masked_dump


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show the effective configuration")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print the effective configuration (secrets masked)")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    print(yaml.safe_dump(masked_dump(settings_or_exit()), sort_keys=False).rstrip())
    return 0
