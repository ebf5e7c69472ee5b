"""``flex-watchdog simulator``: run the loopback Twilio on its own, for a person to point at.

Stdout carries only ``export`` lines, so ``eval "$(flex-watchdog simulator --print-env)"`` (or
the file a background run writes) sets up a shell; what a person reads goes to stderr. Each world
has its own account SID, stable from run to run. ``--break NAME`` applies one of the recovery
guide's breakages at start; ``<base>/_control/`` breaks and repairs them while it runs.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import TYPE_CHECKING

from watchdog.errors import ConfigError

if TYPE_CHECKING:
    from watchdog.simulator.control import ControlPanel
    from watchdog.simulator.world import World


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from watchdog.simulator import WORLDS

    parser = sub.add_parser("simulator", help="serve a simulated Twilio Flex account on loopback")
    parser.add_argument("--world", default="healthy-legacy", choices=sorted(WORLDS))
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--break", dest="breaks", action="append", default=[], metavar="NAME",
                        help="break this at start (repeatable; see --list-breaks)")
    parser.add_argument("--list-breaks", action="store_true",
                        help="print the breakages --break and the control endpoint know")
    parser.add_argument("--print-env", action="store_true",
                        help="print the export lines for this world and port, and exit")
    parser.set_defaults(func=run)


def build(world_name: str) -> tuple[World, ControlPanel]:
    """The world, seeded by its name so each world is its own account, and its breakages."""
    from watchdog.demo.steps import tour_steps
    from watchdog.simulator import WORLDS
    from watchdog.simulator.control import ControlPanel

    seed = sorted(WORLDS).index(world_name) + 1
    world = WORLDS[world_name](seed)  # type: ignore[call-arg]  # every builder takes a seed
    return world, ControlPanel(world, tour_steps())


def exports(world: World, url: str) -> list[str]:
    values = {"FLEX_WATCHDOG_TWILIO_BASE_URL": url, "TWILIO_ACCOUNT_SID": world.account_sid,
              "TWILIO_AUTH_TOKEN": world.auth_token,
              "FLEX_WATCHDOG_STATE_PATH": f"./flex-watchdog-{world.name}.db"}
    return [f"export {key}={shlex.quote(value)}" for key, value in values.items()]


def run(args: argparse.Namespace) -> int:
    from watchdog.simulator import SimulatorServer

    world, panel = build(args.world)
    if args.list_breaks:
        for item in panel.listing()["breaks"]:
            print(f"{item['name']:<28} {item['title']}")
        return 0
    unknown = [name for name in args.breaks if name not in panel.breakages]
    if unknown:
        raise ConfigError(f"simulator: --break {unknown[0]}: unknown breakage; one of "
                          f"{', '.join(panel.breakages)}")
    if args.print_env:
        print("\n".join(exports(world, f"http://{args.host}:{args.port}")))
        return 0
    server = SimulatorServer(world, args.host, args.port, control=panel)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(f"simulator: cannot listen on {args.host}:{args.port} "
                          f"({exc.strerror})") from None
    try:
        for name in args.breaks:
            status, answer = panel.apply("break", name)
            print(f"broken: {name}: {'; '.join(answer.get('done', [answer.get('error')]))}",
                  file=sys.stderr)
        print("\n".join(exports(world, server.url)), flush=True)
        print(f"Twilio simulator: world {args.world!r} (account {world.account_sid}) on "
              f"{server.url}\n  break or repair: curl -X POST {server.url}/_control/break/NAME "
              f"(GET {server.url}/_control/breaks lists them)\nPress Ctrl-C to stop.",
              file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
