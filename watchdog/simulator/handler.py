"""One HTTP request: product routing, faults, Basic auth, dispatch and the JSON answer."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, parse_qsl, urlsplit

from watchdog.simulator import routes
from watchdog.simulator.calls import Call, Reply
from watchdog.simulator.control import PREFIX, ControlPanel
from watchdog.simulator.errors import ApiError, error_body, method_not_allowed, unauthenticated
from watchdog.simulator.faults import Fault, FaultSet
from watchdog.simulator.requestlog import RequestLog, RequestRecord
from watchdog.simulator.world import World

log = logging.getLogger(__name__)

#: kind -> (HTTP status, Twilio code, message) for the faults that replace the answer.
FAULT_ERRORS = {
    "404": (404, 20404, "The requested resource was not found"),
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "page": (500, 20500, "Internal Server Error"),
    "503": (503, 20503, "Service Unavailable"),
    "forbidden": (403, 70051, "Authorization Failed"),
}
INVALID_JSON = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"


class Owner(Protocol):
    """What the handler needs from ``SimulatorServer``."""

    world: World
    faults: FaultSet
    requests: RequestLog
    control: ControlPanel | None

    def world_of(self, user: str) -> World: ...

    def faults_of(self, world: World) -> FaultSet: ...


def _page_of(query: dict[str, list[str]]) -> int:
    try:
        return int(query.get("Page", ["0"])[0])
    except ValueError:
        return 0


class Handler(BaseHTTPRequestHandler):
    """Serves ``/<product>/<twilio path>``; quiet (no line per request)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms stalls
    server_version = "TwilioSimulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default one-line-per-request stderr log."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    @property
    def owner(self) -> Owner:
        owner: Owner = self.server.owner  # type: ignore[attr-defined]
        return owner

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        control = self.owner.control
        if control is not None and parts.path.startswith(PREFIX):
            status, answer = control.handle(self.command, parts.path)
            self._send(Reply(status, answer), None)
            return
        product, _, rest = parts.path.lstrip("/").partition("/")
        path = "/" + rest
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = parse_qs(parts.query, keep_blank_values=True)
        found = routes.find(product, path)
        template = found[0].template if found else path
        world = self.owner.world_of(self._user())
        fault = self.owner.faults_of(world).take(self.command, product, path, _page_of(query))
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "disconnect":
            self._drop(product, template)
            return
        try:
            reply = self._fault_reply(fault) or self._dispatch(world, product, path,
                                                                parts.query, body, found)
        except ApiError as error:
            reply = Reply(error.status, error.body(), error.headers)
        except Exception:  # a simulator bug: answer like Twilio's 500, keep serving
            log.exception("simulator error on %s %s", self.command, self.path)
            reply = Reply(500, error_body(500, 20500, "Internal Server Error"))
        # Logged before the answer leaves, so a client that counts requests right after its
        # call returns never misses this one.
        self.owner.requests.add(RequestRecord(self.command, product, template, reply.status))
        self._send(reply, fault)

    def _fault_reply(self, fault: Fault | None) -> Reply | None:
        if fault is None:
            return None
        if fault.kind == "401":
            error = unauthenticated()
            return Reply(401, error.body(), error.headers)
        if fault.kind not in FAULT_ERRORS:
            return None
        status, code, message = FAULT_ERRORS[fault.kind]
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return Reply(status, error_body(status, code, message), headers)

    def _dispatch(self, world: World, product: str, path: str, raw_query: str, body: bytes,
                  found: tuple[routes.Route, dict[str, str]] | None) -> Reply:
        self._authenticate(world)
        if found is None:
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        route, params = found
        handler = route.handlers.get(self.command)
        if handler is None:
            raise method_not_allowed(self.command, path)
        json_body: Any = None
        form: dict[str, list[str]] = {}
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                json_body = json.loads(body or b"null")
            except ValueError:
                raise ApiError(400, 20001, "Invalid JSON body") from None
        else:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        call = Call(world=world, method=self.command, product=product, path=path,
                    query_pairs=parse_qsl(raw_query, keep_blank_values=True), form=form,
                    json_body=json_body, params=params, client_ip=self.client_address[0])
        try:
            with world.lock:
                return handler(call)
        finally:
            world.deliver()  # Event Streams deliveries it queued, once the lock is released

    def _user(self) -> str:
        """The Basic-auth user name (an account or API key SID), or "" when there is none."""
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        try:
            return base64.b64decode(encoded).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""

    def _authenticate(self, world: World) -> None:
        header = self.headers.get("Authorization") or ""
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise unauthenticated() from None
        accepted = {(world.account_sid, world.auth_token),
                    (world.api_key_sid, world.api_key_secret)}
        if scheme.lower() != "basic" or (user, password) not in accepted:
            raise unauthenticated()

    def _send(self, reply: Reply, fault: Fault | None) -> None:
        data = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        if fault is not None and fault.kind == "truncated":
            data = data[: len(data) // 2]
        elif fault is not None and fault.kind == "invalid_json":
            reply = Reply(200, None, reply.headers)
            data = INVALID_JSON
        self.send_response(reply.status)
        if reply.status != 204:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _drop(self, product: str, template: str) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.owner.requests.add(RequestRecord(self.command, product, template, 0))
