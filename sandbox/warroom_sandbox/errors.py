"""The one way a fake Slack method fails: :class:`ApiError`, rendered exactly as Slack renders it.

Slack answers API errors with HTTP 200 and ``{"ok": false, "error": "<code>"}``; a few carry more
(``response_metadata.messages`` for ``invalid_blocks``, per-user ``errors`` for
``conversations.invite``) and a few use another status (``unknown_method`` is 404, rate limits are
429 with ``Retry-After``). Everything that can fail in the sandbox raises this one exception, so the
HTTP layer has a single place that turns failures into responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ApiError(Exception):
    """A Slack API failure: an error code plus whatever Slack sends alongside it.

    ``messages`` become ``response_metadata.messages`` (Slack's ``[ERROR] ... [json-pointer:...]``
    explanations); ``detail`` is merged into the top level of the body; ``headers`` are sent as
    HTTP headers (``Retry-After``).
    """

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        messages: Sequence[str] = (),
        detail: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.messages = list(messages)
        self.detail = dict(detail or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would answer with."""
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.detail}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body
