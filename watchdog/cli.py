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

# Every command, in the order ``--help`` lists them: the module in watchdog/commands that
# registers it (``register(subparsers)``) and its one-line summary. Only the module of the command
# being run is imported, so ``--help`` and a light command never load the daemon's stack; the
# summaries here stand in for the others (tests/cli/test_lazy_cli.py keeps them equal).
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "poll the account once and report findings"),
    "demo": ("demo", "watch a simulated Flex account break and recover (no credentials needed)"),
    "simulator": ("simulator", "serve a simulated Twilio Flex account on loopback"),
    "config": ("config", "show the effective configuration or its schema"),
    "baseline": ("baseline", "show or accept drift from the baseline"),
    "rules": ("catalogue", "list the rule catalogue"),
    "explain": ("catalogue", "print one rule's runbook"),
    "lint-flow": ("lint_flow", "check Studio flow exports offline"),
    "run": ("run", "run the daemon: poll on a schedule and on change events, serve /metrics"),
    "events": ("events", "set up Twilio Event Streams to push to the daemon"),
    "heal": ("heal", "plan, apply and review heals"),
    "alert": ("alert", "PagerDuty alerting"),
    "silence": ("silence", "stop paging and healing a finding for a while"),
    "maintenance": ("maintenance", "hold pages and heals during planned work"),
    "doctor": ("doctor", "check credentials, products, state file, paging and Sentry at once"),
    "migration": ("migration", "what is left to move to Flex Conversations"),
    "trace": ("trace", "trace every entry point hop by hop to a task queue"),
    "completion": ("completion", "print a shell completion script (bash or zsh)"),
    "restore": ("restore", "plan and apply a return to the baseline's routes"),
    "export": ("export", "write the Flex plumbing as files to keep in git"),
}
# commands that describe the whole command line: they get every command's real parser
WHOLE_LINE = frozenset({"completion"})


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, that command's real parser (none when it is no
    command) and a summary-only stand-in for each other one: enough for ``--help`` and to parse."""
    parser = argparse.ArgumentParser(
        prog="flex-watchdog",
        description="Watch a Twilio Flex account's messaging and voice plumbing.")
    parser.add_argument("--version", action="version", version=f"flex-watchdog {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = COMMANDS.get(only, ("", ""))[0] if only is not None else None
    for name, (module_name, summary) in COMMANDS.items():
        if name in sub.choices:  # registered along with an earlier command of its module
            continue
        if wanted is None or module_name == wanted:
            _register(sub, module_name)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    # commands that describe the whole command line (completion) read it here, not by
    # importing the CLI back
    parser.set_defaults(root_parser=parser)
    return parser


def _register(sub: argparse._SubParsersAction[argparse.ArgumentParser], module_name: str) -> None:
    try:
        module = importlib.import_module(f"watchdog.commands.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"watchdog.commands.{module_name}":
            raise
        return
    module.register(sub)


def command_of(argv: Sequence[str]) -> str:
    """The command word of ``argv``, or "" (the top level takes no option with a value)."""
    return next((a for a in argv if not a.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    clash = distribution_clash()
    if clash:
        print(clash, file=sys.stderr)
        return 2
    argv = sys.argv[1:] if argv is None else list(argv)
    word = command_of(argv)
    args = build_parser(None if word in WHOLE_LINE else word).parse_args(argv)
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
