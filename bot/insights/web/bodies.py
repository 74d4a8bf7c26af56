"""Reading a small form-encoded POST body without python-multipart."""

from __future__ import annotations

from starlette.requests import Request

from bot.kernel.web.forms import form_pairs

MAX_FORM_BYTES = 16_384


async def form_fields(request: Request) -> dict[str, str]:
    """The form's fields (the last value of a repeated one); an oversized or undecodable body
    has none."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    try:
        return dict(form_pairs(body.decode("utf-8")))
    except UnicodeDecodeError:
        return {}
