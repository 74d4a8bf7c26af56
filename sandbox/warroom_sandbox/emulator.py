"""The fake Slack as one object: workspace, faults, rate limits, its ASGI app, and its URLs.

:class:`SlackEmulator` does not listen anywhere by itself.
:class:`warroom_sandbox.server.FakeSlackServer` gives it a loopback port of its own (tests);
``warroom dev`` serves :attr:`SlackEmulator.app` beside the sandbox page on one port and tells the
emulator where with :meth:`SlackEmulator.serve_at`.
Either way, the response_url links it hands out point back at wherever it is served.
"""

from __future__ import annotations

import time

from warroom_sandbox.faults import FaultPlan, RateLimiter
from warroom_sandbox.ids import Clock
from warroom_sandbox.modals import TRIGGER_TTL_SECONDS
from warroom_sandbox.model import ApiCall
from warroom_sandbox.openid import OpenIdProvider, openid_routes
from warroom_sandbox.responses import RESPONSE_URL_TTL_SECONDS
from warroom_sandbox.routes import create_app
from warroom_sandbox.seed import ONCALL
from warroom_sandbox.workspace import Workspace


class SlackEmulator:
    """The fake Slack Web API: ``state`` (the :class:`Workspace`), ``faults``, ``rate_limiter``.

    ``clock`` drives message timestamps, response_url expiry, trigger expiry and rate-limit
    windows (pass a :class:`warroom_sandbox.ids.ManualClock` to move time by hand).
    """

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        enforce_rate_limits: bool = False,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        response_url_ttl: float = RESPONSE_URL_TTL_SECONDS,
    ) -> None:
        self.state = Workspace(clock, trigger_ttl=trigger_ttl, response_url_ttl=response_url_ttl)
        self.faults = FaultPlan()
        self.rate_limiter = RateLimiter(clock, enabled=enforce_rate_limits)
        self.openid = OpenIdProvider(self.state, clock)
        self.app = create_app(
            self.state, self.faults, self.rate_limiter, openid_routes(self.openid)
        )
        self._base_url: str | None = None

    def serve_at(self, base_url: str) -> None:
        """Record where :attr:`app` is served (``http://host:port``, no trailing slash)."""
        self._base_url = base_url.rstrip("/")
        self.openid.base_url = self._base_url

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not served anywhere yet")
        return self._base_url

    @property
    def openid_url(self) -> str:
        """Where Sign in with Slack is faked: the bot's ``SLACK_OPENID_URL``."""
        return self.base_url

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:<port>/api/``: the ``base_url`` for slack-sdk's ``WebClient``."""
        return f"{self.base_url}/api/"

    # --- test controls ----------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded workspace: no messages, calls, faults or rate-limit history."""
        self.state.reset()
        self.openid.reset()
        self.faults.clear()
        self.rate_limiter.clear()

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        match: dict[str, str] | None = None,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail; see :meth:`FaultPlan.fail`."""
        self.faults.fail(
            method,
            times,
            status=status,
            error=error,
            retry_after=retry_after,
            match=match,
            applied=applied,
        )

    def stall(
        self, method: str, seconds: float, times: int = 1, *, match: dict[str, str] | None = None
    ) -> None:
        """Carry out the next ``times`` calls of ``method``, answering ``seconds`` late; see
        :meth:`FaultPlan.stall`."""
        self.faults.stall(method, seconds, times, match=match)

    def latency(self, method: str, seconds: float) -> None:
        """Delay every call of ``method`` by ``seconds``."""
        self.faults.latency(method, seconds)

    @property
    def enforce_rate_limits(self) -> bool:
        return self.rate_limiter.enabled

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, enabled: bool) -> None:
        self.rate_limiter.enabled = enabled

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """The recorded Web API calls (of ``method``), oldest first."""
        return self.state.calls(method)

    def issue_trigger_id(self, user_id: str = ONCALL) -> str:
        """A trigger id as Slack puts in an interaction by ``user_id`` (one use, 3 seconds)."""
        return self.state.issue_trigger_id(user_id)

    def new_response_url(
        self,
        channel_id: str,
        user_id: str,
        *,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> str:
        """A fresh response_url for an interaction by ``user_id`` in ``channel_id``.

        ``message_ts`` (or ``ephemeral_ts``) names the message the interaction came from, which
        ``replace_original``/``delete_original`` act on.
        """
        token = self.state.new_response_token(
            channel_id, user_id, message_ts=message_ts, ephemeral_ts=ephemeral_ts
        )
        return f"{self.base_url}/response/{token}"
