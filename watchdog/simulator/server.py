"""The loopback HTTP server: ``<base>/<product>/<path>`` answers as
``https://<product>.twilio.com/<path>`` would."""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from watchdog.simulator.control import ControlPanel
from watchdog.simulator.faults import FaultSet
from watchdog.simulator.handler import Handler
from watchdog.simulator.requestlog import RequestLog
from watchdog.simulator.world import World

log = logging.getLogger(__name__)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait for a "slow" fault's sleeping thread
    allow_reuse_address = True
    # socketserver's default backlog of 5 refuses connections when a daemon opens a dozen family
    # polls at once on a busy machine; Twilio never refuses them, so neither may the simulator.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: SimulatorServer) -> None:
        super().__init__(address, Handler)
        self.owner = owner
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout, "slow" fault) or a dropped connection is normal here;
        # keep stderr quiet and leave a trace in the debug log.
        log.debug("connection from %s ended abnormally", client_address, exc_info=True)

    def drop_connections(self) -> None:
        """Close kept-alive connections so a stopped server really refuses."""
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class SimulatorServer:
    """Serves ``world`` on ``http://host:port`` from a background thread.

    ``port=0`` picks a free port on the first ``start()``; later ``start()`` calls after
    ``stop()`` reuse it, so a client sees "connection refused" while stopped and then the same
    URL working again. ``faults`` injects failures, ``requests`` logs every request.
    """

    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0,
                 control: ControlPanel | None = None) -> None:
        self.world, self.host, self.port = world, host, port
        self.control = control  # the /_control/ endpoint, off unless given
        self.faults = FaultSet()
        # More accounts on the same port: each world is its own account (its SID, credentials
        # and faults); a request is served by the world its Basic-auth user belongs to.
        self.worlds: dict[str, World] = {world.account_sid: world}
        self.account_faults: dict[str, FaultSet] = {world.account_sid: self.faults}
        self.requests = RequestLog()
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def add_world(self, world: World) -> FaultSet:
        """Serve ``world`` as one more account; returns the faults of that account alone."""
        if world.account_sid in self.worlds:
            raise ValueError(f"account {world.account_sid} is served already (another seed?)")
        self.worlds[world.account_sid] = world
        self.account_faults[world.account_sid] = FaultSet()
        return self.account_faults[world.account_sid]

    def world_of(self, user: str) -> World:
        """The world whose account SID or API key SID is ``user`` (else the first)."""
        found = self.worlds.get(user)
        if found is not None:
            return found
        for world in self.worlds.values():
            if world.api_key_sid == user:
                return world
        return self.world

    def faults_of(self, world: World) -> FaultSet:
        return self.account_faults.get(world.account_sid, self.faults)

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8080`` (products go below it)."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the server is accepting connections."""
        return self._http is not None

    def start(self) -> SimulatorServer:
        """Bind and serve in a daemon thread; returns ``self``."""
        if self._http is None:
            self._http = _HttpServer((self.host, self.port), self)
            self.port = self._http.server_address[1]
            self._thread = threading.Thread(target=self._http.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"twilio-simulator:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections; new connections are refused."""
        http, self._http = self._http, None
        if http is not None:
            http.shutdown()
            http.server_close()
            http.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def restart(self) -> SimulatorServer:
        """``stop()`` then ``start()`` on the same port (clients see one outage)."""
        self.stop()
        return self.start()

    def reset_counts(self) -> None:
        """Forget the request log (same as ``requests.reset_counts()``)."""
        self.requests.reset_counts()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def serve(world_name: str, port: int, host: str = "127.0.0.1") -> None:
    """Serve the named world (see ``builders.WORLDS``) until Ctrl-C, printing the base URL and
    the credentials to use (``flex-watchdog simulator --world healthy-legacy --port 8080``)."""
    from watchdog.simulator.builders import WORLDS

    if world_name not in WORLDS:
        raise ValueError(f"unknown world {world_name!r}; one of {', '.join(sorted(WORLDS))}")
    world = WORLDS[world_name]()
    server = SimulatorServer(world, host, port).start()
    print(f"Twilio simulator: world {world_name!r} on {server.url}", flush=True)
    print(f"  FLEX_WATCHDOG_TWILIO_BASE_URL={server.url}")
    print(f"  TWILIO_ACCOUNT_SID={world.account_sid}")
    print(f"  TWILIO_AUTH_TOKEN={world.auth_token}")
    print(f"  or TWILIO_API_KEY={world.api_key_sid} TWILIO_API_SECRET={world.api_key_secret}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
