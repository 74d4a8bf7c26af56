"""Send a :class:`FuzzRequest` on a socket of its own, its bytes exactly as generated.

A raw socket rather than an HTTP client: header values may hold bytes a client would refuse to
send, and an app that answers 413 and closes before a huge body is all sent must still have its
answer read.
"""

from __future__ import annotations

import socket
import time
from contextlib import suppress
from dataclasses import dataclass

from warroom_sandbox.fuzz import FuzzRequest


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the connection closed (or timed out) without an answer
    seconds: float  # from connecting to the end of the answer
    body: bytes


def send(host: str, port: int, request: FuzzRequest, timeout: float = 30.0) -> Answer:
    head = f"{request.method} {request.path} HTTP/1.1\r\n".encode("utf-8", "surrogateescape")
    headers = [(b"Host", f"{host}:{port}".encode()), (b"Connection", b"close")]
    headers += list(request.headers)
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        headers.append((b"Content-Length", str(len(request.body)).encode()))
    lines = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    started = time.monotonic()
    received = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with suppress(OSError):  # answered and closed before the whole body was sent
                sock.sendall(head + lines + b"\r\n" + request.body)
            with suppress(OSError):
                while chunk := sock.recv(65536):
                    received += chunk
    except OSError:
        pass
    return _parse(received, time.monotonic() - started)


def _parse(received: bytes, seconds: float) -> Answer:
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split(b" ")
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
    return Answer(status, seconds, body)
