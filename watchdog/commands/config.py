"""``flex-watchdog config show|schema``: the effective configuration (secrets masked), its schema."""

from __future__ import annotations

import argparse
import json
import os
import sys

import yaml

from watchdog.commands.common import settings_or_exit
from watchdog.commands.config_docs import schema
from watchdog.commands.startup import config_warnings
from watchdog.settings import CONFIG_ENV, masked_dump, require_credentials


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("config", help="show the effective configuration or its schema")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print the effective configuration (secrets masked)")
    show.set_defaults(func=run_show)
    check = actions.add_parser(
        "check", help="validate the configuration (environment and file) without starting",
        description="Exit 0 valid (warnings on stderr), 2 invalid: one line per problem. The Helm "
                    "chart runs it before an upgrade replaces the running pod.")
    check.add_argument("--require-credentials", action="store_true",
                       help="also fail when the Twilio credentials are not set")
    check.set_defaults(func=run_check)
    described = actions.add_parser(
        "schema", help="print the JSON Schema of the settings (description, unit, default of each)")
    described.set_defaults(func=run_schema)


def run_show(args: argparse.Namespace) -> int:
    print(yaml.safe_dump(masked_dump(settings_or_exit()), sort_keys=False).rstrip())
    return 0


def run_check(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if settings.accounts:  # every account's credentials variables are set, names unique
        from watchdog.accounts import fleet

        accounts = fleet(settings)
        for account in accounts:
            for warning in config_warnings(account.settings):
                print(f"warning: account {account.name}: {warning}", file=sys.stderr)
    else:
        if args.require_credentials:
            require_credentials(settings)
        for warning in config_warnings(settings):
            print(f"warning: {warning}", file=sys.stderr)
    source = os.environ.get(CONFIG_ENV) or "shipped defaults"
    fleet_of = f", {len(settings.accounts)} account(s)" if settings.accounts else ""
    print(f"config ok ({source} and FLEX_WATCHDOG_* variables{fleet_of})")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(schema(), indent=2))
    return 0
