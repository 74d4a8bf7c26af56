"""Reading a request body with a size limit, before anything parses it."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request


class BodyTooLarge(ValueError):
    pass


class BodyCutOff(ValueError):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused (``BodyTooLarge``) as soon as it is known to exceed ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before reading; a chunked body is
    counted as it streams, so a hostile sender never makes the process hold more than ``limit``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared[:20]) > limit:
        raise BodyTooLarge(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"the body is larger than {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise BodyCutOff("the request body was cut off") from None
    return b"".join(chunks)
