"""Slack calls over kept-alive connections.

slack-sdk sends every Web API call and every ``response_url`` post with ``urllib``, which opens
a new TCP (and, against Slack, TLS) connection each time: under load that was a quarter of the
timer runner's CPU (``socket.create_connection``, ``getaddrinfo``, the handshake). These
subclasses send through one pool of ``http.client`` connections per process, kept open between
calls. Everything else stays slack-sdk's: the request it builds, its retry handlers (which see
the same ``HTTPError`` and ``URLError`` types urllib raises) and the response objects.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPMessage
from io import BytesIO
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk.webhook import WebhookClient, WebhookResponse

# Below the 5 s idle timeout of common servers (uvicorn's default), so the pool drops a
# connection before the other end does rather than sending on one being closed.
KEEPALIVE_SECONDS = 4.0
IDLE_PER_HOST = 32
# What a connection that sat idle may raise when the server closed it meanwhile: sent again once
# on a new connection (what urllib3 and browsers do).
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)

_Origin = tuple[str, str, int]


class _Connection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        # http.client writes the headers and the body separately: with Nagle's algorithm the
        # body waits for the server's delayed ACK of the headers (40 ms on Linux) on a kept-alive
        # connection.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _TlsConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@dataclass
class _Pool:
    """Idle connections by origin. ``http.client`` rather than httpx: on a fast network a
    request costs it a third of httpx's CPU (0.2 against 0.65 ms on loopback)."""

    idle: dict[_Origin, list[tuple[float, http.client.HTTPConnection]]] = field(
        default_factory=dict
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    tls: ssl.SSLContext | None = None

    def take(self, origin: _Origin, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        now = time.monotonic()
        with self.lock:
            stack = self.idle.get(origin, [])
            while stack:
                since, conn = stack.pop()
                if now - since < KEEPALIVE_SECONDS:
                    conn.timeout = timeout
                    if conn.sock is not None:
                        conn.sock.settimeout(timeout)
                    return conn, True
                conn.close()
        return self._open(origin, timeout), False

    def _open(self, origin: _Origin, timeout: float) -> http.client.HTTPConnection:
        scheme, host, port = origin
        if scheme == "https":
            if self.tls is None:
                self.tls = ssl.create_default_context()
            return _TlsConnection(host, port, timeout=timeout, context=self.tls)
        return _Connection(host, port, timeout=timeout)

    def give_back(self, origin: _Origin, conn: http.client.HTTPConnection) -> None:
        with self.lock:
            stack = self.idle.setdefault(origin, [])
            if len(stack) < IDLE_PER_HOST:
                stack.append((time.monotonic(), conn))
                return
        conn.close()


_pool = _Pool()


def _origin(url: str) -> tuple[_Origin, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise URLError(f"unsupported URL {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    return (parts.scheme, parts.hostname, port), f"{path}?{parts.query}" if parts.query else path


def post(req: Request, timeout: float) -> tuple[int, HTTPMessage, bytes]:
    """Send urllib's request on a kept-alive connection; urllib's errors where it raises them."""
    origin, target = _origin(req.full_url)
    data = req.data if isinstance(req.data, bytes) else b""
    headers = dict(req.header_items())
    while True:
        conn, reused = _pool.take(origin, timeout)
        try:
            status, reason, message, body, reusable = _exchange(conn, target, data, headers)
        except _STALE:
            conn.close()
            if reused:
                continue
            raise
        except TimeoutError:
            conn.close()
            raise
        except OSError as error:
            conn.close()
            raise URLError(error) from error
        except http.client.HTTPException as error:
            conn.close()
            raise ConnectionResetError(str(error)) from error
        if reusable:
            _pool.give_back(origin, conn)
        else:
            conn.close()
        if status >= 400:
            raise HTTPError(req.full_url, status, reason, message, BytesIO(body))
        return status, message, body


def _exchange(
    conn: http.client.HTTPConnection, target: str, data: bytes, headers: Mapping[str, str]
) -> tuple[int, str, HTTPMessage, bytes, bool]:
    conn.request("POST", target, body=data, headers=dict(headers))
    response = conn.getresponse()
    body = response.read()
    return response.status, response.reason, response.headers, body, not response.will_close


def web_api_response(req: Request, timeout: float) -> dict[str, Any]:
    """What ``WebClient._perform_urllib_http_request_internal`` returns, over the pool."""
    status, headers, body = post(req, timeout)
    if headers.get_content_type() == "application/gzip":
        return {"status": status, "headers": headers, "body": body}
    charset = headers.get_content_charset() or "utf-8"
    return {"status": status, "headers": headers, "body": body.decode(charset)}


class PooledWebhookClient(WebhookClient):
    """``WebhookClient`` (``response_url`` answers) whose posts reuse connections."""

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        if self.proxy is not None:
            return super()._perform_http_request_internal(url, req)  # type: ignore[no-any-return]
        status, headers, body = post(req, self.timeout)
        charset = headers.get_content_charset() or "utf-8"
        return WebhookResponse(
            url=url,
            status_code=status,
            body=body.decode(charset),
            headers=headers,  # type: ignore[arg-type]
        )
