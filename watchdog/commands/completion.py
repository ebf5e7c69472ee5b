"""``flex-watchdog completion bash|zsh``: a completion script for commands, flags and rule IDs.

Generated from the argument parser itself (shtab), so a new command or flag completes as soon as
it exists; rule arguments (``explain RULE``, ``check --rule``) complete the catalogue's IDs.
Install: ``flex-watchdog completion bash > /etc/bash_completion.d/flex-watchdog`` or, for zsh,
into a directory of ``$fpath`` as ``_flex-watchdog``.
"""

from __future__ import annotations

import argparse
from typing import Any

import shtab

from watchdog.rules.registry import all_rules

SHELLS = ("bash", "zsh")
_BASH_RULES = "_flex_watchdog_rules"


def rule_completion() -> dict[str, str]:
    """What shtab puts on an argument that takes a rule ID, per shell."""
    ids = " ".join(all_rules())
    return {"bash": _BASH_RULES, "zsh": f"({ids})"}


def mark_rule_argument(action: argparse.Action) -> None:
    """Let the completion script offer rule IDs for ``action``."""
    setattr(action, "complete", rule_completion())  # noqa: B010 - shtab reads this attribute


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("completion", help="print a shell completion script (bash or zsh)")
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(script(args.root_parser, args.shell), end="")
    return 0


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    ids = " ".join(all_rules())
    preamble: Any = {"bash": f'{_BASH_RULES}() {{ compgen -W "{ids}" -- "$1"; }}\n', "zsh": ""}
    return str(shtab.complete(parser, shell=shell, preamble=preamble))
