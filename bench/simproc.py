"""The loopback Twilio in a process of its own, so its CPU never counts against flex-watchdog.

``python -m bench.simproc --numbers 10000 --studio-flows 300 --flex-flows 500`` builds
``large(...)``, serves it, prints one JSON line (base URL, credentials, what the account holds)
and serves until its standard input closes. ``SimProcess`` runs it from the benchmark.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from watchdog.simulator import SimulatorServer, World, large

#: list -> records per page at the largest PageSize the API allows (Proxy clamps pages to 100).
PAGE = {"numbers": 1000, "flex_flows": 1000, "chat": 100, "proxy_services": 100,
        "proxy_pool": 100, "workspaces": 1000, "workflows": 1000, "task_queues": 1000, "flows": 1000,
        "addresses": 50, "conversations_services": 100, "roles": 50, "messaging": 1000,
        "senders": 1000, "conversations": 100, "tasks": 1000}


def inventory(world: World) -> dict[str, Any]:
    """How many records each list holds: what the minimum number of requests depends on."""
    s = world.store
    flex_proxies = [sid for sid, svc in s.proxy_services.items()
                    if svc["unique_name"] == "Flex Proxy Service" or svc["chat_instance_sid"]]
    return {
        "numbers": len(s.numbers), "flex_flows": len(s.flex_flows),
        "chat": len(s.chat_services), "proxy_services": len(s.proxy_services),
        "proxy_pools": [len(s.proxy_pools.get(sid, {})) for sid in flex_proxies],
        "workspaces": len(s.workspaces),
        "workflows": [len(s.workflows.get(sid, {})) for sid in s.workspaces],
        "task_queues": [len(s.task_queues.get(sid, {})) for sid in s.workspaces],
        "flows": len(s.flows),
        "drafts": sum(1 for flow in s.flows.values() if flow["status"] != "published"),
        "addresses": len(s.addresses),
        "conversations_services": len(s.conversations_services),
        "default_service": _default_service(world),
        "messaging_services": [len(s.messaging_numbers.get(sid, {})) for sid in s.messaging_services],
        "senders": sum(1 for r in s.senders.values() if r.get("sender_id", "").startswith("whatsapp:")),
        "open_tasks": _open_tasks(world)}


def _open_tasks(world: World) -> int | None:
    """Open tasks in the Flex workspace (the live family reads them); None without one."""
    workspace = (world.store.configuration or {}).get("taskrouter_workspace_sid")
    if not workspace:
        return None
    return sum(1 for t in world.store.tasks.get(workspace, {}).values()
               if t.get("assignment_status") in ("pending", "reserved", "assigned", "wrapping"))


def _default_service(world: World) -> dict[str, int] | None:
    """The default Conversations service (roles, active conversations), if it exists."""
    s = world.store
    sid = (s.conversations_configuration or {}).get("default_chat_service_sid")
    if not sid or sid not in s.conversations_services:
        return None
    active = [c for c in s.conversations.get(sid, {}).values() if c.get("state") == "active"]
    return {"roles": len(s.roles.get(sid, {})), "active": len(active)}


def pages(count: int, size: int) -> int:
    """A list costs one request even when it is empty."""
    return max(1, -(-count // size))


def minimum_requests(inv: dict[str, Any], definitions: int) -> int:
    """List pages at the largest page size each API allows, plus ``definitions`` flow fetches."""
    total = 1  # the Flex Configuration
    total += pages(inv["flex_flows"], PAGE["flex_flows"]) + pages(inv["chat"], PAGE["chat"])
    total += pages(inv["proxy_services"], PAGE["proxy_services"])
    total += sum(pages(n, PAGE["proxy_pool"]) for n in inv["proxy_pools"])
    total += pages(inv["workspaces"], PAGE["workspaces"])
    total += sum(pages(n, PAGE["workflows"]) + 1 for n in inv["workflows"])  # + task channels
    total += sum(pages(n, PAGE["task_queues"]) for n in inv["task_queues"])
    total += pages(inv["flows"], PAGE["flows"]) + definitions
    total += pages(inv["numbers"], PAGE["numbers"]) + pages(inv["addresses"], PAGE["addresses"])
    return total + _conversations_minimum(inv)


def _conversations_minimum(inv: dict[str, Any]) -> int:
    """The Conversations, Messaging and WhatsApp families and the live family."""
    total = 2  # the Conversations Configuration and its webhooks
    total += pages(inv["conversations_services"], PAGE["conversations_services"])
    default = inv["default_service"]
    if default:  # its Configuration, its webhooks and its roles
        total += 2 + pages(default["roles"], PAGE["roles"])
    total += pages(len(inv["messaging_services"]), PAGE["messaging"])
    total += sum(pages(n, PAGE["messaging"]) for n in inv["messaging_services"])
    total += pages(inv["senders"], PAGE["senders"])
    # The live family stands alone (its own schedule): it reads both Configurations itself.
    total += 2
    if default:
        total += pages(default["active"], PAGE["conversations"])
    if inv["open_tasks"] is not None:
        total += pages(inv["open_tasks"], PAGE["tasks"])
    return total


@dataclass
class SimProcess:
    """``with SimProcess(numbers=...) as sim:`` then ``sim.url``, ``sim.account_sid``..."""

    numbers: int
    studio_flows: int = 300
    flex_flows: int = 500

    def __enter__(self) -> SimProcess:
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.simproc", "--numbers", str(self.numbers),
             "--studio-flows", str(self.studio_flows), "--flex-flows", str(self.flex_flows)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        info = json.loads(line)
        self.url, self.account_sid, self.auth_token = info["url"], info["account_sid"], info["token"]
        self.inventory: dict[str, Any] = info["inventory"]
        self.build_seconds = time.monotonic() - started
        return self

    def alert(self, code: int, resource_sid: str) -> None:
        """A Debugger entry in the simulated account (a customer texting a broken number)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"alert": code, "resource_sid": resource_sid}) + "\n")
        self.proc.stdin.flush()

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def serve_fleet(args: argparse.Namespace) -> None:
    """``--accounts N``: N accounts of ``large(numbers, ...)`` (seeds 1..N) on one port."""
    worlds = [large(args.numbers, args.studio_flows, args.flex_flows, seed=i + 1)
              for i in range(args.accounts)]
    server = SimulatorServer(worlds[0])
    for world in worlds[1:]:
        server.add_world(world)
    with server:
        print(json.dumps({"url": server.url, "accounts": [
            {"account_sid": w.account_sid, "token": w.auth_token, "inventory": inventory(w)}
            for w in worlds]}), flush=True)
        for _ in sys.stdin:  # until the parent closes our standard input
            pass


