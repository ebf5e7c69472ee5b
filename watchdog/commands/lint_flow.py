"""``flex-watchdog lint-flow FILE...``: check Studio flow exports before they are deployed.

Inputs are files, globs (``flows/**/*.json``, expanded here so they work without a shell) and
``-`` for standard input; each may be an export or the API's ``{"definition": {...}}`` form.
Every input is linted even when one cannot be read; that one is reported on stderr and the exit
code is then 2. ``--skip-other-json`` lets a pre-commit hook pass over JSON files that are not
Studio flows (no ``states`` nor ``definition``).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from typing import Any

from watchdog.commands import sarif
from watchdog.commands.common import settings_or_exit, unread
from watchdog.errors import ConfigError
from watchdog.model.snapshot import Snapshot
from watchdog.model.times import utcnow
from watchdog.settings import Settings

_GLOB = set("*?[")
STDIN = "<stdin>"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lint = sub.add_parser(
        "lint-flow", help="check Studio flow exports offline",
        description="Exit 0 clean, 1 findings, 2 an input could not be read or is not a flow, "
                    "3 --online and the workspace could not be read from Twilio.")
    lint.add_argument("files", nargs="+", metavar="FILE",
                      help="a Studio flow export, a glob (quote it), or - for standard input")
    lint.add_argument("--format", choices=("table", "json", "sarif"), default="table",
                      help="sarif: SARIF 2.1.0 for code scanning")
    lint.add_argument("--online", action="store_true",
                      help="also check that workflow and channel SIDs exist (needs credentials)")
    lint.add_argument("--skip-other-json", action="store_true",
                      help="pass over JSON files that are not Studio flows (for pre-commit)")
    lint.set_defaults(func=run)


def expand(patterns: list[str]) -> list[str]:
    """The inputs in order: globs expanded (sorted), ``-`` kept; a glob matching nothing is an error."""
    found: list[str] = []
    for pattern in patterns:
        if pattern != "-" and _GLOB & set(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise ConfigError(f"lint-flow: {pattern}: no file matches")
            found += matches
        else:
            found.append(pattern)
    return list(dict.fromkeys(found))


def read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigError(f"lint-flow: {source}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"lint-flow: {source}: not UTF-8 text") from None


def is_other_json(text: str) -> bool:
    """JSON that is not a Studio flow in either form (a package.json, a tsconfig...)."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return not (isinstance(value, dict) and ("states" in value or "definition" in value))


def run(args: argparse.Namespace) -> int:
    from watchdog.rules.lint import lint_file

    settings = settings_or_exit()
    sources = expand(args.files)
    snapshot = None
    if args.online:
        snapshot = _live_workspace(settings)
        failed_read = unread(snapshot.families.values())
        if failed_read:
            # --online promises the live checks: never fall back to the offline ones
            print(f"lint-flow: {failed_read}; the live checks did not run", file=sys.stderr)
            return 3
    linted: list[sarif.Linted] = []
    failed = False
    for given in sources:
        source = STDIN if given == "-" else given
        try:
            text = read(given)
            if args.skip_other_json and is_other_json(text):
                continue
            findings = lint_file(text, snapshot=snapshot, settings=settings, source=source)
        except ConfigError as exc:
            print(str(exc), file=sys.stderr)
            failed = True
            continue
        linted.append(sarif.Linted(source, text, findings))
    _print(args.format, linted, settings)
    if failed:
        return 2
    return 1 if any(item.findings for item in linted) else 0


def _live_workspace(settings: Settings) -> Snapshot:
    """The Flex Configuration and TaskRouter read now; nothing is recorded in the state file
    (the watcher reading them keeps its state in memory, for this command only)."""
    from watchdog.daemon.app import build_watcher
    from watchdog.store.store import StateStore

    watcher = build_watcher(settings, StateStore(":memory:"))
    return watcher.fetch(("configuration", "taskrouter"), utcnow())  # raises CredentialsRejected


def _print(fmt: str, linted: list[sarif.Linted], settings: Settings) -> None:
    if fmt == "sarif":
        print(json.dumps(sarif.render(linted, settings.pagerduty.runbook_base_url), indent=2))
    elif fmt == "json":
        print(json.dumps(_json(linted), indent=2))
    else:
        for item in linted:
            for f in item.findings:
                print(f"{f.severity.upper():<9}{f.rule}  {f.resource_sid}\n         {f.summary}")
        print(totals(linted))


def _json(linted: list[sarif.Linted]) -> dict[str, Any]:
    """``file`` is the input when there is one (null for several); ``files`` lists them all."""
    return {"file": linted[0].source if len(linted) == 1 else None,
            "findings": [f.to_json() for item in linted for f in item.findings],
            "files": [item.source for item in linted]}


def totals(linted: list[sarif.Linted]) -> str:
    count = sum(len(item.findings) for item in linted)
    noun = "finding" if count == 1 else "findings"
    where = linted[0].source if len(linted) == 1 else (
        f"{len(linted)} file" + ("" if len(linted) == 1 else "s"))
    return f"{count} {noun} in {where}"
