"""Reading a small form-encoded POST body without python-multipart."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_FORM_BYTES = 16_384


async def form_fields(request: Request) -> dict[str, str]:
    """The form's fields (first value of each); an oversized or undecodable body has none."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    try:
        return dict(parse_qsl(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        return {}
