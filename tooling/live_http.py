"""HTTP front of the live service: the played API Gateway stage and the control API, on loopback ports.

Both are `ThreadingHTTPServer`s: every connection gets a thread, so concurrent clients are served
concurrently (the function pools decide how many invocations run at once). Bodies are read by
Content-Length; chunked request bodies are refused with 411, as there is no reason for a local
client to send them.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from tooling.live_service import LiveService

LOG = logging.getLogger("live-service.http")


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing: the live service, access logging to the service log, JSON replies."""

    live: LiveService
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        LOG.info("%s %s", self.address_string(), format % args)

    def _body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._reply(411, {"Content-Type": "application/json"}, b'{"message":"Length Required"}')
            return None
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, document: Any) -> None:
        self._reply(status, {"Content-Type": "application/json"}, json.dumps(document, default=str).encode())


class ApiHandler(_Handler):
    """The deployed stage: `/<stage>/<resource path>` -> ApiGatewayPlayer."""

    def _serve(self) -> None:
        body = self._body()
        if body is None:
            return
        api = self.live.pipeline.api
        url = urlsplit(self.path)
        prefix = f"/{api.stage}"
        # Outside the stage nothing matches: API Gateway's 403 Missing Authentication Token.
        path = url.path[len(prefix):] if url.path.startswith(prefix + "/") else "/\0outside-the-stage"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = dict(self.headers.items())
        response = api.request(
            self.command, path, body=body if body or self.command not in ("GET", "HEAD", "DELETE") else None,
            headers=headers, query=query or None, source_ip=self.client_address[0],
            url=f"http://{self.headers.get('Host', 'localhost')}{self.path}",
        )
        self._reply(response.status_code, {**response.headers, "x-amzn-RequestId": response.request_id},
                    response.body.encode("utf-8"))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class ControlHandler(_Handler):
    """Loopback control API: GET /status, GET /alerts, POST /report {"date": "YYYY-MM-DD"}."""

    def do_GET(self) -> None:
        """Status or new alerts."""
        if self.path == "/status":
            self._json(200, self.live.status())
        elif self.path == "/alerts":
            self._json(200, self.live.new_alerts())
        else:
            self._json(404, {"message": f"no such control resource: {self.path}"})

    def do_POST(self) -> None:
        """Fire the report schedule for a day."""
        body = self._body()
        if body is None:
            return
        if self.path != "/report":
            self._json(404, {"message": f"no such control resource: {self.path}"})
            return
        try:
            request = json.loads(body or b"{}")
            day = date.fromisoformat(request["date"]) if request.get("date") else datetime.now(UTC).date()
        except (ValueError, TypeError, AttributeError) as exc:
            self._json(400, {"message": f"expected {{\"date\": \"YYYY-MM-DD\"}}: {exc}"})
            return
        self._json(200, self.live.fire_report(day))


def _serve_in_background(server: ThreadingHTTPServer, name: str) -> ThreadingHTTPServer:
    server.daemon_threads = True
    Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server


def start_servers(live: LiveService, *, port: int = 0) -> list[ThreadingHTTPServer]:
    """The API server (on `port`, any free one for 0) and the control server, both on 127.0.0.1."""
    handlers = [type(f"Bound{cls.__name__}", (cls,), {"live": live}) for cls in (ApiHandler, ControlHandler)]
    api = _serve_in_background(ThreadingHTTPServer(("127.0.0.1", port), handlers[0]), "api")
    control = _serve_in_background(ThreadingHTTPServer(("127.0.0.1", 0), handlers[1]), "control")
    return [api, control]