@dataclass
class FleetProcess:
    """``with FleetProcess(accounts=200, numbers=50) as sim:`` then ``sim.url``, ``sim.accounts``
    (each a dict of account_sid, token and inventory)."""

    accounts: int
    numbers: int
    studio_flows: int = 5
    flex_flows: int = 5

    def __enter__(self) -> FleetProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.simproc", "--accounts", str(self.accounts),
             "--numbers", str(self.numbers), "--studio-flows", str(self.studio_flows),
             "--flex-flows", str(self.flex_flows)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        info = json.loads(line)
        self.url, self.served = info["url"], info["accounts"]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simproc")
    parser.add_argument("--numbers", type=int, required=True)
    parser.add_argument("--studio-flows", type=int, default=300)
    parser.add_argument("--flex-flows", type=int, default=500)
    parser.add_argument("--accounts", type=int, default=0,
                        help="serve this many accounts instead (one JSON line lists them)")
    args = parser.parse_args()
    if args.accounts:
        serve_fleet(args)
        return
    world = large(args.numbers, args.studio_flows, args.flex_flows)
    with SimulatorServer(world) as server:
        print(json.dumps({"url": server.url, "account_sid": world.account_sid,
                          "token": world.auth_token, "inventory": inventory(world)}), flush=True)
        # until the parent closes our standard input (or dies); each line it writes is a
        # customer's message failing: {"alert": CODE, "resource_sid": SID} (a Debugger entry,
        # pushed to the Event Streams sinks subscribed to it)
        for line in sys.stdin:
            command = json.loads(line)
            world.add_alert(command["alert"], resource_sid=command.get("resource_sid"))


if __name__ == "__main__":
    main()
