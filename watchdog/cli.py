"""Command line: ``flex-watchdog <command>``. Bad config or usage: one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from watchdog import __version__
from watchdog.clash import distribution_clash
from watchdog.errors import ConfigError, CredentialsRejected, StateError

# One module per command group in watchdog/commands, each with register(subparsers).
COMMANDS = ("check", "demo", "simulator", "config", "baseline", "catalogue", "lint_flow", "run",
            "heal", "alert", "silence", "maintenance", "doctor", "migration", "completion",
            "restore", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flex-watchdog",
        description="Watch a Twilio Flex account's messaging and voice plumbing.")
    parser.add_argument("--version", action="version", version=f"flex-watchdog {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"watchdog.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"watchdog.commands.{name}":
                raise
            continue
        module.register(sub)
    # commands that describe the whole command line (completion) read it here, not by
    # importing the CLI back
    parser.set_defaults(root_parser=parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    clash = distribution_clash()
    if clash:
        print(clash, file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, StateError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except CredentialsRejected as exc:
        print(f"twilio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `flex-watchdog rules | head`: the reader left, not an error
        sys.stdout = open(os.devnull, "w")  # so the flush at exit does not fail again
        return 0
