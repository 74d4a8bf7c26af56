"""A lean HTTP/1.1 client for the load generator: keep-alive POSTs over asyncio streams.

The load generator shares the machine's two cores with the apps it times. ``httpx`` spent about
2 ms of CPU per request here, more than the floor app itself spends answering one; this spends a
fraction of that, so the client takes less CPU from the apps and adds less to each latency.
It speaks just what the benchmark needs: POST with a body, an answer with ``Content-Length`` or
chunked, keep-alive unless the server says ``Connection: close``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 we understand."""


class _Stale(HttpError):
    """A kept-alive connection was closed before it answered (the server's idle timeout)."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes, bool]:
        """Send one request; its status, body and whether the connection can be reused."""
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise _Stale("closed before answering")
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {status_line[:80]!r}")
        length, chunked, keep = 0, False, parts[0] == b"HTTP/1.1"
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"connection":
                keep = value != b"close"
        answer = await self._chunked() if chunked else await self.reader.readexactly(length)
        return int(parts[1]), answer, keep

    async def _chunked(self) -> bytes:
        answer = b""
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            answer += await self.reader.readexactly(size)
            await self.reader.readline()
        while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return answer

    def close(self) -> None:
        self.writer.close()


class Client:
    """POSTs to one ``http://host:port/path`` URL over a pool of keep-alive connections."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"need http://host:port/path, not {url}")
        self._host, self._port, self._timeout = parts.hostname, parts.port, timeout
        self._prefix = f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode()
        self._idle: list[_Connection] = []

    async def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """The status and body of the answer; ``HttpError`` or ``TimeoutError`` if none came."""
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = self._prefix + f"{lines}Content-Length: {len(body)}\r\n\r\n".encode()
        async with asyncio.timeout(self._timeout):
            while self._idle:  # the most recently used first: the least likely to be closed
                try:
                    return await self._exchange(self._idle.pop(), head, body, reused=True)
                except _Stale:
                    continue  # the server closed it while it was idle; nothing was answered
            try:
                opened = await asyncio.open_connection(self._host, self._port)
            except OSError as error:
                raise HttpError(f"{type(error).__name__}: {error}") from error
            return await self._exchange(_Connection(*opened), head, body, reused=False)

    async def _exchange(
        self, connection: _Connection, head: bytes, body: bytes, *, reused: bool
    ) -> tuple[int, bytes]:
        try:
            status, answer, keep = await connection.post(head, body)
        except (OSError, ValueError, asyncio.IncompleteReadError, HttpError) as error:
            connection.close()
            if reused and isinstance(error, ConnectionError | _Stale):
                raise _Stale from error
            raise HttpError(f"{type(error).__name__}: {error}") from error
        except BaseException:  # a timeout cancels the exchange: the connection is unusable
            connection.close()
            raise
        if keep:
            self._idle.append(connection)
        else:
            connection.close()
        return status, answer

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
