"""A loopback PagerDuty Events API v2 over HTTPS: records every event, fails on demand.

The ``pagerduty`` client accepts only ``https://`` base URLs, so the server presents a throwaway
certificate from a CA made at start (``trustme``); trust it through ``SSL_CERT_FILE`` (httpx reads
it when a client is built). It validates like PagerDuty (32-character routing key, actions,
summary/severity/source, dedup key length), answers 202, and keeps PagerDuty's alert semantics:
a resolve only closes an open alert with the same routing key and dedup key.

    with FakePagerDuty() as fake:  # then SSL_CERT_FILE=fake.ca_file, base_url=fake.base_url
        fake.fail("429", times=1); fake.outage(); fake.recover(); print(fake.render())
"""

from __future__ import annotations

import json
import ssl
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

#: Fault kinds: an HTTP status to answer, or ``disconnect`` (close without answering).
FAULTS = frozenset({"429", "500", "502", "503", "400", "disconnect"})
SEVERITIES = frozenset({"critical", "error", "warning", "info"})
ACTIONS = frozenset({"trigger", "acknowledge", "resolve"})


@dataclass(frozen=True)
class Received:
    """One request: ``kind`` trigger/acknowledge/resolve/change/invalid; ``status`` 0 when the
    connection was dropped; ``effect`` what PagerDuty would have done (opened, updated, resolved,
    ignored, recorded, rejected, failed)."""

    path: str
    body: dict[str, Any] | None
    status: int
    kind: str
    effect: str

    @property
    def routing_key(self) -> str:
        return str((self.body or {}).get("routing_key", ""))

    @property
    def dedup_key(self) -> str | None:
        return (self.body or {}).get("dedup_key")


@dataclass
class _Fault:
    kind: str
    times: int | None
    message: str | None = None


class FakePagerDuty:
    """Serves ``/v2/enqueue`` and ``/v2/change/enqueue`` on ``https://127.0.0.1:<port>``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 cert_dir: Path | str | None = None) -> None:
        self.host, self.port = host, port
        self._dir = Path(cert_dir) if cert_dir else Path(tempfile.mkdtemp(prefix="fake-pd-"))
        self.ca_file = self._dir / "fake-pagerduty-ca.pem"
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._faults: list[_Fault] = []
        self._alerts: dict[tuple[str, str], dict[str, Any]] = {}
        self._http: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self) -> FakePagerDuty:
        if self._http is None:
            self._http = _Server((self.host, self.port), self, self._tls())
            self.port = self._http.server_address[1]
            self._thread = threading.Thread(target=self._http.serve_forever,
                                            kwargs={"poll_interval": 0.05}, daemon=True,
                                            name=f"fake-pagerduty:{self.port}")
            self._thread.start()
        return self

    def stop(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            http.shutdown()
            http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    __enter__ = start

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tls(self) -> ssl.SSLContext:
        import trustme  # a test/demo dependency: only needed when the fake actually starts

        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(self.host, "localhost").configure_cert(context)
        return context

    # -- on demand failures -------------------------------------------------------------------

    def fail(self, kind: str, times: int | None = 1, message: str | None = None) -> None:
        """Answer the next ``times`` requests (None: all, until ``recover()``) with ``kind``.

        ``message`` is the error text of the answer, as a proxy or an error page in front of
        PagerDuty may send back any text (secrets included).
        """
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULTS)}")
        with self._lock:
            self._faults.append(_Fault(kind, times, message))

    def outage(self) -> None:
        """Drop every connection without an answer until ``recover()``."""
        self.fail("disconnect", times=None)

    def recover(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.pop(0)
            return fault

    # -- what was received --------------------------------------------------------------------

    def received(self) -> list[Received]:
        """Every request, answered or not, oldest first."""
        with self._lock:
            return list(self._received)

    def events(self, kind: str | None = None) -> list[Received]:
        """Accepted (202) events, optionally of one kind (trigger, resolve, change...)."""
        return [r for r in self.received() if r.status == 202 and kind in (None, r.kind)]

    def open_alerts(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(routing key, dedup key) -> the payload of each alert open at PagerDuty."""
        with self._lock:
            return dict(self._alerts)

    def render(self) -> str:
        """One line per accepted event, routing keys masked: the pages it would have sent."""
        lines = []
        for r in self.events():
            payload = (r.body or {}).get("payload", {})
            words = (r.kind, f"[…{r.routing_key[-4:]}]", payload.get("severity"), r.dedup_key,
                     payload.get("summary"))
            lines.append(" ".join(str(w) for w in words if w))
        return "\n".join(lines)

    # -- the API ------------------------------------------------------------------------------

    def handle(self, path: str, raw: bytes) -> tuple[int, dict[str, Any] | None]:
        """Validate and record one request; the (status, JSON answer) to send."""
        fault, body = self._take_fault(), _parse(raw)
        kind = "change" if path == "/v2/change/enqueue" else str((body or {}).get("event_action"))
        if fault is not None:  # status 0: drop the connection without an answer
            status = 0 if fault.kind == "disconnect" else int(fault.kind)
            return self._record(path, body, status, kind, "failed",
                                [fault.message or f"fault {fault.kind}"])
        if path not in ("/v2/enqueue", "/v2/change/enqueue"):
            return self._record(path, body, 404, "invalid", "rejected", ["Not Found"])
        errors = _problems(path, body, len(raw))
        if errors:
            return self._record(path, body, 400, "invalid", "rejected", errors)
        assert body is not None
        effect = self._apply(kind, body)
        return self._record(path, body, 202, kind, effect, [])

    def _apply(self, kind: str, body: dict[str, Any]) -> str:
        with self._lock:
            alerts = self._alerts
            handle = (str(body["routing_key"]), str(body.get("dedup_key", "")))
            if kind == "trigger":
                effect = "updated" if handle in alerts else "opened"
                alerts[handle] = body["payload"]
                return effect
            if kind == "resolve" and handle in alerts:
                del alerts[handle]
                return "resolved"
            return "recorded" if kind == "change" else "ignored"

    def _record(self, path: str, body: dict[str, Any] | None, status: int, kind: str,
                effect: str, errors: list[str]) -> tuple[int, dict[str, Any] | None]:
        with self._lock:
            self._received.append(Received(path, body, status, kind, effect))
        if status == 202:
            return 202, _accepted(path, body or {})
        return status, {"status": "invalid event" if status == 400 else "error",
                        "message": "Event object is invalid" if status == 400 else "Error",
                        "errors": errors}


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _accepted(path: str, body: dict[str, Any]) -> dict[str, Any]:
    if path == "/v2/change/enqueue":
        return {"status": "success", "message": "Change event processed"}
    key = body.get("dedup_key") or f"fake-{id(body):x}"
    return {"status": "success", "message": "Event processed", "dedup_key": key}


