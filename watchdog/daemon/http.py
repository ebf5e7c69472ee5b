"""One port for everything: ``/metrics``, ``/healthz``, ``/readyz`` and ``/events/twilio`` (POST
a signal; GET how many Event Streams sink tests arrived).

A stdlib ``ThreadingHTTPServer`` in a daemon thread; the probes are callables returning
``(ok, text)`` so this module knows nothing about the scheduler or Twilio.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from watchdog.signals.webhook import PATH as WEBHOOK_PATH
from watchdog.signals.webhook import WebhookReceiver, WebhookRequest

log = logging.getLogger(__name__)
Probe = Callable[[], tuple[bool, str]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: HttpServer) -> None:
        super().__init__(address, _Handler)
        self.owner = owner

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up before the answer (a scraper's timeout, a hostile sender) is
        # routine: one debug line, not a traceback on stderr.
        log.debug("http: request from %s ended early", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "flex-watchdog"
    protocol_version = "HTTP/1.1"
    timeout = 10  # seconds a client may stall (a webhook body that never arrives frees its thread)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        owner, path = self.server.owner, self.path.split("?", 1)[0]
        if path == "/metrics":
            encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
            self._reply(200, encoder(owner.registry), content_type)
        elif path in ("/healthz", "/readyz"):
            ok, text = (owner.healthz if path == "/healthz" else owner.readyz)()
            self._reply(200 if ok else 503, (text + "\n").encode())
        elif path == WEBHOOK_PATH and owner.webhook is not None:
            body = json.dumps(owner.webhook.status()) + "\n"
            self._reply(200, body.encode(), "application/json")
        else:
            self._reply(404, b"not found\n")

    def do_POST(self) -> None:  # noqa: N802
        owner = self.server.owner
        if self.path.split("?", 1)[0] != WEBHOOK_PATH or owner.webhook is None:
            self._reply(404, b"not found\n")
            return
        status = owner.webhook.handle(WebhookRequest(self.path, self.headers, self.rfile.read))
        self.close_connection = status != 204  # the body may be unread: do not reuse
        self._reply(status, b"" if status == 204 else f"{status}\n".encode())

    def _reply(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("http %s: " + format, self.address_string(), *args)


class HttpServer:
    """Serves the endpoints from a background thread; ``port=0`` picks a free port."""

    def __init__(self, host: str, port: int, registry: CollectorRegistry, healthz: Probe,
                 readyz: Probe, webhook: WebhookReceiver | None = None) -> None:
        self.host, self.port = host, port
        self.registry, self.healthz, self.readyz, self.webhook = registry, healthz, readyz, webhook
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.2}, name="http", daemon=True)
        self._thread.start()
        log.info("serving /metrics, /healthz, /readyz%s on %s",
                 f", POST {WEBHOOK_PATH}" if self.webhook else "", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
