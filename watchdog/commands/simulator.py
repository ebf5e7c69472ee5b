"""``flex-watchdog simulator``: run the loopback Twilio on its own, for a person to point at."""

from __future__ import annotations

import argparse

from watchdog.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    from watchdog.simulator import WORLDS

    parser = sub.add_parser("simulator", help="serve a simulated Twilio Flex account on loopback")
    parser.add_argument("--world", default="healthy-legacy", choices=sorted(WORLDS))
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from watchdog.simulator import serve

    try:
        serve(args.world, args.port, args.host)
    except OSError as exc:
        raise ConfigError(f"simulator: cannot listen on {args.host}:{args.port} "
                          f"({exc.strerror})") from None
    return 0