def _problems(path: str, body: dict[str, Any] | None, size: int) -> list[str]:
    if body is None:
        return ["Event object is not valid JSON"]
    if size > 512 * 1024:
        return ["Event object is larger than 512 KB"]
    key = body.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        return ["'routing_key' is missing or invalid (32 characters expected)"]
    payload = body.get("payload")
    if path == "/v2/change/enqueue":
        ok = isinstance(payload, dict) and isinstance(payload.get("summary"), str)
        return [] if ok else ["'payload.summary' is missing"]
    return _event_problems(body, payload)


def _event_problems(body: dict[str, Any], payload: Any) -> list[str]:
    action, dedup = body.get("event_action"), body.get("dedup_key")
    if action not in ACTIONS:
        return ["'event_action' must be trigger, acknowledge or resolve"]
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
        return ["'dedup_key' must be a string of at most 255 characters"]
    if action != "trigger":
        return [] if dedup else ["'dedup_key' is required to acknowledge or resolve"]
    if not isinstance(payload, dict):
        return ["'payload' is missing"]
    summary = payload.get("summary")
    errors = []
    if not isinstance(summary, str) or not summary or len(summary) > 1024:
        errors.append("'payload.summary' is missing or longer than 1024 characters")
    if not payload.get("source"):
        errors.append("'payload.source' is missing")
    if payload.get("severity") not in SEVERITIES:
        errors.append("'payload.severity' must be critical, error, warning or info")
    return errors


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: FakePagerDuty,
                 context: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.owner, self.context = owner, context

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        # The handshake runs on the request's own thread (in the handler's setup).
        return self.context.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that does not trust the CA fails its handshake, as it should."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakePagerDuty/1.0"
    disable_nagle_algorithm = True  # headers and body are two TLS records: avoid 40 ms stalls

    def setup(self) -> None:
        super().setup()
        self.request.do_handshake()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        owner: FakePagerDuty = self.server.owner  # type: ignore[attr-defined]
        status, answer = owner.handle(self.path.split("?")[0], raw)
        if status == 0:
            self.close_connection = True
            return
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
