"""A local flag service of the shape warroom's generic HTTP flag provider expects.

Each flag is a URL (any path, :meth:`FakeFlagHttp.url_for`): ``GET`` answers ``{"enabled":
bool}``; ``PUT`` with ``Content-Type: application/json`` and ``{"enabled": bool}`` sets it and
answers the new state. Auth: ``Authorization: Bearer <token>`` (401 ``{"error":
"unauthorized"}``; a read-only token writing: 403 ``{"error": "forbidden"}``). An unknown path
is 404 ``{"error": "no flag at <path>"}``; a bad body is 400 ``{"error": ...}``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.base import Handler, parse_json

DEFAULT_TOKEN = "flag-service-token-test"
ERRORS = {401: "unauthorized", 403: "forbidden", 404: "not found", 409: "conflict"}


class FakeFlagHttp(FakeAdminApi):
    """Seed with :meth:`set_flag`; inspect with :meth:`is_enabled`; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        read_only_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._flags: dict[str, bool] = {}
        super().__init__(token, read_only_tokens=read_only_tokens, host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [("/{path:path}", ["GET", "PUT"], self._flag)]

    def presented_token(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def unauthorized(self, request: Request) -> Response:
        return _error(401, ERRORS[401])

    def forbidden(self, request: Request) -> Response:
        return _error(403, ERRORS[403])

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if status == 429 and retry_after else {}
        return _error(status, ERRORS.get(status, "injected failure"), headers)

    def _reset_state(self) -> None:
        super()._reset_state()
        self._flags.clear()

    # -- seeding and inspection -----------------------------------------------------------------

    def url_for(self, path: str) -> str:
        return f"{self.url}/{path.lstrip('/')}"

    def set_flag(self, path: str, enabled: bool) -> None:
        with self._lock:
            self._flags["/" + path.lstrip("/")] = enabled

    def is_enabled(self, path: str) -> bool:
        with self._lock:
            return self._flags["/" + path.lstrip("/")]

    # -- the API --------------------------------------------------------------------------------

    def _flag(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        path = request.url.path
        if path not in self._flags:
            return _error(404, f"no flag at {path}")
        if request.method == "GET":
            return JSONResponse({"enabled": self._flags[path]})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _error(400, "expected Content-Type: application/json")
        try:
            document = parse_json(body)
        except ValueError:
            return _error(400, "the body is not JSON")
        if not isinstance(document, dict) or not isinstance(document.get("enabled"), bool):
            return _error(400, 'expected {"enabled": true|false}')
        self._flags[path] = document["enabled"]
        return JSONResponse({"enabled": self._flags[path]})


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))
