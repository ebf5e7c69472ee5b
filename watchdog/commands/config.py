"""``flex-watchdog config show|schema``: the effective configuration (secrets masked), its schema."""

from __future__ import annotations

import argparse
import json

import yaml

from watchdog.commands.common import settings_or_exit
from watchdog.commands.config_docs import schema
from watchdog.settings import masked_dump


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show the effective configuration or its schema")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print the effective configuration (secrets masked)")
    show.set_defaults(func=run_show)
    described = actions.add_parser(
        "schema", help="print the JSON Schema of the settings (description, unit, default of each)")
    described.set_defaults(func=run_schema)


def run_show(args: argparse.Namespace) -> int:
    print(yaml.safe_dump(masked_dump(settings_or_exit()), sort_keys=False).rstrip())
    return 0


def run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(schema(), indent=2))
    return 0
